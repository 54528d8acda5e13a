/**
 * Traffic between pairs of addresses over a sliding window, for the network graph. Rules:
 * - Source: the `connections` history table (the traffic tracker appends aggregated rows
 *   every flush; ids only grow). The first refresh reads the window through the ts_ms
 *   index; later ones read only rows with a larger id, at most `maxRowsPerRefresh` per call
 *   (the rest on the next call), so a refresh costs what arrived since the last one. Rows are
 *   read in chunks of `chunkRows` with a yield to the event loop between chunks (a cold start
 *   over 200,000 rows must not stall the daemon); callers await refresh() before reading.
 * - Pairs are undirected (A→B and B→A are one edge) and kept per time bucket; a bucket
 *   leaving the window is subtracted from the totals. Rows older than the window are skipped.
 * - Each pair is classified once (internal: both ends inside; external: one end inside, the
 *   device, and the other the peer; pairs with no end inside are ignored), and every external
 *   peer keeps its totals and its edges, so the graph picks the top peers without walking
 *   every pair.
 * - Bounded: at most `maxEdges` pairs; rows for further new pairs are counted as dropped.
 * - `version` changes whenever the totals change, so callers can cache what they derive.
 */
import type { Db } from '../../store/database.js';

export interface EdgeTotals {
  /** The two addresses, a < b. */
  a: string;
  b: string;
  kind: 'internal' | 'external';
  /** External pairs: the inside end and the outside end. */
  device?: string;
  peer?: string;
  bytes: number;
  flows: number;
  lastSeenMs: number;
}

export interface PeerTotals {
  ip: string;
  bytes: number;
  flows: number;
  /** Its pairs (one per device that talked to it). */
  edges: Set<EdgeTotals>;
}

export interface EdgeWindowOptions {
  windowMs: number;
  bucketMs: number;
  maxEdges: number;
  maxRowsPerRefresh: number;
  /** Minimum time between two reads of the table. */
  refreshEveryMs: number;
  /** Rows read between two yields to the event loop. */
  chunkRows: number;
}

export const EDGE_WINDOW_DEFAULTS: EdgeWindowOptions = {
  windowMs: 60 * 60_000,
  bucketMs: 5 * 60_000,
  maxEdges: 200_000,
  maxRowsPerRefresh: 200_000,
  refreshEveryMs: 2000,
  chunkRows: 10_000,
};

export interface EdgeWindow {
  /** Reads what arrived (when due) and expires old buckets; joins a refresh in flight. */
  refresh(): Promise<void>;
  /** Pairs with both ends inside. */
  internalEdges(): IterableIterator<EdgeTotals>;
  /** External peers with their totals and pairs. */
  peers(): IterableIterator<PeerTotals>;
  readonly version: number;
  /** Rows refused because the pair table was full. */
  readonly dropped: number;
  readonly windowMs: number;
}

type Row = [id: number, tsMs: number, src: string, dst: string, flows: number, bytes: number];


/** Creates the window over deps.db(); reads nothing until refresh(). */
export function createEdgeWindow(deps: { db: () => Db; now: () => number; isInternal: (ip: string) => boolean }, options: Partial<EdgeWindowOptions> = {}): EdgeWindow {
  const o = { ...EDGE_WINDOW_DEFAULTS, ...options };
  const totals = new Map<string, EdgeTotals>();
  const internal = new Set<EdgeTotals>();
  const peers = new Map<string, PeerTotals>();
  const buckets = new Map<number, Map<EdgeTotals, { bytes: number; flows: number }>>();
  let lastId = -1;
  let version = 0;
  let dropped = 0;
  let lastRefreshMs = -Infinity;
  let inflight: Promise<void> | undefined;

  const pair = (src: string, dst: string, tsMs: number): EdgeTotals | undefined => {
    const [a, b] = src < dst ? [src, dst] : [dst, src];
    const key = `${a}|${b}`;
    const hit = totals.get(key);
    if (hit) return hit;
    const ai = deps.isInternal(a);
    const bi = deps.isInternal(b);
    if (!ai && !bi) return undefined;
    if (totals.size >= o.maxEdges) {
      dropped++;
      return undefined;
    }
    const t: EdgeTotals = ai && bi ? { a, b, kind: 'internal', bytes: 0, flows: 0, lastSeenMs: tsMs } : { a, b, kind: 'external', device: ai ? a : b, peer: ai ? b : a, bytes: 0, flows: 0, lastSeenMs: tsMs };
    totals.set(key, t);
    if (t.kind === 'internal') internal.add(t);
    else {
      const ip = t.peer as string;
      let p = peers.get(ip);
      if (!p) peers.set(ip, (p = { ip, bytes: 0, flows: 0, edges: new Set() }));
      p.edges.add(t);
    }
    return t;
  };

  const add = (r: Row, windowStart: number): boolean => {
    const [, tsMs, src, dst, flows, bytes] = r;
    if (tsMs < windowStart) return false;
    const t = pair(src, dst, tsMs);
    if (!t) return false;
    t.bytes += bytes;
    t.flows += flows;
    if (tsMs > t.lastSeenMs) t.lastSeenMs = tsMs;
    if (t.peer) {
      const p = peers.get(t.peer) as PeerTotals;
      p.bytes += bytes;
      p.flows += flows;
    }
    const bk = Math.floor(tsMs / o.bucketMs);
    let bucket = buckets.get(bk);
    if (!bucket) buckets.set(bk, (bucket = new Map()));
    const c = bucket.get(t);
    if (c) {
      c.bytes += bytes;
      c.flows += flows;
    } else bucket.set(t, { bytes, flows });
    return true;
  };

  const remove = (t: EdgeTotals): void => {
    totals.delete(`${t.a}|${t.b}`);
    if (t.kind === 'internal') internal.delete(t);
    else {
      const p = peers.get(t.peer as string);
      p?.edges.delete(t);
      if (p && p.edges.size === 0) peers.delete(p.ip);
    }
  };

  const expire = (windowStart: number): boolean => {
    let changed = false;
    const oldest = Math.floor(windowStart / o.bucketMs);
    for (const [bk, bucket] of buckets) {
      if (bk >= oldest) continue;
      for (const [t, c] of bucket) {
        t.bytes -= c.bytes;
        t.flows -= c.flows;
        if (t.peer) {
          const p = peers.get(t.peer);
          if (p) {
            p.bytes -= c.bytes;
            p.flows -= c.flows;
          }
        }
        if (t.flows <= 0) remove(t);
      }
      buckets.delete(bk);
      changed = true;
    }
    return changed;
  };

  /** Reads rows after lastId (the window's first row on the first call) in chunks, yielding to the event loop between them. */
  const read = async (now: number): Promise<void> => {
    const db = deps.db();
    const windowStart = now - o.windowMs;
    let changed = expire(windowStart);
    let from = lastId;
    if (from < 0) {
      const first = db.prepare('SELECT min(id) FROM connections WHERE ts_ms >= ?').pluck().get(windowStart) as number | null;
      from = first === null ? ((db.prepare('SELECT coalesce(max(id), 0) FROM connections').pluck().get() as number) ?? 0) : first - 1;
    }
    const st = db.prepare('SELECT id, ts_ms, src, dst, flows, bytes FROM connections WHERE id > ? ORDER BY id LIMIT ?').raw(true);
    for (let total = 0; total < o.maxRowsPerRefresh; ) {
      const rows = st.all(from, Math.min(o.chunkRows, o.maxRowsPerRefresh - total)) as Row[];
      for (const r of rows) if (add(r, windowStart)) changed = true;
      if (rows.length > 0) from = (rows[rows.length - 1] as Row)[0];
      total += rows.length;
      if (rows.length < o.chunkRows) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    lastId = from;
    if (changed) version++;
  };

  return {
    get version() {
      return version;
    },
    get dropped() {
      return dropped;
    },
    windowMs: o.windowMs,
    internalEdges: () => internal.values(),
    peers: () => peers.values(),
    refresh() {
      const now = deps.now();
      if (inflight) return inflight;
      if (now - lastRefreshMs < o.refreshEveryMs) return Promise.resolve();
      lastRefreshMs = now;
      inflight = read(now).finally(() => {
        inflight = undefined;
      });
      return inflight;
    },
  };
}
