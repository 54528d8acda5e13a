/**
 * The flow Detector interface. Rules: a detector is a plain object built by a factory from
 * its config slice plus a DetectorContext; it keeps its own state, bounded in size (caps
 * on tracked sources/pairs, oldest evicted, evictions counted); it never reads the wall
 * clock (time comes from flow timestamps and tick(nowMs)); it reports through ctx.report,
 * at most once per finding key per window (the findings store counts occurrences).
 * Detectors are listed in registry.ts. observe() runs once per flow on the ingest path, so
 * the traffic tracker hands each detector the flow's IPv4 addresses as numbers (FlowKeys,
 * computed once per flow) for integer-keyed state (int-map.ts); a caller without them (tests)
 * omits the argument and the detector derives them.
 */
import type { Config } from '../config/schema.js';
import type { Metrics } from '../core/metrics.js';
import type { FlowRecord } from '../flow/types.js';
import type { FindingReport } from '../findings/types.js';

/** Direction of a flow relative to the home network. */
export type Direction = 'outbound' | 'inbound' | 'internal' | 'transit';

/**
 * A flow's addresses as table keys: `ipv4Key` of srcAddr and dstAddr (the uint32 of canonical
 * dotted-quad text, -1 for anything else, which then takes the string-keyed path).
 */
export interface FlowKeys {
  src: number;
  dst: number;
}

export interface DetectorContext {
  config: Config;
  metrics: Metrics;
  report(finding: FindingReport): void;
}

export interface Detector {
  readonly name: string;
  /**
   * Sees every flow (classified); must be cheap: it runs per record on the ingest path.
   * `keys` (when given) must be the flow's FlowKeys; the object may be reused for the next flow.
   */
  observe(flow: FlowRecord, direction: Direction, keys?: FlowKeys): void;
  /** Called periodically (about every 10 s of ingest time) for time-based evaluation and expiry. */
  tick(nowMs: number): void;
  /** Tracked state entries (for health and memory-bound tests). */
  size(): number;
}

export type DetectorFactory = (ctx: DetectorContext) => Detector;
