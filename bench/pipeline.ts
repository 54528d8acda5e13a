/**
 * In-process pipeline benchmark (no socket): where the daemon's main thread spends its time
 * per flow, over the benchmark datagram set. Stages, each a prefix of the next:
 *   decode → + traffic tracker → + all four detectors → the daemon's whole flow path
 * (the last is `createApp` with the ingest benchmark's settings, fed through
 * collector.handle(): health counters, the `flow.records` event and every listener — traffic,
 * detectors, the threat-intel blacklist watch, the DNS outside-resolver detector).
 * Figures are flows per CPU-second of this process (process.cpuUsage), so other load on a
 * shared machine inflates them less than wall time would; on an idle machine the two agree.
 * History is written to SQLite by the daemon every 10 s, whatever the rate, so its cost is
 * measured apart: one flush of the window a pass over the set leaves (rows, ms).
 * `npm run bench` prints it (BENCH_ONLY=pipeline for this section alone).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';
import { createSilentLogger } from '../src/core/logger.js';
import { createMetrics } from '../src/core/metrics.js';
import { DETECTORS } from '../src/detect/registry.js';
import { decodeDatagram } from '../src/flow/decode/index.js';
import { TemplateStore } from '../src/flow/decode/template-store.js';
import type { FlowRecord } from '../src/flow/types.js';
import { openDatabase } from '../src/store/database.js';
import { createTrafficTracker } from '../src/traffic/traffic-tracker.js';
import { freeTcpPort, freeUdpPort } from '../test/support/daemon.js';
import { benchDatagrams, BENCH_NOW_MS, type BenchProto } from './datagrams.js';
import { cpuTimeLoop } from './decode.js';
import { DAEMON_SETTINGS } from './ingest.js';

export interface StageRates {
  decode: number;
  decodeTraffic: number;
  decodeTrafficDetectors: number;
  /** The daemon's whole flow path (collector.handle in a running app). */
  daemonPath: number;
  /** One flush of the history window one pass over the set leaves. */
  flushRows: number;
  flushMs: number;
}

/** flows per CPU-second of each prefix of the ingest pipeline, in-process, for one protocol. */
export async function pipelineRates(proto: BenchProto, seconds = 2): Promise<StageRates> {
  const set = benchDatagrams(proto);
  const config = configSchema.parse({});
  const stage = (withTraffic: boolean, withDetectors: boolean) => {
    const store = new TemplateStore();
    const metrics = createMetrics();
    const detectors = withDetectors ? DETECTORS.map((d) => d.create({ config, metrics, report: () => {} })) : [];
    const traffic = createTrafficTracker(config, { metrics, detectors });
    const pass = () => {
      let n = 0;
      for (const d of set.datagrams) {
        const recs: FlowRecord[] = decodeDatagram(d.buf, '127.0.0.1', store, BENCH_NOW_MS).records;
        if (withTraffic) traffic.ingest(recs);
        n += recs.length;
      }
      return n;
    };
    let ticks = 0;
    const rate = cpuTimeLoop(seconds, () => {
      // detectors tick as the daemon's 10-second job does (history is flushed apart, below)
      if (++ticks % 10 === 0) traffic.tick(BENCH_NOW_MS);
      return pass();
    });
    return { rate, traffic, pass };
  };
  const decode = stage(false, false).rate;
  const decodeTraffic = stage(true, false).rate;
  const full = stage(true, true);

  // one window of history: what a pass over the set leaves, written as the daemon writes it
  const { db } = openDatabase(':memory:');
  const rowCount = () => db.prepare('SELECT COUNT(*) FROM connections').pluck().get() as number;
  full.traffic.flush(db, BENCH_NOW_MS);
  const before = rowCount();
  full.pass();
  const t0 = performance.now();
  full.traffic.flush(db, BENCH_NOW_MS);
  const flushMs = performance.now() - t0;
  const flushRows = rowCount() - before;
  db.close();

  return {
    decode,
    decodeTraffic,
    decodeTrafficDetectors: full.rate,
    daemonPath: await daemonPathRate(proto, seconds),
    flushRows,
    flushMs,
  };
}

/** flows per CPU-second through collector.handle() of a started app (bench settings, temp data dir). */
async function daemonPathRate(proto: BenchProto, seconds: number): Promise<number> {
  const set = benchDatagrams(proto);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-bench-app-'));
  const config = configSchema.parse({
    ...DAEMON_SETTINGS,
    data_dir: dir,
    bind_host: '127.0.0.1',
    bind_port: await freeUdpPort(),
    web_port: await freeTcpPort(),
  });
  const app = createApp(config, { log: createSilentLogger() });
  await app.start();
  try {
    return cpuTimeLoop(seconds, () => {
      let n = 0;
      for (const d of set.datagrams) {
        app.collector.handle(d.buf, '127.0.0.1');
        n += d.flows;
      }
      return n;
    });
  } finally {
    await app.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Prints the section: each format measured in a fresh process so one measurement's JIT and heap state cannot skew the next. */
export function printPipelineBench(quick: boolean): void {
  const secs = quick ? 0.5 : 2;
  console.log('\n## In-process ingest path (flows per CPU-second, no socket): where the time goes\n');
  console.log('| format | decode | + traffic tracker | + all detectors | whole daemon path | µs/flow (daemon path) | history flush (rows, ms) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  const script = fileURLToPath(import.meta.url);
  for (const p of ['v5', 'v9', 'ipfix'] as const) {
    const out = execFileSync(process.execPath, [script, p, String(secs)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const r = JSON.parse(out.trim().split('\n').pop() as string) as StageRates;
    console.log(
      `| ${p} | ${fmt(r.decode)} | ${fmt(r.decodeTraffic)} | ${fmt(r.decodeTrafficDetectors)} | ${fmt(r.daemonPath)} | ${(1e6 / r.daemonPath).toFixed(2)} | ${fmt(r.flushRows)}, ${r.flushMs.toFixed(0)} |`,
    );
  }
}

// `node dist/bench/pipeline.js <proto> <seconds>` prints one JSON StageRates line.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const proto = (process.argv[2] ?? 'v5') as BenchProto;
  const r = await pipelineRates(proto, Number(process.argv[3] ?? 2));
  process.stdout.write(`${JSON.stringify(r)}\n`);
  process.exit(0);
}
