/**
 * Loss-free ingest benchmark: the highest rate (flow records/s) at which a collector
 * receives every record a generator sends over loopback UDP, for homesec (the real daemon:
 * decode, classify, per-device counters, detectors, history) and for nfcapd, with the same
 * generator, the same datagrams and the same 8 MiB socket receive buffer. The rate is found
 * by doubling until loss, then bisecting. Loopback only; every step is bounded in time.
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
  /** Records received in this step (after the sender finished). */
  end(): Promise<number>;
  close(): Promise<void>;
}

/** homesec's daemon as a child process; counts via its /health endpoint. */
export async function homesecReceiver(): Promise<Receiver> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-bench-'));
  const udp = await freeUdpPort();
  const web = await freeTcpPort();
  const proc: ChildProcess = spawn(
    process.execPath,
    [path.join(root, 'src/main.js'), 'run', '--data-dir', dataDir, '--bind-host', '127.0.0.1', '--bind-port', String(udp), '--web-port', String(web), '--log-level', 'warn'],
    { cwd: repoRoot, stdio: 'ignore', env: { ...process.env, HOMESEC_ENABLE_SCANNER: 'false', HOMESEC_UDP_RECEIVE_BUFFER_BYTES: String(BUFFER_BYTES) } },
  );
  const health = async () => (await (await fetch(`http://127.0.0.1:${web}/health`)).json()) as { collector: { records: number; receiveBuffer?: number } };
  for (let i = 0; ; i++) {
    try {
      await health();
      break;
    } catch {
      if (i > 200) throw new Error('homesec did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  let before = 0;
  return {
    name: 'homesec',
    async begin() {
      before = (await health()).collector.records;
      return udp;
    },
    async end() {
      // let the daemon drain its socket buffer
      let last = -1;
      for (let i = 0; i < 100; i++) {
        const now = (await health()).collector.records;
        if (now === last) break;
        last = now;
        await new Promise((r) => setTimeout(r, 100));
      }
      return last - before;
    },
    async close() {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** nfcapd (Debian nfdump 1.7) with -B 8 MiB; a fresh capture directory per step, counted with nfdump. */
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
      // at exit nfcapd prints what it stored: "Ident: 'none' Flows: N, Packets: ..."
      return [...log.matchAll(/Flows: (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
    },
    async close() {
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}

export interface RateResult {
  receiver: string;
  proto: BenchProto;
  /** Highest rate (flows/s) that lost nothing. */
  lossFreeRate: number;
  /** Lowest rate that lost flows (undefined if none did up to the limit). */
  lossyRate: number | undefined;
  /** Highest rate the generator actually achieved (flows/s). */
  generatorMax: number;
  steps: { target: number; achieved: number; sent: number; received: number }[];
}

/** Finds the highest loss-free rate for one receiver and protocol. */
export async function findLossFreeRate(receiver: Receiver, proto: BenchProto, opts: { start: number; max: number; seconds: number; bisections: number }): Promise<RateResult> {
  const steps: RateResult['steps'] = [];
  let good = 0;
  let bad: number | undefined;
  let generatorMax = 0;
  const probe = async (rate: number): Promise<boolean> => {
    const port = await receiver.begin();
    const s = await send(port, proto, rate, opts.seconds);
    const received = await receiver.end();
    const achieved = s.sentFlows / s.seconds;
    generatorMax = Math.max(generatorMax, achieved);
    steps.push({ target: rate, achieved: Math.round(achieved), sent: s.sentFlows, received });
    return received >= s.sentFlows;
  };
  let rate = opts.start;
  while (rate <= opts.max) {
    if (await probe(rate)) {
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
      if (await probe(mid)) good = mid;
      else bad = mid;
    }
  }
  return { receiver: receiver.name, proto, lossFreeRate: good, lossyRate: bad, generatorMax: Math.round(generatorMax), steps };
}
