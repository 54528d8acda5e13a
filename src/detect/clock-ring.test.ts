import { describe, expect, it } from 'vitest';
import { createMetrics } from '../core/metrics.js';
import { ClockRing, DetectorStats, EVICTIONS_METRIC, NOT_SEEN, TRACKED_METRIC, isIdle, type ClockEntry } from './clock-ring.js';

interface E extends ClockEntry {
  id: number;
}
const entry = (id: number): E => ({ id, slot: -1, touched: false, seenMs: NOT_SEEN });

describe('ClockRing', () => {
  it('evicts nothing until full, then untouched entries first (second chance)', () => {
    const r = new ClockRing<E>(3);
    const [a, b, c] = [entry(1), entry(2), entry(3)];
    for (const e of [a, b, c]) {
      expect(r.evictIfFull()).toBeUndefined();
      r.add(e);
    }
    a.touched = true;
    c.touched = true;
    expect(r.evictIfFull()).toBe(b);
    expect(b.slot).toBe(-1);
    expect(a.touched).toBe(false); // the hand passed it
    r.add(entry(4));
    expect(r.size).toBe(3);
    // the hand is at c: touched, so it is spared (mark cleared) and a, unmarked since, goes
    expect(r.evictIfFull()?.id).toBe(1);
    expect(c.touched).toBe(false);
  });

  it('reuses holes left by remove() before evicting', () => {
    const r = new ClockRing<E>(2);
    const a = entry(1);
    r.add(a);
    r.add(entry(2));
    r.remove(a);
    r.remove(a); // no-op
    expect(r.size).toBe(1);
    expect(r.evictIfFull()).toBeUndefined();
    r.add(entry(3));
    const seen: number[] = [];
    r.forEach((e) => seen.push(e.id));
    expect(seen.sort()).toEqual([2, 3]);
    expect(() => r.add(entry(4))).toThrow(RangeError);
  });

  it('degrades to FIFO when everything is touched, and stays bounded', () => {
    const r = new ClockRing<E>(100);
    for (let i = 0; i < 10_000; i++) {
      const v = r.evictIfFull();
      if (v) expect(v.slot).toBe(-1);
      const e = entry(i);
      e.touched = true;
      r.add(e);
      expect(r.size).toBeLessThanOrEqual(100);
    }
  });
});

describe('DetectorStats / isIdle', () => {
  it('flushes evictions as one counter increment and the tracked gauge', () => {
    const m = createMetrics();
    const s = new DetectorStats(m, 'x');
    s.evicted();
    s.evicted();
    expect(m.get(EVICTIONS_METRIC, { detector: 'x' })).toBe(0);
    s.flush(7);
    expect(m.get(EVICTIONS_METRIC, { detector: 'x' })).toBe(2);
    expect(m.get(TRACKED_METRIC, { detector: 'x' })).toBe(7);
    expect(m.render()).toContain('homesec_detector_evictions_total{detector="x"} 2');
  });

  it('stamps entries seen before the first tick instead of expiring them', () => {
    const e = entry(1);
    expect(isIdle(e, 1000, 10)).toBe(false);
    expect(e.seenMs).toBe(1000);
    expect(isIdle(e, 1010, 10)).toBe(false);
    expect(isIdle(e, 1011, 10)).toBe(true);
  });
});
