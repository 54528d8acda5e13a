/**
 * Loss-free ingest benchmark: the highest rate (flow records/s) at which a collector
 * receives every record a generator sends over loopback UDP, for homesec (the real daemon:
 * decode, classify, per-device counters, external IPs, history, detectors, and the other
 * flow listeners of a default install) and for nfcapd, with the same generator, the same
 * datagrams and the same 8 MiB socket receive buffer. The rate is found by doubling until
 * loss, then bisecting, with STEP_SECONDS steps; the rate found is then held for
 * CHECK_SECONDS to show whether it is sustained. Steps are long on purpose: homesec's receive
 * thread holds a bounded backlog (up to 32 MiB, about 770,000 of these flows) beside the
 * kernel buffer, and a 3-second step was measured passing at twice the rate the daemon could
 * sustain. Neither collector nor the generator is pinned to a core. Loopback only; every step is bounded in
 * time. `npm run bench` prints it (BENCH_ONLY=ingest for this section alone);
 * BENCH_HOMESEC_MAIN=<path to dist/src/main.js> measures another build of homesec.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freeTcpPort, freeUdpPort } from '../test/support/daemon.js';
import type { BenchProto } from './datagrams.js';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
// compiled layout: dist/bench/*.js beside dist/src/*.js (npm run bench compiles first)
const root = path.resolve(here, '..');
const repoRoot = path.resolve(root, '..');
export const BUFFER_BYTES = 8 * 1024 * 1024;
/** Length of one step of the search. */
export const STEP_SECONDS = 8;
/** How long the loss-free rate found is held to check that it is sustained. */
export const CHECK_SECONDS = 20;

/**
 * The daemon's settings for the run (config keys): everything on as in a default install
 * (traffic, detectors, threat intel with its blacklist watch on every flow, the DNS flow
 * detector, inventory), except what would send traffic beyond loopback: no scanner, no NVD,
 * no provider look-ups or reverse DNS, device names not resolved, and the blacklist feed URL
 * pointing at a closed loopback port (so the watch runs with an empty list).
 */
export const DAEMON_SETTINGS = {
  enable_scanner: false,
  enable_nvd: false,
  enable_dns_resolution: false,
  inventory_resolve_names: false,
  blacklist_urls: 'http://127.0.0.1:9/feed.txt',
  ipinfo_daily_budget: 0,
  virustotal_daily_budget: 0,
  shodan_daily_budget: 0,
  abuseipdb_daily_budget: 0,
};

interface SendResult {
  sentFlows: number;
  sentDatagrams: number;
  seconds: number;
}

/** Runs the generator process; resolves with what it sent. */
async function send(port: number, proto: BenchProto, rate: number, seconds: number): Promise<SendResult> {
  const { stdout } = await run(process.execPath, [path.join(here, 'udp-sender.js'), String(port), proto, String(rate), String(seconds)], {
    cwd: repoRoot,
    timeout: (seconds + 60) * 1000,
  });
  return JSON.parse(stdout.trim().split('\n').pop() as string) as SendResult;
}

export interface Receiver {
  name: string;
  /** Prepares for one step; returns the port to send to. */
  begin(): Promise<number>;
  /** Records received in this step (after the sender finished), and what the receiver says it dropped. */
  end(): Promise<{ received: number; drops?: Record<string, number> }>;
  close(): Promise<void>;
}

interface CollectorHealth {
  records: number;
  kernelDrops?: number;
  queueDrops?: number;
}

/** homesec's daemon as a child process; counts via its /health endpoint. */
export async function homesecReceiver(mainJs = process.env.BENCH_HOMESEC_MAIN ?? path.join(root, 'src/main.js')): Promise<Receiver> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-bench-'));
  const udp = await freeUdpPort();
  const web = await freeTcpPort();
  const env: NodeJS.ProcessEnv = { ...process.env, HOMESEC_UDP_RECEIVE_BUFFER_BYTES: String(BUFFER_BYTES) };
  for (const [k, v] of Object.entries(DAEMON_SETTINGS)) env[`HOMESEC_${k.toUpperCase()}`] = String(v);
  const proc: ChildProcess = spawn(
    process.execPath,
    [mainJs, 'run', '--data-dir', dataDir, '--bind-host', '127.0.0.1', '--bind-port', String(udp), '--web-port', String(web), '--log-level', 'error'],
    { cwd: repoRoot, stdio: 'ignore', env },
  );
  const health = async () => ((await (await fetch(`http://127.0.0.1:${web}/health`)).json()) as { collector: CollectorHealth }).collector;
  for (let i = 0; ; i++) {
    try {
      await health();
      break;
    } catch {
      if (i > 200) throw new Error('homesec did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  let before: CollectorHealth = { records: 0 };
  return {
    name: 'homesec',
    async begin() {
      before = await health();
      return udp;
    },
    async end() {
      // let the daemon work through its socket buffer and backlog: done when the count stops moving
      let last: CollectorHealth = before;
      for (let i = 0; i < 150; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const now = await health();
        if (i > 0 && now.records === last.records) break;
        last = now;
      }
      return {
        received: last.records - before.records,
        drops: { kernel: (last.kernelDrops ?? 0) - (before.kernelDrops ?? 0), queue: (last.queueDrops ?? 0) - (before.queueDrops ?? 0) },
      };
    },
    async close() {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** nfcapd (Debian nfdump 1.7) with -B 8 MiB; a fresh capture directory per step, counted from its exit statistics. */
export async function nfcapdReceiver(): Promise<Receiver> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-bench-nf-'));
  let proc: ChildProcess | undefined;
  let dir = '';
  let step = 0;
  let log = '';
  const port = await freeUdpPort();
  return {
    name: 'nfcapd',
    async begin() {
      dir = path.join(base, `s${step++}`);
      fs.mkdirSync(dir);
      const p = spawn('nfcapd', ['-b', '127.0.0.1', '-p', String(port), '-w', dir, '-B', String(BUFFER_BYTES)], { stdio: ['ignore', 'ignore', 'pipe'] });
      proc = p;
      log = '';
      p.stderr?.on('data', (c: Buffer) => (log += c.toString()));
      for (let i = 0; i < 200 && !log.includes('Startup'); i++) await new Promise((r) => setTimeout(r, 20));
      if (!log.includes('Startup')) throw new Error(`nfcapd did not start: ${log}`);
      return port;
    },
    async end() {
      await new Promise((r) => setTimeout(r, 300));
      const p = proc as ChildProcess;
      p.kill('SIGTERM');
      await new Promise((r) => p.once('exit', r));
      // at exit nfcapd prints what it stored: "Ident: 'none' Flows: N, Packets: ..." (the same
      // count nfdump -I reports for the file it wrote); one line per exporter ident
      const received = [...log.matchAll(/Flows: (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
      fs.rmSync(dir, { recursive: true, force: true });
      return { received };
    },
    async close() {
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}

export interface Step {
  target: number;
  seconds: number;
  achieved: number;
  sent: number;
  received: number;
  drops?: Record<string, number>;
}

export interface RateResult {
  receiver: string;
  proto: BenchProto;
  /** Highest rate (flows/s) that lost nothing. */
  lossFreeRate: number;
  /** Lowest rate that lost flows (undefined if none did up to the limit). */
  lossyRate: number | undefined;
  /** The loss-free rate held for CHECK_SECONDS (undefined when not checked). */
  check: Step | undefined;
  /** Highest rate the generator actually achieved (flows/s). */
  generatorMax: number;
  steps: Step[];
}

/** Finds the highest loss-free rate for one receiver and protocol, then holds it for checkSeconds (0 = no check). */
export async function findLossFreeRate(
  receiver: Receiver,
  proto: BenchProto,
  opts: { start: number; max: number; seconds: number; bisections: number; checkSeconds?: number },
): Promise<RateResult> {
  const steps: Step[] = [];
  let good = 0;
  let bad: number | undefined;
  let generatorMax = 0;
  const probe = async (rate: number, seconds: number): Promise<Step> => {
    const port = await receiver.begin();
    const s = await send(port, proto, rate, seconds);
    const { received, drops } = await receiver.end();
    const achieved = s.sentFlows / s.seconds;
    generatorMax = Math.max(generatorMax, achieved);
    const step: Step = { target: rate, seconds, achieved: Math.round(achieved), sent: s.sentFlows, received, ...(drops ? { drops } : {}) };
    steps.push(step);
    return step;
  };
  const lossFree = async (rate: number) => {
    const s = await probe(rate, opts.seconds);
    return s.received >= s.sent;
  };
  let rate = opts.start;
  while (rate <= opts.max) {
    if (await lossFree(rate)) {
      good = rate;
      rate *= 2;
    } else {
      bad = rate;
      break;
    }
  }
  if (bad !== undefined) {
    for (let i = 0; i < opts.bisections; i++) {
      const mid = Math.round((good + bad) / 2);
      if (await lossFree(mid)) good = mid;
      else bad = mid;
    }
  }
  const check = opts.checkSeconds && good > 0 ? await probe(good, opts.checkSeconds) : undefined;
  return { receiver: receiver.name, proto, lossFreeRate: good, lossyRate: bad, check, generatorMax: Math.round(generatorMax), steps };
}

const fmt = (n: number | undefined) => (n === undefined ? '-' : Math.round(n).toLocaleString('en-US'));
const checkText = (c: Step | undefined) => (c === undefined ? '-' : c.received >= c.sent ? 'held' : `lost ${(((c.sent - c.received) / c.sent) * 100).toFixed(1)}%`);

/** Prints the section (the caller raises net.core.rmem_max to BUFFER_BYTES first). */
export async function printIngestBench(quick: boolean): Promise<void> {
  console.log(
    `\n## Loss-free ingest over loopback UDP (flows/s; socket buffer ${BUFFER_BYTES / 1024 / 1024} MiB; homesec = the whole daemon; ${quick ? 1 : STEP_SECONDS}-s steps, then the rate held ${quick ? 0 : CHECK_SECONDS} s)\n`,
  );
  console.log(`load average at start: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  console.log(`| format | homesec loss-free | homesec first loss | homesec held ${CHECK_SECONDS} s | nfcapd loss-free | nfcapd first loss | nfcapd held ${CHECK_SECONDS} s | generator max |`);
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  const opts = { start: quick ? 200_000 : 100_000, max: 6_400_000, seconds: quick ? 1 : STEP_SECONDS, bisections: quick ? 1 : 4, checkSeconds: quick ? 0 : CHECK_SECONDS };
  const results: RateResult[] = [];
  for (const proto of ['v5', 'v9', 'ipfix'] as BenchProto[]) {
    const hs = await homesecReceiver();
    const h = await findLossFreeRate(hs, proto, opts).finally(() => hs.close());
    const nr = await nfcapdReceiver();
    const n = await findLossFreeRate(nr, proto, opts).finally(() => nr.close());
    results.push(h, n);
    console.log(
      `| ${proto} | ${fmt(h.lossFreeRate)} | ${fmt(h.lossyRate)} | ${checkText(h.check)} | ${fmt(n.lossFreeRate)} | ${fmt(n.lossyRate)} | ${checkText(n.check)} | ${fmt(Math.max(h.generatorMax, n.generatorMax))} |`,
    );
  }
  console.log(`\nload average at end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (process.env.BENCH_VERBOSE === '1') console.log(JSON.stringify(results, null, 1));
}
