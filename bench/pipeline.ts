/**
 * In-process pipeline benchmark (no socket): decode → traffic tracker → all detectors,
 * over the benchmark datagram set, reporting flows/s per stage. Every 10 passes it ticks
 * the detectors and flushes history to an in-memory SQLite database, as the daemon's
 * 10-second job does (the flush time is included). Used to find where the
 * ingest path spends its time; printed by `npm run bench`.
 */
import { configSchema } from '../src/config/schema.js';
import { createMetrics } from '../src/core/metrics.js';
import { DETECTORS } from '../src/detect/registry.js';
import { decodeDatagram } from '../src/flow/decode/index.js';
import { TemplateStore } from '../src/flow/decode/template-store.js';
import type { FlowRecord } from '../src/flow/types.js';
import { openDatabase } from '../src/store/database.js';
import { createTrafficTracker } from '../src/traffic/traffic-tracker.js';
import { benchDatagrams, BENCH_NOW_MS, type BenchProto } from './datagrams.js';
import { timeLoop } from './decode.js';

export interface StageRates {
  decode: number;
  decodeTraffic: number;
  decodeTrafficDetectors: number;
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
    const { db } = openDatabase(':memory:');
    return timeLoop(seconds, () => {
      let n = 0;
      for (const d of set.datagrams) {
        const recs: FlowRecord[] = decodeDatagram(d.buf, '127.0.0.1', store, BENCH_NOW_MS).records;
        if (withTraffic) traffic.ingest(recs);
        n += recs.length;
      }
      // as the daemon does every 10 s: detectors tick, history is written out (to an in-memory database here)
      if (++ticks % 10 === 0) {
        traffic.tick(BENCH_NOW_MS);
        if (withTraffic) traffic.flush(db, BENCH_NOW_MS);
      }
      return n;
    });
  };
  return { decode: run(false, false), decodeTraffic: run(true, false), decodeTrafficDetectors: run(true, true) };
}

// `node dist/bench/pipeline.js <proto> <seconds>` prints one JSON StageRates line (run.ts runs
// each format in a fresh process so one measurement's JIT and heap state cannot skew the next).
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const proto = (process.argv[2] ?? 'v5') as BenchProto;
  process.stdout.write(`${JSON.stringify(pipelineRates(proto, Number(process.argv[3] ?? 2)))}\n`);
}
