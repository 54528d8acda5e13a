/**
 * In-process pipeline benchmark (no socket): decode → traffic tracker → all detectors,
 * over the benchmark datagram set, reporting flows/s per stage. Used to find where the
 * ingest path spends its time; printed by `npm run bench`.
 */
import { configSchema } from '../src/config/schema.js';
import { createMetrics } from '../src/core/metrics.js';
import { DETECTORS } from '../src/detect/registry.js';
import { decodeDatagram } from '../src/flow/decode/index.js';
import { TemplateStore } from '../src/flow/decode/template-store.js';
import type { FlowRecord } from '../src/flow/types.js';
import { createTrafficTracker } from '../src/traffic/traffic-tracker.js';
import { benchDatagrams, BENCH_NOW_MS, type BenchProto } from './datagrams.js';

export interface StageRates {
  decode: number;
  decodeTraffic: number;
  decodeTrafficDetectors: number;
}

function rate(seconds: number, fn: () => number): number {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < seconds * 1000) {
    n += fn();
    t = performance.now();
  }
  return n / ((t - t0) / 1000);
}

/** flows/s of each prefix of the ingest pipeline, in-process, for one protocol. */
export function pipelineRates(proto: BenchProto, seconds = 2): StageRates {
  const set = benchDatagrams(proto);
  const config = configSchema.parse({});
  const run = (withTraffic: boolean, withDetectors: boolean) => {
    const store = new TemplateStore();
    const metrics = createMetrics();
    const detectors = withDetectors ? DETECTORS.map((d) => d.create({ config, metrics, report: () => {} })) : [];
    const traffic = createTrafficTracker(config, { metrics, detectors });
    let ticks = 0;
    return rate(seconds, () => {
      let n = 0;
      for (const d of set.datagrams) {
        const recs: FlowRecord[] = decodeDatagram(d.buf, '127.0.0.1', store, BENCH_NOW_MS).records;
        if (withTraffic) traffic.ingest(recs);
        n += recs.length;
      }
      if (++ticks % 10 === 0) traffic.tick(BENCH_NOW_MS);
      return n;
    });
  };
  return { decode: run(false, false), decodeTraffic: run(true, false), decodeTrafficDetectors: run(true, true) };
}
