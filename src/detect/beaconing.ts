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
 * - A pair keeps its last RING_SIZE connections (start time and bytes) in a ring that grows
 *   on demand from 8 entries; all pairs' rings beyond their first 8 entries hold at most
 *   RING_BUDGET connections together (a ring that would grow past that keeps its size and
 *   its most recent connections). RING_BUDGET is what 10,000 pairs with full rings hold, so it
 *   binds only when more than 10,000 pairs each have more than 8 connections at once.
 * - Scoring happens in tick(), only for pairs that got connections since they were last scored
 *   and have at least max(beacon_min_connections, 4) of them. score >= beacon_score_threshold
 *   raises a finding, at most once per pair per REPORT_INTERVAL_MS of flow time.
 * - Memory is bounded: at most maxPairs pairs (default MAX_PAIRS), evicted by the CLOCK rule
 *   (clock-ring.ts) and counted in homesec_detector_evictions_total{detector="beaconing"};
 *   pairs idle for IDLE_MS of ingest time are dropped in tick(). The pairs live in typed
 *   arrays (beacon-pairs.ts): about 256 bytes per pair plus its index entry, and at most
 *   16 bytes × RING_BUDGET (32 MB) for the grown rings: under 50 MB at the caps.
 * - observe() is O(1) (one pair lookup, its record, and a ring write unless the record continues
 *   the previous one, whose bytes the pair's record holds) and allocates only when the table or
 *   a ring grows or for a text-keyed pair's Map entry. Pairs of canonical IPv4 addresses are
 *   found by their two numbers (a compact index over the records, beacon-pairs.ts: no string
 *   hashing per flow); any other pair by text (source -> destination Maps).
 */
import { ipv4Key } from '../flow/ip-text.js';
import type { FlowRecord } from '../flow/types.js';
import {
  BeaconPairs,
  F_DIRTY,
  F_FIRST,
  F_LAST_DST_PORT,
  F_LAST_END,
  F_LAST_PROTO,
  F_LAST_SRC_PORT,
  F_LAST_START,
  F_N,
  F_NEWEST,
  F_REPORTED,
  F_SEEN,
  F_TOUCHED,
  STRIDE,
} from './beacon-pairs.js';
import { DetectorStats, NOT_SEEN } from './clock-ring.js';
import type { Detector, DetectorContext, DetectorFactory, Direction, FlowKeys } from './detector.js';

export const NAME = 'beaconing';
/** (source, destination) pairs tracked at most (a busy home: 50 devices × 1,000 peers each). */
export const MAX_PAIRS = 50_000;
/** Connections kept per pair (the most recent). */
export const RING_SIZE = 200;
/** Connections all pairs' rings hold together beyond their first 8 (see module rules). */
export const RING_BUDGET = 10_000 * RING_SIZE;
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
/** A pair's connections, copied out of the table for scoring. */
const scoreTimes = new Float64Array(RING_SIZE);
const scoreBytes = new Float64Array(RING_SIZE);

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

export interface BeaconingOptions {
  /** Overrides the pair cap (tests). */
  maxPairs?: number;
  /** Overrides the connections all pairs' own rings hold together (tests). */
  ringBudget?: number;
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
  const pairs = new BeaconPairs(opts.maxPairs ?? MAX_PAIRS, RING_SIZE, opts.ringBudget ?? RING_BUDGET);
  const stats = new DetectorStats(ctx.metrics, NAME);
  let tickMs = NOT_SEEN;

  const evaluate = (slot: number): void => {
    const f = pairs.fields;
    const b = slot * STRIDE;
    const n = pairs.copyTo(slot, scoreTimes, scoreBytes);
    const s = scoreBeacon(scoreTimes, scoreBytes, n);
    if (s === undefined || s.connections < minConnections || s.score < threshold) return;
    const newestMs = f[b + F_NEWEST] as number;
    if (newestMs < (f[b + F_REPORTED] as number) + REPORT_INTERVAL_MS) return;
    f[b + F_REPORTED] = newestMs;
    const src = pairs.src(slot);
    const dst = pairs.dst(slot);
    const dstPort = f[b + F_LAST_DST_PORT] as number;
    const proto = protoName(f[b + F_LAST_PROTO] as number);
    const interval = s.medianIntervalSeconds;
    ctx.report({
      key: `${NAME}:${src}:${dst}`,
      category: NAME,
      severity: 'high',
      sourceIp: src,
      title: `Beaconing from ${src} to ${dst} every ~${Math.round(interval)} s`,
      detail:
        `${src} connected to ${dst} (${dstPort}/${proto}) ${s.connections} times at a regular interval of about ` +
        `${Math.round(interval)} s (median deviation ${s.intervalMadSeconds} s, median ${s.medianBytes} bytes sent); ` +
        `beacon score ${s.score} (threshold ${threshold}).`,
      atMs: newestMs,
      evidence: {
        destination: dst,
        dstPort,
        protocol: proto,
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
        firstSeenMs: f[b + F_FIRST] as number,
        lastSeenMs: newestMs,
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
      let slot = pairs.find(flow.srcAddr, flow.dstAddr, sk, dk);
      const fresh = slot < 0;
      if (fresh) slot = pairs.add(flow.srcAddr, flow.dstAddr, sk, dk, tickMs);
      const f = pairs.fields;
      const b = slot * STRIDE;
      if (!fresh) f[b + F_TOUCHED] = 1;
      f[b + F_SEEN] = tickMs;
      const start = flow.startMs;
      const end = flow.endMs >= start ? flow.endMs : start;
      const n = f[b + F_N] as number;
      if (
        n > 0 &&
        flow.srcPort === f[b + F_LAST_SRC_PORT] &&
        dp === f[b + F_LAST_DST_PORT] &&
        proto === f[b + F_LAST_PROTO] &&
        start >= (f[b + F_LAST_START] as number) &&
        start <= (f[b + F_LAST_END] as number) + CONTINUATION_GAP_MS
      ) {
        pairs.addBytes(slot, flow.bytes);
        if (end > (f[b + F_LAST_END] as number)) f[b + F_LAST_END] = end;
        return;
      }
      if (n === 0 || start < (f[b + F_FIRST] as number)) f[b + F_FIRST] = start;
      if (n === 0 || start > (f[b + F_NEWEST] as number)) f[b + F_NEWEST] = start;
      pairs.push(slot, start, flow.bytes);
      f[b + F_LAST_SRC_PORT] = flow.srcPort;
      f[b + F_LAST_DST_PORT] = dp;
      f[b + F_LAST_PROTO] = proto;
      f[b + F_LAST_START] = start;
      f[b + F_LAST_END] = end;
      f[b + F_DIRTY] = 1;
    },

    /** Scores pairs with new connections, reports beacons; drops pairs idle for IDLE_MS of ingest time. O(pairs). */
    tick(nowMs: number): void {
      tickMs = nowMs;
      const f = pairs.fields;
      pairs.forEach((slot) => {
        const b = slot * STRIDE;
        if (f[b + F_DIRTY] === 1 && (f[b + F_N] as number) >= minConnections) {
          f[b + F_DIRTY] = 0;
          evaluate(slot);
        }
        // clock-ring.ts's isIdle: a pair still NOT_SEEN (touched before the first tick) is stamped now and kept
        const seen = f[b + F_SEEN] as number;
        if (seen === NOT_SEEN) f[b + F_SEEN] = nowMs;
        else if (seen < nowMs - IDLE_MS) pairs.remove(slot);
      });
      stats.evicted(pairs.evictions);
      pairs.evictions = 0;
      stats.flush(pairs.size);
    },

    size(): number {
      return pairs.size;
    },
  };
}

/** The registry's factory. */
export const beaconingDetector: DetectorFactory = (ctx) => createBeaconingDetector(ctx);
