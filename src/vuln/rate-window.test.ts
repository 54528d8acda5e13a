import { describe, expect, it } from 'vitest';
import { FakeClock } from '../core/fake-clock.js';
import { createRateWindow, sleep } from './rate-window.js';

describe('rolling-window limiter', () => {
  it('allows `limit` requests per rolling window and serves waiters in order', async () => {
    const clock = new FakeClock(1_000_000);
    const rate = createRateWindow(5, 30_000, clock);
    const granted: number[] = [];
    const all = Array.from({ length: 12 }, () => rate.acquire().then(() => granted.push(clock.now())));
    // Chained waiters need a few microtask turns each; move time in zero steps between.
    const settle = async (ms: number) => {
      await clock.advance(ms);
      for (let i = 0; i < 10; i++) await clock.advance(0);
    };
    await settle(0);
    expect(granted).toHaveLength(5);
    await settle(29_999);
    expect(granted).toHaveLength(5);
    await settle(1);
    expect(granted).toHaveLength(10);
    await settle(30_000);
    await Promise.all(all);
    expect(granted.map((t) => t - 1_000_000)).toEqual([0, 0, 0, 0, 0, 30_000, 30_000, 30_000, 30_000, 30_000, 60_000, 60_000]);
    for (let i = 5; i < granted.length; i++) expect((granted[i] as number) - (granted[i - 5] as number)).toBeGreaterThanOrEqual(30_000);
    expect(rate.waits()).toBeGreaterThan(0);
  });

  it('a slow request rate never waits; the window rolls', async () => {
    const clock = new FakeClock();
    const rate = createRateWindow(5, 30_000, clock);
    for (let i = 0; i < 20; i++) {
      await rate.acquire();
      await clock.advance(6_000);
    }
    expect(rate.waits()).toBe(0);
    expect(rate.inWindow()).toBe(4);
  });

  it('an aborted wait rejects and takes no slot', async () => {
    const clock = new FakeClock();
    const rate = createRateWindow(1, 30_000, clock);
    await rate.acquire();
    const ac = new AbortController();
    const waiting = rate.acquire(ac.signal);
    ac.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    await clock.advance(30_000);
    await rate.acquire();
    expect(rate.inWindow()).toBe(1);
    await expect(sleep(10, clock, AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
  });
});
