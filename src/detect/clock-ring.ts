/**
 * Bounded detector state: the CLOCK ("second chance") eviction ring shared by the flow
 * detectors, plus their common bookkeeping (eviction counting, idle expiry by ingest time).
 *
 * Rules: a ring holds at most `capacity` entries; adding to a full ring first evicts one entry,
 * chosen by the CLOCK rule (the hand skips, and un-marks, entries touched since it last passed;
 * the first untouched entry goes), so a flood of one-shot keys (spoofed sources) evicts mostly
 * itself while entries that keep seeing traffic survive. Every operation is O(1) amortised and
 * allocation-free in the steady state (a full ring reuses its slots; the evicted object is
 * handed back so callers can recycle it). The ring does not own the lookup maps: callers keep
 * their own Map(s) and delete the evicted entry's key(s) themselves (bounded-table.ts does
 * that for the common case of one string-keyed Map).
 *
 * Time: detectors judge traffic by flow time, but they expire idle state by ingest time (the
 * `nowMs` of tick()), so an exporter whose clock is off by hours neither keeps state forever
 * nor has it expired under its feet. An entry records the ingest time of the last tick before
 * it was touched (`seenMs`; NOT_SEEN until the first tick).
 */
import type { Metrics } from '../core/metrics.js';

/** Fields a ring entry carries (the ring owns `slot`; callers set `touched` on every hit). */
export interface ClockEntry {
  /** Index in the ring, -1 when not in a ring. */
  slot: number;
  /**
   * Set by the owner on every hit AFTER the one that created the entry (a new entry starts
   * untouched, so one-shot keys are the first to go); cleared by the CLOCK hand.
   */
  touched: boolean;
  /** Ingest time (last tick's nowMs) when the entry last saw traffic; NOT_SEEN before the first tick. */
  seenMs: number;
}

/** seenMs of an entry touched before the detector's first tick. */
export const NOT_SEEN = Number.NEGATIVE_INFINITY;

/** Evictions metric shared by the detectors (label `detector`). */
export const EVICTIONS_METRIC = 'homesec_detector_evictions_total';
/** Tracked-state gauge shared by the detectors (label `detector`). */
export const TRACKED_METRIC = 'homesec_detector_tracked';

export class ClockRing<V extends ClockEntry> {
  private readonly slots: (V | undefined)[] = [];
  private readonly free: number[] = [];
  private hand = 0;
  private count = 0;

  /** capacity: the most entries ever held (>= 1). */
  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError('ClockRing capacity must be >= 1');
  }

  /** Number of entries held. */
  get size(): number {
    return this.count;
  }

  /**
   * When the ring is full, removes and returns the CLOCK victim (its slot is then -1);
   * otherwise returns undefined. Call before add() of a new entry.
   */
  evictIfFull(): V | undefined {
    if (this.count < this.capacity) return undefined;
    // Full, so every slot is occupied. Bounded: after one lap every mark is cleared.
    for (;;) {
      const e = this.slots[this.hand] as V;
      if (e.touched) {
        e.touched = false;
        this.hand = this.hand + 1 === this.capacity ? 0 : this.hand + 1;
        continue;
      }
      this.slots[this.hand] = undefined;
      this.free.push(this.hand);
      e.slot = -1;
      this.count--;
      this.hand = this.hand + 1 === this.capacity ? 0 : this.hand + 1;
      return e;
    }
  }

  /** Adds an entry that is not in the ring; the ring must have room (see evictIfFull). */
  add(e: V): void {
    let slot = this.free.pop();
    if (slot === undefined) {
      if (this.slots.length >= this.capacity) throw new RangeError('ClockRing is full: call evictIfFull() first');
      slot = this.slots.length;
      this.slots.push(e);
    } else {
      this.slots[slot] = e;
    }
    e.slot = slot;
    this.count++;
  }

  /** Removes an entry (no-op when it is not in the ring). */
  remove(e: V): void {
    if (e.slot < 0 || this.slots[e.slot] !== e) return;
    this.slots[e.slot] = undefined;
    this.free.push(e.slot);
    e.slot = -1;
    this.count--;
  }

  /** Calls fn for every entry; fn may remove the entry it is given (and only that one). */
  forEach(fn: (e: V) => void): void {
    const n = this.slots.length;
    for (let i = 0; i < n; i++) {
      const e = this.slots[i];
      if (e !== undefined) fn(e);
    }
  }
}

/**
 * Per-detector counters that must not cost a metrics call (label building) per flow: evictions
 * are counted in a plain field on the ingest path and flushed to `metrics` by tick().
 */
export class DetectorStats {
  private pendingEvictions = 0;
  private readonly labels: { detector: string };

  constructor(
    private readonly metrics: Metrics,
    detector: string,
  ) {
    this.labels = { detector };
    metrics.describe(EVICTIONS_METRIC, 'counter', 'Detector state entries evicted to stay within their cap.');
    metrics.describe(TRACKED_METRIC, 'gauge', 'Detector state entries currently tracked.');
  }

  /** Counts n evictions (default one; flushed on the next flush()). O(1), no allocation. */
  evicted(n = 1): void {
    this.pendingEvictions += n;
  }

  /** Publishes pending evictions and the current tracked size. Called from tick(). */
  flush(tracked: number): void {
    if (this.pendingEvictions > 0) {
      this.metrics.inc(EVICTIONS_METRIC, this.labels, this.pendingEvictions);
      this.pendingEvictions = 0;
    }
    this.metrics.set(TRACKED_METRIC, tracked, this.labels);
  }
}

/**
 * True when an entry has seen no traffic for longer than idleMs of ingest time at nowMs.
 * An entry still marked NOT_SEEN (touched before the first tick) is stamped with nowMs and kept.
 */
export function isIdle(e: ClockEntry, nowMs: number, idleMs: number): boolean {
  if (e.seenMs === NOT_SEEN) {
    e.seenMs = nowMs;
    return false;
  }
  return e.seenMs < nowMs - idleMs;
}
