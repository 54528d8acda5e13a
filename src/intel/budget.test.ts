import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../core/fake-clock.js';
import { createBudgets, localDayKey, nextLocalMidnight } from './budget.js';
import { tempDb } from './test-kit.js';

let t: ReturnType<typeof tempDb>;
beforeEach(() => {
  t = tempDb();
});
afterEach(() => t.cleanup());

/** 23:58 local time on 2026-03-10. */
const lateEvening = () => new Date(2026, 2, 10, 23, 58).getTime();

describe('daily budgets', () => {
  it('never hands out more than the limit, and counts each request before it is sent', () => {
    const clock = new FakeClock(lateEvening());
    const b = createBudgets({ virustotal: 3 }, { db: t.db, clock });
    const granted = Array.from({ length: 10 }, () => b.tryConsume('virustotal'));
    expect(granted).toEqual([true, true, true, false, false, false, false, false, false, false]);
    expect(b.used('virustotal')).toBe(3);
    expect(b.left('virustotal')).toBe(0);
  });

  it('survives a restart: a new process on the same day cannot exceed the budget', () => {
    const clock = new FakeClock(lateEvening());
    const a = createBudgets({ shodan: 5 }, { db: t.db, clock });
    for (let i = 0; i < 3; i++) a.tryConsume('shodan');
    const b = createBudgets({ shodan: 5 }, { db: t.reopen(), clock });
    const granted = Array.from({ length: 5 }, () => b.tryConsume('shodan')).filter(Boolean).length;
    expect(granted).toBe(2);
    expect(b.used('shodan')).toBe(5);
  });

  it('resets at local midnight of the injected clock', async () => {
    const clock = new FakeClock(lateEvening());
    const b = createBudgets({ abuseipdb: 2 }, { db: t.db, clock });
    expect(b.tryConsume('abuseipdb') && b.tryConsume('abuseipdb')).toBe(true);
    expect(b.tryConsume('abuseipdb')).toBe(false);
    await clock.advance(nextLocalMidnight(clock.now()) - clock.now() - 1);
    expect(b.tryConsume('abuseipdb')).toBe(false);
    await clock.advance(1);
    expect(localDayKey(clock.now())).toBe('2026-03-11');
    expect(b.left('abuseipdb')).toBe(2);
    expect(b.tryConsume('abuseipdb')).toBe(true);
  });

  it('a budget of 0 or an unknown provider allows nothing', () => {
    const b = createBudgets({ ipinfo: 0 }, { db: t.db, clock: new FakeClock() });
    expect(b.tryConsume('ipinfo')).toBe(false);
    expect(b.tryConsume('nope')).toBe(false);
  });
});
