/**
 * `npm run bench`: every benchmark, figures printed side by side with the reference tool.
 * Flow collector: pure decode (homesec vs node-netflowv9) and loss-free ingest over
 * loopback (homesec's whole pipeline vs nfcapd, same generator and 8 MiB buffer).
 * BENCH_QUICK=1 shortens every step (for a smoke run); BENCH_SKIP_INGEST=1 skips the
 * loopback ingest comparison (the longest part, about 12 minutes); BENCH_SKIP_SCAN=1 skips the
 * active-scanner comparison with nmap (64 namespace hosts; needs root); BENCH_ONLY=scan (or vuln, api, dashboard) runs only that section; BENCH_ONLY=decode, pipeline or ingest runs only that flow-collector section, BENCH_ONLY=flow all three. Raises net.core.rmem_max to 8 MiB
 * for the run when it can (root), as nfcapd's -B needs, and restores it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { printDecodeBench } from './decode.js';
import { printScanBench } from './scan.js';
import { printVulnBench } from './vuln.js';
import { printApiBench } from './api.js';
import { printDashboardBench } from './dashboard.js';
import { printPipelineBench } from './pipeline.js';
import { BUFFER_BYTES, printIngestBench } from './ingest.js';

const quick = process.env.BENCH_QUICK === '1';

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
  if (process.env.BENCH_ONLY === 'dashboard') return printDashboardBench(quick);
  const flow = process.env.BENCH_ONLY;
  if (flow === 'decode' || flow === 'pipeline' || flow === 'ingest' || flow === 'flow') {
    if (flow === 'decode' || flow === 'flow') printDecodeBench(quick);
    if (flow === 'pipeline' || flow === 'flow') printPipelineBench(quick);
    if (flow === 'ingest' || flow === 'flow') await ingestSection();
    return;
  }
  printDecodeBench(quick);
  printPipelineBench(quick);

  await printVulnBench(quick);
  await printApiBench(quick);
  await printDashboardBench(quick);
  if (process.env.BENCH_SKIP_SCAN !== '1') await printScanBench(quick);

  if (process.env.BENCH_SKIP_INGEST === '1') return;
  await ingestSection();
}

/** The loopback ingest comparison, with net.core.rmem_max raised to the buffer both collectors ask for. */
async function ingestSection(): Promise<void> {
  const oldRmem = setRmemMax(BUFFER_BYTES);
  try {
    await printIngestBench(quick);
  } finally {
    if (oldRmem !== undefined && oldRmem < BUFFER_BYTES) execFileSync('sysctl', ['-q', '-w', `net.core.rmem_max=${oldRmem}`]);
  }
}

void main();
