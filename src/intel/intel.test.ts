import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { configSchema, SECRET_KEYS, type ConfigInput } from '../config/schema.js';
import { createEventBus, type EventBus } from '../core/events.js';
import { FakeClock } from '../core/fake-clock.js';
import { createLogger } from '../core/logger.js';
import { createMetrics } from '../core/metrics.js';
import { createFindingsStore } from '../findings/findings-store.js';
import type { FlowRecord } from '../flow/types.js';
import type { Store } from '../store/store.js';
import { nextLocalMidnight } from './budget.js';
import { createIntel, type ExternalIpView, type Intel, type IntelOptions } from './intel.js';
import { fixture, send, startServer, tempDb, type TestServer } from './test-kit.js';
import type { ProviderName } from './types.js';

type Mode = 'ok' | '401' | '429' | '500' | 'stall' | 'truncated';
const KEYS = { virustotal_api_key: 'SECRET-VT-0001', shodan_api_key: 'SECRET-SH-0002', abuseipdb_api_key: 'SECRET-AB-0003', ipinfo_token: 'SECRET-II-0004' };
const OK: Record<ProviderName, string> = { ipinfo: 'ipinfo-ip.json', virustotal: 'virustotal-ip.json', shodan: 'shodan-host.json', abuseipdb: 'abuseipdb-check.json' };

let server: TestServer;
let t: ReturnType<typeof tempDb>;
/** Per provider: answers to give, in order (then 'ok'). */
let plan: Partial<Record<ProviderName, Mode[]>>;
let feedBody: string;
const hits: Record<string, string[]> = {};

function providerOf(url: string): ProviderName | 'feeds' {
  return url.split('/')[1] as ProviderName | 'feeds';
}
function ipOf(url: string): string {
  const q = /ipAddress=([^&]+)/.exec(url);
  if (q) return decodeURIComponent(q[1] as string);
  const m = /\/(?:ip_addresses|host)\/([^/?]+)|^\/ipinfo\/([^/]+)\/json/.exec(url);
  return decodeURIComponent((m?.[1] ?? m?.[2]) as string);
}

beforeEach(async () => {
  t = tempDb();
  plan = {};
  feedBody = fixture('feodo-ipblocklist.txt');
  for (const k of Object.keys(hits)) delete hits[k];
  server = await startServer((req, res) => {
    const url = req.url ?? '';
    const p = providerOf(url);
    if (p === 'feeds') {
      if (url.includes('hostfile')) return send(res, 200, fixture('urlhaus-hostfile.txt'), { 'content-type': 'text/plain' });
      return send(res, 200, feedBody, { 'content-type': 'text/plain' });
    }
    (hits[p] ??= []).push(ipOf(url));
    const mode = plan[p]?.shift() ?? 'ok';
    if (mode === 'ok') return send(res, 200, fixture(OK[p]));
    if (mode === '401') return send(res, 401, fixture(p === 'abuseipdb' ? 'abuseipdb-401.json' : 'virustotal-auth.json'));
    if (mode === '429') return send(res, 429, fixture(p === 'virustotal' ? 'virustotal-quota.json' : 'abuseipdb-429.json'), { 'retry-after': '60' });
    if (mode === '500') return send(res, 503, '<html>Service Unavailable</html>', { 'content-type': 'text/html' });
    if (mode === 'truncated') return send(res, 200, fixture(OK[p]).slice(0, 40));
    // stall: never answers
  });
});
afterEach(async () => {
  await server.close();
  t.cleanup();
});

function logCapture() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { log: createLogger({ level: 'debug', format: 'json', secretKeys: SECRET_KEYS }, stream), text: () => chunks.join('') };
}

interface Harness {
  intel: Intel;
  clock: FakeClock;
  externals: ExternalIpView[];
  findings: ReturnType<typeof createFindingsStore>;
  bus: EventBus;
  logText: () => string;
  names: Record<string, string>;
}

async function harness(cfg: ConfigInput, opts: IntelOptions = {}, clock = new FakeClock(new Date(2026, 2, 10, 12, 0).getTime())): Promise<Harness> {
  const config = configSchema.parse({ blacklist_urls: `${server.url}/feeds/ipblocklist.txt`, ...KEYS, ...cfg });
  const bus = createEventBus();
  const metrics = createMetrics();
  const { log, text } = logCapture();
  const store = { dir: t.dir, db: t.db, checkpoint() {}, async start() {}, async stop() {} } as Store;
  const findings = createFindingsStore({ store, bus, log, metrics });
  await findings.start();
  const externals: ExternalIpView[] = [];
  const names: Record<string, string> = {};
  const intel = createIntel(
    config,
    {
      store: { db: t.db },
      bus,
      findings,
      clock,
      log,
      metrics,
      externalIps: () => externals,
      resolver: { reverse: async (ip) => (names[ip] ? [names[ip] as string] : []) },
    },
    {
      baseUrls: { ipinfo: `${server.url}/ipinfo`, virustotal: `${server.url}/virustotal`, shodan: `${server.url}/shodan`, abuseipdb: `${server.url}/abuseipdb` },
      minIntervalMs: { ipinfo: 1000, virustotal: 1000, shodan: 1000, abuseipdb: 1000 },
      requestTimeoutMs: 5000,
      syncIntervalMs: 30_000,
      random: () => 0.5,
      ...opts,
    },
  );
  return { intel, clock, externals, findings, bus, logText: text, names };
}

/** Lets real I/O finish, then moves fake time, repeatedly. */
async function run(h: Harness, totalMs: number, stepMs = 1000): Promise<void> {
  await h.intel.idle();
  for (let elapsed = 0; elapsed < totalMs; elapsed += stepMs) {
    await h.clock.advance(stepMs);
    await h.intel.idle();
  }
}

const ext = (ip: string, devices: number, bytes = 1000): ExternalIpView => ({ ip, devices, bytesIn: bytes, bytesOut: 0 });
const flow = (src: string, dst: string): FlowRecord => ({
  ipVersion: 4, srcAddr: src, dstAddr: dst, srcPort: 51000, dstPort: 443, protocol: 6, bytes: 900, packets: 4,
  tcpFlags: 0x1b, startMs: 0, endMs: 0, exporter: '192.168.1.1', inputIf: 0, outputIf: 0, samplingRate: 1,
});

describe('intel service', () => {
  it('a device that sends a flow to an IP in a feed gets a high-severity finding naming the feed; that IP is enriched first and rated high', async () => {
    const h = await harness({ enable_dns_resolution: false });
    await h.intel.start();
    await h.intel.refreshFeeds();
    h.externals.push(ext('198.51.100.5', 12, 10_000_000), ext('203.0.113.9', 1, 10));
    h.intel.sync();

    h.bus.emit('flow.records', { exporter: '192.168.1.1', records: [flow('192.168.1.20', '203.0.113.9')] });
    const f = h.findings.get('blacklist:192.168.1.20:203.0.113.9');
    expect(f).toMatchObject({ severity: 'high', category: 'blacklist', sourceIp: '192.168.1.20' });
    expect(f?.title).toContain('127.0.0.1/feeds/ipblocklist.txt');
    expect(h.findings.openActionableCount()).toBe(1);

    await run(h, 3000);
    for (const p of ['ipinfo', 'virustotal', 'shodan', 'abuseipdb'] as const) expect(hits[p]?.slice(0, 2), p).toEqual(['203.0.113.9', '198.51.100.5']);
    const rating = h.intel.rating('203.0.113.9');
    expect(rating.level).toBe('high');
    expect(rating.reasons.map((r) => r.source)).toEqual(['blacklist 127.0.0.1/feeds/ipblocklist.txt', 'VirusTotal', 'AbuseIPDB', 'Shodan']);
    await h.intel.stop();
  });

  it('no budget is ever exceeded, across a restart, even when requests fail; it resets at local midnight', async () => {
    const cfg = { ipinfo_daily_budget: 0, virustotal_api_key: '', shodan_api_key: '', abuseipdb_daily_budget: 3, enable_dns_resolution: false };
    plan.abuseipdb = ['500'];
    const a = await harness(cfg);
    for (let i = 1; i <= 8; i++) a.externals.push(ext(`198.51.100.${i}`, i));
    await a.intel.start();
    await run(a, 20_000);
    expect(hits.abuseipdb).toHaveLength(3);
    expect(a.intel.stats().providers.find((p) => p.name === 'abuseipdb')).toMatchObject({ used: 3, left: 0, requests: 3, errors: { server: 1 } });
    await a.intel.stop();

    t.reopen();
    const b = await harness(cfg, {}, a.clock);
    b.externals.push(...a.externals, ext('198.51.100.200', 50));
    await b.intel.start();
    await run(b, 20_000);
    expect(hits.abuseipdb).toHaveLength(3);
    const looked = await b.intel.lookup('198.51.100.201');
    expect(looked.providers.abuseipdb).toEqual({ status: 'skipped', reason: 'daily budget used up' });
    expect(hits.abuseipdb).toHaveLength(3);
    expect(hits.ipinfo).toBeUndefined();

    await run(b, nextLocalMidnight(b.clock.now()) - b.clock.now() - 60_000, 60_000);
    expect(hits.abuseipdb).toHaveLength(3);
    await run(b, 120_000);
    expect(hits.abuseipdb).toHaveLength(6);
    expect(b.intel.stats().providers.find((p) => p.name === 'abuseipdb')).toMatchObject({ used: 3, left: 0 });
    await b.intel.stop();
  });

  it('a 429 with Retry-After: 60 blocks the provider for 60 s (plus jitter), counted, budget charged once per request sent', async () => {
    plan.virustotal = ['429'];
    const h = await harness({ enable_dns_resolution: false, ipinfo_daily_budget: 0, shodan_api_key: '', abuseipdb_api_key: '' });
    for (let i = 1; i <= 5; i++) h.externals.push(ext(`198.51.100.${i}`, 10 - i));
    await h.intel.start();
    await h.intel.idle();
    expect(hits.virustotal).toEqual(['198.51.100.1']);
    const vt = () => h.intel.stats().providers.find((p) => p.name === 'virustotal');
    expect(vt()).toMatchObject({ used: 1, requests: 1, errors: { rate_limited: 1 }, lastError: { kind: 'rate_limited', detail: 'HTTP 429 QuotaExceededError' } });
    await run(h, 59_000);
    expect(hits.virustotal).toHaveLength(1);
    await run(h, 4_000); // 60 s + 5% jitter (random 0.5)
    expect(hits.virustotal).toHaveLength(2);
    expect(hits.virustotal?.[1]).toBe('198.51.100.2');
    expect(vt()?.used).toBe(2);
    await h.intel.stop();
  });

  it('repeated 429s back off longer each time (60 s, then 120 s), with jitter', async () => {
    plan.virustotal = ['429', '429'];
    const h = await harness({ enable_dns_resolution: false, ipinfo_daily_budget: 0, shodan_api_key: '', abuseipdb_api_key: '' });
    for (let i = 1; i <= 5; i++) h.externals.push(ext(`198.51.100.${i}`, 10 - i));
    await h.intel.start();
    await run(h, 63_000);
    expect(hits.virustotal).toHaveLength(2);
    await run(h, 125_000);
    expect(hits.virustotal).toHaveLength(2);
    await run(h, 1_000); // 63 s + 120 s * 1.05
    expect(hits.virustotal).toHaveLength(3);
    await h.intel.stop();
  });

  it('feeds are refreshed in the background at start, and not re-downloaded early after a restart', async () => {
    const feedRequests = () => server.requests.filter((r) => r.url.startsWith('/feeds/')).length;
    const a = await harness({ enable_dns_resolution: false, ipinfo_daily_budget: 0 });
    await a.intel.start();
    await a.clock.advance(0);
    await a.intel.refreshFeeds(); // joins the background refresh
    expect(feedRequests()).toBe(1);
    expect(a.intel.matcher().matchIp('203.0.113.9')).toBeDefined();
    await a.intel.stop();
    const b = await harness({ enable_dns_resolution: false, ipinfo_daily_budget: 0 }, { feedRefreshMs: 3_600_000 }, a.clock);
    await b.intel.start();
    expect(b.intel.matcher().matchIp('203.0.113.9')).toBeDefined();
    await run(b, 3_000_000, 600_000);
    expect(feedRequests()).toBe(1);
    await run(b, 700_000, 600_000);
    await vi.waitFor(() => expect(feedRequests()).toBe(2));
    await b.intel.stop();
  });

  it('401, 5xx, timeout and truncated JSON: no crash, each a counted error, budget = requests sent, no key in logs or stats', async () => {
    plan = { ipinfo: ['truncated'], virustotal: ['500'], shodan: ['stall'], abuseipdb: ['401'] };
    const h = await harness({ enable_dns_resolution: false });
    h.externals.push(ext('198.51.100.1', 1));
    await h.intel.start();
    await new Promise((r) => setTimeout(r, 50)); // let the requests reach the server
    await h.clock.advance(5000); // the stalled Shodan request hits its deadline
    await h.intel.idle();
    const stats = h.intel.stats();
    const by = Object.fromEntries(stats.providers.map((p) => [p.name, p]));
    expect(by.ipinfo).toMatchObject({ used: 1, requests: 1, errors: { malformed: 1 } });
    expect(by.virustotal).toMatchObject({ used: 1, requests: 1, errors: { server: 1 } });
    expect(by.shodan).toMatchObject({ used: 1, requests: 1, errors: { timeout: 1 } });
    expect(by.abuseipdb).toMatchObject({ used: 1, requests: 1, errors: { auth: 1 } });
    expect(by.abuseipdb?.blockedUntilMs).toBe(h.clock.now() - 5000 + 3_600_000);
    expect(h.intel.rating('198.51.100.1').level).toBe('unknown');
    const report = await h.intel.lookup('198.51.100.1');
    expect(report.providers.abuseipdb).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^provider paused/) });
    const everything = JSON.stringify(stats) + JSON.stringify(report) + h.logText();
    expect(h.logText()).toContain('intel provider request failed');
    expect(everything).not.toMatch(/SECRET/);
    await h.intel.stop();
  });

  it('on-demand lookup: all providers, rDNS, rating explained; then served from cache; bad input refused; private IPs never sent out', async () => {
    const h = await harness({ blacklist_urls: `${server.url}/feeds/ipblocklist.txt,${server.url}/feeds/hostfile/` });
    h.names['198.51.100.23'] = 'stage2.evil.example';
    await h.intel.start();
    await h.intel.refreshFeeds();
    const r = await h.intel.lookup(' 198.51.100.23 ');
    expect(r).toMatchObject({
      ip: '198.51.100.23',
      enrichable: true,
      hostname: 'stage2.evil.example',
      blacklists: [],
      listedName: { name: 'stage2.evil.example', feeds: ['127.0.0.1/feeds/hostfile'] },
      providers: {
        ipinfo: { status: 'fresh', data: { org: 'AS64500 Example Networks LLC' } },
        virustotal: { status: 'fresh', data: { malicious: 7 } },
        shodan: { status: 'fresh', data: { ports: [22, 80, 443] } },
        abuseipdb: { status: 'fresh', data: { abuseConfidenceScore: 100 } },
      },
      rating: { level: 'high', score: 95 },
    });
    expect(r.rating.reasons[0]).toEqual({ source: 'VirusTotal', said: '7 of 93 engines say malicious, 1 suspicious', score: 85 });
    const sent = Object.values(hits).flat().length;
    await h.intel.lookup('198.51.100.23');
    expect(Object.values(hits).flat().length).toBe(sent);

    await expect(h.intel.lookup('not-an-ip')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const priv = await h.intel.lookup('192.168.1.10');
    expect(priv.enrichable).toBe(false);
    expect(priv.providers.virustotal).toEqual({ status: 'skipped', reason: 'not a public address' });
    expect(Object.values(hits).flat()).not.toContain('192.168.1.10');

    h.bus.emit('flow.records', { exporter: '192.168.1.1', records: [flow('192.168.1.50', '198.51.100.23')] });
    expect(h.findings.get('blacklist:192.168.1.50:198.51.100.23')?.evidence).toMatchObject({ name: 'stage2.evil.example' });
    await h.intel.stop();
  });

  it("on-demand lookups share the provider's pacing: the next one waits for the slot, beyond onDemandMaxWaitMs it is skipped", async () => {
    const h = await harness(
      { enable_dns_resolution: false, ipinfo_daily_budget: 0, shodan_api_key: '', abuseipdb_api_key: '' },
      { minIntervalMs: { virustotal: 15_000 }, onDemandMaxWaitMs: 20_000 },
    );
    await h.intel.start();
    expect((await h.intel.lookup('198.51.100.1')).providers.virustotal.status).toBe('fresh');
    const waiting = h.intel.lookup('198.51.100.2');
    const skipped = await h.intel.lookup('198.51.100.3');
    expect(skipped.providers.virustotal).toEqual({ status: 'skipped', reason: 'rate limit: try again shortly' });
    expect(hits.virustotal).toEqual(['198.51.100.1']);
    await h.clock.advance(15_000);
    expect((await waiting).providers.virustotal.status).toBe('fresh');
    expect(hits.virustotal).toEqual(['198.51.100.1', '198.51.100.2']);
    expect(h.intel.stats().providers.find((p) => p.name === 'virustotal')?.used).toBe(2);
    await h.intel.stop();
  });

  it('retention prunes stored answers older than external_ip_retention_hours (0 keeps them)', async () => {
    const h = await harness({ enable_dns_resolution: false, external_ip_retention_hours: 1 });
    await h.intel.start();
    await h.intel.lookup('198.51.100.23');
    expect(h.intel.prune(h.clock.now())).toBe(0);
    expect(h.intel.prune(h.clock.now() + 3_600_001)).toBe(4);
    await h.intel.stop();
    const keep = await harness({ enable_dns_resolution: false, external_ip_retention_hours: 0 });
    await keep.intel.start();
    await keep.intel.lookup('198.51.100.24');
    expect(keep.intel.prune(keep.clock.now() + 10 * 3_600_000 * 24 * 365)).toBe(0);
    await keep.intel.stop();
  });
});
