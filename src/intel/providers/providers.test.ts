import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../core/clock.js';
import type { Outcome } from '../http.js';
import { fixture, send, startServer, type TestServer } from '../test-kit.js';
import type { AnyProvider, ProviderName } from '../types.js';
import { createAbuseIpDbProvider, parseAbuseIpDb } from './abuseipdb.js';
import { createIpInfoProvider, parseIpInfo } from './ipinfo.js';
import { createShodanProvider, parseShodan } from './shodan.js';
import { createVirusTotalProvider, parseVirusTotal } from './virustotal.js';

const clock = createSystemClock();
const IP = '198.51.100.23';
const OK_FIXTURE: Record<ProviderName, string> = {
  ipinfo: 'ipinfo-ip.json',
  virustotal: 'virustotal-ip.json',
  shodan: 'shodan-host.json',
  abuseipdb: 'abuseipdb-check.json',
};
const SECRETS: Record<ProviderName, string> = {
  ipinfo: 'SECRET-ipinfo-tok',
  virustotal: 'SECRET-vt-key',
  shodan: 'SECRET-shodan-key',
  abuseipdb: 'SECRET-abuse-key',
};

type Mode = 'ok' | 'auth' | 'rate' | 'server' | 'stall' | 'truncated' | 'empty-object' | 'huge' | 'not-found';
let mode: Mode = 'ok';
let server: TestServer;

function providerOf(path: string): ProviderName {
  return path.split('/')[1] as ProviderName;
}

beforeAll(async () => {
  server = await startServer((req, res) => {
    const p = providerOf(req.url ?? '');
    switch (mode) {
      case 'ok':
        return send(res, 200, fixture(OK_FIXTURE[p]));
      case 'auth':
        if (p === 'shodan') return send(res, 401, fixture('shodan-401.html'), { 'content-type': 'text/html' });
        if (p === 'abuseipdb') return send(res, 401, fixture('abuseipdb-401.json'));
        if (p === 'virustotal') return send(res, 401, fixture('virustotal-auth.json'));
        return send(res, 403, '{"error": {"title": "Unknown token"}}');
      case 'rate':
        if (p === 'virustotal') return send(res, 429, fixture('virustotal-quota.json'), { 'retry-after': '120' });
        if (p === 'abuseipdb') return send(res, 429, fixture('abuseipdb-429.json'), { 'retry-after': '120' });
        if (p === 'ipinfo') return send(res, 429, fixture('ipinfo-429.json'), { 'retry-after': '120' });
        return send(res, 429, '{"error": "Rate limit reached"}', { 'retry-after': '120' });
      case 'server':
        return send(res, 503, '<html><head><title>503 Service Temporarily Unavailable</title></head></html>', { 'content-type': 'text/html' });
      case 'stall':
        return; // never answers
      case 'truncated': {
        const full = fixture(OK_FIXTURE[p]);
        return send(res, 200, full.slice(0, Math.floor(full.length / 2)));
      }
      case 'empty-object':
        return send(res, 200, '{}');
      case 'huge':
        return send(res, 200, `{"pad": "${'A'.repeat(2 * 1024 * 1024)}"}`);
      case 'not-found':
        return send(res, 404, fixture('shodan-404.json'));
    }
  });
});
afterAll(async () => {
  await server.close();
});

function make(name: ProviderName, timeoutMs = 2000): AnyProvider {
  const http = { baseUrl: `${server.url}/${name}`, timeoutMs, maxBytes: 1024 * 1024 };
  const deps = { clock };
  switch (name) {
    case 'ipinfo':
      return createIpInfoProvider({ ...http, token: SECRETS.ipinfo }, deps);
    case 'virustotal':
      return createVirusTotalProvider({ ...http, apiKey: SECRETS.virustotal }, deps);
    case 'shodan':
      return createShodanProvider({ ...http, apiKey: SECRETS.shodan }, deps);
    case 'abuseipdb':
      return createAbuseIpDbProvider({ ...http, apiKey: SECRETS.abuseipdb }, deps);
  }
}

async function run(name: ProviderName, m: Mode, timeoutMs?: number): Promise<Outcome<unknown>> {
  mode = m;
  return make(name, timeoutMs).lookup(IP);
}

const NAMES: ProviderName[] = ['ipinfo', 'virustotal', 'shodan', 'abuseipdb'];

describe('providers against a loopback server speaking their documented formats', () => {
  it('parse the documented success answers', async () => {
    expect(await run('ipinfo', 'ok')).toEqual({
      ok: true,
      value: {
        ip: IP,
        bogon: false,
        hostname: 'host-23.example.net',
        city: 'Mountain View',
        region: 'California',
        country: 'US',
        org: 'AS64500 Example Networks LLC',
        timezone: 'America/Los_Angeles',
      },
    });
    expect(await run('virustotal', 'ok')).toEqual({
      ok: true,
      value: { malicious: 7, suspicious: 1, undetected: 25, harmless: 60, timeout: 0, reputation: -12, asOwner: 'EXAMPLE-AS', country: 'US' },
    });
    expect(await run('shodan', 'ok')).toEqual({
      ok: true,
      value: {
        found: true,
        ports: [22, 80, 443],
        vulns: ['CVE-2023-38408', 'CVE-2021-41617'],
        hostnames: ['host-23.example.net'],
        org: 'Example Networks',
        isp: 'Example Networks LLC',
      },
    });
    expect(await run('abuseipdb', 'ok')).toEqual({
      ok: true,
      value: {
        abuseConfidenceScore: 100,
        totalReports: 1234,
        numDistinctUsers: 321,
        isTor: false,
        isWhitelisted: false,
        usageType: 'Data Center/Web Hosting/Transit',
        isp: 'Example Networks LLC',
        domain: 'example.net',
        countryCode: 'US',
        lastReportedAt: '2026-01-01T10:00:00+00:00',
      },
    });
  });

  it('send the documented request: path, key header or parameter, JSON accept', async () => {
    const before = server.requests.length;
    for (const n of NAMES) await run(n, 'ok');
    const [ipinfo, vt, shodan, abuse] = server.requests.slice(before);
    expect(ipinfo?.url).toBe(`/ipinfo/${IP}/json`);
    expect(ipinfo?.headers.authorization).toBe(`Bearer ${SECRETS.ipinfo}`);
    expect(vt?.url).toBe(`/virustotal/ip_addresses/${IP}`);
    expect(vt?.headers['x-apikey']).toBe(SECRETS.virustotal);
    expect(shodan?.url).toBe(`/shodan/shodan/host/${IP}?key=${SECRETS.shodan}&minify=true`);
    expect(abuse?.url).toBe(`/abuseipdb/check?ipAddress=${IP}&maxAgeInDays=90`);
    expect(abuse?.headers.key).toBe(SECRETS.abuseipdb);
    expect(abuse?.headers.accept).toBe('application/json');
    for (const r of [ipinfo, vt, shodan, abuse]) expect(r?.method).toBe('GET');
  });

  it('IPinfo works without a token (no Authorization header) and reports bogons', async () => {
    mode = 'ok';
    const p = createIpInfoProvider({ baseUrl: `${server.url}/ipinfo`, timeoutMs: 2000, maxBytes: 65536, token: '' }, { clock });
    expect(p.enabled).toBe(true);
    const before = server.requests.length;
    await p.lookup(IP);
    expect(server.requests[before]?.headers.authorization).toBeUndefined();
    expect(parseIpInfo(JSON.parse(fixture('ipinfo-bogon.json')))).toEqual({ ip: '10.1.2.3', bogon: true });
  });

  it('keyed providers are disabled without a key', () => {
    const http = { baseUrl: server.url, timeoutMs: 1000, maxBytes: 1024 };
    expect(createVirusTotalProvider({ ...http, apiKey: '' }, { clock }).enabled).toBe(false);
    expect(createShodanProvider({ ...http, apiKey: '' }, { clock }).enabled).toBe(false);
    expect(createAbuseIpDbProvider({ ...http, apiKey: '' }, { clock }).enabled).toBe(false);
  });

  it('Shodan 404 "No information available" is an answer with found=false', async () => {
    expect(await run('shodan', 'not-found')).toEqual({ ok: true, value: { found: false, ports: [], vulns: [], hostnames: [] } });
  });

  it.each(NAMES)('%s: 401/403, 429 + Retry-After, 5xx HTML, timeout, truncated, {}, 2 MB: typed errors, no key anywhere', async (name) => {
    const got: Record<string, unknown> = {};
    for (const m of ['auth', 'rate', 'server', 'truncated', 'empty-object', 'huge'] as const) {
      const r = await run(name, m);
      expect(r.ok, m).toBe(false);
      if (!r.ok) got[m] = r.error.kind;
      if (!r.ok && m === 'rate') expect(r.error.retryAfterMs).toBe(120_000);
      expect(JSON.stringify(r)).not.toMatch(/SECRET/);
    }
    const t0 = Date.now();
    const stalled = await run(name, 'stall', 200);
    expect(Date.now() - t0).toBeLessThan(3000);
    got.stall = stalled.ok ? 'ok' : stalled.error.kind;
    expect(got).toEqual({
      auth: 'auth',
      rate: 'rate_limited',
      server: 'server',
      truncated: 'malformed',
      'empty-object': 'malformed',
      huge: 'too_large',
      stall: 'timeout',
    });
  });

  it('VirusTotal names its error code (QuotaExceededError) in the safe detail', async () => {
    const r = await run('virustotal', 'rate');
    expect(r.ok ? undefined : r.error).toEqual({ kind: 'rate_limited', status: 429, detail: 'HTTP 429 QuotaExceededError', retryAfterMs: 120_000 });
  });
});

describe('provider parsers are pure and treat answers as hostile', () => {
  it('strip control characters, bound strings and drop bad hostnames (hostile-input #17, #18)', () => {
    const r = parseIpInfo({
      ip: '198.51.100.1',
      hostname: 'x'.repeat(300),
      org: `AS1 <img src=x onerror=alert(1)>\u001b[2J\r\nFAKE ${'y'.repeat(500)}`,
      city: 42,
    });
    expect(r?.hostname).toBeUndefined();
    expect(r?.city).toBeUndefined();
    expect(r?.org?.startsWith('AS1 <img src=x onerror=alert(1)> [2J FAKE y')).toBe(true);
    expect(r?.org?.length).toBe(120);
    expect(r?.org).not.toMatch(/[\u0000-\u001f]/);
  });

  it('reject out-of-range and wrongly typed numbers instead of trusting them', () => {
    expect(parseAbuseIpDb({ data: { abuseConfidenceScore: 150, totalReports: 1 } })).toBeUndefined();
    expect(parseAbuseIpDb({ data: { abuseConfidenceScore: '55', totalReports: 3 } })?.abuseConfidenceScore).toBe(55);
    expect(parseAbuseIpDb({ data: [] })).toBeUndefined();
    expect(parseVirusTotal({ data: { attributes: { last_analysis_stats: { malicious: -1, harmless: 2 } } } })).toBeUndefined();
    expect(parseVirusTotal({ data: { attributes: { last_analysis_stats: { malicious: 1e300, harmless: 2 } } } })).toBeUndefined();
  });

  it('Shodan: ports in range, CVE ids only, arrays capped', () => {
    const r = parseShodan({
      ip_str: '198.51.100.1',
      ports: [22, -1, 70000, '80', ...Array.from({ length: 500 }, (_, i) => i)],
      vulns: { 'CVE-2024-1234': {}, '<script>': {}, 'CVE-2020-0001': {} },
      hostnames: ['ok.example', '123456', 'bad name'],
    });
    expect(r?.ports.slice(0, 3)).toEqual([22, 80, 0]);
    expect(r?.ports.length).toBe(200);
    expect(r?.vulns).toEqual(['CVE-2024-1234', 'CVE-2020-0001']);
    expect(r?.hostnames).toEqual(['ok.example']);
  });
});
