/**
 * A compact, bounded set of uint32 keys (ports, address hashes) with a last-seen time per key,
 * for sliding-window distinct counts ("how many distinct ports did this source probe in the
 * last N seconds?").
 *
 * Rules: open addressing with linear probing in typed arrays (no per-key objects); the table
 * starts small and doubles up to maxSlots(limit) = the next power of two >= 2 * limit, so it never
 * holds more than `limit` keys at load <= 1/2. Keys older than the caller's cutoff are dropped
 * lazily: only when the key count reaches `limit` is the table rebuilt without them (O(slots)),
 * so a count returned below `limit` may still include expired keys, while a count >= limit is
 * exact (every counted key is at or after the cutoff). That is all a threshold decision needs.
 * add() allocates only when the table grows.
 */

const EMPTY = Number.NEGATIVE_INFINITY;
const MIN_SLOTS = 8;

/** Slots a set with this limit may grow to (a power of two >= 2 * limit, at least 8). */
export function maxSlots(limit: number): number {
  let s = MIN_SLOTS;
  while (s < 2 * limit) s *= 2;
  return s;
}

// Scratch space for rebuilds, shared by every set (single-threaded; rebuilds do not nest).
let scratchKeys = new Uint32Array(MIN_SLOTS);
let scratchTimes = new Float64Array(MIN_SLOTS);

export class WindowedSet {
  private keys: Uint32Array;
  private times: Float64Array;
  private mask: number;
  private n = 0;
  private readonly maxSlots: number;

  /** limit: the count at which add() prunes expired keys and reports an exact count (>= 1). */
  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError('WindowedSet limit must be >= 1');
    this.maxSlots = maxSlots(limit);
    this.keys = new Uint32Array(MIN_SLOTS);
    this.times = new Float64Array(MIN_SLOTS).fill(EMPTY);
    this.mask = MIN_SLOTS - 1;
  }

  /** Keys held (including not-yet-pruned expired ones). */
  get count(): number {
    return this.n;
  }

  /** Slots allocated (for memory accounting). */
  get slots(): number {
    return this.keys.length;
  }

  /**
   * Records key (uint32) as seen at time t and returns the number of distinct keys held. When
   * that reaches `limit`, keys last seen before cutoff are dropped first, so a result >= limit
   * means at least `limit` distinct keys were seen at or after cutoff. O(1) amortised.
   */
  add(key: number, t: number, cutoff: number): number {
    key = key >>> 0;
    let i = hash(key) & this.mask;
    for (;;) {
      const ti = this.times[i] as number;
      if (ti === EMPTY) break;
      if (this.keys[i] === key) {
        if (t > ti) this.times[i] = t;
        return this.n;
      }
      i = (i + 1) & this.mask;
    }
    if (this.n >= this.limit) {
      // Saturated (the caller kept adding past the limit): make room from expired keys or
      // drop this one, so the table never exceeds `limit` keys.
      this.rebuild(this.keys.length, cutoff);
      if (this.n >= this.limit) return this.n;
      i = this.freeSlot(key);
    } else if ((this.n + 1) * 2 > this.keys.length && this.keys.length < this.maxSlots) {
      this.rebuild(this.keys.length * 2, EMPTY);
      i = this.freeSlot(key);
    }
    this.keys[i] = key;
    this.times[i] = t;
    this.n++;
    if (this.n >= this.limit) this.rebuild(this.keys.length, cutoff);
    return this.n;
  }

  /** Drops every key last seen before cutoff; returns the count left. O(slots). */
  prune(cutoff: number): number {
    this.rebuild(this.keys.length, cutoff);
    return this.n;
  }

  /** Empties the set (keeps its allocated table). */
  clear(): void {
    if (this.n === 0) return;
    this.times.fill(EMPTY);
    this.n = 0;
  }

  /** Appends keys seen at or after cutoff to out, at most max of them (unordered). */
  collect(cutoff: number, out: number[], max: number): number[] {
    const len = this.keys.length;
    for (let i = 0; i < len && out.length < max; i++) {
      const ti = this.times[i] as number;
      if (ti !== EMPTY && ti >= cutoff) out.push(this.keys[i] as number);
    }
    return out;
  }

  /** The first empty slot on key's probe path (key must be absent). */
  private freeSlot(key: number): number {
    let i = hash(key) & this.mask;
    while ((this.times[i] as number) !== EMPTY) i = (i + 1) & this.mask;
    return i;
  }

  /** Re-inserts every key seen at or after cutoff into a table of `size` slots. */
  private rebuild(size: number, cutoff: number): void {
    const oldLen = this.keys.length;
    if (scratchKeys.length < oldLen) {
      scratchKeys = new Uint32Array(oldLen);
      scratchTimes = new Float64Array(oldLen);
    }
    let m = 0;
    for (let i = 0; i < oldLen; i++) {
      const ti = this.times[i] as number;
      if (ti !== EMPTY && ti >= cutoff) {
        scratchKeys[m] = this.keys[i] as number;
        scratchTimes[m] = ti;
        m++;
      }
    }
    if (size !== oldLen) {
      this.keys = new Uint32Array(size);
      this.times = new Float64Array(size);
      this.mask = size - 1;
    }
    this.times.fill(EMPTY);
    for (let j = 0; j < m; j++) {
      const k = scratchKeys[j] as number;
      const i = this.freeSlot(k);
      this.keys[i] = k;
      this.times[i] = scratchTimes[j] as number;
    }
    this.n = m;
  }
}

/** Mixes a uint32 so sequential keys (port 1, 2, 3, ...) spread over the table. */
function hash(k: number): number {
  let h = Math.imul(k ^ (k >>> 16), 0x45d9f3b);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return h ^ (h >>> 16);
}

/** FNV-1a over a string's UTF-16 code units: a 32-bit key for an address text. No allocation. */
export function hashText(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
