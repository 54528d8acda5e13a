/**
 * The flow Detector interface. Rules: a detector is a plain object built by a factory from
 * its config slice plus a DetectorContext; it keeps its own state, bounded in size (caps
 * on tracked sources/pairs, oldest evicted, evictions counted); it never reads the wall
 * clock (time comes from flow timestamps and tick(nowMs)); it reports through ctx.report,
 * at most once per finding key per window (the findings store counts occurrences).
 * Detectors are listed in registry.ts.
 */
import type { Config } from '../config/schema.js';
import type { Metrics } from '../core/metrics.js';
import type { FlowRecord } from '../flow/types.js';
import type { FindingReport } from '../findings/types.js';

/** Direction of a flow relative to the home network. */
export type Direction = 'outbound' | 'inbound' | 'internal' | 'transit';

export interface DetectorContext {
  config: Config;
  metrics: Metrics;
  report(finding: FindingReport): void;
}

export interface Detector {
  readonly name: string;
  /** Sees every flow (classified); must be cheap: it runs per record on the ingest path. */
  observe(flow: FlowRecord, direction: Direction): void;
  /** Called periodically (about every 10 s of ingest time) for time-based evaluation and expiry. */
  tick(nowMs: number): void;
  /** Tracked state entries (for health and memory-bound tests). */
  size(): number;
}

export type DetectorFactory = (ctx: DetectorContext) => Detector;
