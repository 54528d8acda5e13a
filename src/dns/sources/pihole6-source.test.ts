import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/fake-clock.js';
import { sendJson, startServer, type SeenRequest, type TestServer } from '../test-kit.js';
import { parsePihole6Queries } from './pihole-parse.js';
import { createPihole6Source } from './pihole6-source.js';
import { memoryCursorStore } from './source-kit.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PASSWORD = 'correct horse battery staple';
const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);

interface Row {
  id: number;
  time: number;
  domain: string;
  client: string;
  status: string;
}

/**
 * A loopback Pi-hole v6 speaking the documented API: POST/DELETE /api/auth with
 * X-FTL-SID sessions, GET /api/queries with from (inclusive), length, start and cursor
 * (q.id <= cursor), newest first, answering the cursor it counted from (FTL src/api/queries.c).
 */
function fakePihole() {
  const rows: Row[] = [];
  const sessions = new Set<string>();
  let nextSid = 1;
  const state = { logins: 0, logouts: 0 };
  const handler = (req: SeenRequest, res: import('node:http').ServerResponse) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/api/auth' && req.method === 'POST') {
      state.logins++;
      let pw: unknown;
      try {
        pw = (JSON.parse(req.body) as { password?: unknown }).password;
      } catch {
        /* bad body */
      }
      if (pw !== PASSWORD) return sendJson(res, 401, { session: { valid: false, totp: false, sid: null, validity: -1, message: 'password incorrect' }, took: 0.01 });
      const sid = `sid${nextSid++}/abc==`;
      sessions.add(sid);
      return sendJson(res, 200, { session: { valid: true, totp: false, sid, csrf: 'csrf', validity: 1800, message: 'app-password correct' }, took: 0.01 });
    }
    const sid = req.headers['x-ftl-sid'];
    if (typeof sid !== 'string' || !sessions.has(sid)) return sendJson(res, 401, { error: { key: 'unauthorized', message: 'Unauthorized', hint: null }, took: 0 });
    if (url.pathname === '/api/auth' && req.method === 'DELETE') {
      state.logouts++;
      sessions.delete(sid);
      res.writeHead(204);
      return res.end();
    }
    if (url.pathname === '/api/queries') {
      const from = Number(url.searchParams.get('from') ?? 0);
      const length = Number(url.searchParams.get('length') ?? 100);
      const start = Number(url.searchParams.get('start') ?? 0);
      const largest = rows.reduce((m, r) => Math.max(m, r.id), 0);
      const cursor = url.searchParams.has('cursor') ? Number(url.searchParams.get('cursor')) : largest;
      if (cursor > largest) return sendJson(res, 400, { error: { key: 'bad_request', message: 'Requested cursor is invalid' } });
      const match = rows.filter((r) => r.time >= from && r.id <= cursor).sort((a, b) => b.id - a.id);
      const queries = match.slice(start, start + length).map((r) => ({
        id: r.id,
        time: r.time,
        type: 'A',
        domain: r.domain,
        cname: null,
        status: r.status,
        client: { ip: r.client, name: null },
        dnssec: 'UNKNOWN',
        reply: { type: r.status === 'GRAVITY' ? 'IP' : 'IP', time: 1.5 },
        list_id: null,
        upstream: r.status === 'FORWARDED' ? '1.1.1.1#53' : null,
      }));
      return sendJson(res, 200, { queries, cursor, recordsTotal: rows.length, recordsFiltered: match.length, draw: 0, took: 0.001 });
    }
    sendJson(res, 404, { error: { key: 'not_found' } });
  };
  return { rows, sessions, state, handler };
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function add(pi: ReturnType<typeof fakePihole>, n: number, atMs: number, prefix = 'q') {
  for (let i = 0; i < n; i++) {
    const id = (pi.rows[pi.rows.length - 1]?.id ?? 1000) + 1;
    pi.rows.push({ id, time: atMs / 1000 + i * 0.001, domain: `${prefix}${id}.example.com`, client: `192.168.1.${(id % 200) + 1}`, status: id % 10 === 0 ? 'GRAVITY' : 'FORWARDED' });
  }
}

describe('Pi-hole v6 parser', () => {
  it('maps the documented answer and counts unusable entries', () => {
    const json: unknown = JSON.parse(fs.readFileSync(path.join(HERE, 'testdata', 'pihole6-queries.json'), 'utf8'));
    const p = parsePihole6Queries(json, T0);
    expect(p.cursor).toBe(112421355);
    expect(p.bad).toBe(3);
    expect(p.items.map((i) => i.id)).toEqual([112421355, 112421354, 112421353, 112421352]);
    expect(p.items[0]?.query).toMatchObject({ name: 'api.github.com', type: 'AAAA', client: '127.0.0.1', status: 'forwarded', rcode: 'NOERROR', upstream: 'localhost#5353', timeMs: 1581907871583 });
    expect(p.items[2]?.query).toMatchObject({ name: 'ads.example.net', status: 'blocked', blocked: true });
    expect(p.items[3]?.query).toMatchObject({ name: '<img src=x onerror=alert(1)>.example.net', type: 'HTTPS', status: 'cached', rcode: 'NXDOMAIN' });
    expect(parsePihole6Queries('junk', T0)).toMatchObject({ items: [], bad: 1 });
  });
});

describe('Pi-hole v6 source against a local server speaking the API', () => {
  it('logs in once, fetches incrementally with the session header, and logs out at stop', async () => {
    const pi = fakePihole();
    server = await startServer(pi.handler);
    const clock = new FakeClock(T0);
    const cursor = memoryCursorStore();
    const src = createPihole6Source({ dns_url: server.url, dns_password: PASSWORD }, { clock, cursor });
    add(pi, 3, T0 - 10 * 60_000, 'old'); // older than the back-fill window: not read
    add(pi, 5, T0 - 60_000);
    await src.start();
    const first = await src.poll();
    expect(first.map((q) => q.name)).toEqual(pi.rows.slice(3).map((r) => r.domain));
    expect(first[4]).toMatchObject({ status: 'forwarded', upstream: '1.1.1.1#53', client: `192.168.1.${(1008 % 200) + 1}` });
    add(pi, 4, T0 + 1000);
    await clock.advance(5000);
    const second = await src.poll();
    expect(second.map((q) => q.name)).toEqual(pi.rows.slice(8).map((r) => r.domain));
    expect(await src.poll()).toEqual([]);
    expect(pi.state.logins).toBe(1);
    const gets = server.requests.filter((r) => r.method === 'GET');
    expect(gets.every((r) => typeof r.headers['x-ftl-sid'] === 'string')).toBe(true);
    expect(server.requests.find((r) => r.method === 'POST')?.body).toBe(JSON.stringify({ password: PASSWORD }));
    expect(cursor.value).toMatchObject({ lastId: pi.rows[pi.rows.length - 1]?.id });
    await src.stop();
    expect(pi.state.logouts).toBe(1);
    expect(pi.sessions.size).toBe(0);
    // the status never shows the password or the session id
    const status = JSON.stringify(src.status());
    expect(status).not.toContain(PASSWORD);
    expect(status).not.toContain('sid1');
    expect(src.status()).toMatchObject({ state: 'ok', queries: 9, badRecords: 0 });
  });

  it('pages through a burst with a fixed cursor, in order and without duplicates', async () => {
    const pi = fakePihole();
    server = await startServer(pi.handler);
    const clock = new FakeClock(T0);
    const src = createPihole6Source({ dns_url: server.url, dns_password: PASSWORD }, { clock }, { pageSize: 100, maxPages: 10 });
    await src.start();
    add(pi, 1, T0 - 1000);
    expect(await src.poll()).toHaveLength(1);
    add(pi, 250, T0);
    const burst = await src.poll();
    expect(burst).toHaveLength(250);
    expect(burst.map((q) => q.name)).toEqual(pi.rows.slice(1).map((r) => r.domain));
    const pages = server.requests.filter((r) => r.url.includes('start='));
    expect(pages.length).toBe(2);
    expect(pages.every((r) => r.url.includes(`cursor=${pi.rows[pi.rows.length - 1]?.id}`))).toBe(true);
    // more than maxPages pages of new queries: the rest is a counted gap, never a stall
    add(pi, 450, T0 + 1);
    const src2 = createPihole6Source({ dns_url: server.url, dns_password: PASSWORD }, { clock }, { pageSize: 100, maxPages: 2 });
    await src2.start();
    const capped = await src2.poll();
    expect(capped).toHaveLength(200);
    expect(src2.status().counters.gaps).toBe(1);
  });

  it('re-logs in once when the session expired (401), and a restart resumes from the saved position', async () => {
    const pi = fakePihole();
    server = await startServer(pi.handler);
    const clock = new FakeClock(T0);
    const cursor = memoryCursorStore();
    const src = createPihole6Source({ dns_url: server.url, dns_password: PASSWORD }, { clock, cursor });
    await src.start();
    add(pi, 2, T0 - 1000);
    expect(await src.poll()).toHaveLength(2);
    pi.sessions.clear(); // Pi-hole restarted or the session timed out
    add(pi, 1, T0);
    expect(await src.poll()).toHaveLength(1);
    expect(pi.state.logins).toBe(2);
    const restarted = createPihole6Source({ dns_url: server.url, dns_password: PASSWORD }, { clock, cursor });
    await restarted.start();
    add(pi, 1, T0 + 1);
    expect((await restarted.poll()).map((q) => q.name)).toEqual([pi.rows[3]?.domain]);
  });

  it('a wrong password gives auth_failed without the password anywhere, and no login storm', async () => {
    const pi = fakePihole();
    server = await startServer(pi.handler);
    const clock = new FakeClock(T0);
    const secret = 'wrong-secret-value';
    const src = createPihole6Source({ dns_url: server.url, dns_password: secret }, { clock }, { authRetryMs: 60_000 });
    await src.start();
    expect(await src.poll()).toEqual([]);
    expect(await src.poll()).toEqual([]);
    expect(pi.state.logins).toBe(1);
    expect(src.status()).toMatchObject({ state: 'auth_failed', errors: 2 });
    expect(JSON.stringify(src.status())).not.toContain(secret);
    await clock.advance(61_000);
    await src.poll();
    expect(pi.state.logins).toBe(2);
  });

  it('survives a server that answers junk, HTML or nothing', async () => {
    let mode = 'html';
    server = await startServer((req, res) => {
      if (req.url.startsWith('/api/auth')) return sendJson(res, 200, { session: { valid: true, sid: null, validity: -1 } });
      if (mode === 'html') {
        res.writeHead(503, { 'content-type': 'text/html' });
        return res.end('<html>busy</html>');
      }
      if (mode === 'junk') return sendJson(res, 200, '{"queries": [1, 2, {"id": 5}], "cursor": "x"');
      return sendJson(res, 200, { queries: 'nope' });
    });
    const src = createPihole6Source({ dns_url: server.url, dns_password: '' }, { clock: new FakeClock(T0) });
    await src.start();
    expect(await src.poll()).toEqual([]);
    expect(src.status()).toMatchObject({ state: 'error', lastError: 'server: HTTP 503' });
    mode = 'junk';
    expect(await src.poll()).toEqual([]);
    expect(src.status().lastError).toContain('malformed');
    mode = 'shape';
    expect(await src.poll()).toEqual([]);
    expect(src.status()).toMatchObject({ state: 'ok', badRecords: 1 });
    // no password: no session header is needed
    expect(server.requests.filter((r) => r.method === 'GET').every((r) => r.headers['x-ftl-sid'] === undefined)).toBe(true);
  });
});
