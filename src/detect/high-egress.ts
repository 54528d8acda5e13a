/**
 * High-egress detector (category `high_egress`, key `high_egress:<srcIp>`, severity medium).
 *
 * Rules:
 * - Looks only at outbound flows (internal source → external destination).
 * - Sums each internal source's outbound octets (already scaled by sampling) over FIXED
 *   intervals of high_egress_interval_seconds of flow time, aligned to the Unix epoch
 *   (interval = floor(endMs / length)). A record whose endMs falls in an earlier interval than
 *   the source's current one (a late export) still counts, towards the current interval: the
 *   bytes did leave the network.
 * - When a source's sum first exceeds high_egress_threshold within an interval, one finding is
 *   reported at once (from observe()); nothing more for that source until its next interval
 *   (and its peers are not counted for the rest of the interval: only the finding shows them).
 *   Evidence: bytes so far, the interval, and the top destination peers (at most TOP_PEERS),
 *   estimated with Space-Saving over 8 counters per source (space-saving.ts; exact while a
 *   source has at most 8 peers in the interval; otherwise each peer's bytes are an upper bound
 *   and `peersApproximate` is true).
 * - Memory is bounded: at most maxSources sources (default MAX_SOURCES), evicted by the CLOCK
 *   rule (clock-ring.ts) and counted in homesec_detector_evictions_total{detector="high_egress"};
 *   sources idle for 2 intervals of ingest time are dropped in tick().
 * - observe() is O(1) (8 counters) and allocates only for a new source (evicted ones are
 *   recycled) or a finding.
 */
import { ipv4Key } from '../flow/ip-text.js';
import type { FlowRecord } from '../flow/types.js';
import { BoundedTable, type TableEntry } from './bounded-table.js';
import { NOT_SEEN } from './clock-ring.js';
import { SpaceSaving } from './space-saving.js';
import type { Detector, DetectorContext, DetectorFactory, Direction, FlowKeys } from './detector.js';

export const NAME = 'high_egress';
/** Internal sources tracked at most. */
export const MAX_SOURCES = 10_000;
/** Destination peers listed in a finding at most (of the SLOTS = 8 Space-Saving counters). */
export const TOP_PEERS = 5;

/** Per-source state for the current interval (recycled on eviction). */
class EgressSource implements TableEntry {
  slot = -1;
  touched = false;
  seenMs = NOT_SEEN;
  /** Source IP. */
  key = '';
  /** ipv4Key(key) (set by the table). */
  num = -1;
  /** Current interval number (floor(endMs / intervalMs)). */
  interval = Number.NEGATIVE_INFINITY;
  bytes = 0;
  flows = 0;
  /** Interval for which a finding was reported. */
  reported = Number.NEGATIVE_INFINITY;
  /** Destination peers' bytes this interval (Space-Saving). */
  readonly peers = new SpaceSaving();

  reset(): void {
    this.interval = Number.NEGATIVE_INFINITY;
    this.reported = Number.NEGATIVE_INFINITY;
    this.startInterval(Number.NEGATIVE_INFINITY);
  }

  startInterval(interval: number): void {
    this.interval = interval;
    this.bytes = 0;
    this.flows = 0;
    this.peers.clear();
  }
}

export interface HighEgressOptions {
  /** Overrides the source cap (tests). */
  maxSources?: number;
}

/** Formats a byte count for titles ("52.4 MB"). */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

/**
 * Creates the high-egress detector from ctx.config (high_egress_threshold,
 * high_egress_interval_seconds). Findings are reported synchronously from observe().
 */
export function createHighEgressDetector(ctx: DetectorContext, opts: HighEgressOptions = {}): Detector {
  const intervalMs = ctx.config.high_egress_interval_seconds * 1000;
  const threshold = ctx.config.high_egress_threshold;
  const idleMs = 2 * intervalMs;
  const sources = new BoundedTable(opts.maxSources ?? MAX_SOURCES, ctx.metrics, NAME, () => new EgressSource());

  const raise = (s: EgressSource, atMs: number): void => {
    const ip = s.key;
    s.reported = s.interval;
    const startMs = s.interval * intervalMs;
    const seconds = intervalMs / 1000;
    ctx.report({
      key: `${NAME}:${ip}`,
      category: NAME,
      severity: 'medium',
      sourceIp: ip,
      title: `High outbound traffic from ${ip}: ${formatBytes(s.bytes)} in ${seconds} s`,
      detail:
        `${ip} sent ${s.bytes} bytes to external hosts within one ${seconds} s interval ` +
        `(threshold ${threshold} bytes).`,
      atMs,
      evidence: {
        bytes: s.bytes,
        thresholdBytes: threshold,
        flows: s.flows,
        intervalSeconds: seconds,
        intervalStartMs: startMs,
        intervalEndMs: startMs + intervalMs,
        topPeers: s.peers.top(TOP_PEERS),
        peersApproximate: s.peers.approximate,
      },
    });
  };

  return {
    name: NAME,

    /** Adds an outbound flow's bytes to its source's interval; reports once per interval on crossing. O(1). */
    observe(flow: FlowRecord, direction: Direction, keys?: FlowKeys): void {
      if (direction !== 'outbound') return;
      const num = keys !== undefined ? keys.src : ipv4Key(flow.srcAddr);
      let s = sources.get(flow.srcAddr, num);
      if (s === undefined) s = sources.track(flow.srcAddr, num);
      else s.touched = true;
      s.seenMs = sources.tickMs;
      const t = flow.endMs >= flow.startMs ? flow.endMs : flow.startMs;
      const interval = Math.floor(t / intervalMs);
      if (interval > s.interval) s.startInterval(interval);
      s.bytes += flow.bytes;
      s.flows++;
      // the peers matter only for this interval's finding: none are needed once it is reported
      if (s.reported === s.interval) return;
      s.peers.add(flow.dstAddr, keys !== undefined ? keys.dst : ipv4Key(flow.dstAddr), flow.bytes);
      if (s.bytes > threshold) raise(s, t);
    },

    /** Drops sources idle for 2 intervals of ingest time; publishes metrics. O(sources). */
    tick(nowMs: number): void {
      sources.tick(nowMs, idleMs);
    },

    size(): number {
      return sources.size;
    },
  };
}

/** The registry's factory. */
export const highEgressDetector: DetectorFactory = (ctx) => createHighEgressDetector(ctx);
