/**
 * Hostile responses (reference/hostile-input-catalogue.md cases 15, 16, 18): huge titles and
 * bodies, markup in titles and headers, invalid UTF-8 and control characters, and bodies built
 * to make the rule regexes backtrack. Timings are measured on this machine's shared cores.
 */
import { describe, expect, it } from 'vitest';
import { sanitizeText } from '../service/sanitize.js';
import { MAX_HTML, extractTitle, fingerprintHttp } from './fingerprint.js';
import { getRuleDatabase } from './rules.js';

const BUDGET_MS = 1000;
const SIZE = 256 * 1024;

function repeatTo(unit: string, size: number): string {
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

function timed<T>(fn: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = fn();
  return { value, ms: performance.now() - start };
}

describe('hostile HTTP responses', () => {
  // Load and warm the database outside the timed sections.
  fingerprintHttp({ url: 'http://192.0.2.1/', status: 200, headers: { server: 'nginx' }, body: '<title>warm</title>' });

  it('caps a 10 MB title: bounded work, at most 200 characters', () => {
    const html = `<html><head><title>${repeatTo('A very long title ', 10 * 1024 * 1024)}</title></head></html>`;
    const title = timed(() => extractTitle(html));
    expect(title.value?.length).toBe(200);
    expect(title.ms).toBeLessThan(200);
    const fp = timed(() => fingerprintHttp({ url: 'http://192.0.2.1/', status: 200, headers: { server: 'nginx/1.22.1' }, body: html }));
    expect(fp.value.find((t) => t.name === 'Nginx')?.version).toBe('1.22.1');
    expect(fp.ms).toBeLessThan(BUDGET_MS);
  });

  it('returns markup in titles and headers as plain text (escaping is the UI\'s job)', () => {
    expect(extractTitle('<title><script>alert(1)</script></title>')).toBe('<script>alert(1)</script>');
    const found = fingerprintHttp({
      url: 'http://192.0.2.1/',
      status: 200,
      headers: { server: '<script>alert(1)</script> nginx/1.2', 'x-aspnet-version': '<b>4</b>' },
      body: '<title><img src=x onerror=alert(1)></title>',
    });
    expect(found.find((t) => t.name === 'Nginx')?.version).toBe('1.2');
    expect(found.find((t) => t.name === 'Microsoft ASP.NET')?.version).toBe('<b>4</b>');
  });

  it('stores versions sanitised: control characters escaped, length bounded', () => {
    const found = fingerprintHttp({ url: 'http://192.0.2.1/', status: 200, headers: { 'x-aspnet-version': '4\u001b[2J\u0000\u202e' }, body: '' });
    const version = found.find((t) => t.name === 'Microsoft ASP.NET')?.version;
    expect(version).toBe('4\\x1b[2J\\x00\\u{202e}');
    const long = fingerprintHttp({ url: 'http://192.0.2.1/', status: 200, headers: { 'x-aspnet-version': 'x'.repeat(5000) }, body: '' });
    expect(long.find((t) => t.name === 'Microsoft ASP.NET')?.version).toBeUndefined();
  });

  it('handles invalid UTF-8 and lone surrogates without throwing', () => {
    const bytes = Buffer.concat([Buffer.from('<html><title>caf'), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]), Buffer.from('</title><meta name="generator" content="WordPress 6.4.3"></html>')]);
    const body = bytes.toString('utf8');
    const found = fingerprintHttp({ url: 'http://192.0.2.1/', status: 200, headers: { server: 'lighttpd/1.4.69\ud800' }, body });
    expect(found.find((t) => t.name === 'WordPress')?.version).toBe('6.4.3');
    const title = extractTitle(`${body}\ud800`)!;
    expect(title.startsWith('caf\ufffd(')).toBe(true);
    expect(sanitizeText('\ud800x', 20)).toBe('\\u{d800}x');
  });

  describe(`regex-hostile ${SIZE / 1024} KiB bodies fingerprint in under ${BUDGET_MS} ms`, () => {
    const db = getRuleDatabase();
    // Every required literal of every body pattern, so no regex is skipped by the prefilter.
    const literals = [...new Set(db.rules.flatMap((r) => [...r.html, ...r.scripts, ...r.text, ...r.css].flatMap((p) => p.literals?.[0] ?? [])))].join(' ');
    const bodies: Record<string, string> = {
      'open angle brackets': repeatTo('<', SIZE),
      'unclosed tags': repeatTo('<a ', SIZE),
      'one unclosed tag then letters': `<div class="${repeatTo('a', SIZE)}`,
      'every literal, then <': `${literals}${repeatTo('<', SIZE - literals.length)}`,
      'every literal, then unclosed script tags': `${literals}${repeatTo('<script src="', SIZE - literals.length)}`,
      'every literal, then dots': `<script>${literals}${repeatTo('.', SIZE - literals.length)}`,
      'nested quantifier bait': repeatTo('<a/binaries/ab/ab/ab/', SIZE),
    };
    for (const [name, body] of Object.entries(bodies)) {
      it(name, () => {
        expect(body.length).toBeGreaterThanOrEqual(SIZE);
        const run = timed(() => fingerprintHttp({ url: 'http://192.0.2.1/', status: 200, headers: { 'content-type': 'text/html' }, body }));
        expect(run.ms).toBeLessThan(BUDGET_MS);
      });
    }
  });

  it('looks at no more than MAX_HTML characters of a body', () => {
    const marker = '<meta name="generator" content="WordPress 6.4.3">';
    const within = `${repeatTo(' ', MAX_HTML - marker.length)}${marker}`;
    const beyond = `${repeatTo(' ', MAX_HTML)}${marker}`;
    expect(fingerprintHttp({ url: 'http://192.0.2.1/', status: 200, headers: {}, body: within }).map((t) => t.name)).toContain('WordPress');
    expect(fingerprintHttp({ url: 'http://192.0.2.1/', status: 200, headers: {}, body: beyond }).map((t) => t.name)).not.toContain('WordPress');
  });
});
