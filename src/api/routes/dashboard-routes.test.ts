import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  CollectorResponse,
  CveDetail,
  CvesResponse,
  ExternalIpDetail,
  ExternalIpsResponse,
  Finding,
  GraphResponse,
  HostScan,
  HostVulns,
  IpLookupResponse,
  OverviewResponse,
} from '../contract.js';
import { createSilentLogger } from '../../core/logger.js';
import { createMetrics } from '../../core/metrics.js';
import { createClassifier } from '../../traffic/classifier.js';
import { createCveCache } from '../../vuln/cve-cache.js';
import { parseNvdPage } from '../../vuln/nvd-parse.js';
import { nvdCves } from '../../vuln/test-kit.js';
import { tempDb, type TempDb } from '../../../test/support/temp-db.js';
import { buildApp } from '../server.js';
import { FakeClock } from '../../core/fake-clock.js';
import type { Collector } from '../../flow/collector.js';
import { externalIp, loopbackCollector, makeDevice, seedConnections, seedEnrichment, seedExternalIps } from '../test-kit.js';
import type { DashboardSources } from '../views/sources.js';
import { createDashboardViews, dashboardRoutes, type DashboardViews } from './dashboard-routes.js';

const NOW = Date.UTC(2026, 4, 1, 12);
const HOUR = 3_600_000;
const BAD = '203.0.113.66';
const VT_BAD = '198.51.100.20';
let t: TempDb;
let app: FastifyInstance;
let now: number;
let collector: Collector;
let clock: FakeClock;
let findings: Finding[];
let views: DashboardViews;
let lookups: string[];
let keywordCves = 4;

function finding(key: string, severity: Finding['severity'], category: string, sourceIp: string, lastSeenMs: number, dismissed = false): Finding {
  return { key, category, severity, sourceIp, title: key, detail: '', evidence: {}, firstSeenMs: lastSeenMs, lastSeenMs, occurrences: 1, dismissed };
}

const scans: HostScan[] = [{ ip: '192.168.1.10', alive: true, aliveBy: 'tcp', openPorts: [22], closedCount: 0, filteredCount: 0, services: [], hints: [], scannedAtMs: NOW - HOUR, durationMs: 10 }];
const vulnResults: HostVulns[] = [
  {
    ip: '192.168.1.10',
    atRisk: true,
    counts: { critical: 1, high: 1, medium: 0, low: 0, none: 0, unknown: 0 },
    possible: 1,
    kev: 1,
    backported: 0,
    services: [
      {
        port: 22,
        service: 'ssh',
        label: 'OpenSSH 9.2p1',
        affected: [
          { cve: 'CVE-2024-6387', status: 'affected', severity: 'high', kev: false, description: 'regreSSHion', criteria: [], reasons: ['9.2p1 in range'], product: 'openbsd:openssh', source: 'banner' },
          { cve: 'CVE-2021-41773', status: 'affected', severity: 'critical', kev: true, description: 'Apache', criteria: [], reasons: ['r'], product: 'apache:http_server', source: 'banner' },
        ],
        possible: [{ cve: 'CVE-2023-38408', status: 'possible', severity: 'critical', kev: false, description: 'agent', criteria: [], reasons: ['no version'], product: 'openbsd:openssh', source: 'banner' }],
        dropped: 0,
      },
    ],
  },
];

function sources(): DashboardSources {
  const classifier = createClassifier(['192.168.0.0/16']);
  return {
    now: () => now,
    db: () => t.db,
    demo: true,
    features: { scanner: true, threatIntel: true, nvd: true, auth: true },
    externalRetentionMs: 24 * HOUR,
    enrichmentTtlMs: 5 * HOUR,
    isInternal: (ip) => classifier.isInternal(ip),
    inventory: {
      devices: () => [
        makeDevice(1, '192.168.1.1', { role: 'gateway', name: 'router', lastSeenMs: NOW - 60_000 }),
        makeDevice(2, '192.168.1.10', { role: 'server', hostname: 'nas.lan', atRisk: true, lastSeenMs: NOW - 120_000, vendor: 'Synology' }),
        makeDevice(3, '192.168.1.20', { baseline: false, firstSeenMs: NOW - 2 * HOUR, lastSeenMs: NOW - 3 * HOUR }),
        makeDevice(4, '192.168.1.30', { lastSeenMs: NOW - 48 * HOUR }),
      ],
    },
    findings: {
      list: (o) => findings.filter((f) => o?.includeDismissed || !f.dismissed).sort((a, b) => b.lastSeenMs - a.lastSeenMs),
      openActionableCount: () => findings.filter((f) => !f.dismissed && (f.severity === 'high' || f.severity === 'critical')).length,
    },
    scanner: {
      summary: () => ({ enabled: true, running: false, intervalSeconds: 300, lastScanMs: NOW - HOUR, targets: 4, hostsFound: 1, openPorts: 1, services: 1, skippedTargets: 0 }),
      hosts: () => scans,
    },
    collector,
    flowsTotal: () => 12345,
    vuln: {
      results: () => vulnResults,
      keywords: () => [
        { keyword: 'OpenSSH', source: 'custom', cves: keywordCves, pending: 0, searches: 1, fetchedMs: NOW - HOUR },
        { keyword: 'nginx', source: 'fingerprint', cves: 2, pending: 1, searches: 2 },
      ],
      stats: () => ({ cves: 13 }),
    },
    intel: {
      matcher: () => ({ matchIp: (ip: string) => (ip === BAD ? ['feodo'] : undefined) }),
      peekName: (ip) => (ip === externalIp(3) ? 'host3.example.net' : undefined),
      listedName: () => undefined,
      stats: () => ({ providers: [{ name: 'ipinfo', enabled: true }, { name: 'virustotal', enabled: true }, { name: 'shodan', enabled: false }, { name: 'abuseipdb', enabled: true }] }),
      lookup: async (ip) => {
        lookups.push(ip);
        if (!/^\d/.test(ip)) throw Object.assign(new (await import('../../core/errors.js')).HomesecError('INVALID_ARGUMENT', 'not an IP address'));
        return { ip, enrichable: true, hostname: null, blacklists: [], providers: {} as IpLookupResponse['providers'], rating: { level: 'clean', score: 0, reasons: [] } };
      },
    },
  };
}

beforeEach(async () => {
  t = tempDb('homesec-dash-');
  now = NOW;
  lookups = [];
  keywordCves = 4;
  clock = new FakeClock(NOW - 60_000);
  const flows = await loopbackCollector(clock, ['192.168.1.1', '192.168.1.2']);
  collector = flows.collector;
  flows.send('192.168.1.2', 5, 0);
  await clock.advance(55_000);
  flows.send('192.168.1.1', 30, 0);
  await clock.advance(1000);
  flows.send('192.168.1.1', 30, 40); // 10 flows lost
  await clock.advance(3000);
  flows.send('10.9.9.9', 1, 0); // not allow-listed
  await clock.advance(100);
  flows.send('10.9.9.9', 1, 1);
  findings = [
    finding('port_scan:192.168.1.20', 'high', 'port_scan', '192.168.1.20', NOW - 1000),
    finding('suspicious_port:192.168.1.20:23', 'medium', 'suspicious_port', '192.168.1.20', NOW - 2000),
    finding('high_egress:192.168.1.10', 'high', 'high_egress', '192.168.1.10', NOW - 3000),
    finding('blacklist:192.168.1.10:203.0.113.66', 'critical', 'blacklist', '192.168.1.10', NOW - 4000),
    finding('old:1', 'low', 'dns', '192.168.1.30', NOW - 5000, true),
    ...Array.from({ length: 12 }, (_, i) => finding(`info:${i}`, 'info', 'exposure', '192.168.1.1', NOW - 10_000 - i)),
  ];
  // 30 external peers; #0 is blacklisted, #1 flagged by VirusTotal, #2 clean by AbuseIPDB.
  const ext = Array.from({ length: 30 }, (_, i) => ({
    ip: i === 0 ? BAD : i === 1 ? VT_BAD : externalIp(i),
    firstSeenMs: NOW - 10 * HOUR,
    lastSeenMs: NOW - i * 60_000,
    bytesIn: (i + 1) * 1000,
    bytesOut: i === 5 ? 10_000_000 : 100,
    flows: i + 1,
    devices: i === 7 ? ['192.168.1.10', '192.168.1.20', '192.168.1.30'] : ['192.168.1.10'],
  }));
  seedExternalIps(t.db, ext);
  seedEnrichment(t.db, [
    { ip: VT_BAD, provider: 'virustotal', fetchedMs: NOW - HOUR, data: { malicious: 6, suspicious: 1, harmless: 50, undetected: 10, timeout: 0 } },
    { ip: VT_BAD, provider: 'ipinfo', fetchedMs: NOW - 10 * HOUR, data: { ip: VT_BAD, bogon: false, country: 'NL', org: 'AS64500 Example Hosting BV', hostname: 'evil.example.org' } },
    { ip: externalIp(2), provider: 'abuseipdb', fetchedMs: NOW - HOUR, data: { abuseConfidenceScore: 0, totalReports: 0, numDistinctUsers: 0, isTor: false, countryCode: 'DE', isp: 'Example Telecom' } },
    { ip: '192.0.2.99', provider: 'ipinfo', fetchedMs: NOW - HOUR, data: { ip: '192.0.2.99', bogon: false, country: 'US' } },
  ]);
  seedConnections(t.db, [
    { tsMs: NOW - 10 * 60_000, src: '192.168.1.10', dst: BAD, flows: 4, bytes: 4000 },
    { tsMs: NOW - 9 * 60_000, src: BAD, dst: '192.168.1.10', flows: 2, bytes: 1000 },
    { tsMs: NOW - 8 * 60_000, src: '192.168.1.20', dst: '192.168.1.10', port: 445, flows: 3, bytes: 900 },
    { tsMs: NOW - 7 * 60_000, src: '192.168.1.99', dst: VT_BAD, flows: 1, bytes: 50_000 },
    { tsMs: NOW - 6 * 60_000, src: '192.168.1.20', dst: externalIp(4), flows: 1, bytes: 10 },
    { tsMs: NOW - 3 * HOUR, src: '192.168.1.30', dst: externalIp(9), flows: 9, bytes: 9_999_999 }, // outside the hour
  ]);
  const page = parseNvdPage({ resultsPerPage: 13, startIndex: 0, totalResults: 13, format: 'NVD_CVE', version: '2.0', vulnerabilities: nvdCves().map((cve) => ({ cve })) });
  if (!page.ok) throw new Error(page.error);
  const cache = createCveCache(t.db);
  cache.storeQuery('keyword:openssh', page.value.records, page.value.records.length, NOW - HOUR);
  cache.storeKev([{ cveID: 'CVE-2024-6387', vendorProject: 'OpenBSD', product: 'OpenSSH', dateAdded: '2024-07-10' }], { fetchedMs: NOW - HOUR, entries: 1 });
  const s = sources();
  views = createDashboardViews(s, { externals: { chunkRows: 7 }, edges: { chunkRows: 2 } }); // small chunks: reads cross chunk boundaries
  app = await buildApp({ log: createSilentLogger(), metrics: createMetrics(), health: () => ({}), routes: [dashboardRoutes(s, views, { graphCacheMs: 0 })] });
  await app.ready();
});
afterEach(async () => {
  await app.close();
  await collector.stop?.();
  t.cleanup();
});

const get = async <T>(url: string): Promise<T> => {
  const res = await app.inject({ url });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  return res.json() as T;
};

describe('GET /api/overview', () => {
  it('counts devices, findings, vulnerabilities and sources; carries the scan card, listener health, recent findings, keyword chips and the demo flag', async () => {
    const o = await get<OverviewResponse>('/api/overview');
    expect(o.demo).toBe(true);
    expect(o.stats.devices).toEqual({ total: 4, active: 3, scanned: 1, atRisk: 1, new: 1 });
    expect(o.stats.flowsTotal).toBe(12345);
    expect(o.stats.openFindings).toEqual({ info: 12, low: 0, medium: 1, high: 2, critical: 1 });
    expect(o.stats.openActionable).toBe(3);
    expect(o.stats.suspiciousSources).toBe(2); // .20 (scan, port) and .10 (blacklist); the dismissed DNS finding does not count
    expect(o.stats.highEgressSources).toBe(1);
    expect(o.stats.vulnerabilities).toEqual({ critical: 1, high: 1, medium: 0, low: 0, possible: 1, kev: 1, hostsAtRisk: 1, cves: 13 });
    expect(o.stats.externalIps).toEqual({ known: 30, flagged: 2 });
    expect(o.scan).toMatchObject({ enabled: true, hostsFound: 1, lastScanMs: NOW - HOUR });
    expect(o.recentFindings).toHaveLength(10);
    expect(o.recentFindings[0]!.key).toBe('port_scan:192.168.1.20');
    expect(o.recentFindings.some((f) => f.dismissed)).toBe(false);
    expect(o.nvdKeywords).toEqual([
      { keyword: 'OpenSSH', source: 'custom', cves: 4, pending: 0, fetchedMs: NOW - HOUR },
      { keyword: 'nginx', source: 'fingerprint', cves: 2, pending: 1 },
    ]);
    expect(o.collector).toMatchObject({ listening: true, address: '127.0.0.1', datagrams: 5, records: 65, dropped: 2, dropsByReason: { not_allowlisted: 2 }, exporterCount: 3 });
    expect(o.collector.port).toBeGreaterThan(0);
    expect(o.collector.exporters[0]).toMatchObject({ ip: '10.9.9.9' });
    expect(o.collector.exporters.find((e) => e.ip === '192.168.1.1')).toMatchObject({ versions: ['v5'], records: 60, sequenceGaps: 10, lastSeenMs: NOW - 4000 });
  });
});

describe('NVD keyword chips', () => {
  it('are kept until the vulnerability results change or 30 s pass', async () => {
    keywordCves = 4;
    expect((await get<OverviewResponse>('/api/overview')).nvdKeywords[0]!.cves).toBe(4);
    keywordCves = 9;
    expect((await get<OverviewResponse>('/api/overview')).nvdKeywords[0]!.cves).toBe(4);
    views.vulnChanged();
    expect((await get<OverviewResponse>('/api/overview')).nvdKeywords[0]!.cves).toBe(9);
    keywordCves = 11;
    now += 31_000;
    expect((await get<OverviewResponse>('/api/overview')).nvdKeywords[0]!.cves).toBe(11);
  });
});

describe('GET /api/collector', () => {
  it('lists exporters (bounded by limit) with the listener totals', async () => {
    const c = await get<CollectorResponse>('/api/collector?limit=2');
    expect(c.exporters.map((e) => e.ip)).toEqual(['10.9.9.9', '192.168.1.1']);
    expect(c.exporterCount).toBe(3);
    expect(c.flowsTotal).toBe(12345);
    expect(c.lastDatagramMs).toBe(NOW - 900);
    expect((await app.inject({ url: '/api/collector?limit=100000' })).statusCode).toBe(400);
  });
});

describe('GET /api/external-ips', () => {
  it('pages by last seen (newest first) with totals', async () => {
    const p = await get<ExternalIpsResponse>('/api/external-ips?limit=5&offset=5');
    expect(p).toMatchObject({ total: 30, known: 30, offset: 5, limit: 5, sort: 'last_seen', order: 'desc', intelEnabled: true });
    expect(p.items.map((i) => i.lastSeenMs)).toEqual([5, 6, 7, 8, 9].map((i) => NOW - i * 60_000));
    const asc = await get<ExternalIpsResponse>('/api/external-ips?limit=2&order=asc');
    expect(asc.items.map((i) => i.lastSeenMs)).toEqual([NOW - 29 * 60_000, NOW - 28 * 60_000]);
  });

  it('sorts by bytes, rating and devices; rates with reasons from the feeds and providers', async () => {
    expect((await get<ExternalIpsResponse>('/api/external-ips?sort=bytes&limit=1')).items[0]!.ip).toBe(externalIp(5));
    const rated = await get<ExternalIpsResponse>('/api/external-ips?sort=rating&limit=3');
    expect(rated.items.map((i) => i.ip)).toEqual([BAD, VT_BAD, externalIp(2)]);
    expect(rated.items[0]).toMatchObject({ blacklists: ['feodo'], flagged: true, rating: { level: 'high', score: 90 } });
    expect(rated.items[0]!.rating.reasons[0]).toEqual({ source: 'blacklist feodo', said: 'lists this address', score: 90 });
    expect(rated.items[1]).toMatchObject({
      country: 'NL',
      org: 'AS64500 Example Hosting BV',
      rdns: 'evil.example.org',
      virustotal: { malicious: 6, suspicious: 1, harmless: 50, undetected: 10 },
      rating: { level: 'high', score: 85 },
      enrichedMs: NOW - HOUR,
    });
    expect(rated.items[2]).toMatchObject({ abuseipdb: { score: 0, reports: 0, isTor: false }, rating: { level: 'clean' }, flagged: false, country: 'DE' });
    expect((await get<ExternalIpsResponse>('/api/external-ips?sort=devices&limit=1')).items[0]).toMatchObject({ ip: externalIp(7), devices: 3 });
  });

  it('searches by prefix of address, organisation word, country and reverse-DNS name; filters flagged', async () => {
    const ip = await get<ExternalIpsResponse>(`/api/external-ips?q=${BAD.slice(0, 8)}`);
    expect(ip.items.map((i) => i.ip)).toEqual([BAD]);
    expect((await get<ExternalIpsResponse>('/api/external-ips?q=example%20hosting')).items.map((i) => i.ip)).toEqual([VT_BAD]);
    expect((await get<ExternalIpsResponse>('/api/external-ips?q=hosting')).items.map((i) => i.ip)).toEqual([VT_BAD]);
    expect((await get<ExternalIpsResponse>('/api/external-ips?q=de')).items.map((i) => i.ip)).toEqual([externalIp(2)]);
    expect((await get<ExternalIpsResponse>('/api/external-ips?q=HOST3.')).items.map((i) => i.ip)).toEqual([externalIp(3)]);
    const flagged = await get<ExternalIpsResponse>('/api/external-ips?flagged=true&sort=rating');
    expect(flagged).toMatchObject({ total: 2, known: 30 });
    expect(flagged.items.map((i) => i.ip)).toEqual([BAD, VT_BAD]);
    expect((await get<ExternalIpsResponse>('/api/external-ips?flagged=true&sort=rating&order=asc')).items.map((i) => i.ip)).toEqual([VT_BAD, BAD]);
    expect((await get<ExternalIpsResponse>('/api/external-ips?flagged=true&q=198.')).items.map((i) => i.ip)).toEqual([VT_BAD]);
    expect(await get<ExternalIpsResponse>('/api/external-ips?flagged=true&offset=1&limit=1')).toMatchObject({ total: 2, items: [{ ip: VT_BAD }] });
  });

  it('refuses out-of-range paging and sorting', async () => {
    for (const q of ['limit=501', 'limit=0', 'offset=-1', 'sort=ip', 'order=up', `q=${'x'.repeat(101)}`]) {
      expect((await app.inject({ url: `/api/external-ips?${q}` })).statusCode, q).toBe(400);
    }
  });

  it('picks up rows the traffic tracker writes later (incremental refresh) and drops rows past retention', async () => {
    await get('/api/external-ips');
    seedExternalIps(t.db, [{ ip: '203.0.113.200', firstSeenMs: NOW, lastSeenMs: NOW + 10_000, bytesIn: 1, bytesOut: 1, flows: 1, devices: [] }]);
    seedExternalIps(t.db, [{ ip: externalIp(3), firstSeenMs: NOW - 10 * HOUR, lastSeenMs: NOW + 20_000, bytesIn: 5e9, bytesOut: 0, flows: 99, devices: ['192.168.1.10'] }]);
    now = NOW + 24 * HOUR - 28.5 * 60_000; // past the refresh interval; rows last seen before NOW-28.5 min are now older than 24 h
    const p = await get<ExternalIpsResponse>('/api/external-ips?sort=bytes&limit=3');
    expect(p.items[0]).toMatchObject({ ip: externalIp(3), bytes: 5e9, flows: 99 });
    expect(p.known).toBe(30); // one added, one (#29, last seen NOW-29 min) expired
    expect(p.items.some((i) => i.ip === externalIp(29))).toBe(false);
  });

  it('GET /api/external-ips/:ip gives stored provider answers and devices; 404 unknown, 400 not an address', async () => {
    const d = await get<ExternalIpDetail>(`/api/external-ips/${VT_BAD}`);
    expect(d.deviceIps).toEqual(['192.168.1.10']);
    expect(d.providers.virustotal).toMatchObject({ status: 'fresh', fetchedMs: NOW - HOUR, data: { malicious: 6 } });
    expect(d.providers.ipinfo).toMatchObject({ status: 'stale', data: { country: 'NL' } });
    expect(d.providers.shodan).toEqual({ status: 'disabled' });
    expect(d.providers.abuseipdb).toEqual({ status: 'skipped', reason: 'not looked up yet' });
    const lookedUpOnly = await get<ExternalIpDetail>('/api/external-ips/192.0.2.99');
    expect(lookedUpOnly).toMatchObject({ ip: '192.0.2.99', devices: 0, country: 'US', deviceIps: [] });
    expect((await app.inject({ url: '/api/external-ips/203.0.113.250' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/external-ips/not-an-ip' })).statusCode).toBe(400);
  });

  it('POST /api/external-ips/:ip/lookup asks intel and answers its report', async () => {
    const res = await app.inject({ method: 'POST', url: `/api/external-ips/${BAD}/lookup` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ip: BAD, rating: { level: 'clean' } });
    expect(lookups).toEqual([BAD]);
    expect((await app.inject({ method: 'POST', url: '/api/external-ips/xyz/lookup' })).statusCode).toBe(400);
  });
});

describe('GET /api/graph', () => {
  it('draws devices with their flags, the top external peers by bytes in the last hour, and edges between drawn nodes', async () => {
    const g = await get<GraphResponse>('/api/graph?max_external=2');
    expect(g.windowMinutes).toBe(60);
    const byId = new Map(g.nodes.map((n) => [n.id, n]));
    expect(byId.get('192.168.1.1')).toMatchObject({ kind: 'device', gateway: true, label: 'router', scanned: false, flowOnly: true });
    expect(byId.get('192.168.1.10')).toMatchObject({ kind: 'device', atRisk: true, scanned: true, flowOnly: false, label: 'nas.lan', vendor: 'Synology', role: 'server', deviceId: 2 });
    expect(byId.get('192.168.1.99')).toMatchObject({ kind: 'device', flowOnly: true, label: '192.168.1.99' }); // seen in flows only, unknown to the inventory
    expect(g.topExternal.map((p) => p.ip)).toEqual([VT_BAD, BAD]);
    expect(g.topExternal[0]).toMatchObject({ bytes: 50_000, flows: 1, devices: 1, threat: { level: 'high', score: 85 }, country: 'NL', label: 'evil.example.org' });
    expect(byId.get(BAD)).toMatchObject({ kind: 'external', threat: { level: 'high', score: 90 }, atRisk: true });
    expect(byId.has(externalIp(4))).toBe(false); // third by bytes: left out by max_external=2
    expect(byId.has(externalIp(9))).toBe(false); // only traffic older than the window
    expect(g.omitted).toEqual({ devices: 0, external: 1, edges: 0 });
    const edge = g.edges.find((e) => e.kind === 'external' && (e.source === BAD || e.target === BAD));
    expect(edge).toMatchObject({ source: '192.168.1.10', target: BAD, bytes: 5000, flows: 6 }); // both directions, one edge
    expect(g.edges.find((e) => e.kind === 'internal')).toMatchObject({ bytes: 900, flows: 3 });
    for (const e of g.edges) expect(byId.has(e.source) && byId.has(e.target)).toBe(true);
    expect((await app.inject({ url: '/api/graph?max_external=501' })).statusCode).toBe(400);
  });

  it('follows new connection rows and lets old ones leave the window', async () => {
    await get('/api/graph');
    seedConnections(t.db, [{ tsMs: NOW + 60_000, src: '192.168.1.10', dst: BAD, flows: 1, bytes: 1 }]);
    now = NOW + 55 * 60_000; // the first rows (NOW-10 min) are now 65 min old
    const g = await get<GraphResponse>('/api/graph');
    expect(g.edges.find((e) => e.target === BAD)).toMatchObject({ bytes: 1, flows: 1 });
    expect(g.topExternal.map((p) => p.ip)).toEqual([BAD]);
  });
});

describe('GET /api/cves', () => {
  it('lists every cached CVE sorted by CVSS with detection counts, KEV and products; filters and searches', async () => {
    const all = await get<CvesResponse>('/api/cves?limit=500');
    expect(all.total).toBe(13);
    const scores = all.items.map((c) => c.cvss?.score ?? -1);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const regre = all.items.find((c) => c.id === 'CVE-2024-6387')!;
    expect(regre).toMatchObject({ kev: true, detectedOn: 1, possibleOn: 0, severity: 'high' });
    expect(regre.products).toEqual(expect.arrayContaining(['OpenSSH 9.2p1', 'openssh']));
    expect(all.items.find((c) => c.id === 'CVE-2023-38408')).toMatchObject({ detectedOn: 0, possibleOn: 1 });
    const detected = await get<CvesResponse>('/api/cves?detected=true');
    expect(detected.items.map((c) => c.id).sort()).toEqual(['CVE-2021-41773', 'CVE-2024-6387']);
    expect((await get<CvesResponse>('/api/cves?kev=true')).items.map((c) => c.id).sort()).toEqual(['CVE-2021-41773', 'CVE-2022-0543', 'CVE-2024-6387']);
    expect((await get<CvesResponse>('/api/cves?q=cve-2023-5')).items.map((c) => c.id)).toEqual(['CVE-2023-51385']);
    const byDate = await get<CvesResponse>('/api/cves?sort=published&order=asc&limit=2');
    expect(byDate.items.map((c) => c.published?.slice(0, 4))).toEqual(['2021', '2021']);
    expect((await get<CvesResponse>('/api/cves?sort=detected&limit=1')).items[0]!.id).toBe('CVE-2024-6387');
  });

  it('GET /api/cves/:id gives description, criteria, KEV entry and detections; 404 unknown, 400 malformed', async () => {
    const c = await get<CveDetail>('/api/cves/cve-2024-6387');
    expect(c.description).toMatch(/race condition/i);
    expect(c.criteria.some((x) => x.startsWith('cpe:2.3:a:openbsd:openssh:'))).toBe(true);
    expect(c.kevEntry).toEqual({ vendorProject: 'OpenBSD', product: 'OpenSSH', dateAdded: '2024-07-10' });
    expect(c.detections).toEqual([{ ip: '192.168.1.10', port: 22, label: 'OpenSSH 9.2p1', status: 'affected', reasons: ['9.2p1 in range'] }]);
    expect((await app.inject({ url: '/api/cves/CVE-1999-0001' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/cves/..%2f..%2fetc' })).statusCode).toBe(400);
  });

  it('sees a new cache after invalidate (the app calls it on vuln.updated)', async () => {
    expect((await get<CvesResponse>('/api/cves')).total).toBe(13);
    createCveCache(t.db).flush();
    expect((await get<CvesResponse>('/api/cves')).total).toBe(13);
    views.vulnChanged();
    expect((await get<CvesResponse>('/api/cves')).total).toBe(0);
  });
});
