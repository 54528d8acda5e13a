import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema, SECRET_KEYS, type ConfigInput } from '../config/schema.js';
import { createEventBus, type EventBus } from '../core/events.js';
import { FakeClock } from '../core/fake-clock.js';
import { createLogger } from '../core/logger.js';
import { createMetrics } from '../core/metrics.js';
import { createFindingsStore, type FindingsStore } from '../findings/findings-store.js';
import type { HostScan } from '../scan/types.js';
import type { Store } from '../store/store.js';
import { createCveCache } from './cve-cache.js';
import { drive, host, startFakeNvd, svc, tempDb, waitIdle, type FakeNvd } from './test-kit.js';
import { createVulnService, type VulnOptions, type VulnService } from './vuln-service.js';

const KEY = 'SECRET-NVD-API-KEY-77';
const T0 = Date.UTC(2026, 0, 5, 12);
let t: ReturnType<typeof tempDb>;
let nvd: FakeNvd;
let clock: FakeClock;

beforeEach(async () => {
  t = tempDb();
  clock = new FakeClock(T0);
  nvd = await startFakeNvd(clock);
});
afterEach(async () => {
  await nvd.close();
  t.cleanup();
});

/** The network of the tests: a Debian SSH box, an Apache box with a versionless Redis, an IoT box with WordPress. */
function inventory(): HostScan[] {
  return [
    host('192.168.1.10', [
      svc(22, { name: 'ssh', product: 'openssh', productName: 'OpenSSH', version: '9.2p1', distro: 'debian', osHint: 'linux', banner: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3', extra: 'protocol 2.0' }),
    ]),
    host('192.168.1.20', [svc(80, { name: 'http', product: 'apache', productName: 'Apache httpd', version: '2.4.49' }), svc(6379, { name: 'redis', product: 'redis' })]),
    host('192.168.1.30', [
      svc(1883, { name: 'mqtt', product: 'mosquitto', productName: 'Mosquitto', version: '2.0.15' }),
      svc(8080, {
        name: 'http',
        product: 'nginx',
        productName: 'nginx',
        http: {
          status: 200,
          technologies: [{ name: 'WordPress', version: '5.8.2', confidence: 100, categories: ['CMS', 'Blogs'], cpe: 'cpe:2.3:a:wordpress:wordpress:*:*:*:*:*:*:*:*' }],
        },
      }),
    ]),
    host('192.168.1.40', [svc(80, { name: 'http', method: 'nmap', product: 'wordpress', version: '5.8.2' })]),
  ];
}

interface Harness {
  vuln: VulnService;
  findings: FindingsStore;
  bus: EventBus;
  hosts: HostScan[];
  logText: () => string;
  run<T>(p: Promise<T>): Promise<T>;
  /** Moves fake time in steps shorter than a request deadline, letting real I/O finish in between. */
  elapse(ms: number): Promise<void>;
}

const YEAR = 365 * 24 * 3_600_000;

/** A service on the fake NVD; background timers are off (a year away) unless `options` says otherwise. */
async function harness(cfg: ConfigInput = {}, hosts: HostScan[] = inventory(), kevRefreshHours?: number, options: VulnOptions = {}): Promise<Harness> {
  const config = configSchema.parse({ nvd_api_url: nvd.url, nvd_api_key: KEY, nvd_keywords: 'OpenSSH,Exim', ...cfg });
  const chunks: string[] = [];
  const log = createLogger(
    { level: 'debug', format: 'json', secretKeys: SECRET_KEYS },
    new Writable({
      write(c: Buffer, _e, cb) {
        chunks.push(c.toString());
        cb();
      },
    }),
  );
  const bus = createEventBus();
  const metrics = createMetrics();
  const store = { dir: t.dir, db: t.db, checkpoint() {}, async start() {}, async stop() {} } as Store;
  const findings = createFindingsStore({ store, bus, log, metrics });
  await findings.start();
  const vuln = createVulnService(
    { ...config, kev_url: `${nvd.server.url}/kev.json`, ...(kevRefreshHours ? { kev_refresh_hours: kevRefreshHours } : {}) },
    { store: { db: t.db }, bus, findings, clock, log, metrics, inventory: () => hosts },
    { nvd: { resultsPerPage: 2, random: () => 0.5 }, initialDelayMs: YEAR, prefetchIntervalMs: YEAR, ...options },
  );
  return {
    vuln,
    findings,
    bus,
    hosts,
    logText: () => chunks.join(''),
    run: (p) => drive(clock, () => vuln.busy(), p),
    async elapse(ms) {
      for (let left = ms; left > 0; left -= 10_000) {
        await waitIdle(() => vuln.busy());
        await clock.advance(Math.min(10_000, left));
      }
      await waitIdle(() => vuln.busy());
    },
  };
}

const searched = () => nvd.queries.map((q) => q.get('virtualMatchString') ?? `keyword=${q.get('keywordSearch')}`);

describe('vulnerability service', () => {
  it('start does no network work; a completed scan prefetches only detected products plus keywords, then matches and raises findings', async () => {
    const h = await harness();
    await h.vuln.start();
    await waitIdle(() => h.vuln.busy());
    expect(nvd.times).toEqual([]);
    expect(nvd.kevRequests).toBe(0);

    const updates: { atRisk: readonly string[] }[] = [];
    h.bus.on('vuln.updated', (u) => updates.push(u));
    h.bus.emit('scan.completed', { summary: {} as never, hosts: h.hosts });
    await h.run(h.vuln.prefetch());
    expect(updates.at(-1)?.atRisk).toEqual(['192.168.1.20', '192.168.1.30']);
    expect(new Set(searched())).toEqual(
      new Set([
        'cpe:2.3:a:openbsd:openssh',
        'cpe:2.3:a:exim:exim',
        'cpe:2.3:a:apache:http_server',
        'cpe:2.3:a:redis:redis',
        'cpe:2.3:a:redislabs:redis',
        'cpe:2.3:a:eclipse:mosquitto',
        'cpe:2.3:a:f5:nginx',
        'cpe:2.3:a:nginx:nginx',
        'cpe:2.3:a:wordpress:wordpress',
      ]),
    );
    expect(searched().filter((s) => s === 'cpe:2.3:a:openbsd:openssh')).toHaveLength(3); // 5 CVEs, 2 per page

    expect(h.vuln.keywords()).toEqual([
      { keyword: 'OpenSSH', source: 'custom', cves: 5, fetchedMs: expect.any(Number), searches: 1, pending: 0 },
      { keyword: 'Exim', source: 'custom', cves: 0, fetchedMs: expect.any(Number), searches: 1, pending: 0 },
      { keyword: 'Apache HTTP Server', source: 'product_map', cves: 1, fetchedMs: expect.any(Number), searches: 1, pending: 0 },
      { keyword: 'Redis', source: 'product_map', cves: 1, fetchedMs: expect.any(Number), searches: 2, pending: 0 },
      { keyword: 'Mosquitto', source: 'product_map', cves: 1, fetchedMs: expect.any(Number), searches: 1, pending: 0 },
      { keyword: 'nginx', source: 'product_map', cves: 1, fetchedMs: expect.any(Number), searches: 2, pending: 0 },
      { keyword: 'WordPress', source: 'fingerprint', cves: 1, fetchedMs: expect.any(Number), searches: 1, pending: 0 },
    ]);

    // Per host: confirmed apart from possible; Debian's OpenSSH carries the back-port hint.
    const ssh = h.vuln.results('192.168.1.10')[0];
    expect(ssh?.atRisk).toBe(false);
    expect(ssh?.services[0]?.affected.map((m) => [m.cve, m.backported])).toEqual([
      ['CVE-2023-51385', 'debian package Debian-2+deb12u3'],
      ['CVE-2023-38408', 'debian package Debian-2+deb12u3'],
      ['CVE-2024-6387', 'debian package Debian-2+deb12u3'],
    ]);
    const apache = h.vuln.results('192.168.1.20')[0];
    expect(apache?.atRisk).toBe(true);
    expect(apache?.services.map((s) => [s.port, s.affected.map((m) => m.cve), s.possible.map((m) => m.cve)])).toEqual([
      [80, ['CVE-2021-41773'], []],
      [6379, [], ['CVE-2022-0543']],
    ]);
    const iot = h.vuln.results('192.168.1.30')[0];
    expect(iot?.services.map((s) => [s.port, s.affected.map((m) => m.cve)])).toEqual([
      [1883, ['CVE-2023-28366']],
      [8080, ['CVE-2022-21661']],
    ]);
    expect(h.vuln.results('192.168.1.40')).toEqual([]); // WordPress from a product key only: never matched
    expect(h.vuln.atRisk().sort()).toEqual(['192.168.1.20', '192.168.1.30']);

    // Findings arrive with the next scan.
    h.bus.emit('scan.completed', { summary: {} as never, hosts: h.hosts });
    const f = (key: string) => h.findings.get(key);
    expect(f('vuln:192.168.1.10:22:CVE-2024-6387')).toMatchObject({ category: 'vulnerability', severity: 'low', sourceIp: '192.168.1.10' });
    expect(f('vuln:192.168.1.10:22:CVE-2024-6387')?.title).toContain('may be back-patched');
    expect(f('vuln:192.168.1.20:80:CVE-2021-41773')).toMatchObject({ severity: 'high' });
    expect(f('vuln:192.168.1.20:80:CVE-2021-41773')?.evidence).toMatchObject({ kev: true, cvss: { score: 7.5 } });
    expect(f('vuln:192.168.1.20:6379:possible')).toMatchObject({ severity: 'info' });
    expect(f('vuln:192.168.1.30:8080:CVE-2022-21661')).toMatchObject({ severity: 'high' });
    expect(f('vuln:192.168.1.20:6379:CVE-2022-0543')).toBeUndefined();
    await h.vuln.stop();
  });

  it('the KEV catalog is downloaded, cached, flags CVEs and counts them; KEV raises severity', async () => {
    const h = await harness();
    await h.vuln.start();
    h.bus.emit('scan.completed', { summary: {} as never, hosts: h.hosts });
    await h.run(h.vuln.prefetch());
    expect(await h.run(h.vuln.refreshKev())).toBe(true);
    expect(nvd.kevRequests).toBe(1);
    const s = h.vuln.stats();
    expect(s.kev).toMatchObject({ entries: 5, catalogVersion: '2026.01.02', matched: 2 });
    expect(s.kev.fetchedMs).toBeGreaterThanOrEqual(T0);
    // CVE-2023-38408 is in the catalog: critical and back-patch capped → medium.
    expect(h.findings.get('vuln:192.168.1.10:22:CVE-2023-38408')).toMatchObject({ severity: 'medium' });
    expect(h.vuln.results('192.168.1.10')[0]?.kev).toBe(1);

    // A broken download keeps the last good copy and says why.
    nvd.kevBody = '{"title": "CISA Catalog", "vulnerabilities": "none"}';
    expect(await h.run(h.vuln.refreshKev())).toBe(false);
    nvd.kevStatus = 503;
    expect(await h.run(h.vuln.refreshKev())).toBe(false);
    expect(h.vuln.stats().kev).toMatchObject({ entries: 5, lastError: 'server: HTTP 503' });
    expect(h.vuln.results('192.168.1.20')[0]?.kev).toBe(1);
    await h.vuln.stop();

    // A restart loads the catalog from SQLite without downloading it.
    t.reopen();
    const again = await harness();
    await again.vuln.start();
    expect(again.vuln.stats().kev.entries).toBe(5);
    expect(nvd.kevRequests).toBe(3);
    await again.vuln.stop();
  });

  it('a 429 in the middle of paging caches nothing; the last complete copy stays; a later pass completes', async () => {
    const h = await harness({ nvd_keywords: 'OpenSSH' }, []);
    await h.vuln.start();
    const cache = createCveCache(t.db);
    const key = 'cpe:cpe:2.3:a:openbsd:openssh';

    nvd.plan.push('ok', 429, 429, 429, 429, 429);
    const first = await h.run(h.vuln.prefetch());
    expect(first).toMatchObject({ planned: 1, fetched: 0, failed: 1, stoppedEarly: true });
    expect(nvd.queries.map((q) => q.get('startIndex'))).toEqual(['0', '2', '2', '2', '2', '2']);
    expect(cache.query(key)).toBeUndefined();
    expect(cache.cveCount()).toBe(0);
    expect(h.vuln.keywords()[0]).toMatchObject({ keyword: 'OpenSSH', cves: 0, pending: 1, error: 'rate_limited: HTTP 429' });
    expect(h.vuln.stats().nvd.errors).toEqual({ rate_limited: 1 });

    // Within errorRetryMs the failed search is not retried.
    await h.run(h.vuln.prefetch());
    expect(nvd.queries).toHaveLength(6);
    await h.elapse(31 * 60_000);
    const later = await h.run(h.vuln.prefetch());
    expect(later).toMatchObject({ fetched: 1, failed: 0 });
    expect(cache.query(key)).toMatchObject({ totalResults: 5, cves: 5 });
    const fetchedAt = cache.query(key)?.fetchedMs;

    // After the TTL a refetch that fails mid-paging keeps the complete copy.
    await h.elapse(13 * 3_600_000);
    nvd.plan.push('ok', 503, 503, 503, 503, 503);
    const stale = await h.run(h.vuln.prefetch());
    expect(stale.failed).toBe(1);
    expect(cache.query(key)).toMatchObject({ fetchedMs: fetchedAt, cves: 5 });
    expect(h.vuln.stats().cves).toBe(5);
    await h.vuln.stop();
  });

  it('fresh searches are not repeated; the TTL expires them; a restart needs no network to match', async () => {
    const h = await harness({ nvd_ttl_hours: 12 });
    await h.vuln.start();
    await h.run(h.vuln.prefetch());
    const sent = nvd.times.length;
    await h.elapse(11 * 3_600_000);
    expect(await h.run(h.vuln.prefetch())).toMatchObject({ fetched: 0, skippedFresh: 9 });
    expect(nvd.times).toHaveLength(sent);
    await h.vuln.stop();

    t.reopen();
    const again = await harness({ nvd_ttl_hours: 12 });
    await again.vuln.start();
    expect(again.vuln.results('192.168.1.20')[0]?.services[0]?.affected.map((m) => m.cve)).toEqual(['CVE-2021-41773']);
    expect(nvd.times).toHaveLength(sent);
    await again.elapse(2 * 3_600_000);
    expect(await again.run(again.vuln.prefetch())).toMatchObject({ fetched: 9 });
    await again.vuln.stop();
  });

  it('nvd_refresh flushes the cache and refetches everything, KEV included', async () => {
    const h = await harness();
    await h.vuln.start();
    await h.run(h.vuln.prefetch());
    const sent = nvd.times.length;
    const kevBefore = nvd.kevRequests;
    nvd.cves = nvd.cves.filter((c) => c.id !== 'CVE-2021-41773');
    const summary = await h.run(h.vuln.refresh());
    expect(summary).toMatchObject({ fetched: 9, failed: 0 });
    expect(nvd.times.length - sent).toBe(sent);
    expect(nvd.kevRequests).toBe(kevBefore + 1);
    expect(h.vuln.results('192.168.1.20')[0]?.services.map((s) => s.port)).toEqual([6379]);
    expect(h.vuln.stats().cves).toBe(9);
    await h.vuln.stop();
  });

  it('the background schedule: first prefetch after initialDelayMs, refetch after the TTL, KEV daily; stop cancels everything', async () => {
    const h = await harness({ nvd_ttl_hours: 12 }, inventory(), 24, { initialDelayMs: 5_000, prefetchIntervalMs: 15 * 60_000 });
    await h.vuln.start();
    await h.elapse(4_000);
    expect(nvd.times).toEqual([]);
    expect(nvd.kevRequests).toBe(0);
    await h.elapse(60_000);
    expect(nvd.kevRequests).toBe(1);
    expect(nvd.times).toHaveLength(11); // 9 searches, OpenSSH's in 3 pages
    await h.elapse(24 * 3_600_000);
    expect(nvd.kevRequests).toBe(2);
    expect(nvd.times).toHaveLength(33); // refetched at 12 h and 24 h
    await h.vuln.stop();
    await clock.advance(48 * 3_600_000);
    expect(nvd.times).toHaveLength(33);
    expect(nvd.kevRequests).toBe(2);
  });

  it('nvd_min_year leaves older CVEs out', async () => {
    const h = await harness({ nvd_min_year: 2023 });
    await h.vuln.start();
    await h.run(h.vuln.prefetch());
    expect(h.vuln.results('192.168.1.20')).toEqual([]);
    expect(h.vuln.stats().tooOld).toBeGreaterThan(0);
    await h.vuln.stop();
  });

  it('secrets never reach logs, stats, keywords or results', async () => {
    const h = await harness();
    await h.vuln.start();
    nvd.plan.push(500, 500, 500, 500, 500);
    await h.run(h.vuln.prefetch());
    expect(h.logText()).toContain('NVD search failed');
    for (const text of [h.logText(), JSON.stringify(h.vuln.stats()), JSON.stringify(h.vuln.keywords()), JSON.stringify(h.vuln.results())]) {
      expect(text).not.toContain(KEY);
    }
    expect(nvd.server.requests.filter((r) => r.url.startsWith('/rest')).every((r) => r.headers.apikey === KEY)).toBe(true);
    await h.vuln.stop();
  });
});
