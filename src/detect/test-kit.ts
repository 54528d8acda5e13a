/**
 * Test kit for the detector tests (no production code imports it).
 *
 * Rules: everything is deterministic: a seeded PRNG (mulberry32) instead of Math.random,
 * time only from flow timestamps and explicit tick(nowMs) calls (T0 is a fixed instant).
 */
import { mulberry32 } from '../flow/encode/random-records.js';
import { configSchema, type Config, type ConfigInput } from '../config/schema.js';
import { createMetrics, type Metrics } from '../core/metrics.js';
import type { FlowRecord } from '../flow/types.js';
import type { FindingReport } from '../findings/types.js';
import type { DetectorContext } from './detector.js';

/** A fixed start instant (2026-01-01T00:00:00Z). */
export const T0 = Date.UTC(2026, 0, 1);

/** A context whose reports are collected in `findings`. */
export interface TestContext {
  ctx: DetectorContext;
  findings: FindingReport[];
  metrics: Metrics;
  config: Config;
}

/** Builds a DetectorContext from config overrides (everything else at its default). */
export function testContext(overrides: ConfigInput = {}): TestContext {
  const config = configSchema.parse(overrides);
  const metrics = createMetrics();
  const findings: FindingReport[] = [];
  return { ctx: { config, metrics, report: (f) => findings.push(f) }, findings, metrics, config };
}

/** A FlowRecord with sensible defaults (a 1-packet TCP SYN at T0). */
export function flow(p: Partial<FlowRecord> = {}): FlowRecord {
  const startMs = p.startMs ?? T0;
  return {
    ipVersion: 4,
    srcAddr: '192.168.1.20',
    dstAddr: '192.168.1.1',
    srcPort: 40000,
    dstPort: 80,
    protocol: 6,
    bytes: 60,
    packets: 1,
    tcpFlags: 0x02,
    startMs,
    endMs: p.endMs ?? startMs,
    exporter: '192.168.1.1',
    inputIf: 0,
    outputIf: 0,
    samplingRate: 1,
    ...p,
  };
}

/** A seeded PRNG returning floats in [0, 1) (mulberry32, shared with the encoders' random records). */
export const prng = mulberry32;

/** The n-th IPv4 address under firstOctet.0.0.0/8 (text), for spoofed-source floods. */
export function ipN(n: number, firstOctet = 10): string {
  return `${firstOctet}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}
