import { describe, expect, it } from 'vitest';
import {
  formatDigestSchedule,
  isQuietAt,
  nextScheduledAfter,
  parseDigestSchedule,
  parseQuietHours,
  scheduledInstantOnDay,
} from './schedule.js';
import { formatZoned, isValidTimeZone, zonedParts, zonedTimeToUtc } from './time-zone.js';

const BERLIN = 'Europe/Berlin';
const NY = 'America/New_York';

describe('time zones', () => {
  it('reads wall-clock fields in a zone, including the weekday', () => {
    const t = Date.UTC(2026, 0, 5, 22, 30); // Mon 22:30 UTC = Mon 23:30 Berlin = Mon 17:30 New York
    expect(zonedParts(t, BERLIN)).toMatchObject({ year: 2026, month: 1, day: 5, hour: 23, minute: 30, weekday: 1 });
    expect(zonedParts(t, NY)).toMatchObject({ day: 5, hour: 17, minute: 30 });
    expect(formatZoned(Date.UTC(2026, 0, 5, 23, 30), BERLIN)).toBe('2026-01-06 00:30');
  });

  it('maps local times to instants across DST changes (gap shifts forward, overlap takes the first)', () => {
    expect(zonedTimeToUtc(2026, 1, 15, 8, 0, BERLIN)).toBe(Date.UTC(2026, 0, 15, 7, 0)); // CET +1
    expect(zonedTimeToUtc(2026, 7, 15, 8, 0, BERLIN)).toBe(Date.UTC(2026, 6, 15, 6, 0)); // CEST +2
    // 2026-03-29 02:30 does not exist in Berlin (02:00 -> 03:00): shifted to 03:30 CEST = 01:30Z
    expect(zonedTimeToUtc(2026, 3, 29, 2, 30, BERLIN)).toBe(Date.UTC(2026, 2, 29, 1, 30));
    // 2026-10-25 02:30 happens twice: first (CEST) = 00:30Z
    expect(zonedTimeToUtc(2026, 10, 25, 2, 30, BERLIN)).toBe(Date.UTC(2026, 9, 25, 0, 30));
  });

  it('validates zone names', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});

describe('quiet hours', () => {
  it('parses and rejects', () => {
    expect(parseQuietHours('22:00-7:00')).toEqual({ startMin: 22 * 60, endMin: 7 * 60 });
    expect(parseQuietHours('')).toBeUndefined();
    expect(parseQuietHours('off')).toBeUndefined();
    expect(() => parseQuietHours('22:00')).toThrow(/time range/);
    expect(() => parseQuietHours('25:00-07:00')).toThrow(/00:00 to 23:59/);
    expect(() => parseQuietHours('07:00-07:00')).toThrow(/equal/);
  });

  it('wraps midnight in the configured zone, end exclusive', () => {
    const q = parseQuietHours('22:00-07:00');
    const at = (h: number, m = 0) => zonedTimeToUtc(2026, 1, 10, h, m, BERLIN);
    expect(isQuietAt(at(21, 59), q, BERLIN)).toBe(false);
    expect(isQuietAt(at(22, 0), q, BERLIN)).toBe(true);
    expect(isQuietAt(at(3), q, BERLIN)).toBe(true);
    expect(isQuietAt(at(6, 59), q, BERLIN)).toBe(true);
    expect(isQuietAt(at(7, 0), q, BERLIN)).toBe(false);
    // the same instant is not quiet in New York (16:00 there)
    expect(isQuietAt(at(22, 0), q, NY)).toBe(false);
    // a daytime range does not wrap
    const day = parseQuietHours('12:00-14:00');
    expect(isQuietAt(at(13), day, BERLIN)).toBe(true);
    expect(isQuietAt(at(15), day, BERLIN)).toBe(false);
    expect(isQuietAt(at(3), undefined, BERLIN)).toBe(false);
  });
});

describe('summary schedule', () => {
  it('parses daily, weekly and off; rejects the rest', () => {
    expect(parseDigestSchedule('daily 08:00')).toEqual({ every: 'daily', minute: 480 });
    expect(parseDigestSchedule(' Weekly  Monday 8:05 ')).toEqual({ every: 'weekly', weekday: 1, minute: 485 });
    expect(formatDigestSchedule(parseDigestSchedule('weekly sun 18:30'))).toBe('weekly sun 18:30');
    expect(parseDigestSchedule('off')).toEqual({ every: 'off' });
    expect(() => parseDigestSchedule('weekly moon 08:00')).toThrow(/weekday/);
    expect(() => parseDigestSchedule('hourly')).toThrow(/schedule/);
    expect(() => parseDigestSchedule('daily 8')).toThrow(/time of day/);
  });

  it('fires at the local time on matching days only', () => {
    const daily = parseDigestSchedule('daily 08:00');
    const noonMon = zonedTimeToUtc(2026, 1, 5, 12, 0, BERLIN); // Monday
    expect(scheduledInstantOnDay(noonMon, daily, BERLIN)).toBe(zonedTimeToUtc(2026, 1, 5, 8, 0, BERLIN));
    const weeklyTue = parseDigestSchedule('weekly tue 08:00');
    expect(scheduledInstantOnDay(noonMon, weeklyTue, BERLIN)).toBeUndefined();
    expect(nextScheduledAfter(noonMon, weeklyTue, BERLIN)).toBe(zonedTimeToUtc(2026, 1, 6, 8, 0, BERLIN));
    expect(nextScheduledAfter(noonMon, daily, BERLIN)).toBe(zonedTimeToUtc(2026, 1, 6, 8, 0, BERLIN));
    expect(nextScheduledAfter(zonedTimeToUtc(2026, 1, 5, 7, 0, BERLIN), daily, BERLIN)).toBe(zonedTimeToUtc(2026, 1, 5, 8, 0, BERLIN));
    expect(nextScheduledAfter(noonMon, { every: 'off' }, BERLIN)).toBeUndefined();
    // across the spring DST change the local time stays 08:00
    const beforeDst = zonedTimeToUtc(2026, 3, 28, 12, 0, BERLIN);
    expect(nextScheduledAfter(beforeDst, daily, BERLIN)).toBe(Date.UTC(2026, 2, 29, 6, 0));
  });
});
