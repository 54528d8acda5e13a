import { describe, expect, it } from 'vitest';
import { decide, underLimits, type PolicyInput } from './policy.js';

const base: PolicyInput = {
  severity: 'high',
  dismissed: false,
  allowlisted: false,
  minSeverity: 'medium',
  previous: undefined,
  nowMs: 10 * 3_600_000,
  dedupeMs: 24 * 3_600_000,
  quiet: false,
  channelCount: 0,
  channelLimit: 0,
  globalCount: 0,
  globalLimit: 20,
};

describe('decide', () => {
  it('applies the rules in order', () => {
    expect(decide(base)).toBe('send');
    expect(decide({ ...base, dismissed: true, severity: 'critical' })).toBe('skip_dismissed');
    expect(decide({ ...base, allowlisted: true, severity: 'critical' })).toBe('skip_allowlisted');
    expect(decide({ ...base, severity: 'low' })).toBe('skip_below_min');
    expect(decide({ ...base, previous: { severity: 'high', notifiedMs: 0 } })).toBe('skip_duplicate');
    expect(decide({ ...base, previous: { severity: 'medium', notifiedMs: 0 } })).toBe('send'); // escalated
    expect(decide({ ...base, previous: { severity: 'critical', notifiedMs: 0 } })).toBe('skip_duplicate'); // lower than before
    expect(decide({ ...base, previous: { severity: 'high', notifiedMs: -15 * 3_600_000 } })).toBe('send'); // window over
    expect(decide({ ...base, previous: { severity: 'high', notifiedMs: 0 }, dedupeMs: 0 })).toBe('send');
    expect(decide({ ...base, quiet: true })).toBe('hold');
    expect(decide({ ...base, quiet: true, globalCount: 99 })).toBe('hold'); // held alerts are not rate limited
    expect(decide({ ...base, globalCount: 20 })).toBe('suppress');
    expect(decide({ ...base, globalCount: 19 })).toBe('send');
    expect(decide({ ...base, globalLimit: 0, globalCount: 1000 })).toBe('send');
    expect(decide({ ...base, channelLimit: 2, channelCount: 2 })).toBe('suppress');
  });

  it('critical bypasses quiet hours and both limits, never the allowlist, dismissals or de-duplication', () => {
    const crit = { ...base, severity: 'critical' as const };
    expect(decide({ ...crit, quiet: true, channelLimit: 1, channelCount: 5, globalCount: 50 })).toBe('send');
    expect(decide({ ...crit, minSeverity: 'critical' })).toBe('send');
    expect(decide({ ...crit, previous: { severity: 'critical', notifiedMs: base.nowMs - 1000 } })).toBe('skip_duplicate');
  });

  it('underLimits', () => {
    expect(underLimits(0, 0, 0, 0)).toBe(true);
    expect(underLimits(4, 5, 19, 20)).toBe(true);
    expect(underLimits(5, 5, 0, 20)).toBe(false);
    expect(underLimits(0, 5, 20, 20)).toBe(false);
  });
});
