/**
 * Test kit for the vulnerability tests (no production code imports it). Rules: servers listen
 * on 127.0.0.1 only, on a port the OS picks, and are closed by the test (NETWORK RULE); they
 * answer in NVD CVE API 2.0's and CISA KEV's documented formats from the fixtures under
 * testdata/; fake time only moves while no request is in flight.
 */
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FakeClock } from '../core/fake-clock.js';
import { send, startServer, type TestServer } from '../intel/test-kit.js';
import type { HostScan, Service } from '../scan/types.js';
import { MIGRATIONS } from '../store/migrations.js';
import { tempDb as tempDbIn, type TempDb } from '../../test/support/temp-db.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** A fixture's parsed JSON. */
export function fixtureJson<T = unknown>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(HERE, 'testdata', name), 'utf8')) as T;
}

/** The real NVD `cve` objects of testdata/nvd-cves.json. */
export function nvdCves(): Record<string, unknown>[] {
  return fixtureJson<{ vulnerabilities: { cve: Record<string, unknown> }[] }>('nvd-cves.json').vulnerabilities.map((v) => v.cve);
}

/** The store's migrations (the vulnerability tables are migration 6). */
export const TEST_MIGRATIONS = MIGRATIONS;

/** A temp database with TEST_MIGRATIONS; `reopen` simulates a restart. */
export function tempDb(): TempDb {
  return tempDbIn('homesec-vuln-', TEST_MIGRATIONS);
}

/** What the fake NVD should do for the next request: answer normally, or fail with a status. */
export type NvdMode = 'ok' | 403 | 429 | 500 | 503 | 'garbage';

export interface FakeNvd {
  server: TestServer;
  /** Base URL of the CVE endpoint. */
  url: string;
  /** Answers for the next requests, in order (then 'ok'). */
  plan: NvdMode[];
  /** The records it serves (NVD `cve` objects). */
  cves: Record<string, unknown>[];
  /** Fake-clock time of every request received. */
  times: number[];
  /** Parsed query of every request received. */
  queries: URLSearchParams[];
  kevBody: string;
  kevStatus: number;
  kevRequests: number;
  close(): Promise<void>;
}

function criteriaOf(cve: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const c of (cve.configurations as { nodes: { cpeMatch: { criteria: string }[] }[] }[] | undefined) ?? []) {
    for (const n of c.nodes) for (const m of n.cpeMatch) out.push(m.criteria);
  }
  return out;
}

function descriptionOf(cve: Record<string, unknown>): string {
  return ((cve.descriptions as { value: string }[] | undefined) ?? []).map((d) => d.value).join(' ');
}

/**
 * A loopback server speaking NVD CVE API 2.0 (`/rest/json/cves/2.0`: keywordSearch,
 * virtualMatchString, resultsPerPage, startIndex; paging as NVD does) and serving the KEV
 * catalog at `/kev.json`. `clock` stamps request times.
 */
export async function startFakeNvd(clock: FakeClock, cves: Record<string, unknown>[] = nvdCves()): Promise<FakeNvd> {
  const fake = {
    plan: [],
    cves,
    times: [],
    queries: [],
    kevBody: fs.readFileSync(path.join(HERE, 'testdata', 'kev.json'), 'utf8'),
    kevStatus: 200,
    kevRequests: 0,
  } as unknown as FakeNvd;
  const server = await startServer((req: http.IncomingMessage, res: http.ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (u.pathname === '/kev.json') {
      fake.kevRequests++;
      return send(res, fake.kevStatus, fake.kevBody);
    }
    fake.times.push(clock.now());
    fake.queries.push(u.searchParams);
    const mode = fake.plan.shift() ?? 'ok';
    if (mode === 'garbage') return send(res, 200, '{"resultsPerPage": 2, "vulnerab');
    if (mode !== 'ok') return send(res, mode, mode === 503 ? '<html>Service Unavailable</html>' : '', mode === 429 ? { 'retry-after': '1' } : {});
    const kw = u.searchParams.get('keywordSearch')?.toLowerCase();
    const vms = u.searchParams.get('virtualMatchString')?.toLowerCase();
    const matching = fake.cves.filter((c) =>
      kw !== undefined ? kw.split(/\s+/).every((w) => descriptionOf(c).toLowerCase().includes(w)) : vms !== undefined ? criteriaOf(c).some((cr) => cr.toLowerCase().startsWith(vms)) : true,
    );
    const perPage = Math.min(2000, Number(u.searchParams.get('resultsPerPage') ?? 2000));
    const start = Number(u.searchParams.get('startIndex') ?? 0);
    const page = matching.slice(start, start + perPage);
    send(res, 200, {
      resultsPerPage: page.length,
      startIndex: start,
      totalResults: matching.length,
      format: 'NVD_CVE',
      version: '2.0',
      timestamp: new Date(clock.now()).toISOString().slice(0, 23),
      vulnerabilities: page.map((cve) => ({ cve })),
    });
  });
  fake.server = server;
  fake.url = `${server.url}/rest/json/cves/2.0`;
  fake.close = () => server.close();
  return fake;
}

/** Lets real I/O finish (waits while `busy()`), then moves fake time by stepMs; repeats until `done` settles or maxMs of fake time passed. */
export async function drive<T>(clock: FakeClock, busy: () => boolean, done: Promise<T>, stepMs = 1000, maxMs = 3_600_000): Promise<T> {
  let settled = false;
  const watched = done.finally(() => {
    settled = true;
  });
  watched.catch(() => {});
  for (let elapsed = 0; !settled && elapsed <= maxMs; elapsed += stepMs) {
    await waitIdle(busy);
    if (settled) break;
    await clock.advance(stepMs);
    await waitIdle(busy);
  }
  return watched;
}

/** Waits (real time, bounded) until busy() is false. */
export async function waitIdle(busy: () => boolean, maxRealMs = 5000): Promise<void> {
  const end = Date.now() + maxRealMs;
  await new Promise((r) => setImmediate(r));
  while (busy() && Date.now() < end) await new Promise((r) => setTimeout(r, 2));
  await new Promise((r) => setImmediate(r));
}

/** A Service record as the scanner writes it. */
export function svc(port: number, fields: Partial<Service>): Service {
  return { port, protocol: 'tcp', name: 'unknown', method: 'banner', confidence: 10, ...fields };
}

/** A live HostScan with the given services. */
export function host(ip: string, services: Service[], extra: Partial<HostScan> = {}): HostScan {
  return {
    ip,
    alive: true,
    aliveBy: 'tcp',
    openPorts: services.map((s) => s.port),
    closedCount: 0,
    filteredCount: 0,
    services,
    hints: [],
    scannedAtMs: 0,
    durationMs: 1,
    ...extra,
  };
}
