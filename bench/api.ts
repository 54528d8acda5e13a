/**
 * Web API benchmark (issue 5): p50/p99 of the dashboard's main views through the real daemon
 * (createApp: every component, a real listening HTTP server on loopback, session cookie
 * auth) with 2,000 devices and 100,000 external IPs in the store. Goal: p99 < 50 ms.
 *
 * Seeded before start (the daemon loads it as after a restart): 2,000 devices in the traffic
 * table (the inventory takes them from the traffic tracker), 100,000 external IPs (1-3
 * devices each, last seen over the past 23 h), 200,000 connection-history rows in the last
 * hour (device→external and device↔device), 5,000 enriched IPs (IPinfo for all, VirusTotal
 * 3,000, AbuseIPDB 2,000), a blacklist feed listing 500 of the IPs (as its last good copy),
 * 150 scanned hosts with 500 services and 20,000 cached CVEs (bench/vuln.ts's fixture), and
 * after start 3,000 findings. Nothing leaves loopback: intel has no provider budget and its
 * feed URL, NVD and KEV point at a closed loopback port; rDNS and name lookups are off.
 *
 * Each view: 5 warm-up requests, then up to `requests` sequential requests (at most
 * `secondsPerView` s). Run alone: BENCH_ONLY=api npm run bench (BENCH_QUICK=1: fewer).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { setPassword } from '../src/api/auth/password.js';
import { SESSION_COOKIE } from '../src/api/auth/auth-plugin.js';
import { externalIp, homeIp, seedConnections, seedEnrichment, seedExternalIps, type ExternalSeed } from '../src/api/test-kit.js';
import { createApp, type App } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';
import { createSilentLogger } from '../src/core/logger.js';
import { mulberry32, randInt } from '../src/flow/encode/random-records.js';
import type { HostScan } from '../src/scan/types.js';
import { saveScan } from '../src/scan/scan-store.js';
import { DB_FILE } from '../src/store/store.js';
import { openDatabase, type Db } from '../src/store/database.js';
import { createCveCache } from '../src/vuln/cve-cache.js';
import { parseNvdPage } from '../src/vuln/nvd-parse.js';
import type { CveRecord } from '../src/vuln/types.js';
import { freeTcpPort, freeUdpPort } from '../test/support/daemon.js';
import { vulnFixture } from './vuln.js';

export const API_DEVICES = 2000;
export const API_EXTERNALS = 100_000;
const CONNECTIONS = 200_000;
const ENRICHED = 5000;
const LISTED = 500;
const FINDINGS = 3000;
const GOAL_P99_MS = 50;
const FEED_URL = 'http://127.0.0.1:9/bench-feed.txt';
const HOUR = 3_600_000;

export interface ViewTiming {
  view: string;
  url: string;
  requests: number;
  p50: number;
  p99: number;
  max: number;
  cpuP50: number;
  cpuP99: number;
  bytes: number;
  /** Rows the view matched (paged views). */
  total?: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** Writes the whole fixture into a fresh database at dir (see module comment). */
function seed(db: Db, now: number): void {
  const rng = mulberry32(0xa91);
  const devices = Array.from({ length: API_DEVICES }, (_, i) => homeIp(i));
  const dev = db.prepare('INSERT INTO devices (ip, first_seen_ms, last_seen_ms, flows, bytes_out, bytes_in) VALUES (?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    devices.forEach((ip, i) => dev.run(ip, now - 7 * 24 * HOUR, now - (i % 600) * 60_000, 100 + i, 1e6 + i, 5e6 + i));
  })();
  const ext: ExternalSeed[] = [];
  for (let i = 0; i < API_EXTERNALS; i++) {
    const n = 1 + (i % 3);
    ext.push({
      ip: externalIp(i),
      firstSeenMs: now - 23 * HOUR,
      lastSeenMs: now - randInt(rng, 0, 23 * 3600) * 1000,
      bytesIn: randInt(rng, 100, 50_000_000),
      bytesOut: randInt(rng, 100, 5_000_000),
      flows: randInt(rng, 1, 5000),
      devices: Array.from({ length: n }, (_, k) => devices[(i * 7 + k * 131) % API_DEVICES] as string),
    });
  }
  seedExternalIps(db, ext);
  const conns: { tsMs: number; src: string; dst: string; port: number; flows: number; bytes: number }[] = [];
  for (let i = 0; i < CONNECTIONS; i++) {
    const src = devices[randInt(rng, 0, API_DEVICES - 1)] as string;
    const internal = i % 10 === 0;
    // External peers follow a skewed popularity (a few big services, a long tail).
    const peer = internal ? (devices[randInt(rng, 0, API_DEVICES - 1)] as string) : externalIp(Math.floor(API_EXTERNALS * rng() ** 3));
    conns.push({ tsMs: now - randInt(rng, 0, 3599) * 1000, src, dst: peer, port: internal ? 445 : 443, flows: randInt(rng, 1, 20), bytes: randInt(rng, 100, 2_000_000) });
  }
  seedConnections(db, conns);
  const answers: { ip: string; provider: string; fetchedMs: number; data: unknown }[] = [];
  for (let i = 0; i < ENRICHED; i++) {
    const ip = externalIp(i * 19);
    answers.push({ ip, provider: 'ipinfo', fetchedMs: now - HOUR, data: { ip, bogon: false, country: ['US', 'DE', 'NL', 'FR', 'GB', 'CN'][i % 6], org: `AS${64500 + (i % 500)} Example Network ${i % 500}`, hostname: `host${i}.example.net` } });
    if (i < 3000) answers.push({ ip, provider: 'virustotal', fetchedMs: now - HOUR, data: { malicious: i % 17 === 0 ? 6 : i % 5 === 0 ? 1 : 0, suspicious: i % 7 === 0 ? 2 : 0, harmless: 60, undetected: 20, timeout: 0 } });
    else answers.push({ ip, provider: 'abuseipdb', fetchedMs: now - HOUR, data: { abuseConfidenceScore: i % 11 === 0 ? 80 : 0, totalReports: i % 11, numDistinctUsers: 1, isTor: i % 97 === 0 } });
  }
  seedEnrichment(db, answers);
  const listed = Array.from({ length: LISTED }, (_, i) => externalIp(i * 151 + 3)).join('\n');
  db.prepare('INSERT INTO intel_feeds (url, etag, last_modified, fetched_ms, checked_ms, body) VALUES (?, NULL, NULL, ?, ?, ?)').run(FEED_URL, now, now, Buffer.from(`# bench feed\n${listed}\n`));

  const { pages, hosts } = vulnFixture();
  const records: CveRecord[] = [];
  for (const page of pages) {
    const r = parseNvdPage(page);
    if (!r.ok) throw new Error(r.error);
    records.push(...r.value.records);
  }
  createCveCache(db).storeQuery('keyword:bench', records, records.length, now);
  const scans: HostScan[] = hosts.map((h, i) => ({ ...h, ip: homeIp((i * 13) % API_DEVICES), scannedAtMs: now - HOUR }));
  saveScan(db, scans, { startedMs: now - HOUR, durationMs: 60_000, trigger: 'bench', targets: scans.length, alive: scans.length, openPorts: 500, services: 500 });
}

/** One GET; `cpuMs` is this process's CPU time meanwhile (daemon and client share the process: robust when other work loads the machine). */
function request(port: number, url: string, cookie: string, agent: http.Agent): Promise<{ ms: number; cpuMs: number; bytes: number; status: number }> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const c = process.cpuUsage();
    http
      .get({ host: '127.0.0.1', port, path: url, agent, headers: { cookie } }, (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => {
          const used = process.cpuUsage(c);
          resolve({ ms: performance.now() - t, cpuMs: (used.user + used.system) / 1000, bytes, status: res.statusCode ?? 0 });
        });
      })
      .on('error', reject);
  });
}

function text(port: number, url: string, cookie: string, agent: http.Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: url, agent, headers: { cookie } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

const VIEWS: [string, string][] = [
  ['overview', '/api/overview'],
  ['hosts', '/api/hosts'],
  ['graph (50 peers)', '/api/graph'],
  ['external IPs, first page', '/api/external-ips?limit=50'],
  ['external IPs, by rating, search "23.1"', '/api/external-ips?sort=rating&q=23.1&limit=50'],
  ['external IPs, search "host12"', '/api/external-ips?q=host12&limit=50'],
  ['external IPs, by bytes, offset 5000', '/api/external-ips?sort=bytes&offset=5000&limit=50'],
  ['external IPs, flagged', '/api/external-ips?flagged=true&limit=50'],
  ['findings', '/api/findings'],
  ['vulnerabilities, counts per host', '/api/vulnerabilities'],
  ['vulnerabilities of one host, full', `/api/vulnerabilities?ip=${homeIp(13)}`],
  ['CVE browser, first page', '/api/cves?limit=50'],
  ['recommendations', '/api/recommendations'],
  ['collector', '/api/collector'],
];

/** Seeds, starts the daemon, times every view, stops; returns the timings. */
export async function apiBench(
  requests = 200,
  secondsPerView = 20,
): Promise<{ timings: ViewTiming[]; startMs: number; seedMs: number; inventoryMs: number; loopDelay: { p99: number; max: number } }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-bench-api-'));
  let app: App | undefined;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const now = Date.now();
    let t = performance.now();
    const db = openDatabase(path.join(dir, DB_FILE)).db;
    seed(db, now);
    db.close();
    const seedMs = performance.now() - t;
    const config = configSchema.parse({
      data_dir: dir,
      bind_host: '127.0.0.1',
      bind_port: await freeUdpPort(),
      web_port: await freeTcpPort(),
      enable_scanner: false,
      blacklist_urls: FEED_URL,
      ipinfo_daily_budget: 0,
      enable_dns_resolution: false,
      inventory_resolve_names: false,
      nvd_api_url: 'http://127.0.0.1:9/rest/json/cves/2.0',
      kev_url: 'http://127.0.0.1:9/kev.json',
      log_level: 'error',
    });
    app = createApp(config, { log: createSilentLogger() });
    t = performance.now();
    await app.start();
    const startMs = performance.now() - t;
    t = performance.now();
    await app.inventory.refresh();
    const inventoryMs = performance.now() - t;
    const rng = mulberry32(3);
    const categories = ['port_scan', 'suspicious_port', 'high_egress', 'beaconing', 'blacklist', 'new_device', 'dns', 'exposure'];
    const severities = ['info', 'low', 'medium', 'high', 'critical'] as const;
    for (let i = 0; i < FINDINGS; i++) {
      const ip = homeIp(randInt(rng, 0, API_DEVICES - 1));
      const category = categories[i % categories.length] as string;
      app.findings.report({ key: `${category}:${ip}:${i}`, category, severity: severities[i % 5] as (typeof severities)[number], sourceIp: ip, title: `${category} on ${ip}`, detail: 'bench', atMs: now - i * 1000, evidence: { n: i } });
    }
    await setPassword(app.store.db, 'bench password', Date.now());
    const port = Number(new URL(app.api!.url!).port);
    const login = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/api/auth/login', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        const set = res.headers['set-cookie']?.find((c) => c.startsWith(`${SESSION_COOKIE}=`));
        res.resume();
        res.on('end', () => (set ? resolve(set.split(';')[0] as string) : reject(new Error(`login failed: ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ password: 'bench password' }));
    });
    const timings: ViewTiming[] = [];
    // The daemon runs in this process: its event-loop delay shows stalls from background jobs.
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    for (const [view, url] of VIEWS) {
      let bytes = 0;
      for (let i = 0; i < 5; i++) {
        const r = await request(port, url, login, agent);
        if (r.status !== 200) throw new Error(`${url}: HTTP ${r.status}`);
        bytes = r.bytes;
      }
      const total = url.includes('limit=') ? (JSON.parse(await text(port, url, login, agent)) as { total?: number }).total : undefined;
      const times: number[] = [];
      const cpu: number[] = [];
      const end = performance.now() + secondsPerView * 1000;
      while (times.length < requests && performance.now() < end) {
        const r = await request(port, url, login, agent);
        times.push(r.ms);
        cpu.push(r.cpuMs);
      }
      times.sort((a, b) => a - b);
      cpu.sort((a, b) => a - b);
      timings.push({ view, url, requests: times.length, p50: percentile(times, 50), p99: percentile(times, 99), max: times[times.length - 1] as number, cpuP50: percentile(cpu, 50), cpuP99: percentile(cpu, 99), bytes, ...(total !== undefined ? { total } : {}) });
    }
    loop.disable();
    return { timings, startMs, seedMs, inventoryMs, loopDelay: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 } };
  } finally {
    agent.destroy();
    await app?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Prints the benchmark as markdown (`npm run bench` section). */
export async function printApiBench(quick = process.env.BENCH_QUICK === '1'): Promise<void> {
  const r = await apiBench(quick ? 40 : 200, quick ? 5 : 20);
  console.log(`\n## Web API (real daemon over loopback HTTP; ${API_DEVICES.toLocaleString('en-US')} devices, ${API_EXTERNALS.toLocaleString('en-US')} external IPs; goal p99 < ${GOAL_P99_MS} ms)\n`);
  console.log(`Seeding ${Math.round(r.seedMs)} ms, daemon start ${Math.round(r.startMs)} ms, first inventory refresh ${Math.round(r.inventoryMs)} ms.`);
  console.log(`Daemon event-loop delay while measuring: p99 ${r.loopDelay.p99.toFixed(1)} ms, max ${r.loopDelay.max.toFixed(1)} ms; load average ${os.loadavg()[0]?.toFixed(1)}.\n`);
  console.log('| view | request | rows matched | requests | p50 | p99 | max | CPU p50 | CPU p99 | body | p99 goal |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|:---:|');
  for (const v of r.timings) {
    console.log(
      `| ${v.view} | \`${v.url}\` | ${v.total?.toLocaleString('en-US') ?? ''} | ${v.requests} | ${v.p50.toFixed(1)} ms | ${v.p99.toFixed(1)} ms | ${v.max.toFixed(1)} ms | ${v.cpuP50.toFixed(1)} ms | ${v.cpuP99.toFixed(1)} ms | ${Math.round(v.bytes / 1024).toLocaleString('en-US')} KiB | ${v.p99 < GOAL_P99_MS ? 'yes' : 'NO'} |`,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void printApiBench();
}
