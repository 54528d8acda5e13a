import { describe, expect, it } from 'vitest';
import { mulberry32, randInt } from '../../flow/encode/random-records.js';
import type { PeerTotals } from './edge-window.js';
import { topPeers } from './graph-view.js';

describe('topPeers', () => {
  it('gives the k heaviest peers in order (ties by address) and the count, like a full sort', () => {
    const rng = mulberry32(5);
    for (const n of [0, 1, 7, 300]) {
      const peers: PeerTotals[] = Array.from({ length: n }, (_, i) => ({ ip: `203.0.113.${i}`, bytes: randInt(rng, 0, 20) * 100, flows: 1, edges: new Set() }));
      const sorted = [...peers].sort((a, b) => b.bytes - a.bytes || (a.ip < b.ip ? -1 : 1));
      for (const k of [0, 1, 5, 50, 500]) {
        const { top, count } = topPeers(peers, k);
        expect(count).toBe(n);
        expect(top.map((p) => p.ip), `n=${n} k=${k}`).toEqual(sorted.slice(0, k).map((p) => p.ip));
      }
    }
  });
});
