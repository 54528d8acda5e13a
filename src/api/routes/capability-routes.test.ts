/**
 * The capability routes the dashboard uses besides its own views: hosts (a real inventory
 * over a real store: role, trusted and merge persist), recommendations, vulnerabilities,
 * NVD keywords and refresh, DNS, threat-intel status and lookup.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Device, HostVulns, HostsResponse, KeywordsResponse, RecommendationsResponse, VulnerabilitiesResponse, VulnerabilitySummaryResponse } from '../contract.js';
import { HomesecError } from '../../core/errors.js';
import { createEventBus, type EventBus } from '../../core/events.js';
import { createSilentLogger } from '../../core/logger.js';
import { createMetrics } from '../../core/metrics.js';
import type { DnsMonitor } from '../../dns/dns-monitor.js';
import type { Intel } from '../../intel/intel.js';
import { loadRoles } from '../../store/state-files.js';
import type { VulnService } from '../../vuln/vuln-service.js';
import { buildApp } from '../server.js';
import { buildHomeWorld, homeIp, type HomeWorld } from '../test-kit.js';
import { dnsRoutes } from './dns-routes.js';
import { intelRoutes } from './intel-routes.js';
import { inventoryRoutes } from './inventory-routes.js';
import { vulnRoutes } from './vuln-routes.js';

const NOW = Date.UTC(2026, 4, 1, 12);
let dir: string;
let world: HomeWorld;
let app: FastifyInstance;
let refreshes = 0;
let lookups: string[] = [];
let bus: EventBus;
let atRiskIp = 3;
let hostsNow = NOW;

const match = (cve: string, status: 'affected' | 'possible', severity: 'high' | 'critical', kev: boolean, description: string) => ({ cve, status, severity, kev, description, criteria: [], reasons: [], product: 'openbsd:openssh', source: 'banner' as const });
const hostVulns = (ip: string): HostVulns => ({
  ip,
  atRisk: true,
  counts: { critical: 1, high: 0, medium: 0, low: 0, none: 0, unknown: 0 },
  possible: 0,
  kev: 1,
  backported: 0,
  services: [
    {
      port: 22,
      service: 'ssh',
      label: 'OpenSSH 9.2p1',
      affected: [match('CVE-2024-6387', 'affected', 'high', false, 'regreSSHion'), match('CVE-2021-41773', 'affected', 'critical', true, 'x')],
      possible: [match('CVE-2023-38408', 'possible', 'critical', false, 'agent')],
      dropped: 0,
    },
  ],
});
const vuln = {
  results: (ip?: string) => (ip === undefined || ip === homeIp(atRiskIp) ? [hostVulns(homeIp(atRiskIp))] : []),
  keywords: () => [{ keyword: 'OpenSSH', source: 'custom' as const, cves: 3, searches: 1, pending: 0 }],
  stats: () => ({ cves: 3, kev: { entries: 1, matched: 1 }, prefetch: { running: false }, results: { hosts: 1, atRisk: 1, affected: 1, possible: 0 } }),
  refresh: async () => {
    refreshes++;
    return { planned: 0, fetched: 0, failed: 0, skippedFresh: 0, stoppedEarly: false };
  },
} as unknown as VulnService;

const intel = {
  stats: () => ({ providers: [], queue: { length: 0, dropped: 0 }, cacheEntries: 0, rdns: undefined, feeds: [], blacklist: { hits: 2, reported: 2, suppressed: 0, pairs: 1 } }),
  lookup: async (ip: string) => {
    lookups.push(ip);
    if (ip.includes('x')) throw new HomesecError('INVALID_ARGUMENT', 'not an IP address');
    return { ip, enrichable: true, hostname: null, blacklists: [], providers: {}, rating: { level: 'unknown', score: 0, reasons: [] } };
  },
} as unknown as Intel;

const dns = {
  stats: () => ({ sinceMs: 1, queries: 10, blocked: 1, blockedShare: 0.1, devices: 1, topDomains: [], topBlocked: [], topDevices: [] }),
  hostSection: (ip: string) => ({ ip, source: 'none', stats: undefined, newDomains: { count: 0, learning: true, known: 0, recent: [] } }),
} as unknown as DnsMonitor;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-caproutes-'));
  world = await buildHomeWorld(dir, { devices: 5, nowMs: NOW });
  refreshes = 0;
  lookups = [];
  atRiskIp = 3;
  bus = createEventBus();
  const telemetry = () => ({ flowsTotal: 5, scanner: { enabled: true, intervalSeconds: 300 }, threatIntelEnabled: true, apiKeys: { nvd: false, virustotal: false, abuseipdb: false, shodan: false, ipinfo: false } });
  app = await buildApp({
    log: createSilentLogger(),
    metrics: createMetrics(),
    health: () => ({}),
    routes: [inventoryRoutes(world.inventory, telemetry, { bus: world.bus, now: () => hostsNow }), vulnRoutes(vuln, createSilentLogger(), bus), dnsRoutes(dns), intelRoutes(intel)],
  });
  await app.ready();
});
afterEach(async () => {
  await app.close();
  await world.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('hosts', () => {
  it('lists devices and finds one by id, address or MAC', async () => {
    const list = (await app.inject({ url: '/api/hosts' })).json() as HostsResponse;
    expect(list.devices).toHaveLength(5);
    const gw = list.devices.find((d) => d.ip === homeIp(0))!;
    expect(gw.role).toBe('gateway');
    for (const ref of [String(gw.id), homeIp(0), gw.mac!]) {
      const res = await app.inject({ url: `/api/hosts/${encodeURIComponent(ref)}` });
      expect((res.json() as Device).id, ref).toBe(gw.id);
    }
    expect((await app.inject({ url: '/api/hosts/192.168.99.99' })).statusCode).toBe(404);
    expect((await app.inject({ url: `/api/hosts/${'x'.repeat(65)}` })).statusCode).toBe(400);
  });

  it('sets and clears a role (saved in homesec_roles.yaml), refusing roles outside the vocabulary', async () => {
    const res = await app.inject({ method: 'POST', url: `/api/hosts/${homeIp(2)}/role`, payload: { role: 'camera' } });
    expect(res.json()).toMatchObject({ ip: homeIp(2), role: 'camera', roleSource: 'override' });
    expect(loadRoles(world.store.dir).value.get(homeIp(2))).toBe('camera');
    expect((await app.inject({ method: 'POST', url: `/api/hosts/${homeIp(2)}/role`, payload: { role: '<script>' } })).statusCode).toBe(400);
    const cleared = await app.inject({ method: 'POST', url: `/api/hosts/${homeIp(2)}/role`, payload: { role: null } });
    expect((cleared.json() as Device).roleSource).toBe('inferred');
    expect(loadRoles(world.store.dir).value.has(homeIp(2))).toBe(false);
    expect((await app.inject({ method: 'POST', url: '/api/hosts/9999/role', payload: { role: 'tv' } })).statusCode).toBe(404);
  });

  it('marks a device trusted and merges two devices', async () => {
    const t = await app.inject({ method: 'POST', url: `/api/hosts/${homeIp(1)}/trusted`, payload: { trusted: true } });
    expect(t.json()).toMatchObject({ trusted: true, trustSource: 'user' });
    expect(world.inventory.device(homeIp(1))?.trusted).toBe(true);
    expect((await app.inject({ method: 'POST', url: `/api/hosts/${homeIp(1)}/trusted`, payload: { trusted: 'yes' } })).statusCode).toBe(400);
    const keep = world.inventory.device(homeIp(3))!;
    const merged = await app.inject({ method: 'POST', url: `/api/hosts/${homeIp(4)}/merge`, payload: { into: String(keep.id) } });
    expect(merged.statusCode).toBe(200);
    expect((await app.inject({ url: '/api/hosts' })).json().devices).toHaveLength(4);
  });

  it('the cached device list follows actions, device events and its maximum age', async () => {
    const roleOf = async (ip: string) => ((await app.inject({ url: '/api/hosts' })).json() as HostsResponse).devices.find((d) => d.ip === ip)?.role;
    expect(await roleOf(homeIp(2))).not.toBe('printer');
    await app.inject({ method: 'POST', url: `/api/hosts/${homeIp(2)}/role`, payload: { role: 'printer' } });
    expect(await roleOf(homeIp(2))).toBe('printer');
    world.observed.push({ ip: '192.168.77.7', firstSeenMs: NOW, lastSeenMs: NOW, flows: 1, bytesOut: 1, bytesIn: 1 });
    await world.inventory.refresh(); // emits device.new
    expect(await roleOf('192.168.77.7')).toBe('unknown');
    world.observed.push({ ip: '192.168.77.8', firstSeenMs: NOW, lastSeenMs: NOW, flows: 1, bytesOut: 1, bytesIn: 1 });
    const events: string[] = [];
    world.bus.on('device.new', (e) => events.push(e.device.ip ?? ''));
    const emit = world.bus.emit.bind(world.bus);
    world.bus.emit = (() => {}) as typeof world.bus.emit; // a refresh whose events nobody hears: only the maximum age helps
    await world.inventory.refresh();
    world.bus.emit = emit;
    expect(await roleOf('192.168.77.8')).toBeUndefined();
    hostsNow += 6000;
    expect(await roleOf('192.168.77.8')).toBe('unknown');
    expect(events).toEqual([]);
  });

  it('answers recommendations', async () => {
    const r = (await app.inject({ url: '/api/recommendations' })).json() as RecommendationsResponse;
    expect(r.recommendations.length).toBeGreaterThan(0);
    expect(r.recommendations[0]).toMatchObject({ id: expect.any(String), why: expect.any(String), how: expect.any(String) });
  });
});

describe('vulnerabilities, DNS and intel', () => {
  it('serves results, keywords and the NVD refresh action', async () => {
    const v = (await app.inject({ url: '/api/vulnerabilities' })).json() as VulnerabilitySummaryResponse;
    expect(v.hosts).toEqual([{ ip: homeIp(3), atRisk: true, counts: { critical: 1, high: 0, medium: 0, low: 0, none: 0, unknown: 0 }, possible: 0, kev: 1, backported: 0, services: [{ port: 22, service: 'ssh', label: 'OpenSSH 9.2p1', affected: 2, possible: 1, kev: 1, worst: 'critical' }] }]);
    const full = (await app.inject({ url: '/api/vulnerabilities?full=true' })).json() as VulnerabilitiesResponse;
    expect(full.hosts[0]!.services[0]!.affected.map((m) => m.cve)).toEqual(['CVE-2024-6387', 'CVE-2021-41773']);
    expect((await app.inject({ url: `/api/vulnerabilities?ip=${homeIp(3)}` })).json().hosts[0].services[0].possible[0].description).toBe('agent');
    expect((await app.inject({ url: `/api/vulnerabilities?ip=${homeIp(1)}` })).json().hosts).toEqual([]);
    expect(((await app.inject({ url: '/api/vulnerabilities/keywords' })).json() as KeywordsResponse).keywords[0]).toMatchObject({ keyword: 'OpenSSH', source: 'custom' });
    const r = await app.inject({ method: 'POST', url: '/api/vulnerabilities/refresh' });
    expect([r.statusCode, r.json()]).toEqual([202, { status: 'started' }]);
    expect(refreshes).toBe(1);
  });

  it('reuses the serialised whole-network answer until the next re-match', async () => {
    expect((await app.inject({ url: '/api/vulnerabilities' })).json().hosts[0].ip).toBe(homeIp(3));
    atRiskIp = 4;
    expect((await app.inject({ url: '/api/vulnerabilities' })).json().hosts[0].ip).toBe(homeIp(3));
    expect((await app.inject({ url: `/api/vulnerabilities?ip=${homeIp(4)}` })).json().hosts[0].ip).toBe(homeIp(4));
    bus.emit('vuln.updated', { hosts: 1, atRisk: [homeIp(4)], affected: 1, possible: 0 });
    const after = await app.inject({ url: '/api/vulnerabilities' });
    expect(after.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(after.json()).toMatchObject({ hosts: [{ ip: homeIp(4) }], stats: { cves: 3 } });
  });

  it('serves DNS statistics and a host section', async () => {
    expect((await app.inject({ url: '/api/dns/stats' })).json()).toMatchObject({ queries: 10 });
    expect((await app.inject({ url: `/api/hosts/${homeIp(1)}/dns` })).json()).toMatchObject({ ip: homeIp(1), newDomains: { learning: true } });
  });

  it('with NVD or intel switched off, their routes answer 503 naming the option', async () => {
    const off = await buildApp({ log: createSilentLogger(), metrics: createMetrics(), health: () => ({}), routes: [vulnRoutes(undefined, createSilentLogger(), bus), intelRoutes(undefined)] });
    try {
      for (const [method, url, option] of [
        ['GET', '/api/vulnerabilities', 'enable_nvd'],
        ['GET', '/api/vulnerabilities/keywords', 'enable_nvd'],
        ['POST', '/api/vulnerabilities/refresh', 'enable_nvd'],
        ['GET', '/api/intel', 'enable_threat_intel'],
        ['POST', '/api/intel/203.0.113.9', 'enable_threat_intel'],
      ] as const) {
        const res = await off.inject({ method, url });
        expect(res.statusCode, url).toBe(503);
        expect(res.json().error, url).toContain(`${option}: false`);
      }
    } finally {
      await off.close();
    }
  });

  it('serves intel status; the lookup is a POST (400 for a non-address); GET no longer spends budget', async () => {
    expect((await app.inject({ url: '/api/intel' })).json()).toMatchObject({ blacklist: { hits: 2 } });
    const res = await app.inject({ method: 'POST', url: '/api/intel/203.0.113.9' });
    expect(res.json()).toMatchObject({ ip: '203.0.113.9' });
    expect((await app.inject({ method: 'POST', url: '/api/intel/xx' })).statusCode).toBe(400);
    expect((await app.inject({ url: '/api/intel/203.0.113.9' })).statusCode).toBe(404);
    expect(lookups).toEqual(['203.0.113.9', 'xx']);
  });
});
