/**
 * Rendering a NotifyMessage for a channel. Rules: message text is plain text (message.ts)
 * and is escaped here, at the one place markup is produced: HTML e-mail, Telegram
 * (parse_mode HTML) and Pushover (html=1) get every character of message text through
 * escapeHtml, so a hostname like `<img src=x onerror=…>` shows as text and never as markup.
 * Plain-text channels get the text as is. Every renderer fits the provider's documented
 * limit (Pushover 1,024 characters, Telegram 4,096, ntfy 4,096 bytes, …) by leaving out
 * lines from the end ("… and N more"), then shortening the lead, never by cutting markup.
 */
import { severityRank, type Severity } from '../findings/types.js';
import type { MessageSection, NotifyMessage } from './message.js';

/** Escapes &, <, >, " and ' for HTML text and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

/** Characters of a string (code points). */
export const charLength = (s: string): number => [...s].length;
/** UTF-8 bytes of a string. */
export const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

type Body = Pick<NotifyMessage, 'lead' | 'sections'>;

function moreText(n: number): string {
  return `… and ${n} more`;
}

function cutChars(s: string, n: number): string {
  const cps = [...s];
  return cps.length <= n ? s : `${cps.slice(0, Math.max(0, n - 1)).join('')}…`;
}

/**
 * Renders `body` with `render`, dropping lines from the end and then shortening the lead
 * until `measure` of the result is at most `max`. Returns the rendered text.
 */
export function fitBody(body: Body, render: (b: Body) => string, max: number, measure: (s: string) => number = charLength): string {
  let out = render(body);
  if (measure(out) <= max) return out;
  const sections: MessageSection[] = body.sections.map((s) => ({ ...s, lines: [...s.lines], omitted: s.omitted ?? 0 }));
  for (;;) {
    const last = [...sections].reverse().find((s) => s.lines.length > 0);
    if (!last) break;
    last.lines.pop();
    last.omitted = (last.omitted ?? 0) + 1;
    out = render({ lead: body.lead, sections });
    if (measure(out) <= max) return out;
  }
  // Only the lead (and "… and N more" lines) left: shorten the lead.
  let lo = 0;
  let hi = charLength(body.lead);
  let best = render({ lead: '', sections });
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const candidate = render({ lead: cutChars(body.lead, mid), sections });
    if (measure(candidate) <= max) {
      best = candidate;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (measure(best) <= max) return best;
  // Unreachable for the renderers here (titles are at most 200 characters, far below every
  // limit); a plain cut is the last resort.
  return cutChars(best, max);
}

function textBody(b: Body): string {
  const out: string[] = [];
  if (b.lead) out.push(b.lead);
  for (const s of b.sections) {
    const block: string[] = [];
    if (s.heading) block.push(s.heading);
    for (const l of s.lines) block.push(`- ${l.text}`);
    if (s.omitted) block.push(moreText(s.omitted));
    if (block.length) out.push(block.join('\n'));
  }
  return out.join('\n\n');
}

/** Plain text of the message body (no title), within `max` (measured by `measure`). */
export function renderTextBody(m: NotifyMessage, max = 10_000, measure: (s: string) => number = charLength): string {
  return fitBody(m, textBody, max, measure);
}

/** Plain text with the title first (e-mail text part, webhook `text`). */
export function renderText(m: NotifyMessage, max = 20_000): string {
  return `${m.title}\n\n${renderTextBody(m, Math.max(100, max - charLength(m.title) - 2))}`;
}

/** The HTML body Telegram and Pushover share; with a `title`, it goes first, in bold. */
function htmlBody(title?: string) {
  return (b: Body): string => {
    const out: string[] = title === undefined ? [] : [`<b>${escapeHtml(title)}</b>`];
    if (b.lead) out.push(escapeHtml(b.lead));
    for (const s of b.sections) {
      const block: string[] = [];
      if (s.heading) block.push(`<b>${escapeHtml(s.heading)}</b>`);
      for (const l of s.lines) block.push(`• ${escapeHtml(l.text)}`);
      if (s.omitted) block.push(`<i>${escapeHtml(moreText(s.omitted))}</i>`);
      if (block.length) out.push(block.join('\n'));
    }
    return out.join('\n\n');
  };
}

/** Telegram sendMessage text for parse_mode HTML (title in bold), at most `max` characters. */
export function renderTelegramHtml(m: NotifyMessage, max = 4096): string {
  return fitBody(m, htmlBody(m.title), max);
}

/** Pushover `message` for html=1 (the title goes in `title`), at most `max` characters. */
export function renderPushoverHtml(m: NotifyMessage, max = 1024): string {
  return fitBody(m, htmlBody(), max);
}

const SEVERITY_COLOURS: Record<Severity, string> = {
  info: '#6b7280',
  low: '#2563eb',
  medium: '#d97706',
  high: '#dc2626',
  critical: '#7f1d1d',
};

/** A complete HTML e-mail body: every piece of message text escaped, inline styles only. */
export function renderEmailHtml(m: NotifyMessage): string {
  const body = fitBody(
    m,
    (b) => {
      const out: string[] = [];
      if (b.lead) out.push(`<p style="margin:0 0 12px 0">${escapeHtml(b.lead)}</p>`);
      for (const s of b.sections) {
        if (s.heading) out.push(`<h3 style="margin:16px 0 6px 0;font-size:15px">${escapeHtml(s.heading)}</h3>`);
        if (s.lines.length) {
          const items = s.lines.map((l) => {
            const colour = l.severity ? SEVERITY_COLOURS[l.severity] : '#d1d5db';
            return `<li style="margin:2px 0;padding-left:6px;border-left:4px solid ${colour};list-style:none">${escapeHtml(l.text)}</li>`;
          });
          out.push(`<ul style="margin:0;padding:0">${items.join('')}</ul>`);
        }
        if (s.omitted) out.push(`<p style="margin:4px 0;color:#6b7280"><i>${escapeHtml(moreText(s.omitted))}</i></p>`);
      }
      return out.join('\n');
    },
    200_000,
  );
  const colour = SEVERITY_COLOURS[m.severity];
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"><title>' + escapeHtml(m.title) + '</title></head>',
    '<body style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;font-size:14px;color:#111827">',
    `<h2 style="margin:0 0 12px 0;font-size:18px;border-left:6px solid ${colour};padding-left:8px">${escapeHtml(m.title)}</h2>`,
    body,
    `<p style="margin-top:24px;color:#9ca3af;font-size:12px">Sent by homesec · ${escapeHtml(m.id)}</p>`,
    '</body></html>',
  ].join('\n');
}

/** Provider priority scales, from homesec severities. */
export function pushoverPriority(s: Severity, emergencyForCritical: boolean): number {
  if (s === 'critical') return emergencyForCritical ? 2 : 1;
  return severityRank(s) >= severityRank('medium') ? 0 : -1;
}

/** ntfy priority 1 (min) .. 5 (max). */
export function ntfyPriority(s: Severity): number {
  return [2, 2, 3, 4, 5][severityRank(s)] ?? 3;
}

/** Gotify priority 0..10 (the Android app alerts from 4, pops up from 8). */
export function gotifyPriority(s: Severity): number {
  return [2, 3, 5, 7, 9][severityRank(s)] ?? 5;
}

/** Apprise notification type. */
export function appriseType(s: Severity): 'info' | 'warning' | 'failure' {
  return s === 'critical' ? 'failure' : s === 'high' ? 'warning' : 'info';
}
