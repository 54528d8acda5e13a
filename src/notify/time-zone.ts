/**
 * Wall-clock time in an IANA time zone, for quiet hours, digest schedules and the times
 * printed in messages. Rules: pure functions of (instant, zone) built on Intl (no tz
 * database of our own); formatters are cached per zone; a local time that does not exist
 * (the hour skipped when clocks go forward) is shifted forward by the length of the gap
 * (02:30 becomes 03:30, like Temporal's "compatible"), and an ambiguous one (the hour
 * repeated when clocks go back) maps to its first occurrence.
 */

export interface ZonedParts {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday .. 6 = Saturday */
  weekday: number;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    if (formatters.size > 64) formatters.clear();
    formatters.set(tz, f);
  }
  return f;
}

/** The zone this machine is configured with (falls back to UTC). */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** True when `tz` names a time zone Intl knows (IANA names such as Europe/Berlin, or UTC). */
export function isValidTimeZone(tz: string): boolean {
  if (!tz || tz.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The calendar and clock fields of instant `ms` as seen in `tz`. */
export function zonedParts(ms: number, tz: string): ZonedParts {
  const out: Record<string, string> = {};
  for (const p of formatter(tz).formatToParts(new Date(ms))) out[p.type] = p.value;
  return {
    year: Number(out.year),
    month: Number(out.month),
    day: Number(out.day),
    hour: Number(out.hour) % 24,
    minute: Number(out.minute),
    second: Number(out.second),
    weekday: WEEKDAYS[out.weekday ?? ''] ?? 0,
  };
}

/** Offset of `tz` from UTC at instant `ms`, in ms (positive east of Greenwich). */
export function zoneOffsetMs(ms: number, tz: string): number {
  const p = zonedParts(ms, tz);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * The instant at which the wall clock in `tz` shows the given local date and time (month
 * 1..12; day may overflow, Date.UTC normalises it). See the module rules for gaps/overlaps.
 */
export function zonedTimeToUtc(year: number, month: number, day: number, hour: number, minute: number, tz: string): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // Two offsets around the guess cover both sides of a transition.
  const candidates = new Set([wall - zoneOffsetMs(wall - 86_400_000, tz), wall - zoneOffsetMs(wall + 86_400_000, tz), wall - zoneOffsetMs(wall, tz)]);
  const exact = [...candidates].filter((t) => t + zoneOffsetMs(t, tz) === wall).sort((a, b) => a - b);
  if (exact.length > 0) return exact[0] as number;
  // In a gap: shifted forward by the gap (the earlier offset applied to the wall time).
  return Math.max(...candidates);
}

/** "YYYY-MM-DD HH:mm" in `tz`. */
export function formatZoned(ms: number, tz: string): string {
  const p = zonedParts(ms, tz);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}`;
}
