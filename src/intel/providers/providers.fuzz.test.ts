/**
 * Fuzzing the threat-intel providers (hostile-input catalogue 17, 18, 25, 27, 28): their answer
 * parsers on the documented answers of testdata/ mutated as JSON, and the whole lookup (the
 * shared HTTP client, status mapping, Retry-After, parsing) against a loopback server answering
 * with random statuses, hostile Retry-After values and mutated or broken bodies. Rules:
 * nothing throws or rejects; data is plain bounded text and bounded arrays; an error is a
 * known kind whose detail is short plain text that never carries the API key.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectBoundedText, expectJsonSize, fuzz, fuzzAsync, hostileString, mutatedJson } from '../../../test/support/fuzz.js';
import { createSystemClock } from '../../core/clock.js';
import { fixture, startServer, type TestServer } from '../test-kit.js';
import type { ProviderName } from '../types.js';
import { createAbuseIpDbProvider, parseAbuseIpDb } from './abuseipdb.js';
import { createIpInfoProvider, parseIpInfo } from './ipinfo.js';
import { createShodanProvider, parseShodan } from './shodan.js';
import { createVirusTotalProvider, parseVirusTotal, virusTotalErrorCode } from './virustotal.js';

const ANSWERS: Record<ProviderName, string[]> = {
  ipinfo: ['ipinfo-ip.json', 'ipinfo-bogon.json', 'ipinfo-429.json'],
  virustotal: ['virustotal-ip.json', 'virustotal-quota.json', 'virustotal-auth.json'],
  shodan: ['shodan-host.json', 'shodan-404.json'],
  abuseipdb: ['abuseipdb-check.json', 'abuseipdb-401.json', 'abuseipdb-429.json'],
};
const SEEDS = Object.values(ANSWERS).flat().map((f) => JSON.parse(fixture(f)) as unknown);
const KEY = 'FUZZ-SECRET-KEY-7f3a9c';
const KINDS = ['auth', 'rate_limited', 'server', 'timeout', 'malformed', 'too_large', 'network', 'bad_request', 'aborted'];

/** The JSON text a server would send for `j`, at most 128 KiB (the client reads 64); too deep to serialise: deep brackets. */
function bodyText(j: unknown): string {
  try {
    return (JSON.stringify(j) ?? '').slice(0, 128 * 1024);
  } catch {
    return '['.repeat(100_000);
  }
}

function checkData(d: unknown): void {
  expectBoundedText(d, 254);
  expectJsonSize(d, 32 * 1024);
}

describe('intel provider fuzz', () => {
  it('fuzz: answer parsers on mutated documented answers', async ({ task }) => {
    await fuzz(task, 'intel/providers parse', mutatedJson(SEEDS), (json) => {
      for (const parse of [parseIpInfo, parseVirusTotal, parseShodan, parseAbuseIpDb]) checkData(parse(json));
      const code = virusTotalErrorCode(json);
      if (code !== undefined) expect(code).toMatch(/^[A-Za-z]{1,64}$/);
    }, 3000);
  });

  describe('whole lookups against a hostile loopback server', () => {
    const clock = createSystemClock();
    let server: TestServer;
    let answer: { status: number; headers: Record<string, string>; body: string } = { status: 200, headers: {}, body: '{}' };
    beforeAll(async () => {
      server = await startServer((_req, res) => {
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      });
    });
    afterAll(() => server.close());

    it('fuzz: random statuses, hostile Retry-After, mutated and broken bodies', async ({ task }) => {
      const opts = (p: string) => ({ baseUrl: `${server.url}/${p}`, timeoutMs: 1000, maxBytes: 64 * 1024 });
      const providers = [
        createIpInfoProvider({ ...opts('ipinfo'), token: KEY }, { clock }),
        createVirusTotalProvider({ ...opts('virustotal'), apiKey: KEY }, { clock }),
        createShodanProvider({ ...opts('shodan'), apiKey: KEY }, { clock }),
        createAbuseIpDbProvider({ ...opts('abuseipdb'), apiKey: KEY }, { clock }),
      ];
      const body = fc.oneof(
        { weight: 4, arbitrary: mutatedJson(SEEDS).map(bodyText) },
        { weight: 1, arbitrary: fc.constant('['.repeat(100_000)) },
        { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...SEEDS), fc.nat()).map(([j, n]) => { const s = JSON.stringify(j); return s.slice(0, n % (s.length + 1)); }) },
        { weight: 1, arbitrary: hostileString },
        { weight: 1, arbitrary: fc.constant('x'.repeat(70 * 1024)) },
      );
      const scenario = fc.record({
        provider: fc.nat({ max: providers.length - 1 }),
        status: fc.constantFrom(200, 200, 200, 204, 301, 400, 401, 403, 404, 429, 500, 503),
        retryAfter: fc.option(fc.oneof(hostileString, fc.constantFrom('60', '0', '99999999999', 'Wed, 21 Oct 2015 07:28:00 GMT'))),
        contentType: fc.constantFrom('application/json', 'text/html', 'application/json; charset=utf-16'),
        body,
      });
      await fuzzAsync(task, 'intel/providers lookup', scenario, async (sc) => {
        const headers: Record<string, string> = { 'content-type': sc.contentType };
        // Node refuses header values with control characters; a real server could still send them, the client never sees them raw.
        if (sc.retryAfter !== null && /^[\x20-\x7e]*$/.test(sc.retryAfter)) headers['retry-after'] = sc.retryAfter;
        answer = { status: sc.status, headers, body: sc.body };
        server.requests.length = 0; // the test server records every request: keep the heap measure about homesec
        const r = await providers[sc.provider]!.lookup('198.51.100.23', new AbortController().signal);
        if (r.ok) return checkData(r.value);
        expect(KINDS).toContain(r.error.kind);
        expect(r.error.detail).not.toContain(KEY);
        expectBoundedText(r.error.detail, 200);
        if (r.error.retryAfterMs !== undefined) expect(r.error.retryAfterMs >= 0 && r.error.retryAfterMs <= 86_400_000).toBe(true);
      }, 400);
    });
  });
});
