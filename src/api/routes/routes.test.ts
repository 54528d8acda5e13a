import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import YAML from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEventBus } from '../../core/events.js';
import { createSilentLogger } from '../../core/logger.js';
import { createMetrics } from '../../core/metrics.js';
import { createFindingsStore, type FindingsStore } from '../../findings/findings-store.js';
import type { Scanner, ScanSummary } from '../../scan/scanner.js';
import { DISMISSED_FILE } from '../../store/state-files.js';
import { createStore, type Store } from '../../store/store.js';
import { setPassword } from '../auth/password.js';
import { buildApp } from '../server.js';
import { findingsRoutes } from './findings-routes.js';
import { scanRoutes } from './scan-routes.js';

const PASSWORD = 'routes test password';
const auth = { authorization: `Bearer ${PASSWORD}` };
let dir: string;
let store: Store;
let findings: FindingsStore;
let app: FastifyInstance;
const routes: { method: string; url: string }[] = [];
let cycles: string[] = [];
let running = false;

const summary: ScanSummary = { enabled: true, running: false, intervalSeconds: 300, targets: 0, hostsFound: 0, openPorts: 0, services: 0, skippedTargets: 0 };
let scannerEnabled = true;
const fakeScanner = {
  summary: () => ({ ...summary, running, enabled: scannerEnabled }),
  hosts: () => [],
  running: () => running,
  runCycle: async (trigger: string) => {
    cycles.push(trigger);
    return [];
  },
} as unknown as Scanner;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-routes-'));
  store = createStore({ data_dir: dir }, { log: createSilentLogger() });
  await store.start();
  await setPassword(store.db, PASSWORD, Date.now());
  const bus = createEventBus();
  findings = createFindingsStore({ store, bus, log: createSilentLogger(), metrics: createMetrics() });
  await findings.start?.();
  cycles = [];
  running = false;
  scannerEnabled = true;
  routes.length = 0;
  app = await buildApp({
    log: createSilentLogger(),
    metrics: createMetrics(),
    health: () => ({}),
    routes: [
      (a) => a.addHook('onRoute', (r) => void routes.push({ method: String(r.method), url: r.url })),
      findingsRoutes(findings, bus),
      scanRoutes(fakeScanner, createSilentLogger()),
    ],
    auth: { enabled: true, trustIngress: false, sessionIdleMs: 1e7, sessionMaxAgeMs: 1e7, loginPerMinute: 5, db: () => store.db, now: () => Date.now() },
  });
  await app.ready();
});
afterEach(async () => {
  await app.close();
  await store.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('API routes', () => {
  it('every state-changing route refuses a request without authentication (catalogue 20)', async () => {
    const mutating = routes.filter((r) => r.method !== 'GET' && r.method !== 'HEAD' && r.url !== '/api/auth/login');
    expect(mutating.length).toBeGreaterThanOrEqual(3);
    expect((await app.inject({ method: 'POST', url: '/api/auth/logout' })).statusCode).toBe(401);
    for (const r of mutating) {
      const res = await app.inject({ method: r.method as 'POST', url: r.url.replace(':key', 'x') });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
    }
  });

  it('lists findings and persists dismiss / undismiss', async () => {
    findings.report({ key: 'port_scan:192.168.1.9', category: 'port_scan', severity: 'high', sourceIp: '192.168.1.9', title: '<b>scan</b>', detail: 'd', atMs: Date.now(), evidence: {} });
    const list = await app.inject({ url: '/api/findings', headers: auth });
    expect(list.json()).toMatchObject({ openActionable: 1, findings: [{ key: 'port_scan:192.168.1.9', title: '<b>scan</b>' }] });
    const d = await app.inject({ method: 'POST', url: `/api/findings/${encodeURIComponent('port_scan:192.168.1.9')}/dismiss`, headers: auth });
    expect(d.json()).toEqual({ key: 'port_scan:192.168.1.9', dismissed: true });
    expect(YAML.parse(fs.readFileSync(path.join(dir, DISMISSED_FILE), 'utf8'))).toEqual(['port_scan:192.168.1.9']);
    expect((await app.inject({ url: '/api/findings', headers: auth })).json()).toMatchObject({ openActionable: 0, findings: [] });
    await app.inject({ method: 'POST', url: `/api/findings/${encodeURIComponent('port_scan:192.168.1.9')}/undismiss`, headers: auth });
    expect((await app.inject({ url: '/api/findings', headers: auth })).json()).toMatchObject({ openActionable: 1 });
    expect((await app.inject({ method: 'POST', url: '/api/findings/nope/dismiss', headers: auth })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/findings?min_severity=bogus', headers: auth })).statusCode).toBe(400);
    // The serialised list is reused until a finding event: a new finding shows at once.
    findings.report({ key: 'beaconing:192.168.1.7', category: 'beaconing', severity: 'critical', sourceIp: '192.168.1.7', title: 'b', detail: 'd', atMs: Date.now() + 1000, evidence: {} });
    expect((await app.inject({ url: '/api/findings', headers: auth })).json()).toMatchObject({ openActionable: 2, findings: [{ key: 'beaconing:192.168.1.7' }, { key: 'port_scan:192.168.1.9' }] });
  });

  it('trigger_scan starts a cycle, answers 409 while one runs and 503 with the scanner off', async () => {
    expect((await app.inject({ method: 'POST', url: '/api/scan', headers: auth })).statusCode).toBe(202);
    expect(cycles).toEqual(['api']);
    running = true;
    const busy = await app.inject({ method: 'POST', url: '/api/scan', headers: auth });
    expect(busy.statusCode).toBe(409);
    expect((await app.inject({ url: '/api/scan', headers: auth })).json()).toMatchObject({ running: true, intervalSeconds: 300 });
    running = false;
    scannerEnabled = false;
    const off = await app.inject({ method: 'POST', url: '/api/scan', headers: auth });
    expect([off.statusCode, off.json()]).toEqual([503, { error: 'active scanning is off (enable_scanner: false)' }]);
    expect(cycles).toEqual(['api']);
  });

  it('serves an OpenAPI document listing the routes', async () => {
    const doc = (await app.inject({ url: '/api/docs', headers: auth })).json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/findings', '/api/findings/{key}/dismiss', '/api/scan', '/api/scan/hosts']));
  });
});
