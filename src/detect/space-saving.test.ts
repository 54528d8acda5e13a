import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../flow/encode/random-records.js';
import { ipv4Key } from '../flow/ip-text.js';
import { SLOTS, SpaceSaving, type HeavyKey } from './space-saving.js';

/** The textbook Space-Saving the detector used before: text keys, a scan for the first smallest count. */
class Reference {
  keys: string[] = [];
  counts: number[] = [];
  approximate = false;
  add(key: string, w: number): void {
    const i = this.keys.indexOf(key);
    if (i >= 0) {
      this.counts[i] = (this.counts[i] as number) + w;
      return;
    }
    if (this.keys.length < SLOTS) {
      this.keys.push(key);
      this.counts.push(w);
      return;
    }
    let min = 0;
    for (let j = 1; j < SLOTS; j++) if ((this.counts[j] as number) < (this.counts[min] as number)) min = j;
    this.keys[min] = key;
    this.counts[min] = (this.counts[min] as number) + w;
    this.approximate = true;
  }
  top(max: number): HeavyKey[] {
    return this.keys
      .map((ip, i) => ({ ip, bytes: this.counts[i] as number }))
      .sort((a, b) => b.bytes - a.bytes || (a.ip < b.ip ? -1 : 1))
      .slice(0, max);
  }
}

describe('SpaceSaving', () => {
  it('is exact while at most SLOTS keys were seen', () => {
    const s = new SpaceSaving();
    s.add('203.0.113.5', ipv4Key('203.0.113.5'), 100);
    s.add('2001:db8::1', -1, 300);
    s.add('203.0.113.5', ipv4Key('203.0.113.5'), 250);
    expect(s.top(5)).toEqual([
      { ip: '203.0.113.5', bytes: 350 },
      { ip: '2001:db8::1', bytes: 300 },
    ]);
    expect(s.approximate).toBe(false);
    s.clear();
    expect(s.size).toBe(0);
    expect(s.top(5)).toEqual([]);
  });

  it('replaces the first smallest counter, adding to its count', () => {
    const s = new SpaceSaving();
    for (let i = 0; i < SLOTS; i++) s.add(`10.0.0.${i}`, ipv4Key(`10.0.0.${i}`), i === 3 || i === 6 ? 1 : 10);
    s.add('198.51.100.9', ipv4Key('198.51.100.9'), 5); // takes counter 3 (count 1, before 6): 6
    s.add('2001:db8::7', -1, 2); // then counter 6 (count 1): 3
    expect(s.approximate).toBe(true);
    const top = s.top(SLOTS);
    expect(top).toContainEqual({ ip: '198.51.100.9', bytes: 6 });
    expect(top).toContainEqual({ ip: '2001:db8::7', bytes: 3 });
    expect(top.map((k) => k.ip)).not.toContain('10.0.0.3');
    expect(top.map((k) => k.ip)).not.toContain('10.0.0.6');
  });

  it('a text key is not confused with the stale text of a counter an IPv4 key took over', () => {
    const s = new SpaceSaving();
    s.add('2001:db8::1', -1, 1);
    for (let i = 1; i < SLOTS; i++) s.add(`10.0.0.${i}`, ipv4Key(`10.0.0.${i}`), 100);
    s.add('10.9.9.9', ipv4Key('10.9.9.9'), 1); // replaces 2001:db8::1 (count 1 -> 2)
    s.add('2001:db8::1', -1, 1); // a new key again: replaces the smallest, 10.9.9.9 (2 -> 3)
    expect(s.top(SLOTS)).toContainEqual({ ip: '2001:db8::1', bytes: 3 });
    expect(s.top(SLOTS).map((k) => k.ip)).not.toContain('10.9.9.9');
  });

  it('agrees with the textbook algorithm on random streams (ties, IPv4 and text keys, clears)', () => {
    const rng = mulberry32(12);
    let mismatches = 0;
    for (let round = 0; round < 200; round++) {
      const s = new SpaceSaving();
      let ref = new Reference();
      const keySpace = 2 + Math.floor(rng() * 40);
      const maxW = rng() < 0.5 ? 3 : 100_000; // small weights force equal counts
      for (let step = 0; step < 500; step++) {
        if (rng() < 0.005) {
          s.clear();
          ref = new Reference();
        }
        const k = Math.floor(rng() * keySpace);
        const key = k % 5 === 4 ? `2001:db8::${k}` : `198.51.${k >> 8}.${k & 255}`;
        const w = Math.floor(rng() * maxW);
        s.add(key, ipv4Key(key), w);
        ref.add(key, w);
        if (JSON.stringify(s.top(SLOTS)) !== JSON.stringify(ref.top(SLOTS)) || s.approximate !== ref.approximate) mismatches++;
      }
    }
    expect(mismatches).toBe(0);
  });
});
