import { describe, expect, it } from 'vitest';
import { SlotIndex } from './slot-index.js';

/** A seeded xorshift, so failures repeat. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

describe('SlotIndex', () => {
  it('finds, overwrites and deletes keys across the whole uint32 range, 0 included', () => {
    const ix = new SlotIndex();
    for (const k of [0, 1, 0x7fffffff, 0x80000000, 0xffffffff]) ix.set(k, k % 1000);
    for (const k of [0, 1, 0x7fffffff, 0x80000000, 0xffffffff]) expect(ix.get(k)).toBe(k % 1000);
    expect(ix.get(2)).toBe(-1);
    ix.set(0xffffffff, 7);
    expect(ix.get(0xffffffff)).toBe(7);
    expect(ix.size).toBe(5);
    expect(ix.delete(0)).toBe(true);
    expect(ix.delete(0)).toBe(false);
    expect(ix.get(0)).toBe(-1);
    expect(ix.size).toBe(4);
  });

  it('agrees with a Map through 200,000 random sets and deletes (backward-shift deletion keeps every probe run whole)', () => {
    const ix = new SlotIndex();
    const ref = new Map<number, number>();
    const r = rng(12345);
    for (let step = 0; step < 200_000; step++) {
      const key = r() % 5000; // a small key space: long probe runs, many deletes of present keys
      const op = r() % 3;
      if (op < 2) {
        const row = r() % 100_000;
        ix.set(key, row);
        ref.set(key, row);
      } else {
        expect(ix.delete(key)).toBe(ref.delete(key));
      }
      if (step % 997 === 0) for (const [k, v] of ref) expect(ix.get(k)).toBe(v);
    }
    expect(ix.size).toBe(ref.size);
    for (let k = 0; k < 5000; k++) expect(ix.get(k)).toBe(ref.get(k) ?? -1);
  });
});
