/**
 * The beaconing detector's (source, destination) pair table, in typed arrays.
 *
 * Why: the benchmark's home network has more outbound pairs than the table holds, so nearly
 * every outbound flow evicts a pair. With one object per pair that meant reaching the evicted
 * object, its boxed number fields and its rings, scattered over the heap; here a pair is a
 * slot number, its numeric fields one STRIDE-double record in `fields` (two cache lines), and
 * its first INLINE_RING connections an inline block of `small`, so an eviction rewrites one
 * record and touches nothing else.
 *
 * Rules:
 * - At most `capacity` pairs. add() to a full table first evicts one by the CLOCK rule, exactly
 *   as clock-ring.ts does (same hand, same slot reuse order: freed slots last-in first-out,
 *   then new slots in order), and counts it in `evictions`. A pair's F_TOUCHED is set by the
 *   owner on every hit after the one that created it; the hand clears it.
 * - Pairs of two canonical IPv4 addresses are found by their two numbers through a compact
 *   index (open addressing, linear probing, at most half full: 4 bytes a cell holding the
 *   slot and 12 bits of the hash, so a probe reads the index and then only the record of a
 *   likely match, which the caller reads next anyway); any other pair by text (source ->
 *   destination Maps), and only those keep their text (an IPv4 pair's text is its numbers'
 *   dotted quads: canonical text and number map one to one).
 * - Connections: a ring of (start ms, bytes) per pair, the most recent `ringSize` kept. The
 *   newest connection's bytes live in the record (F_LAST_BYTES), so that addBytes() (an
 *   active-timeout continuation, most records of a long connection) touches no ring; push()
 *   writes them into the ring when a newer connection arrives, copyTo() reads them. The
 *   first INLINE_RING live inline; a pair with more gets its own Float64Array, grown by
 *   doubling up to ringSize and released when the slot is reused or removed. The own rings
 *   of all pairs together hold at most `ringBudget` connections: a ring that would grow past
 *   the budget stays at its size (keeping its most recent connections, fewer than ringSize).
 * - Memory: (STRIDE + 2 INLINE_RING) × 8 = 256 bytes per slot, allocated as the table fills
 *   (doubling), the index (8 to 16 bytes per slot) and at most 16 bytes × ringBudget for the
 *   own rings.
 * - Every operation is O(1) amortised except forEach (O(slots)); nothing allocates except
 *   table growth, ring growth and a text pair's Map entries.
 */
import { ipv4IntToText } from '../flow/ip-text.js';
import { mixPair } from './int-map.js';

/**
 * Field offsets of a slot's record (fields[slot * STRIDE + F_*]). The fields an
 * active-timeout continuation reads and writes (the keys through F_LAST_BYTES) come first,
 * so that it touches as few cache lines as it can.
 */
export const F_SRC_KEY = 0;
export const F_DST_KEY = 1;
/** Ingest time of the last tick before the pair was last touched (clock-ring.ts's seenMs). */
export const F_SEEN = 2;
/** 1 when hit since the CLOCK hand last passed. */
export const F_TOUCHED = 3;
/** Ring: number of connections held. */
export const F_N = 4;
/** The newest connection's ports, protocol, start and end. */
export const F_LAST_SRC_PORT = 5;
export const F_LAST_DST_PORT = 6;
export const F_LAST_PROTO = 7;
export const F_LAST_START = 8;
export const F_LAST_END = 9;
/** The newest connection's bytes (kept here, not in the ring: see module rules). */
export const F_LAST_BYTES = 10;
/** Ring: index of the oldest connection. */
export const F_START = 11;
/** 1 when connections were added since the pair was last scored. */
export const F_DIRTY = 12;
/** Earliest and latest connection start seen since the pair was tracked. */
export const F_FIRST = 13;
export const F_NEWEST = 14;
/** Flow time of the newest connection when a finding was raised. */
export const F_REPORTED = 15;
export const STRIDE = 16;
/** Connections held inline per slot before a pair gets a ring of its own. */
export const INLINE_RING = 8;

const MIN_SLOTS = 64;
/** Index cells: slot + 1 in the low SLOT_BITS bits (0 = empty), hash bits above. */
const SLOT_BITS = 20;
const SLOT_MASK = (1 << SLOT_BITS) - 1;
const TAG_MASK = ~SLOT_MASK >>> 0;

/** A bounded table of beaconing pairs (see module rules). */
export class BeaconPairs {
  /** Every slot's record; replaced when the table grows, so re-read it after add(). */
  fields = new Float64Array(MIN_SLOTS * STRIDE);
  /** Pairs evicted since the owner last reset this. */
  evictions = 0;
  private small = new Float64Array(MIN_SLOTS * INLINE_RING * 2);
  private readonly big: (Float64Array | undefined)[] = new Array<Float64Array | undefined>(MIN_SLOTS).fill(undefined);
  private readonly text: (string | undefined)[] = new Array<string | undefined>(2 * MIN_SLOTS).fill(undefined);
  private live = new Uint8Array(MIN_SLOTS);
  private readonly free: number[] = [];
  /** The IPv4 pairs' index (see module rules): at least twice as many cells as slots. */
  private index = new Uint32Array(2 * MIN_SLOTS);
  private mask = 2 * MIN_SLOTS - 1;
  private readonly bySrc = new Map<string, Map<string, number>>();
  /** Slots ever used (the high-water mark), pairs held, the CLOCK hand. */
  private used = 0;
  private count = 0;
  private hand = 0;

  /** Connections the own rings can hold now (see ringBudget). */
  private ringRoom: number;

  /**
   * capacity: the most pairs ever held (>= 1); ringSize: connections kept per pair (>=
   * INLINE_RING); ringBudget: connections all own rings hold together at most.
   */
  constructor(
    readonly capacity: number,
    readonly ringSize: number,
    readonly ringBudget: number,
  ) {
    this.ringRoom = ringBudget;
    if (!(capacity >= 1 && capacity < SLOT_MASK)) throw new RangeError(`BeaconPairs capacity must be 1..${SLOT_MASK - 1}`);
    if (!(ringSize >= INLINE_RING)) throw new RangeError(`BeaconPairs ring size must be >= ${INLINE_RING}`);
  }

  get size(): number {
    return this.count;
  }

  /** The slot of the pair (src, dst) whose ipv4Key numbers are (sk, dk), or -1. */
  find(src: string, dst: string, sk: number, dk: number): number {
    if (sk >= 0 && dk >= 0) return this.findV4(sk, dk);
    const s = this.bySrc.get(src)?.get(dst);
    return s === undefined ? -1 : s;
  }

  /** Adds the absent pair (src, dst), evicting one when full; returns its slot, untouched, empty, seen at seenMs. */
  add(src: string, dst: string, sk: number, dk: number, seenMs: number): number {
    if (this.count >= this.capacity) {
      this.remove(this.victim());
      this.evictions++;
    }
    let s = this.free.pop();
    if (s === undefined) {
      s = this.used++;
      if (s >= this.live.length) this.grow();
    }
    this.live[s] = 1;
    this.count++;
    const f = this.fields;
    const b = s * STRIDE;
    f.fill(0, b, b + STRIDE);
    f[b + F_SRC_KEY] = sk;
    f[b + F_DST_KEY] = dk;
    f[b + F_SEEN] = seenMs;
    f[b + F_LAST_SRC_PORT] = -1;
    f[b + F_LAST_DST_PORT] = -1;
    f[b + F_LAST_PROTO] = -1;
    f[b + F_REPORTED] = Number.NEGATIVE_INFINITY;
    if (sk >= 0 && dk >= 0) this.indexV4(s);
    else {
      this.text[2 * s] = src;
      this.text[2 * s + 1] = dst;
      let inner = this.bySrc.get(src);
      if (inner === undefined) {
        inner = new Map();
        this.bySrc.set(src, inner);
      }
      inner.set(dst, s);
    }
    return s;
  }

  /** Removes the pair in slot s (no-op for a free slot). */
  remove(s: number): void {
    if (this.live[s] !== 1) return;
    const b = s * STRIDE;
    const sk = this.fields[b + F_SRC_KEY] as number;
    const dk = this.fields[b + F_DST_KEY] as number;
    if (sk >= 0 && dk >= 0) this.unindexV4(s);
    else {
      const src = this.text[2 * s] as string;
      const inner = this.bySrc.get(src);
      if (inner !== undefined) {
        inner.delete(this.text[2 * s + 1] as string);
        if (inner.size === 0) this.bySrc.delete(src);
      }
      this.text[2 * s] = undefined;
      this.text[2 * s + 1] = undefined;
    }
    const ring = this.big[s];
    if (ring !== undefined) {
      this.ringRoom += ring.length >> 1;
      this.big[s] = undefined;
    }
    this.live[s] = 0;
    this.free.push(s);
    this.count--;
  }

  /** Source and destination text of the pair in slot s. */
  src(s: number): string {
    const k = this.fields[s * STRIDE + F_SRC_KEY] as number;
    return k >= 0 && (this.fields[s * STRIDE + F_DST_KEY] as number) >= 0 ? ipv4IntToText(k) : (this.text[2 * s] as string);
  }

  dst(s: number): string {
    const k = this.fields[s * STRIDE + F_DST_KEY] as number;
    return k >= 0 && (this.fields[s * STRIDE + F_SRC_KEY] as number) >= 0 ? ipv4IntToText(k) : (this.text[2 * s + 1] as string);
  }

  /** Appends a connection to slot s, overwriting the oldest once ringSize are held. O(1) amortised. */
  push(s: number, t: number, bytes: number): void {
    const f = this.fields;
    const b = s * STRIDE;
    let ring = this.big[s];
    let len = ring === undefined ? INLINE_RING : ring.length >> 1;
    let n = f[b + F_N] as number;
    let start = f[b + F_START] as number;
    // the newest connection's bytes go into its ring entry now that it is no longer the newest
    if (n > 0) {
      const last = (start + n - 1) % len;
      (ring ?? this.small)[(ring === undefined ? s * INLINE_RING * 2 : 0) + 2 * last + 1] = f[b + F_LAST_BYTES] as number;
    }
    const size = Math.min(2 * len, this.ringSize);
    if (n === len && len < this.ringSize && size - (ring === undefined ? 0 : len) <= this.ringRoom) {
      this.ringRoom -= size - (ring === undefined ? 0 : len);
      const grown = new Float64Array(2 * size);
      for (let i = 0; i < n; i++) {
        const j = (start + i) % len;
        grown[2 * i] = this.timeAt(s, j);
        grown[2 * i + 1] = this.bytesAt(s, j);
      }
      this.big[s] = ring = grown;
      start = 0;
      len = size;
    }
    let idx: number;
    if (n < len) {
      idx = (start + n) % len;
      n++;
    } else {
      idx = start;
      start = (start + 1) % len;
    }
    const arr = ring ?? this.small;
    const o = ring === undefined ? s * INLINE_RING * 2 + 2 * idx : 2 * idx;
    arr[o] = t;
    arr[o + 1] = bytes;
    f[b + F_N] = n;
    f[b + F_START] = start;
    f[b + F_LAST_BYTES] = bytes;
  }

  /** Adds bytes to slot s's newest connection (an active-timeout continuation; s has one). O(1), record only. */
  addBytes(s: number, bytes: number): void {
    const o = s * STRIDE + F_LAST_BYTES;
    this.fields[o] = (this.fields[o] as number) + bytes;
  }

  /** Copies slot s's connections (any order) into times/bytes; returns how many. */
  copyTo(s: number, times: Float64Array, bytes: Float64Array): number {
    const b = s * STRIDE;
    const n = this.fields[b + F_N] as number;
    for (let i = 0; i < n; i++) {
      times[i] = this.timeAt(s, i);
      bytes[i] = this.bytesAt(s, i);
    }
    if (n > 0) {
      const ring = this.big[s];
      const len = ring === undefined ? INLINE_RING : ring.length >> 1;
      bytes[((this.fields[b + F_START] as number) + n - 1) % len] = this.fields[b + F_LAST_BYTES] as number;
    }
    return n;
  }

  /** Calls fn for every pair's slot in slot order; fn may remove the pair it is given (and only that one). */
  forEach(fn: (s: number) => void): void {
    const n = this.used;
    for (let s = 0; s < n; s++) if (this.live[s] === 1) fn(s);
  }

  /** The slot of the IPv4 pair (sk, dk), or -1. */
  private findV4(sk: number, dk: number): number {
    const h = mixPair(sk, dk);
    const tag = (h & TAG_MASK) >>> 0;
    const index = this.index;
    const mask = this.mask;
    const f = this.fields;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const c = index[i] as number;
      if (c === 0) return -1;
      if (((c & TAG_MASK) >>> 0) !== tag) continue;
      const s = (c & SLOT_MASK) - 1;
      if (f[s * STRIDE + F_SRC_KEY] === sk && f[s * STRIDE + F_DST_KEY] === dk) return s;
    }
  }

  /** Enters IPv4 slot s (absent from the index; its keys already in its record). */
  private indexV4(s: number): void {
    const h = mixPair(this.fields[s * STRIDE + F_SRC_KEY] as number, this.fields[s * STRIDE + F_DST_KEY] as number);
    let i = h & this.mask;
    while (this.index[i] !== 0) i = (i + 1) & this.mask;
    this.index[i] = ((h & TAG_MASK) | (s + 1)) >>> 0;
  }

  /** Removes IPv4 slot s from the index (backward-shift deletion, as int-map.ts). */
  private unindexV4(s: number): void {
    const index = this.index;
    const mask = this.mask;
    const f = this.fields;
    let i = mixPair(f[s * STRIDE + F_SRC_KEY] as number, f[s * STRIDE + F_DST_KEY] as number) & mask;
    while (((index[i] as number) & SLOT_MASK) !== s + 1) i = (i + 1) & mask;
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const c = index[j] as number;
      if (c === 0) break;
      const o = ((c & SLOT_MASK) - 1) * STRIDE;
      const home = mixPair(f[o + F_SRC_KEY] as number, f[o + F_DST_KEY] as number) & mask;
      if (hole <= j ? home <= hole || home > j : home <= hole && home > j) {
        index[hole] = c;
        hole = j;
      }
    }
    index[hole] = 0;
  }

  private timeAt(s: number, i: number): number {
    const ring = this.big[s];
    return (ring === undefined ? this.small[s * INLINE_RING * 2 + 2 * i] : ring[2 * i]) as number;
  }

  private bytesAt(s: number, i: number): number {
    const ring = this.big[s];
    return (ring === undefined ? this.small[s * INLINE_RING * 2 + 2 * i + 1] : ring[2 * i + 1]) as number;
  }

  /** The CLOCK victim of a full table (skipping, and un-marking, touched pairs). */
  private victim(): number {
    const f = this.fields;
    // Full, so every used slot is live. Bounded: after one lap every mark is cleared.
    for (;;) {
      const s = this.hand;
      this.hand = s + 1 === this.capacity ? 0 : s + 1;
      if (f[s * STRIDE + F_TOUCHED] === 1) f[s * STRIDE + F_TOUCHED] = 0;
      else return s;
    }
  }

  private grow(): void {
    const slots = Math.min(this.live.length * 2, Math.max(this.capacity, MIN_SLOTS));
    const fields = new Float64Array(slots * STRIDE);
    fields.set(this.fields);
    this.fields = fields;
    const small = new Float64Array(slots * INLINE_RING * 2);
    small.set(this.small);
    this.small = small;
    const live = new Uint8Array(slots);
    live.set(this.live);
    this.live = live;
    while (this.big.length < slots) this.big.push(undefined);
    while (this.text.length < 2 * slots) this.text.push(undefined);
    // re-index the IPv4 pairs in a table of at least twice as many cells as slots
    let cells = this.index.length;
    while (cells < 2 * slots) cells *= 2;
    if (cells === this.index.length) return;
    this.index = new Uint32Array(cells);
    this.mask = cells - 1;
    for (let s = 0; s < this.used; s++) {
      if (this.live[s] === 1 && (fields[s * STRIDE + F_SRC_KEY] as number) >= 0 && (fields[s * STRIDE + F_DST_KEY] as number) >= 0) this.indexV4(s);
    }
  }
}
