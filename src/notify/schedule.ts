/**
 * Quiet hours and the summary schedule, as written in config and as instants. Rules: texts
 * are parsed strictly (a typo stops start-up through the config schema rather than
 * silently notifying at night); every decision is a pure function of (instant, zone), so
 * tests drive it with a fake clock. Quiet hours "22:00-07:00" cover [22:00, 07:00) local
 * time and may wrap midnight; a range whose start equals its end is rejected (it could mean
 * never or always). A schedule fires at its local time on matching days only.
 */
import { zonedParts, zonedTimeToUtc } from './time-zone.js';

export interface QuietHours {
  /** Minutes after local midnight. */
  startMin: number;
  endMin: number;
}

export type DigestSchedule =
  | { every: 'off' }
  | { every: 'daily'; minute: number }
  | { every: 'weekly'; weekday: number; minute: number };

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const FULL_DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

function parseWeekday(word: string): number {
  const i = Math.max(DAY_NAMES.indexOf(word as (typeof DAY_NAMES)[number]), FULL_DAY_NAMES.indexOf(word));
  if (i < 0) throw new Error(`"${word}" is not a weekday (mon, tue, wed, thu, fri, sat, sun)`);
  return i;
}

function parseClock(text: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a time of day (use HH:MM, e.g. 07:00)`);
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h > 23 || min > 59) throw new Error(`"${text}" is not a time of day (00:00 to 23:59)`);
  return h * 60 + min;
}

function clockText(min: number): string {
  return `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
}

/** Parses "22:00-07:00" (or "" / "off" for none); throws a message a person can act on. */
export function parseQuietHours(text: string): QuietHours | undefined {
  const t = text.trim().toLowerCase();
  if (t === '' || t === 'off') return undefined;
  const parts = t.split('-');
  if (parts.length !== 2) throw new Error(`"${text}" is not a time range (use e.g. 22:00-07:00, or "off")`);
  const startMin = parseClock(parts[0] as string);
  const endMin = parseClock(parts[1] as string);
  if (startMin === endMin) throw new Error(`"${text}": start and end are equal (use "off" for no quiet hours)`);
  return { startMin, endMin };
}

/** The canonical text of quiet hours ("22:00-07:00", or "" for none). */
export function formatQuietHours(q: QuietHours | undefined): string {
  return q ? `${clockText(q.startMin)}-${clockText(q.endMin)}` : '';
}

/** True when instant `ms` falls inside the quiet hours in `tz`. */
export function isQuietAt(ms: number, q: QuietHours | undefined, tz: string): boolean {
  if (!q) return false;
  const p = zonedParts(ms, tz);
  const m = p.hour * 60 + p.minute;
  return q.startMin < q.endMin ? m >= q.startMin && m < q.endMin : m >= q.startMin || m < q.endMin;
}

/** Parses "daily 08:00", "weekly mon 08:00" or "off"; throws a message a person can act on. */
export function parseDigestSchedule(text: string): DigestSchedule {
  const words = text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0 || (words.length === 1 && words[0] === 'off')) return { every: 'off' };
  if (words[0] === 'daily' && words.length === 2) return { every: 'daily', minute: parseClock(words[1] as string) };
  if (words[0] === 'weekly' && words.length === 3) {
    return { every: 'weekly', weekday: parseWeekday(words[1] as string), minute: parseClock(words[2] as string) };
  }
  throw new Error(`"${text}" is not a schedule (use "daily 08:00", "weekly mon 08:00" or "off")`);
}

/** The canonical text of a schedule. */
export function formatDigestSchedule(s: DigestSchedule): string {
  if (s.every === 'off') return 'off';
  if (s.every === 'daily') return `daily ${clockText(s.minute)}`;
  return `weekly ${DAY_NAMES[s.weekday]} ${clockText(s.minute)}`;
}

/** The length of one period of the schedule (the span a summary covers), ms. */
export function schedulePeriodMs(s: DigestSchedule): number {
  return s.every === 'weekly' ? 7 * 86_400_000 : 86_400_000;
}

/**
 * The instant the schedule fires on the local day containing `ms`, or undefined when it
 * does not fire that day (off, or another weekday).
 */
export function scheduledInstantOnDay(ms: number, s: DigestSchedule, tz: string): number | undefined {
  if (s.every === 'off') return undefined;
  const p = zonedParts(ms, tz);
  if (s.every === 'weekly' && p.weekday !== s.weekday) return undefined;
  return zonedTimeToUtc(p.year, p.month, p.day, Math.floor(s.minute / 60), s.minute % 60, tz);
}

/** The first instant strictly after `ms` at which the schedule fires (undefined when off). */
export function nextScheduledAfter(ms: number, s: DigestSchedule, tz: string): number | undefined {
  if (s.every === 'off') return undefined;
  const p = zonedParts(ms, tz);
  for (let d = 0; d <= 8; d++) {
    const noon = zonedTimeToUtc(p.year, p.month, p.day + d, 12, 0, tz);
    const at = scheduledInstantOnDay(noon, s, tz);
    if (at !== undefined && at > ms) return at;
  }
  return undefined;
}
