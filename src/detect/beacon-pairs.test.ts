import { describe, expect, it } from 'vitest';
import { ipv4Key } from '../flow/ip-text.js';
import { BeaconPairs, F_TOUCHED, INLINE_RING, STRIDE } from './beacon-pairs.js';
import { ClockRing, NOT_SEEN, type ClockEntry } from './clock-ring.js';
import { prng } from './test-kit.js';

/** The connections of a slot, sorted by time. */
function held(t: BeaconPairs, s: number): number[] {
  const times = new Float64Array(t.ringSize);
  const n = t.copyTo(s, times, new Float64Array(t.ringSize));
  return [...times.subarray(0, n)].sort((a, b) => a - b);
}

describe('beacon pairs', () => {
  it('evicts exactly the pairs a ClockRing evicts, reusing the same slots', () => {
    const rng = prng(11);
    const cap = 50;
    const table = new BeaconPairs(cap, 200, 1000);
    const ring = new ClockRing<ClockEntry & { id: number }>(cap);
    const entries = new Map<number, ClockEntry & { id: number }>();
    for (let step = 0; step < 20_000; step++) {
      const id = Math.floor(rng() * 120);
      const src = `10.0.0.${id}`;
      const dst = '203.0.113.1';
      const op = rng();
      const slot = table.find(src, dst, ipv4Key(src), ipv4Key(dst));
      const e = entries.get(id);
      expect(slot >= 0).toBe(e !== undefined);
      if (e !== undefined && op < 0.05) {
        // an idle pair dropped by tick()
        table.remove(slot);
        ring.remove(e);
        entries.delete(id);
      } else if (e !== undefined) {
        e.touched = true;
        table.fields[slot * STRIDE + F_TOUCHED] = 1;
        expect(slot).toBe(e.slot);
      } else {
        const victim = ring.evictIfFull();
        if (victim) entries.delete(victim.id);
        const n = { id, slot: -1, touched: false, seenMs: NOT_SEEN };
        ring.add(n);
        entries.set(id, n);
        expect(table.add(src, dst, ipv4Key(src), ipv4Key(dst), NOT_SEEN)).toBe(n.slot);
      }
      expect(table.size).toBe(ring.size);
    }
    const order: number[] = [];
    table.forEach((s) => order.push(s));
    const ringOrder: number[] = [];
    ring.forEach((e) => ringOrder.push(e.slot));
    expect(order).toEqual(ringOrder);
    expect(table.evictions).toBeGreaterThan(0);
  });

  it('keeps the most recent ringSize connections, growing from the inline block', () => {
    const t = new BeaconPairs(4, 20, 1000);
    const s = t.add('192.168.1.20', '203.0.113.66', ipv4Key('192.168.1.20'), ipv4Key('203.0.113.66'), 0);
    for (let i = 1; i <= 50; i++) t.push(s, i * 1000, i);
    expect(held(t, s)).toEqual(Array.from({ length: 20 }, (_, i) => (31 + i) * 1000));
    expect([t.src(s), t.dst(s)]).toEqual(['192.168.1.20', '203.0.113.66']);
  });

  it("continuation bytes join the newest connection, across ring growth, wrap-around and the budget", () => {
    const rng = prng(5);
    // ring sizes 8 (inline only: budget 0), 20 (grows) and 64 capped by the budget at 16
    for (const [ringSize, budget] of [
      [8, 0],
      [20, 1000],
      [64, 2 * INLINE_RING],
    ] as const) {
      const t = new BeaconPairs(4, ringSize, budget);
      const s = t.add('192.168.1.20', '203.0.113.9', ipv4Key('192.168.1.20'), ipv4Key('203.0.113.9'), 0);
      const model: [number, number][] = [];
      let cap = INLINE_RING;
      for (let time = 1; time <= 300; time++) {
        const bytes = Math.floor(rng() * 1000);
        if (model.length > 0 && rng() < 0.4) {
          t.addBytes(s, bytes);
          const last = model[model.length - 1]!;
          last[1] += bytes;
        } else {
          t.push(s, time, bytes);
          if (model.length === cap && cap < ringSize && Math.min(2 * cap, ringSize) <= budget) cap = Math.min(2 * cap, ringSize);
          model.push([time, bytes]);
          if (model.length > cap) model.shift();
        }
        const times = new Float64Array(ringSize);
        const sizes = new Float64Array(ringSize);
        const n = t.copyTo(s, times, sizes);
        const got = Array.from({ length: n }, (_, i): [number, number] => [times[i]!, sizes[i]!]).sort((x, y) => x[0] - y[0]);
        expect(got).toEqual(model);
      }
    }
  });

  it('rings stop growing at the budget and keep their most recent connections; a removed ring frees its share', () => {
    const t = new BeaconPairs(4, 64, 2 * INLINE_RING);
    const a = t.add('2001:db8::1', '2001:db8::2', -1, -1, 0);
    const b = t.add('192.168.1.20', '203.0.113.7', ipv4Key('192.168.1.20'), ipv4Key('203.0.113.7'), 0);
    for (let i = 1; i <= 30; i++) {
      t.push(a, i, 1);
      t.push(b, i, 1);
    }
    expect(held(t, a)).toHaveLength(2 * INLINE_RING);
    expect(held(t, b)).toEqual(Array.from({ length: INLINE_RING }, (_, i) => 23 + i));
    expect(t.find('2001:db8::1', '2001:db8::2', -1, -1)).toBe(a);
    expect([t.src(a), t.dst(a)]).toEqual(['2001:db8::1', '2001:db8::2']);
    t.remove(a);
    expect(t.find('2001:db8::1', '2001:db8::2', -1, -1)).toBe(-1);
    for (let i = 31; i <= 40; i++) t.push(b, i, 1);
    expect(held(t, b)).toHaveLength(2 * INLINE_RING);
  });
});
