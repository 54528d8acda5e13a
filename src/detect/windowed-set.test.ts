import { describe, expect, it } from 'vitest';
import { WindowedSet, hashText, maxSlots } from './windowed-set.js';

describe('WindowedSet', () => {
  it('counts distinct keys, exactly once the limit is reached', () => {
    const s = new WindowedSet(20);
    for (let p = 1; p <= 19; p++) expect(s.add(p, p, 0)).toBe(p);
    expect(s.add(5, 100, 0)).toBe(19); // repeat
    expect(s.add(20, 101, 0)).toBe(20);
  });

  it('drops keys older than the cutoff when the limit is reached', () => {
    const s = new WindowedSet(5);
    for (let p = 1; p <= 4; p++) s.add(p, p * 100, 0); // times 100..400
    // at the limit, keys seen before 250 (ports 1, 2) are dropped
    expect(s.add(5, 500, 250)).toBe(3);
    expect(s.collect(0, [], 10).sort((a, b) => a - b)).toEqual([3, 4, 5]);
    // a repeat refreshes the time
    s.add(3, 900, 0);
    expect(s.prune(800)).toBe(1);
  });

  it('never holds more than limit keys, and stays at most half full', () => {
    const s = new WindowedSet(20);
    for (let p = 0; p < 65_536; p++) {
      const n = s.add(p, 1000, 0); // all live: saturates
      expect(n).toBeLessThanOrEqual(20);
    }
    expect(s.count).toBe(20);
    expect(s.slots).toBe(maxSlots(20));
    expect(maxSlots(20)).toBe(64);
    s.clear();
    expect(s.count).toBe(0);
    expect(s.add(7, 1, 0)).toBe(1);
  });

  it('hashes address text to uint32 without collisions on a /16', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 65_536; i++) seen.add(hashText(`10.1.${i >> 8}.${i & 255}`));
    expect(seen.size).toBe(65_536);
    expect(hashText('2001:db8::1')).toBeGreaterThanOrEqual(0);
  });
});
