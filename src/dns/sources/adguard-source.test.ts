import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/fake-clock.js';
import { sendJson, startServer, type SeenRequest, type TestServer } from '../test-kit.js';
import { parseAdguardQueryLog } from './adguard-parse.js';
import { createAdguardSource } from './adguard-source.js';
import { memoryCursorStore } from './source-kit.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);
const USER = 'admin';
const PASS = 'adguard-secret-pass';

interface Entry {
  time: string;
  ms: number;
  name: string;
  client: string;
}

/**
 * A loopback AdGuard Home speaking the documented querylog API: Basic auth, newest first,
 * `limit`, `older_than` (strictly older than that time), `oldest` = the time of the last
 * entry of the page (openapi QueryLog).
 */
function fakeAdguard() {
  const log: Entry[] = [];
  const handler = (req: SeenRequest, res: import('node:http').ServerResponse) => {
    const want = `Basic ${Buffer.from(`${USER}:${PASS}`).toString('base64')}`;
    if (req.headers.authorization !== want) return sendJson(res, 401, 'Unauthorized');
    const url = new URL(req.url, 'http://x');
    if (url.pathname !== '/control/querylog') return sendJson(res, 404, {});
    const limit = Number(url.searchParams.get('limit') ?? 500);
    const older = url.searchParams.get('older_than');
    const olderMs = older ? Date.parse(older) : Infinity;
    const rows = log.filter((e) => e.ms < olderMs).sort((a, b) => b.ms - a.ms).slice(0, limit);
    const data = rows.map((e) => ({
      answer: [{ type: 'A', value: '192.0.2.1', ttl: 60 }],
      cached: false,
      client: e.client,
      client_info: { name: '' },
      elapsedMs: '1.0',
      question: { class: 'IN', name: e.name, type: 'A' },
      reason: 'NotFilteredNotFound',
      status: 'NOERROR',
      time: e.time,
      upstream: '1.1.1.1:53',
    }));
    sendJson(res, 200, { oldest: rows[rows.length - 1]?.time ?? '', data });
  };
  return { log, handler };
}

function add(ag: ReturnType<typeof fakeAdguard>, n: number, atMs: number) {
  for (let i = 0; i < n; i++) {
    const ms = atMs + i;
    ag.log.push({ ms, time: new Date(ms).toISOString(), name: `n${ag.log.length}.example.com`, client: '192.168.1.30' });
  }
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('AdGuard Home parser', () => {
  it('maps the documented fields and counts unusable entries', () => {
    const json: unknown = JSON.parse(fs.readFileSync(path.join(HERE, 'testdata', 'adguard-querylog.json'), 'utf8'));
    const p = parseAdguardQueryLog(json, T0);
    expect(p.oldest).toBe('2026-01-10T11:59:57.000000001Z');
    expect(p.bad).toBe(3);
    expect(p.items.map((i) => i.query)).toMatchObject([
      { name: 'www.example.com', client: '192.168.1.20', type: 'A', status: 'forwarded', rcode: 'NOERROR', answers: ['93.184.216.34', '93.184.216.35'], upstream: 'https://dns10.quad9.net:443/dns-query', timeMs: Date.parse('2026-01-10T12:00:00.123Z') },
      { name: 'ads.example.net', status: 'blocked', blocked: true, timeMs: Date.parse('2026-01-10T10:59:59.5Z') },
      { name: '<img src=x onerror=alert(1)>.example.org', client: 'fd00::20', type: 'TXT', status: 'cached', rcode: 'NXDOMAIN', answers: [] },
      { name: 'nas.home.arpa', status: 'local' },
    ]);
  });
});

describe('AdGuard Home source against a local server speaking the API', () => {
  it('authenticates with Basic auth and fetches only new entries, paging with older_than', async () => {
    const ag = fakeAdguard();
    server = await startServer(ag.handler);
    const clock = new FakeClock(T0);
    const cursor = memoryCursorStore();
    const src = createAdguardSource({ dns_url: server.url, dns_username: USER, dns_password: PASS }, { clock, cursor }, { pageSize: 50 });
    await src.start();
    add(ag, 2, T0 - 20 * 60_000); // older than the back-fill window
    add(ag, 3, T0 - 60_000);
    expect((await src.poll()).map((q) => q.name)).toEqual(['n2.example.com', 'n3.example.com', 'n4.example.com']);
    add(ag, 120, T0 + 1000);
    await clock.advance(5000);
    const burst = await src.poll();
    expect(burst).toHaveLength(120);
    expect(burst.map((q) => q.name)).toEqual(ag.log.slice(5).map((e) => e.name));
    expect(server.requests.some((r) => r.url.includes('older_than='))).toBe(true);
    expect(await src.poll()).toEqual([]);
    // a restart resumes from the persisted position
    const again = createAdguardSource({ dns_url: server.url, dns_username: USER, dns_password: PASS }, { clock, cursor }, { pageSize: 50 });
    await again.start();
    add(ag, 1, T0 + 3000);
    expect((await again.poll()).map((q) => q.name)).toEqual([ag.log[ag.log.length - 1]?.name]);
    expect(src.status()).toMatchObject({ kind: 'adguard', state: 'ok', queries: 123 });
  });

  it('tells apart entries with the very same timestamp', async () => {
    const ag = fakeAdguard();
    server = await startServer(ag.handler);
    const clock = new FakeClock(T0);
    const src = createAdguardSource({ dns_url: server.url, dns_username: USER, dns_password: PASS }, { clock });
    await src.start();
    const t = new Date(T0 - 1000).toISOString();
    ag.log.push({ ms: T0 - 1000, time: t, name: 'same1.example.com', client: '192.168.1.30' });
    expect(await src.poll()).toHaveLength(1);
    ag.log.push({ ms: T0 - 1000, time: t, name: 'same2.example.com', client: '192.168.1.30' });
    expect((await src.poll()).map((q) => q.name)).toEqual(['same2.example.com']);
    expect(await src.poll()).toEqual([]);
  });

  it('wrong credentials: auth_failed, password never shown, no retry storm', async () => {
    const ag = fakeAdguard();
    server = await startServer(ag.handler);
    const clock = new FakeClock(T0);
    const src = createAdguardSource({ dns_url: server.url, dns_username: USER, dns_password: 'nope-secret' }, { clock }, { authRetryMs: 60_000 });
    await src.start();
    await src.poll();
    await src.poll();
    expect(server.requests).toHaveLength(1);
    expect(src.status()).toMatchObject({ state: 'auth_failed' });
    expect(JSON.stringify(src.status())).not.toContain('nope-secret');
    expect(JSON.stringify(src.status())).not.toContain(Buffer.from(`${USER}:nope-secret`).toString('base64'));
  });

  it('a body over the size cap is a typed error, not a crash', async () => {
    server = await startServer((_req, res) => sendJson(res, 200, { data: [], pad: 'x'.repeat(300_000) }));
    const src = createAdguardSource({ dns_url: server.url, dns_username: '', dns_password: '' }, { clock: new FakeClock(T0) }, { maxBytes: 100_000 });
    await src.start();
    expect(await src.poll()).toEqual([]);
    expect(src.status()).toMatchObject({ state: 'error', lastError: expect.stringContaining('too_large') });
  });
});
