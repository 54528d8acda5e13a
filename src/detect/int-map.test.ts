import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../flow/encode/random-records.js';
import { IntMap } from './int-map.js';

describe('IntMap', () => {
  it('one-number keys: agrees with a Map under random inserts, updates and deletes (keys across the whole uint32 range)', () => {
    const rng = mulberry32(7);
    const m = new IntMap<number>();
    const ref = new Map<number, number>();
    // a small key space forces long probe runs, collisions and wrap-around shifts
    const keys = Array.from({ length: 300 }, () => Math.floor(rng() * 0x100000000));
    let mismatches = 0;
    for (let step = 0; step < 50_000; step++) {
      const k = keys[Math.floor(rng() * keys.length)] as number;
      const op = rng();
      if (op < 0.5) {
        m.set(k, 0, step);
        ref.set(k, step);
      } else if (op < 0.8) {
        if (m.delete(k) !== ref.delete(k)) mismatches++;
      } else if (m.get(k) !== ref.get(k)) mismatches++;
      if (m.size !== ref.size) mismatches++;
    }
    expect(mismatches).toBe(0);
    for (const k of keys) expect(m.get(k)).toBe(ref.get(k));
    m.clear();
    expect(m.size).toBe(0);
    expect(m.get(keys[0] as number)).toBeUndefined();
  });

  it('pair keys: agrees with a Map keyed by the pair', () => {
    const rng = mulberry32(11);
    const m = new IntMap<string>();
    const ref = new Map<string, string>();
    const a = Array.from({ length: 20 }, () => Math.floor(rng() * 0x100000000));
    const b = Array.from({ length: 30 }, () => Math.floor(rng() * 0x100000000));
    let mismatches = 0;
    for (let step = 0; step < 50_000; step++) {
      const x = a[Math.floor(rng() * a.length)] as number;
      const y = b[Math.floor(rng() * b.length)] as number;
      const key = `${x}|${y}`;
      const op = rng();
      if (op < 0.5) {
        m.set(x, y, `v${step}`);
        ref.set(key, `v${step}`);
      } else if (op < 0.8) {
        if (m.delete(x, y) !== ref.delete(key)) mismatches++;
      } else if (m.get(x, y) !== ref.get(key)) mismatches++;
      if (m.size !== ref.size) mismatches++;
    }
    expect(mismatches).toBe(0);
    for (const x of a) for (const y of b) expect(m.get(x, y)).toBe(ref.get(`${x}|${y}`));
    // (x, y) and (y, x) are different keys
    m.clear();
    m.set(1, 2, 'a');
    m.set(1, 0, 'b');
    expect(m.get(2, 1)).toBeUndefined();
    expect(m.get(1, 2)).toBe('a');
    expect(m.get(1)).toBe('b');
  });
});
