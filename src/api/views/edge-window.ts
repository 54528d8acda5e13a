/**
 * Traffic between pairs of addresses over a sliding window, for the network graph. Rules:
 * - Source: the `connections` history table (the traffic tracker appends aggregated rows
 *   every flush; ids only grow). The first refresh reads the window through the ts_ms
 *   index; later ones read only rows with a larger id, at most `maxRowsPerRefresh` per call
 *   (the rest on the next call), so a refresh costs what arrived since the last one.
 * - Pairs are undirected (A→B and B→A are one edge) and kept per time bucket; a bucket
 *   leaving the window is subtracted from the totals. Rows older than the window are skipped.
 * - Bounded: at most `maxEdges` pairs; rows for further new pairs are counted as dropped.
 * - `version` changes whenever the totals change, so callers can cache what they derive.
 */
import type { Db } from '../../store/database.js';

export interface EdgeTotals {
  /** The two addresses, a < b. */
  a: string;
  b: string;
  bytes: number;
  flows: number;
  lastSeenMs: number;
}

export interface EdgeWindowOptions {
  windowMs: number;
  bucketMs: number;
  maxEdges: number;
  maxRowsPerRefresh: number;
  /** Minimum time between two reads of the table. */
  refreshEveryMs: number;
}

export const EDGE_WINDOW_DEFAULTS: EdgeWindowOptions = {
  windowMs: 60 * 60_000,
  bucketMs: 5 * 60_000,
  maxEdges: 200_000,
  maxRowsPerRefresh: 500_000,
  refreshEveryMs: 2000,
};

export interface EdgeWindow {
  /** Reads what arrived (when due) and expires old buckets. */
  refresh(): void;
  edges(): IterableIterator<EdgeTotals>;
  readonly version: number;
  /** Rows refused because the pair table was full. */
  readonly dropped: number;
  readonly windowMs: number;
}

interface Row {
  id: number;
  ts_ms: number;
  src: string;
  dst: string;
  flows: number;
  bytes: number;
}

/** Creates the window over deps.db(); reads nothing until refresh(). */
export function createEdgeWindow(deps: { db: () => Db; now: () => number }, options: Partial<EdgeWindowOptions> = {}): EdgeWindow {
  const o = { ...EDGE_WINDOW_DEFAULTS, ...options };
  const totals = new Map<string, EdgeTotals>();
  const buckets = new Map<number, Map<string, { bytes: number; flows: number }>>();
  let lastId = -1;
  let version = 0;
  let dropped = 0;
  let lastRefreshMs = -Infinity;

  const add = (r: Row, windowStart: number): void => {
    if (r.ts_ms < windowStart) return;
    const [a, b] = r.src < r.dst ? [r.src, r.dst] : [r.dst, r.src];
    const key = `${a}|${b}`;
    let t = totals.get(key);
    if (!t) {
      if (totals.size >= o.maxEdges) {
        dropped++;
        return;
      }
      t = { a, b, bytes: 0, flows: 0, lastSeenMs: r.ts_ms };
      totals.set(key, t);
    }
    t.bytes += r.bytes;
    t.flows += r.flows;
    if (r.ts_ms > t.lastSeenMs) t.lastSeenMs = r.ts_ms;
    const bk = Math.floor(r.ts_ms / o.bucketMs);
    let bucket = buckets.get(bk);
    if (!bucket) buckets.set(bk, (bucket = new Map()));
    const c = bucket.get(key);
    if (c) {
      c.bytes += r.bytes;
      c.flows += r.flows;
    } else bucket.set(key, { bytes: r.bytes, flows: r.flows });
  };

  const expire = (windowStart: number): boolean => {
    let changed = false;
    const oldest = Math.floor(windowStart / o.bucketMs);
    for (const [bk, bucket] of buckets) {
      if (bk >= oldest) continue;
      for (const [key, c] of bucket) {
        const t = totals.get(key);
        if (!t) continue;
        t.bytes -= c.bytes;
        t.flows -= c.flows;
        if (t.flows <= 0) totals.delete(key);
      }
      buckets.delete(bk);
      changed = true;
    }
    return changed;
  };

  return {
    get version() {
      return version;
    },
    get dropped() {
      return dropped;
    },
    windowMs: o.windowMs,
    edges: () => totals.values(),
    refresh() {
      const now = deps.now();
      if (now - lastRefreshMs < o.refreshEveryMs) return;
      lastRefreshMs = now;
      const db = deps.db();
      const windowStart = now - o.windowMs;
      let changed = expire(windowStart);
      const rows =
        lastId < 0
          ? (db.prepare('SELECT id, ts_ms, src, dst, flows, bytes FROM connections WHERE ts_ms >= ? ORDER BY id LIMIT ?').iterate(windowStart, o.maxRowsPerRefresh) as IterableIterator<Row>)
          : (db.prepare('SELECT id, ts_ms, src, dst, flows, bytes FROM connections WHERE id > ? ORDER BY id LIMIT ?').iterate(lastId, o.maxRowsPerRefresh) as IterableIterator<Row>);
      let maxId = lastId < 0 ? 0 : lastId;
      for (const r of rows) {
        add(r, windowStart);
        if (r.id > maxId) maxId = r.id;
        changed = true;
      }
      if (lastId < 0 && maxId === 0) maxId = (db.prepare('SELECT coalesce(max(id), 0) FROM connections').pluck().get() as number) ?? 0;
      lastId = maxId;
      if (changed) version++;
    },
  };
}
