/**
 * `npm run bench`: every benchmark, figures printed side by side with the reference tool.
 * Flow collector: pure decode (homesec vs node-netflowv9) and loss-free ingest over
 * loopback (homesec's whole pipeline vs nfcapd, same generator and 8 MiB buffer).
 * BENCH_QUICK=1 shortens every step (for a smoke run); BENCH_SKIP_INGEST=1 skips the
 * loopback ingest comparison (the longest part, about 4 minutes); BENCH_SKIP_SCAN=1 skips the
 * active-scanner comparison with nmap (64 namespace hosts; needs root); BENCH_ONLY=scan (or vuln, or api) runs only that section. Raises net.core.rmem_max to 8 MiB
 * for the run when it can (root), as nfcapd's -B needs, and restores it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { homesecDecodeRate, netflowv9DecodeRate } from './decode.js';
import { printScanBench } from './scan.js';
import { printVulnBench } from './vuln.js';
import { printApiBench } from './api.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StageRates } from './pipeline.js';
import { BUFFER_BYTES, findLossFreeRate, homesecReceiver, nfcapdReceiver, type RateResult } from './ingest.js';
import type { BenchProto } from './datagrams.js';

const quick = process.env.BENCH_QUICK === '1';
const fmt = (n: number | undefined) => (n === undefined ? '-' : Math.round(n).toLocaleString('en-US'));

function cpuModel(): string {
  try {
    return /model name\s*:\s*(.+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
  } catch {
    return 'unknown CPU';
  }
}

function setRmemMax(v: number): number | undefined {
  try {
    const old = Number(fs.readFileSync('/proc/sys/net/core/rmem_max', 'utf8').trim());
    if (old < v) execFileSync('sysctl', ['-q', '-w', `net.core.rmem_max=${v}`]);
    return old;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  console.log(`homesec benchmarks — ${new Date().toISOString()} — ${cpuModel()}, ${(await import('node:os')).cpus().length} cores, Node ${process.version}`);
  if (process.env.BENCH_ONLY === 'scan') return printScanBench(quick);
  if (process.env.BENCH_ONLY === 'vuln') return void (await printVulnBench(quick));
  if (process.env.BENCH_ONLY === 'api') return printApiBench(quick);
  console.log('\n## Flow decode (records/s, one thread, same datagrams)\n');
  console.log('| format | homesec | node-netflowv9 | ratio |');
  console.log('|---|---:|---:|---:|');
  const secs = quick ? 0.5 : 2;
  for (const p of ['v5', 'v9'] as const) {
    const h = homesecDecodeRate(p, secs);
    const n = netflowv9DecodeRate(p, secs);
    console.log(`| ${p} | ${fmt(h)} | ${fmt(n)} | ${(h / n).toFixed(1)}x |`);
  }
  console.log(`| ipfix | ${fmt(homesecDecodeRate('ipfix', secs))} | (not supported) | |`);

  console.log('\n## In-process ingest path (flows/s, no socket): where the time goes\n');
  console.log('| format | decode | + traffic tracker | + all detectors |');
  console.log('|---|---:|---:|---:|');
  for (const p of ['v5', 'v9', 'ipfix'] as const) {
    const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pipeline.js');
    const r = JSON.parse(execFileSync(process.execPath, [script, p, String(secs)], { encoding: 'utf8' })) as StageRates;
    console.log(`| ${p} | ${fmt(r.decode)} | ${fmt(r.decodeTraffic)} | ${fmt(r.decodeTrafficDetectors)} |`);
  }

  await printVulnBench(quick);
  await printApiBench(quick);
  if (process.env.BENCH_SKIP_SCAN !== '1') await printScanBench(quick);

  if (process.env.BENCH_SKIP_INGEST === '1') return;
  const oldRmem = setRmemMax(BUFFER_BYTES);
  try {
    console.log(`\n## Loss-free ingest over loopback UDP (flows/s; socket buffer ${BUFFER_BYTES / 1024 / 1024} MiB; homesec = whole pipeline)\n`);
    console.log('| format | homesec loss-free | homesec first loss | nfcapd loss-free | nfcapd first loss | generator max |');
    console.log('|---|---:|---:|---:|---:|---:|');
    const opts = { start: quick ? 200_000 : 100_000, max: 6_400_000, seconds: quick ? 1 : 3, bisections: quick ? 1 : 4 };
    const results: RateResult[] = [];
    for (const proto of ['v5', 'v9', 'ipfix'] as BenchProto[]) {
      const hs = await homesecReceiver();
      const h = await findLossFreeRate(hs, proto, opts).finally(() => hs.close());
      const nr = await nfcapdReceiver();
      const n = await findLossFreeRate(nr, proto, opts).finally(() => nr.close());
      results.push(h, n);
      console.log(`| ${proto} | ${fmt(h.lossFreeRate)} | ${fmt(h.lossyRate)} | ${fmt(n.lossFreeRate)} | ${fmt(n.lossyRate)} | ${fmt(Math.max(h.generatorMax, n.generatorMax))} |`);
    }
    if (process.env.BENCH_VERBOSE === '1') console.log(JSON.stringify(results, null, 1));
  } finally {
    if (oldRmem !== undefined && oldRmem < BUFFER_BYTES) execFileSync('sysctl', ['-q', '-w', `net.core.rmem_max=${oldRmem}`]);
  }
}

void main();
