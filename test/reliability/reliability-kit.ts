/**
 * Shared pieces of the reliability suite (flood, kill -9, API abuse, spoofed exporters): the
 * mode, a real daemon started so that it cannot reach beyond loopback, an authenticated API
 * client, RSS and percentile helpers. Rules:
 * - RELIABILITY=full selects the long mode (`npm run reliability`); anything else is the
 *   short mode that runs inside `npm test`.
 * - NETWORK RULE: every daemon started here has everything that talks to other hosts off
 *   (scanner unless a test enables it for its own namespace lab, threat intel, NVD/KEV, reverse
 *   DNS, the neighbour table, device name look-ups, DNS sources, MQTT, Home Assistant) and
 *   listens on 127.0.0.1 only; tests point channels and feeds at their own loopback servers.
 * - Every request has a deadline; every daemon is stopped (SIGINT, then SIGKILL) by the test.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { encodeV5 } from '../../src/flow/encode/v5.js';
import type { FlowRecord } from '../../src/flow/types.js';
import { freeTcpPort, freeUdpPort, startDaemon, type Daemon } from '../support/daemon.js';

export const FULL = process.env.RELIABILITY === 'full';

/** The short-mode or full-mode value. */
export function pick<T>(short: T, full: T): T {
  return FULL ? full : short;
}

/** A number from the environment, else `fallback`. */
export function envNumber(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** Environment that keeps a daemon on loopback (see module rules). */
export const LOOPBACK_ONLY_ENV: Readonly<Record<string, string>> = {
  HOMESEC_ENABLE_SCANNER: 'false',
  HOMESEC_ENABLE_THREAT_INTEL: 'false',
  HOMESEC_ENABLE_NVD: 'false',
  HOMESEC_ENABLE_DNS_RESOLUTION: 'false',
  HOMESEC_INVENTORY_NEIGHBOURS: 'false',
  HOMESEC_INVENTORY_RESOLVE_NAMES: 'false',
  HOMESEC_DNS_SOURCE: 'none',
  HOMESEC_MQTT_URL: '',
  HOMESEC_HA_URL: '',
  HOMESEC_NOTIFY_DIGEST: 'off',
  HOMESEC_LOG_LEVEL: 'info',
};

export interface ApiAnswer {
  status: number;
  text: string;
  headers: Headers;
  ms: number;
}

export interface RunningDaemon {
  daemon: Daemon;
  dir: string;
  webUrl: string;
  webPort: number;
  udpPort: number;
  /** The admin password (Bearer token), from the first start's homesec_initial_password. */
  token: string;
  /** A request with the Bearer token (unless `auth: false`); network failures reject. */
  api(method: string, urlPath: string, init?: { body?: unknown; headers?: Record<string, string>; auth?: boolean; timeoutMs?: number }): Promise<ApiAnswer>;
  /** Resident set size of the daemon process (bytes), from /proc. */
  rss(): number | undefined;
  /** SIGINT, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
  alive(): boolean;
}

export interface LaunchOptions {
  env?: Record<string, string>;
  webPort?: number;
  udpPort?: number;
  /** Token of an earlier start in the same data directory (the password file may be gone). */
  token?: string;
  /** Do not wait for "homesec is running" (kill tests hit start-up too). */
  noWait?: boolean;
  runningTimeoutMs?: number;
}

/** Starts `homesec run` on loopback with data in `dir`; resolves once it is running (unless noWait). */
export async function launch(dir: string, o: LaunchOptions = {}): Promise<RunningDaemon> {
  const webPort = o.webPort ?? (await freeTcpPort());
  const udpPort = o.udpPort ?? (await freeUdpPort());
  const daemon = startDaemon(
    ['run', '--data-dir', dir, '--web-host', '127.0.0.1', '--web-port', String(webPort), '--bind-host', '127.0.0.1', '--bind-port', String(udpPort)],
    { ...LOOPBACK_ONLY_ENV, ...o.env },
  );
  const webUrl = `http://127.0.0.1:${webPort}`;
  let token = o.token ?? '';
  const alive = () => daemon.proc.exitCode === null && daemon.proc.signalCode === null;
  const r: RunningDaemon = {
    daemon,
    dir,
    webUrl,
    webPort,
    udpPort,
    get token() {
      return token;
    },
    async api(method, urlPath, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      if (init.auth !== false) headers.authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (init.body !== undefined) {
        body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
        headers['content-type'] ??= 'application/json';
      }
      const t0 = performance.now();
      const res = await fetch(`${webUrl}${urlPath}`, { method, headers, body, signal: AbortSignal.timeout(init.timeoutMs ?? 10_000) });
      const text = await res.text();
      return { status: res.status, text, headers: res.headers, ms: performance.now() - t0 };
    },
    rss() {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${daemon.proc.pid}/status`, 'utf8'));
        return m ? Number(m[1]) * 1024 : undefined;
      } catch {
        return undefined;
      }
    },
    async stop(graceMs = 5000) {
      if (!alive()) return;
      daemon.proc.kill('SIGINT');
      const t = setTimeout(() => alive() && daemon.proc.kill('SIGKILL'), graceMs);
      await daemon.exited;
      clearTimeout(t);
    },
    alive,
  };
  if (o.noWait) return r;
  await daemon.waitFor('homesec is running', o.runningTimeoutMs ?? 60_000);
  if (!token) token = fs.readFileSync(path.join(dir, 'homesec_initial_password'), 'utf8').trim();
  return r;
}

/** The p-th percentile (0-100) of `values` (nearest rank); NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Megabytes, one decimal, for reports. */
export function mib(bytes: number | undefined): string {
  return bytes === undefined ? 'n/a' : `${(bytes / 1048576).toFixed(1)} MiB`;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A TCP connection (or UDP exchange) between two addresses, as a router would export it. */
export interface SimpleFlow {
  src: string;
  dst: string;
  dstPort: number;
  srcPort?: number;
  protocol?: number;
  bytes?: number;
}

/** NetFlow v5 datagrams (30 flows each) for `flows`, ending at `nowMs`. */
export function v5Datagrams(flows: readonly SimpleFlow[], nowMs = Date.now(), sequence = 0): Buffer[] {
  const records: FlowRecord[] = flows.map((f) => ({
    ipVersion: 4,
    srcAddr: f.src,
    dstAddr: f.dst,
    srcPort: f.srcPort ?? 40_000 + (f.dstPort % 20_000),
    dstPort: f.dstPort,
    protocol: f.protocol ?? 6,
    bytes: f.bytes ?? 1200,
    packets: 4,
    tcpFlags: 0x1b,
    startMs: nowMs - 2000,
    endMs: nowMs - 1000,
    exporter: '127.0.0.1',
    inputIf: 1,
    outputIf: 2,
    samplingRate: 1,
  }));
  return encodeV5(records, { sysUptimeMs: 3_600_000, unixMs: nowMs, sequence });
}

/** Sends `datagrams` to 127.0.0.1:port from `fromAddress` (any 127.x address); resolves once all are handed to the kernel. */
export async function sendFrom(fromAddress: string, port: number, datagrams: readonly Buffer[]): Promise<void> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, fromAddress, () => resolve());
  });
  try {
    for (const d of datagrams) await new Promise<void>((resolve, reject) => sock.send(d, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  } finally {
    sock.close();
  }
}
