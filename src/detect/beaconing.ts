/**
 * Beaconing detector (category `beaconing`, key `beaconing:<srcIp>:<dstIp>`, severity high),
 * scored the way RITA scores beacons.
 *
 * Reference: RITA (Active Countermeasures), beacon analysis: activecm/rita `analysis/beacons.go`
 * (v5: getTimestampScore, getDataSizeScore, calculateBowleySkewness,
 * calculateMedianAbsoluteDeviation) and activecm/rita-legacy `pkg/beacon/analyzer.go` (v3/v4,
 * which also scored the connection count against the observation window). Followed here:
 * - intervals are the deltas between sorted connection timestamps, in seconds; zero deltas
 *   (here: < 1 s) are dropped and at least 3 non-zero intervals are needed (RITA: >= 4 timestamps);
 * - Bowley skew (Q1 + Q3 - 2 Q2) / (Q3 - Q1) with RITA's quartiles (medians of the lower and upper
 *   halves) is taken as 0 when Q3 - Q1 < 10 (seconds or bytes) or Q2 equals Q1 or Q3; its score is
 *   1 - |skew|;
 * - dispersion: MAD (median absolute deviation about the median); score (median - MAD) / median,
 *   clamped to 0..1, defaulting to 1 for intervals and 0 for sizes when the median is < 1;
 * - data sizes (the client's bytes per connection) get the same skew and MAD scores.
 * Adapted for a streaming NetFlow monitor (RITA scores a day of Zeek logs in batch and adds a
 * 24-hour histogram and duration score): the "connection count vs observation window" score is
 * connections / (span / median interval + 1), capped at 1: 1 for a steady beacon, ~0.69 for
 * Poisson arrivals, near 0 for bursts separated by long silences (a person browsing).
 *   tsScore = (tsSkewScore + 3 tsMadScore + 2 connScore) / 6, dsScore = (dsSkewScore + dsMadScore) / 2,
 *   score = 0.75 tsScore + 0.25 dsScore, rounded to 0.001.
 * Weights: like RITA v5 (timestamp 0.35 + duration 0.35 + histogram 0.10 vs data size 0.20),
 * timing dominates. Within timing, skew gets the least weight: on <= 200 intervals Bowley skew
 * is noisy and a symmetric spread is not specific to beacons, while dispersion and count vs
 * window separate them. Tuned on seeded simulations (300 seeds each): 60 s +-2 s, +-12 s and
 * 300 s +-10 s beacons score >= 0.82 (also with random sizes); Poisson arrivals <= 0.77 even with
 * constant sizes; bursty browsing <= 0.45.
 *
 * Rules:
 * - Looks only at outbound flows (internal source → external destination), per (source,
 *   destination) pair; the destination port is not part of the pair (a C2 using several ports
 *   is one pair) and is reported from the latest connection. DNS (53) and NTP (123) are skipped:
 *   resolvers and time servers are periodic by design.
 * - Each flow record counts as one connection at its startMs (a record may aggregate several
 *   connections; that is the resolution NetFlow gives), except a record that continues the
 *   pair's previous record (same ports and protocol, starting within CONTINUATION_GAP_MS of its
 *   end: an exporter's active-timeout split of one long connection), whose bytes are added to it.
 * - A pair keeps its last RING_SIZE connections (start time and bytes) in typed-array rings
 *   that grow on demand from 8 entries.
 * - Scoring happens in tick(), only for pairs that got connections since they were last scored
 *   and have at least max(beacon_min_connections, 4) of them. score >= beacon_score_threshold
 *   raises a finding, at most once per pair per REPORT_INTERVAL_MS of flow time.
 * - Memory is bounded: at most maxPairs pairs (default MAX_PAIRS), evicted by the CLOCK rule
 *   (clock-ring.ts) and counted in homesec_detector_evictions_total{detector="beaconing"};
 *   pairs idle for IDLE_MS of ingest time are dropped in tick().
 * - observe() is O(1) (one pair lookup and a ring write) and allocates only for a new pair or
 *   source (evicted pairs are recycled) or a ring growth. Pairs of canonical IPv4 addresses are
 *   found by their two numbers (IntMap: no string hashing per flow); any other pair by
 *   text (source -> destination Maps).
 */
import { ipv4Key } from '../flow/ip-text.js';
import type { FlowRecord } from '../flow/types.js';
import { ClockRing, DetectorStats, NOT_SEEN, isIdle, type ClockEntry } from './clock-ring.js';
import type { Detector, DetectorContext, DetectorFactory, Direction, FlowKeys } from './detector.js';
import { IntMap } from './int-map.js';

export const NAME = 'beaconing';
/** (source, destination) pairs tracked at most. */
export const MAX_PAIRS = 10_000;
/** Connections kept per pair (the most recent). */
export const RING_SIZE = 200;
/** A pair is reported at most once per this much flow time. */
export const REPORT_INTERVAL_MS = 60 * 60 * 1000;
/** Pairs without traffic for this much ingest time are dropped. */
export const IDLE_MS = 24 * 60 * 60 * 1000;
/** A record starting this soon after the previous one (same ports) continues it. */
export const CONTINUATION_GAP_MS = 1000;
/** Intervals shorter than this (ms) count as zero (RITA works in whole seconds). */
const MIN_INTERVAL_MS = 1000;
/** Bowley skew is taken as 0 when the interquartile range is below this (seconds or bytes). */
const MIN_BOWLEY_IQR = 10;
const INITIAL_RING = 8;

/** Sub-scores and facts of one scoring (see the module comment). */
export interface BeaconScore {
  score: number;
  tsScore: number;
  dsScore: number;
  tsSkew: number;
  tsSkewScore: number;
  tsMadScore: number;
  connScore: number;
  dsSkew: number;
  dsSkewScore: number;
  dsMadScore: number;
  /** Connections with distinct timestamps (>= 1 s apart). */
  connections: number;
  medianIntervalSeconds: number;
  intervalMadSeconds: number;
  medianBytes: number;
  bytesMad: number;
}

// Scratch space for scoring (single-threaded; scoring does not nest).
const sortedTs = new Float64Array(RING_SIZE);
const deltas = new Float64Array(RING_SIZE);
const devs = new Float64Array(RING_SIZE);
const sizes = new Float64Array(RING_SIZE);

/** Median of sorted a[lo, hi) (hi > lo). */
function medianOf(a: Float64Array, lo: number, hi: number): number {
  const n = hi - lo;
  const mid = lo + (n >> 1);
  return n % 2 === 1 ? (a[mid] as number) : ((a[mid - 1] as number) + (a[mid] as number)) / 2;
}

/**
 * Bowley skew of sorted a[0, n) (n >= 3) with RITA's quartiles: Q1/Q3 are the medians of the
 * lower/upper halves (the middle element excluded when n is odd). 0 when unreliable.
 */
function bowley(a: Float64Array, n: number): number {
  const c1 = n >> 1;
  const c2 = n % 2 === 0 ? c1 : c1 + 1;
  const q1 = medianOf(a, 0, c1);
  const q2 = medianOf(a, 0, n);
  const q3 = medianOf(a, c2, n);
  const den = q3 - q1;
  if (den >= MIN_BOWLEY_IQR && q2 !== q1 && q2 !== q3) return (q1 + q3 - 2 * q2) / den;
  return 0;
}

/** MAD about the median of sorted a[0, n), using `devs` as scratch. */
function mad(a: Float64Array, n: number, median: number): number {
  for (let i = 0; i < n; i++) devs[i] = Math.abs((a[i] as number) - median);
  const d = devs.subarray(0, n).sort();
  return medianOf(d, 0, n);
}

function clamp01(x: number): number {
  return x < 0 || Number.isNaN(x) ? 0 : x > 1 ? 1 : x;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * Scores connection start times (ms, any order) and their byte counts (the first n of each, n <=
 * RING_SIZE) as a beacon, RITA-style (see the module comment). Returns undefined when there are
 * fewer than 3 non-zero intervals. Allocation: the result object only.
 */
export function scoreBeacon(timesMs: ArrayLike<number>, bytes: ArrayLike<number>, n: number): BeaconScore | undefined {
  if (n > RING_SIZE) throw new RangeError(`at most ${RING_SIZE} connections`);
  for (let i = 0; i < n; i++) sortedTs[i] = timesMs[i] as number;
  const ts = sortedTs.subarray(0, n).sort();
  let k = 0;
  for (let i = 1; i < n; i++) {
    const d = (ts[i] as number) - (ts[i - 1] as number);
    if (d >= MIN_INTERVAL_MS) deltas[k++] = d / 1000;
  }
  if (k < 3) return undefined;
  const iv = deltas.subarray(0, k).sort();
  const tsSkew = bowley(iv, k);
  const tsMedian = medianOf(iv, 0, k);
  const tsMad = mad(iv, k, tsMedian);
  const tsSkewScore = 1 - Math.abs(tsSkew);
  const tsMadScore = tsMedian >= 1 ? clamp01((tsMedian - tsMad) / tsMedian) : 1;
  const spanSeconds = ((ts[n - 1] as number) - (ts[0] as number)) / 1000;
  const connections = k + 1;
  const connScore = clamp01(connections / (spanSeconds / tsMedian + 1));

  for (let i = 0; i < n; i++) sizes[i] = bytes[i] as number;
  const ds = sizes.subarray(0, n).sort();
  const dsSkew = n >= 3 ? bowley(ds, n) : 0;
  const dsMedian = medianOf(ds, 0, n);
  const dsMad = mad(ds, n, dsMedian);
  const dsSkewScore = 1 - Math.abs(dsSkew);
  const dsMadScore = dsMedian >= 1 ? clamp01((dsMedian - dsMad) / dsMedian) : 0;

  const tsScore = (tsSkewScore + 3 * tsMadScore + 2 * connScore) / 6;
  const dsScore = (dsSkewScore + dsMadScore) / 2;
  return {
    score: round3(0.75 * tsScore + 0.25 * dsScore),
    tsScore: round3(tsScore),
    dsScore: round3(dsScore),
    tsSkew: round3(tsSkew),
    tsSkewScore: round3(tsSkewScore),
    tsMadScore: round3(tsMadScore),
    connScore: round3(connScore),
    dsSkew: round3(dsSkew),
    dsSkewScore: round3(dsSkewScore),
    dsMadScore: round3(dsMadScore),
    connections,
    medianIntervalSeconds: round3(tsMedian),
    intervalMadSeconds: round3(tsMad),
    medianBytes: dsMedian,
    bytesMad: dsMad,
  };
}

/** One (source, destination) pair: a ring of its last connections (recycled on eviction). */
class Pair implements ClockEntry {
  slot = -1;
  touched = false;
  seenMs = NOT_SEEN;
  src = '';
  dst = '';
  /** ipv4Key(src) and ipv4Key(dst); the pair is in the numeric index when both are >= 0. */
  srcKey = -1;
  dstKey = -1;
  times = new Float64Array(INITIAL_RING);
  bytes = new Float64Array(INITIAL_RING);
  /** Index of the oldest connection. */
  start = 0;
  n = 0;
  /** Connections added since the pair was last scored. */
  dirty = false;
  lastSrcPort = -1;
  lastDstPort = -1;
  lastProto = -1;
  lastIndex = -1;
  lastStartMs = 0;
  lastEndMs = 0;
  /** Earliest and latest connection start seen since the pair was tracked. */
  firstMs = 0;
  newestMs = 0;
  /** Flow time of the newest connection when a finding was raised. */
  reportedMs = Number.NEGATIVE_INFINITY;

  reset(src: string, dst: string, srcKey: number, dstKey: number, seenMs: number): void {
    this.src = src;
    this.dst = dst;
    this.srcKey = srcKey;
    this.dstKey = dstKey;
    this.touched = false;
    this.seenMs = seenMs;
    this.start = 0;
    this.n = 0;
    this.dirty = false;
    this.lastSrcPort = -1;
    this.lastDstPort = -1;
    this.lastProto = -1;
    this.lastIndex = -1;
    this.reportedMs = Number.NEGATIVE_INFINITY;
  }

  /** Appends a connection, overwriting the oldest once RING_SIZE are held. O(1) amortised. */
  push(t: number, b: number): void {
    let len = this.times.length;
    if (this.n === len && len < RING_SIZE) {
      const size = Math.min(2 * len, RING_SIZE);
      const times = new Float64Array(size);
      const bytes = new Float64Array(size);
      for (let i = 0; i < this.n; i++) {
        const j = (this.start + i) % len;
        times[i] = this.times[j] as number;
        bytes[i] = this.bytes[j] as number;
      }
      this.times = times;
      this.bytes = bytes;
      this.start = 0;
      len = size;
    }
    let idx: number;
    if (this.n < len) {
      idx = (this.start + this.n) % len;
      this.n++;
    } else {
      idx = this.start;
      this.start = (this.start + 1) % len;
    }
    this.times[idx] = t;
    this.bytes[idx] = b;
    this.lastIndex = idx;
  }
}

export interface BeaconingOptions {
  /** Overrides the pair cap (tests). */
  maxPairs?: number;
}

function protoName(p: number): string {
  return p === 6 ? 'tcp' : p === 17 ? 'udp' : p === 1 ? 'icmp' : p === 58 ? 'icmpv6' : String(p);
}

/**
 * Creates the beaconing detector from ctx.config (beacon_min_connections,
 * beacon_score_threshold). observe() records connections; tick() scores and reports.
 */
export function createBeaconingDetector(ctx: DetectorContext, opts: BeaconingOptions = {}): Detector {
  const minConnections = Math.max(4, ctx.config.beacon_min_connections);
  const threshold = ctx.config.beacon_score_threshold;
  /** Pairs of two canonical IPv4 addresses, by number. */
  const v4Pairs = new IntMap<Pair>();
  /** Every other pair: source text -> destination text -> pair. */
  const bySrc = new Map<string, Map<string, Pair>>();
  const ring = new ClockRing<Pair>(opts.maxPairs ?? MAX_PAIRS);
  const stats = new DetectorStats(ctx.metrics, NAME);
  let tickMs = NOT_SEEN;

  const forget = (p: Pair): void => {
    if (p.srcKey >= 0 && p.dstKey >= 0) {
      v4Pairs.delete(p.srcKey, p.dstKey);
      return;
    }
    const inner = bySrc.get(p.src);
    if (inner === undefined) return;
    inner.delete(p.dst);
    if (inner.size === 0) bySrc.delete(p.src);
  };

  const track = (src: string, dst: string, srcKey: number, dstKey: number): Pair => {
    let p = ring.evictIfFull();
    if (p !== undefined) {
      forget(p);
      stats.evicted();
    } else {
      p = new Pair();
    }
    p.reset(src, dst, srcKey, dstKey, tickMs);
    ring.add(p);
    if (srcKey >= 0 && dstKey >= 0) {
      v4Pairs.set(srcKey, dstKey, p);
      return p;
    }
    let inner = bySrc.get(src);
    if (inner === undefined) {
      inner = new Map();
      bySrc.set(src, inner);
    }
    inner.set(dst, p);
    return p;
  };

  const evaluate = (p: Pair): void => {
    const s = scoreBeacon(p.times, p.bytes, p.n);
    if (s === undefined || s.connections < minConnections || s.score < threshold) return;
    if (p.newestMs < p.reportedMs + REPORT_INTERVAL_MS) return;
    p.reportedMs = p.newestMs;
    const service = `${p.lastDstPort}/${protoName(p.lastProto)}`;
    const interval = s.medianIntervalSeconds;
    ctx.report({
      key: `${NAME}:${p.src}:${p.dst}`,
      category: NAME,
      severity: 'high',
      sourceIp: p.src,
      title: `Beaconing from ${p.src} to ${p.dst} every ~${Math.round(interval)} s`,
      detail:
        `${p.src} connected to ${p.dst} (${service}) ${s.connections} times at a regular interval of about ` +
        `${Math.round(interval)} s (median deviation ${s.intervalMadSeconds} s, median ${s.medianBytes} bytes sent); ` +
        `beacon score ${s.score} (threshold ${threshold}).`,
      atMs: p.newestMs,
      evidence: {
        destination: p.dst,
        dstPort: p.lastDstPort,
        protocol: protoName(p.lastProto),
        score: s.score,
        tsScore: s.tsScore,
        dsScore: s.dsScore,
        subscores: {
          tsSkew: s.tsSkewScore,
          tsDispersion: s.tsMadScore,
          connectionCount: s.connScore,
          dsSkew: s.dsSkewScore,
          dsDispersion: s.dsMadScore,
        },
        connections: s.connections,
        medianIntervalSeconds: s.medianIntervalSeconds,
        intervalMadSeconds: s.intervalMadSeconds,
        medianBytes: s.medianBytes,
        bytesMad: s.bytesMad,
        firstSeenMs: p.firstMs,
        lastSeenMs: p.newestMs,
        threshold,
      },
    });
  };

  return {
    name: NAME,

    /** Records an outbound flow as a connection of its (source, destination) pair. O(1). */
    observe(flow: FlowRecord, direction: Direction, keys?: FlowKeys): void {
      if (direction !== 'outbound') return;
      const proto = flow.protocol;
      const dp = flow.dstPort;
      if ((dp === 53 || dp === 123) && (proto === 17 || proto === 6)) return;
      const sk = keys !== undefined ? keys.src : ipv4Key(flow.srcAddr);
      const dk = keys !== undefined ? keys.dst : ipv4Key(flow.dstAddr);
      let p = sk >= 0 && dk >= 0 ? v4Pairs.get(sk, dk) : bySrc.get(flow.srcAddr)?.get(flow.dstAddr);
      if (p === undefined) p = track(flow.srcAddr, flow.dstAddr, sk, dk);
      else p.touched = true;
      p.seenMs = tickMs;
      const end = flow.endMs >= flow.startMs ? flow.endMs : flow.startMs;
      if (
        p.n > 0 &&
        flow.srcPort === p.lastSrcPort &&
        dp === p.lastDstPort &&
        proto === p.lastProto &&
        flow.startMs >= p.lastStartMs &&
        flow.startMs <= p.lastEndMs + CONTINUATION_GAP_MS
      ) {
        p.bytes[p.lastIndex] = (p.bytes[p.lastIndex] as number) + flow.bytes;
        if (end > p.lastEndMs) p.lastEndMs = end;
        return;
      }
      if (p.n === 0 || flow.startMs < p.firstMs) p.firstMs = flow.startMs;
      if (p.n === 0 || flow.startMs > p.newestMs) p.newestMs = flow.startMs;
      p.push(flow.startMs, flow.bytes);
      p.lastSrcPort = flow.srcPort;
      p.lastDstPort = dp;
      p.lastProto = proto;
      p.lastStartMs = flow.startMs;
      p.lastEndMs = end;
      p.dirty = true;
    },

    /** Scores pairs with new connections, reports beacons; drops pairs idle for IDLE_MS of ingest time. O(pairs). */
    tick(nowMs: number): void {
      tickMs = nowMs;
      ring.forEach((p) => {
        if (p.dirty && p.n >= minConnections) {
          p.dirty = false;
          evaluate(p);
        }
        if (isIdle(p, nowMs, IDLE_MS)) {
          ring.remove(p);
          forget(p);
        }
      });
      stats.flush(ring.size);
    },

    size(): number {
      return ring.size;
    },
  };
}

/** The registry's factory. */
export const beaconingDetector: DetectorFactory = (ctx) => createBeaconingDetector(ctx);
