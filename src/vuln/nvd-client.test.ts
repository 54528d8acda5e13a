import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../core/fake-clock.js';
import { createNvdClient, queryFromKey, queryKey, type NvdClient, type NvdClientOptions } from './nvd-client.js';
import { drive, startFakeNvd, type FakeNvd } from './test-kit.js';

const T0 = Date.UTC(2026, 0, 5, 12);
let fake: FakeNvd | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(opts: Partial<NvdClientOptions> = {}, cves?: Record<string, unknown>[]): Promise<{ clock: FakeClock; nvd: FakeNvd; client: NvdClient }> {
  const clock = new FakeClock(T0);
  fake = await startFakeNvd(clock, cves);
  const client = createNvdClient({ baseUrl: fake.url, resultsPerPage: 2, random: () => 0.5, timeoutMs: 10_000, ...opts }, { clock });
  return { clock, nvd: fake, client };
}

const synthetic = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `CVE-2025-${String(10000 + i)}`, descriptions: [{ lang: 'en', value: `widget flaw ${i}` }], metrics: {} }));

describe('NVD client', () => {
  it('pages through resultsPerPage/startIndex until totalResults (3 pages)', async () => {
    const { clock, nvd, client } = await setup();
    const r = await drive(clock, () => client.inFlight() > 0, client.fetch({ kind: 'keyword', value: 'OpenSSH' }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.pages).toBe(3);
    expect(r.value.totalResults).toBe(5);
    expect(r.value.records.map((x) => x.id)).toEqual(['CVE-2024-6387', 'CVE-2023-38408', 'CVE-2023-51385', 'CVE-2021-41617', 'CVE-2023-25136']);
    expect(nvd.queries.map((q) => [q.get('keywordSearch'), q.get('resultsPerPage'), q.get('startIndex'), q.has('noRejected')])).toEqual([
      ['OpenSSH', '2', '0', true],
      ['OpenSSH', '2', '2', true],
      ['OpenSSH', '2', '4', true],
    ]);
    expect(client.stats()).toMatchObject({ requests: 3, pages: 3, retries: 0, errors: {} });
  });

  it('a CPE search uses virtualMatchString', async () => {
    const { clock, nvd, client } = await setup({ resultsPerPage: 100 });
    const r = await drive(clock, () => client.inFlight() > 0, client.fetch({ kind: 'cpe', value: 'cpe:2.3:a:f5:nginx' }));
    expect(r.ok && r.value.records.map((x) => x.id)).toEqual(['CVE-2021-23017']);
    expect(nvd.queries[0]?.get('virtualMatchString')).toBe('cpe:2.3:a:f5:nginx');
  });

  it('retries 503, 403 and 429 with exponential backoff, then completes', async () => {
    const { clock, nvd, client } = await setup();
    nvd.plan.push(503, 403, 429);
    const r = await drive(clock, () => client.inFlight() > 0, client.fetch({ kind: 'keyword', value: 'OpenSSH' }));
    expect(r.ok && r.value.records).toHaveLength(5);
    const gaps = nvd.times.slice(1).map((t, i) => t - (nvd.times[i] as number));
    // 6 s, 12 s, 24 s backoff (random 0.5 → no jitter); then pages 2 and 3 without delay, except the 5-per-30 s window.
    expect(gaps.slice(0, 3)).toEqual([6000, 12_000, 24_000]);
    expect(client.stats()).toMatchObject({ requests: 6, retries: 3, errors: {} });
  });

  it('gives up after maxRetries: an error, never part of a result', async () => {
    const { clock, nvd, client } = await setup({ maxRetries: 2 });
    nvd.plan.push('ok', 429, 429, 429);
    const r = await drive(clock, () => client.inFlight() > 0, client.fetch({ kind: 'keyword', value: 'OpenSSH' }));
    expect(r).toEqual({ ok: false, error: { kind: 'rate_limited', status: 429, detail: 'HTTP 429', retryAfterMs: 1000 } });
    expect(nvd.queries.map((q) => q.get('startIndex'))).toEqual(['0', '2', '2', '2']);
    expect(client.stats().errors).toEqual({ rate_limited: 1 });
    expect(client.stats().lastError).toMatchObject({ kind: 'rate_limited', atMs: expect.any(Number) as unknown as number });
  });

  it('does not retry a broken page or a 404; refuses searches over maxResults', async () => {
    const { clock, nvd, client } = await setup({ maxResults: 4 });
    nvd.plan.push('garbage');
    const broken = await drive(clock, () => client.inFlight() > 0, client.fetch({ kind: 'keyword', value: 'OpenSSH' }));
    expect(broken.ok || broken.error.kind).toBe('malformed');
    const big = await drive(clock, () => client.inFlight() > 0, client.fetch({ kind: 'keyword', value: 'OpenSSH' }));
    expect(big.ok || [big.error.kind, big.error.detail]).toEqual(['too_large', '5 results, more than the 4 allowed per search']);
    nvd.plan.push(404 as never);
    const missing = await drive(clock, () => client.inFlight() > 0, client.fetch({ kind: 'keyword', value: 'nginx' }));
    expect(missing.ok || missing.error.kind).toBe('bad_request');
    expect(client.stats().requests).toBe(3);
  });

  it('observes the rate limit: 5 requests per rolling 30 s without a key', async () => {
    const { clock, nvd, client } = await setup({ resultsPerPage: 1 }, synthetic(12));
    const r = await drive(clock, () => client.inFlight() > 0, client.fetch({ kind: 'keyword', value: 'widget' }));
    expect(r.ok && r.value.records).toHaveLength(12);
    expect(nvd.times).toHaveLength(12);
    for (let i = 5; i < nvd.times.length; i++) expect((nvd.times[i] as number) - (nvd.times[i - 5] as number)).toBeGreaterThanOrEqual(30_000);
    expect((nvd.times.at(-1) as number) - T0).toBe(60_000);
    expect(client.stats().rate).toMatchObject({ limit: 5, windowMs: 30_000 });
  });

  it('with an API key: 50 per 30 s, the key only in the apiKey header, never in stats or errors', async () => {
    const key = 'SECRET-NVD-KEY-0123456789';
    const { clock, nvd, client } = await setup({ resultsPerPage: 1, apiKey: key }, synthetic(12));
    const r = await drive(clock, () => client.inFlight() > 0, client.fetch({ kind: 'keyword', value: 'widget' }));
    expect(r.ok).toBe(true);
    expect(new Set(nvd.times)).toEqual(new Set([T0]));
    expect(nvd.server.requests.every((q) => q.headers.apikey === key && !q.url.includes(key))).toBe(true);
    nvd.plan.push(500, 500, 500, 500, 500);
    const failed = await drive(clock, () => client.inFlight() > 0, client.fetch({ kind: 'keyword', value: 'widget' }));
    expect(JSON.stringify(failed)).not.toContain(key);
    expect(JSON.stringify(client.stats())).not.toContain(key);
    expect(client.stats().rate.limit).toBe(50);
  });

  it('an abort stops at once', async () => {
    const { clock, client } = await setup({ resultsPerPage: 1 }, synthetic(12));
    const ac = new AbortController();
    const p = client.fetch({ kind: 'keyword', value: 'widget' }, ac.signal);
    await drive(clock, () => client.inFlight() > 0, new Promise((r) => setTimeout(r, 50)), 1000, 5000);
    ac.abort();
    const r = await drive(clock, () => client.inFlight() > 0, p);
    expect(r.ok || r.error.kind).toBe('aborted');
    expect(client.stats().errors).toEqual({});
  });

  it('query keys round-trip', () => {
    expect(queryKey({ kind: 'keyword', value: 'Apache HTTP' })).toBe('keyword:apache http');
    expect(queryFromKey('cpe:cpe:2.3:a:f5:nginx')).toEqual({ kind: 'cpe', value: 'cpe:2.3:a:f5:nginx' });
    expect(queryFromKey('other')).toBeUndefined();
  });
});
