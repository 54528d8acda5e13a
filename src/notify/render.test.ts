import { describe, expect, it } from 'vitest';
import { alertMessage, digestMessage, findingRef, plain, type FindingRef } from './message.js';
import {
  byteLength,
  charLength,
  escapeHtml,
  renderEmailHtml,
  renderPushoverHtml,
  renderTelegramHtml,
  renderText,
  renderTextBody,
} from './render.js';
import { finding } from './test-kit.js';

const XSS = '<img src=x onerror=alert(1)>';
const ctx = { id: 'hs-test-1', nowMs: Date.UTC(2026, 0, 1, 12), timeZone: 'UTC' };

function hostileAlert() {
  const f = finding({
    key: 'suspicious_port:192.168.1.66',
    title: `Banner ${XSS} on "camera" & co`,
    detail: `PTR evil.example</b><script>steal()</script>\u001b[2J\u0000 end\u202e`,
  });
  return alertMessage(findingRef(f), ctx);
}

/** Every "<" in s starts one of the allowed tags. */
function onlyTags(s: string, allowed: string[]): boolean {
  const tags = s.match(/<[^>]*>?/g) ?? [];
  return tags.every((t) => allowed.includes(t));
}

describe('message text', () => {
  it('is plain and bounded: control, escape and bidi characters removed', () => {
    const m = hostileAlert();
    expect(m.lead).not.toMatch(/[\u0000-\u001f\u202e]/);
    expect(m.lead).toContain('<script>'); // plain text keeps it as text; renderers escape it
    expect(plain('x'.repeat(500), 10)).toHaveLength(10);
    expect(plain('x'.repeat(500), 10).endsWith('…')).toBe(true);
  });
});

describe('renderers escape attacker-controlled text', () => {
  it('escapeHtml', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('e-mail HTML never contains the hostile markup', () => {
    const html = renderEmailHtml(hostileAlert());
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('</b><script>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&quot;camera&quot; &amp; co');
    expect(html).not.toMatch(/[\u0000\u001b]/);
  });

  it('Telegram HTML uses only <b>/<i> of its own and escapes the rest', () => {
    const t = renderTelegramHtml(hostileAlert());
    expect(onlyTags(t, ['<b>', '</b>', '<i>', '</i>'])).toBe(true);
    expect(t.startsWith('<b>HIGH: Banner &lt;img src=x onerror=alert(1)&gt;')).toBe(true);
    expect(t).toContain('&lt;/b&gt;&lt;script&gt;');
  });

  it('Pushover HTML likewise', () => {
    const p = renderPushoverHtml(hostileAlert());
    expect(onlyTags(p, ['<b>', '</b>', '<i>', '</i>'])).toBe(true);
    expect(p).toContain('&lt;script&gt;steal()&lt;/script&gt;');
  });

  it('an alert says what to do when the detector knows', () => {
    const m = alertMessage(findingRef(finding({ key: 'suspicious_port:192.168.1.9', remediation: 'Disable <telnet> in the camera settings' })), ctx);
    expect(renderText(m)).toContain('- What to do: Disable <telnet> in the camera settings');
    expect(renderTelegramHtml(m)).toContain('• What to do: Disable &lt;telnet&gt; in the camera settings');
  });

  it('plain text carries the text as is (no markup is interpreted)', () => {
    const t = renderText(hostileAlert());
    expect(t).toContain(XSS);
    expect(t.split('\n')[0]).toBe(`HIGH: Banner ${XSS} on "camera" & co`);
  });
});

describe('renderers fit provider limits', () => {
  const many: FindingRef[] = Array.from({ length: 60 }, (_, i) =>
    findingRef(
      finding({
        key: `dns_tunnel:192.168.1.${i}`,
        severity: i % 7 === 0 ? 'critical' : 'medium',
        title: `Überlange DNS-Anfrage 🛰️ ${'ä<&>'.repeat(20)} #${i}`,
        atMs: Date.UTC(2026, 0, 1, 1, i),
      }),
    ),
  );
  const digest = digestMessage(many, { ...ctx, quietHours: '22:00-07:00' });

  it('lists at most 50 findings and counts the rest', () => {
    expect(digest.sections[0]?.lines).toHaveLength(50);
    expect(digest.sections[0]?.omitted).toBe(10);
    expect(digest.findings).toHaveLength(50);
    expect(digest.severity).toBe('critical');
    // critical first
    expect(digest.sections[0]?.lines[0]?.severity).toBe('critical');
  });

  it('Telegram: ≤ 4,096 characters, markup intact, the left-out count adds up', () => {
    const t = renderTelegramHtml(digest, 4096);
    expect(charLength(t)).toBeLessThanOrEqual(4096);
    expect(onlyTags(t, ['<b>', '</b>', '<i>', '</i>'])).toBe(true);
    const shown = t.split('\n').filter((l) => l.startsWith('• ')).length;
    const more = Number(/… and (\d+) more/.exec(t)?.[1]);
    expect(shown).toBeGreaterThan(5);
    expect(shown + more).toBe(60);
  });

  it('Pushover: ≤ 1,024 characters', () => {
    const p = renderPushoverHtml(digest, 1024);
    expect(charLength(p)).toBeLessThanOrEqual(1024);
    expect(p).toMatch(/… and \d+ more/);
    expect(onlyTags(p, ['<b>', '</b>', '<i>', '</i>'])).toBe(true);
  });

  it('ntfy: ≤ 4,096 UTF-8 bytes with multi-byte text', () => {
    const body = renderTextBody(digest, 4096, byteLength);
    expect(byteLength(body)).toBeLessThanOrEqual(4096);
    expect(byteLength(body)).toBeGreaterThan(3000);
  });

  it('a huge lead is shortened when no line is left to drop', () => {
    const m = { ...hostileAlert(), lead: 'L'.repeat(3000), sections: [] };
    const p = renderPushoverHtml(m, 1024);
    expect(charLength(p)).toBeLessThanOrEqual(1024);
    expect(p.endsWith('…')).toBe(true);
  });
});
