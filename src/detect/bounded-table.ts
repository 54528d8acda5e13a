/**
 * A bounded keyed table of detector state: a map from key to entry plus the CLOCK ring
 * (clock-ring.ts) that caps it, with eviction counting and idle expiry by ingest time.
 *
 * Rules:
 * - Keys are address texts. Canonical IPv4 text is indexed by its number (`ipv4Key`, in an
 *   IntMap: no string hashing on the per-flow path); any other text by the string (a Map).
 *   Callers that already have the number (the tracker's FlowKeys) pass it; it must equal
 *   ipv4Key(key).
 * - The table holds at most `capacity` entries. track() of a new key when full first evicts the
 *   CLOCK victim (deleting its key from the index and counting it in
 *   homesec_detector_evictions_total{detector}), then recycles the evicted object for the new
 *   key; only while the table is filling up does it allocate (one entry via `create`).
 * - The table owns an entry's bookkeeping fields: `slot` (the ring's), `key`, `num`, `touched`
 *   (cleared when the entry is (re)tracked) and `seenMs` (set to the last tick's nowMs when
 *   (re)tracked). The caller sets `touched = true` and `seenMs = table.tickMs` on every later
 *   hit, and must not change `key` or `num`.
 * - tick(nowMs) records nowMs as the ingest time for entries hit from then on, drops entries
 *   idle for longer than idleMs of ingest time (see isIdle), and publishes the evictions and
 *   the tracked count (homesec_detector_tracked{detector}).
 * - get() and track() are O(1) amortised and allocate nothing in the steady state (no
 *   closures); tick() is O(size).
 */
import type { Metrics } from '../core/metrics.js';
import { ipv4Key } from '../flow/ip-text.js';
import { ClockRing, DetectorStats, NOT_SEEN, isIdle, type ClockEntry } from './clock-ring.js';
import { IntMap } from './int-map.js';

/** An entry of a BoundedTable. */
export interface TableEntry extends ClockEntry {
  /** The entry's key in its table (set by the table). */
  key: string;
  /** ipv4Key(key), -1 when the key is not canonical IPv4 text (set by the table). */
  num?: number;
  /** Clears the entry's own state for a new key (called by track(); bookkeeping fields are set by the table). */
  reset(): void;
}

export class BoundedTable<E extends TableEntry> {
  /** Entries whose key is not canonical IPv4 text. */
  private readonly map = new Map<string, E>();
  /** Entries keyed by ipv4Key(key). */
  private readonly byNum = new IntMap<E>();
  private readonly ring: ClockRing<E>;
  private readonly stats: DetectorStats;
  /** Ingest time of the last tick() (NOT_SEEN before the first): callers stamp `seenMs` with it. */
  tickMs = NOT_SEEN;

  /**
   * capacity: the most entries held (>= 1); metrics/detector: where and under which `detector`
   * label evictions and the tracked count are published; create: makes a blank entry (its
   * key and state are set by track()).
   */
  constructor(
    readonly capacity: number,
    metrics: Metrics,
    detector: string,
    private readonly create: () => E,
  ) {
    this.ring = new ClockRing<E>(capacity);
    this.stats = new DetectorStats(metrics, detector);
  }

  /** Number of entries held. */
  get size(): number {
    return this.map.size + this.byNum.size;
  }

  /** The entry for key (num: ipv4Key(key), when the caller has it), or undefined. Does not mark it as hit. O(1). */
  get(key: string, num: number = ipv4Key(key)): E | undefined {
    return num >= 0 ? this.byNum.get(num) : this.map.get(key);
  }

  /**
   * Adds an entry for key, which must not be in the table, evicting the CLOCK victim first
   * when the table is full (see the module rules). Returns the entry: untouched, seenMs =
   * tickMs, reset() called. O(1) amortised; allocates only while the table is not yet full.
   */
  track(key: string, num: number = ipv4Key(key)): E {
    let e = this.ring.evictIfFull();
    if (e !== undefined) {
      this.unindex(e);
      this.stats.evicted();
    } else {
      e = this.create();
    }
    e.key = key;
    e.num = num;
    e.touched = false;
    e.seenMs = this.tickMs;
    e.reset();
    if (num >= 0) this.byNum.set(num, 0, e);
    else this.map.set(key, e);
    this.ring.add(e);
    return e;
  }

  private unindex(e: E): void {
    const num = e.num ?? -1;
    if (num >= 0) this.byNum.delete(num);
    else this.map.delete(e.key);
  }

  /**
   * Sets tickMs = nowMs, then for every entry (in ring-slot order) calls visit (when given)
   * and removes the entry when it is idle for longer than idleMs at nowMs; finally publishes
   * metrics. visit must not add or remove entries. O(size).
   */
  tick(nowMs: number, idleMs: number, visit?: (e: E) => void): void {
    this.tickMs = nowMs;
    this.ring.forEach((e) => {
      if (visit !== undefined) visit(e);
      if (isIdle(e, nowMs, idleMs)) {
        this.ring.remove(e);
        this.unindex(e);
      }
    });
    this.stats.flush(this.size);
  }
}
