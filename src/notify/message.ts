/**
 * What a channel is asked to deliver: one format-neutral message (title, lead, sections of
 * lines, the findings behind it) that render.ts turns into plain text, e-mail HTML,
 * Telegram HTML or Pushover HTML. Rules: every string here is PLAIN TEXT, cleaned of control
 * and bidi characters and bounded when the message is built, because finding text quotes
 * attacker-controlled data (hostnames, banners, DNS names); escaping happens only when a
 * renderer produces markup. A message is built once, stored in the outbox as JSON and sent
 * unchanged on every retry; `id` is its idempotency key.
 */
import { cleanText } from '../intel/sanitise.js';
import { SEVERITIES, severityRank, type Finding, type Severity } from '../findings/types.js';
import { formatZoned } from './time-zone.js';

export type MessageKind = 'alert' | 'digest' | 'suppressed' | 'summary' | 'test';

export interface MessageLine {
  text: string;
  severity?: Severity;
}

export interface MessageSection {
  heading?: string;
  lines: MessageLine[];
  /** Lines left out of this section (shown as "… and N more"). */
  omitted?: number;
}

/** The facts of one finding carried by a message (webhook and Home Assistant data). */
export interface FindingRef {
  key: string;
  category: string;
  severity: Severity;
  sourceIp: string;
  title: string;
  detail: string;
  firstSeenMs: number;
  lastSeenMs: number;
  occurrences: number;
  /** What the user can do about it, when the detector said. */
  remediation?: string;
}

export interface NotifyMessage {
  /** Idempotency key: the same on every retry and after restarts. */
  id: string;
  kind: MessageKind;
  /** The highest severity in the message. */
  severity: Severity;
  title: string;
  lead: string;
  sections: MessageSection[];
  createdMs: number;
  /** Zone the times in the text are written in. */
  timeZone: string;
  findings: FindingRef[];
}

/** Findings listed in one digest or summary at most (the rest are counted). */
export const MAX_MESSAGE_FINDINGS = 50;
const TITLE_MAX = 200;
const LEAD_MAX = 600;
const LINE_MAX = 300;

/** Plain, bounded text: control/bidi characters removed, whitespace collapsed, cut with "…". */
export function plain(v: unknown, max: number): string {
  const s = cleanText(typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v), max + 1) ?? '';
  return s.length > max ? `${s.slice(0, Math.max(0, max - 1))}…` : s;
}

/** "HIGH", "CRITICAL", … */
export function severityLabel(s: Severity): string {
  return s.toUpperCase();
}

/** The highest of the severities (info when none). */
export function maxSeverity(list: Iterable<Severity>): Severity {
  let best = 0;
  for (const s of list) best = Math.max(best, severityRank(s));
  return SEVERITIES[best] ?? 'info';
}

/** The bounded, cleaned facts of a finding. */
export function findingRef(f: Finding): FindingRef {
  return {
    key: plain(f.key, 300),
    category: plain(f.category, 64),
    severity: f.severity,
    sourceIp: plain(f.sourceIp, 64),
    title: plain(f.title, TITLE_MAX),
    detail: plain(f.detail, LEAD_MAX),
    firstSeenMs: f.firstSeenMs,
    lastSeenMs: f.lastSeenMs,
    occurrences: f.occurrences,
    ...(f.remediation ? { remediation: plain(f.remediation, LEAD_MAX) } : {}),
  };
}

export interface BuildContext {
  id: string;
  nowMs: number;
  timeZone: string;
}

/** The message for one finding. */
export function alertMessage(f: FindingRef, ctx: BuildContext): NotifyMessage {
  const lines: MessageLine[] = [
    { text: `Device: ${f.sourceIp}` },
    { text: `Category: ${f.category}` },
    { text: `First seen: ${formatZoned(f.firstSeenMs, ctx.timeZone)}` },
    { text: `Last seen: ${formatZoned(f.lastSeenMs, ctx.timeZone)}` },
    { text: `Occurrences: ${f.occurrences}` },
  ];
  if (f.remediation) lines.push({ text: `What to do: ${f.remediation}` });
  return {
    id: ctx.id,
    kind: 'alert',
    severity: f.severity,
    title: plain(`${severityLabel(f.severity)}: ${f.title}`, TITLE_MAX),
    lead: f.detail,
    sections: [{ lines }],
    createdMs: ctx.nowMs,
    timeZone: ctx.timeZone,
    findings: [f],
  };
}

/** Findings ordered most severe first, then oldest first. */
export function orderFindings(list: readonly FindingRef[]): FindingRef[] {
  return [...list].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.firstSeenMs - b.firstSeenMs);
}

/** One line per finding, capped at MAX_MESSAGE_FINDINGS (the rest counted in `omitted`). */
export function findingLines(list: readonly FindingRef[], tz: string): MessageSection {
  const ordered = orderFindings(list);
  const shown = ordered.slice(0, MAX_MESSAGE_FINDINGS);
  return {
    lines: shown.map((f) => ({
      severity: f.severity,
      text: plain(`[${severityLabel(f.severity)}] ${f.title} (${f.sourceIp}, ${formatZoned(f.lastSeenMs, tz)})`, LINE_MAX),
    })),
    omitted: ordered.length - shown.length,
  };
}

function countBySeverity(list: readonly FindingRef[]): string {
  const counts = new Map<Severity, number>();
  for (const f of list) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
  return [...SEVERITIES]
    .reverse()
    .filter((s) => counts.has(s))
    .map((s) => `${counts.get(s)} ${s}`)
    .join(', ');
}

/** The morning digest of alerts held during quiet hours. */
export function digestMessage(held: readonly FindingRef[], ctx: BuildContext & { quietHours: string }): NotifyMessage {
  const n = held.length;
  return {
    id: ctx.id,
    kind: 'digest',
    severity: maxSeverity(held.map((f) => f.severity)),
    title: `homesec: ${n} alert${n === 1 ? '' : 's'} held during quiet hours`,
    lead: plain(`Held during quiet hours (${ctx.quietHours || 'quiet hours'}, ${ctx.timeZone}): ${countBySeverity(held)}.`, LEAD_MAX),
    sections: [findingLines(held, ctx.timeZone)],
    createdMs: ctx.nowMs,
    timeZone: ctx.timeZone,
    findings: orderFindings(held).slice(0, MAX_MESSAGE_FINDINGS),
  };
}

/** The "k more suppressed" summary of alerts the rate limit held back. */
export function suppressedMessage(
  suppressed: readonly FindingRef[],
  ctx: BuildContext & { fromMs: number; toMs: number; limitText: string },
): NotifyMessage {
  const n = suppressed.length;
  return {
    id: ctx.id,
    kind: 'suppressed',
    severity: maxSeverity(suppressed.map((f) => f.severity)),
    title: `homesec: ${n} more alert${n === 1 ? '' : 's'} suppressed`,
    lead: plain(
      `${n} more alert${n === 1 ? ' was' : 's were'} suppressed by the rate limit (${ctx.limitText}) between ${formatZoned(ctx.fromMs, ctx.timeZone)} and ${formatZoned(ctx.toMs, ctx.timeZone)}: ${countBySeverity(suppressed)}.`,
      LEAD_MAX,
    ),
    sections: [findingLines(suppressed, ctx.timeZone)],
    createdMs: ctx.nowMs,
    timeZone: ctx.timeZone,
    findings: orderFindings(suppressed).slice(0, MAX_MESSAGE_FINDINGS),
  };
}

/** The message of `homesec notify test`. */
export function testMessage(ctx: BuildContext & { channel: string }): NotifyMessage {
  return {
    id: ctx.id,
    kind: 'test',
    severity: 'info',
    title: 'homesec test notification',
    lead: plain(`This is a test message for channel "${ctx.channel}", sent at ${formatZoned(ctx.nowMs, ctx.timeZone)} (${ctx.timeZone}). If you can read this, the channel works.`, LEAD_MAX),
    sections: [],
    createdMs: ctx.nowMs,
    timeZone: ctx.timeZone,
    findings: [],
  };
}
