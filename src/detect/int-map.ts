/**
 * A hash map keyed by one or two uint32 numbers: IPv4 addresses (`ipv4Key`) or (source,
 * destination) pairs of them, for the per-flow lookups of the traffic tracker and the
 * detectors.
 *
 * Why not a Map: a uint32 above 2^30 is not a small integer to V8, so a Map<number> boxes and
 * hashes it as a heap number, and a Map<string> needs the address text (and a pair needs a
 * nested Map or a built key string). This table keeps the keys in typed arrays (open
 * addressing, linear probing, at most half full) and the values in a parallel array: a lookup
 * is a multiply-hash and one or two compares, and nothing is allocated except when it grows.
 *
 * Rules: keys are uint32 (callers pass `ipv4Key` results, never -1); a one-number key is the
 * pair (a, 0). A slot is empty when its value is undefined, so values must not be undefined.
 * delete() uses backward-shift deletion (no tombstones), so a table that churns (CLOCK
 * eviction) never degrades. The table grows by doubling and never shrinks; the owner bounds
 * the number of entries.
 */

const MIN_SLOTS = 16;

/** Mixes a uint32 (murmur3 finaliser) so that neighbouring addresses spread over the table. */
function mix(k: number): number {
  let h = Math.imul(k ^ (k >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Hash of a key pair (also for tables that keep their keys elsewhere, as beacon-pairs.ts). */
export function mixPair(a: number, b: number): number {
  return mix(a ^ Math.imul(b ^ (b >>> 15), 0x9e3779b1));
}

/** A map from a uint32, or a pair of uint32, to V. */
export class IntMap<V> {
  private keysA: Uint32Array;
  private keysB: Uint32Array;
  private vals: (V | undefined)[];
  private mask: number;
  private n = 0;

  constructor() {
    this.keysA = new Uint32Array(MIN_SLOTS);
    this.keysB = new Uint32Array(MIN_SLOTS);
    this.vals = new Array<V | undefined>(MIN_SLOTS).fill(undefined);
    this.mask = MIN_SLOTS - 1;
  }

  get size(): number {
    return this.n;
  }

  /** The value for (a, b), or undefined. O(1), no allocation. */
  get(a: number, b = 0): V | undefined {
    const mask = this.mask;
    let i = mixPair(a, b) & mask;
    for (;;) {
      const v = this.vals[i];
      if (v === undefined || (this.keysA[i] === a && this.keysB[i] === b)) return v;
      i = (i + 1) & mask;
    }
  }

  /** Sets (a, b) to v (v must not be undefined). O(1) amortised. */
  set(a: number, b: number, v: V): void {
    let i = mixPair(a, b) & this.mask;
    for (;;) {
      if (this.vals[i] === undefined) break;
      if (this.keysA[i] === a && this.keysB[i] === b) {
        this.vals[i] = v;
        return;
      }
      i = (i + 1) & this.mask;
    }
    if (2 * (this.n + 1) > this.keysA.length) {
      this.grow();
      i = this.freeSlot(a, b);
    }
    this.keysA[i] = a;
    this.keysB[i] = b;
    this.vals[i] = v;
    this.n++;
  }

  /** Removes (a, b); returns whether it was there. O(1) amortised (backward shift). */
  delete(a: number, b = 0): boolean {
    const mask = this.mask;
    let i = mixPair(a, b) & mask;
    for (;;) {
      if (this.vals[i] === undefined) return false;
      if (this.keysA[i] === a && this.keysB[i] === b) break;
      i = (i + 1) & mask;
    }
    // Shift later entries of the probe run back into the hole when their home allows it:
    // the entry at j may move when its home is not cyclically within (hole, j].
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const v = this.vals[j];
      if (v === undefined) break;
      const home = mixPair(this.keysA[j] as number, this.keysB[j] as number) & mask;
      if (hole <= j ? home <= hole || home > j : home <= hole && home > j) {
        this.keysA[hole] = this.keysA[j] as number;
        this.keysB[hole] = this.keysB[j] as number;
        this.vals[hole] = v;
        hole = j;
      }
    }
    this.vals[hole] = undefined;
    this.n--;
    return true;
  }

  /** Removes every entry (keeps the allocated table). */
  clear(): void {
    if (this.n === 0) return;
    this.vals.fill(undefined);
    this.n = 0;
  }

  /** The first empty slot on (a, b)'s probe path ((a, b) must be absent). */
  private freeSlot(a: number, b: number): number {
    let i = mixPair(a, b) & this.mask;
    while (this.vals[i] !== undefined) i = (i + 1) & this.mask;
    return i;
  }

  private grow(): void {
    const oldA = this.keysA;
    const oldB = this.keysB;
    const oldVals = this.vals;
    const slots = oldA.length * 2;
    this.keysA = new Uint32Array(slots);
    this.keysB = new Uint32Array(slots);
    this.vals = new Array<V | undefined>(slots).fill(undefined);
    this.mask = slots - 1;
    for (let s = 0; s < oldA.length; s++) {
      const v = oldVals[s];
      if (v === undefined) continue;
      const i = this.freeSlot(oldA[s] as number, oldB[s] as number);
      this.keysA[i] = oldA[s] as number;
      this.keysB[i] = oldB[s] as number;
      this.vals[i] = v;
    }
  }
}
