import { afterEach, describe, expect, it } from 'vitest';
import { answerInTurn, sendBody as send, startTestServer, type SeenRequest, type TestServer } from '../../test/support/http-server.js';
import { createSystemClock } from './clock.js';
import { FakeClock } from './fake-clock.js';
import { DEFAULT_RETRY_AFTER_MS, MAX_RETRY_AFTER_MS, describeHttpError, httpRequest, parseRetryAfter, requestJson, statusError } from './http-client.js';
import type http from 'node:http';

const clock = createSystemClock();
let server: TestServer | undefined;
/** A loopback server whose handler gets the raw request (body unread), as the GET tests need. */
const startServer = (handler: (req: http.IncomingMessage, res: http.ServerResponse) => void) =>
  startTestServer((_seen, res, req) => handler(req, res), { readBody: false });
const getJson = requestJson;
const httpGet = httpRequest;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP-dates, clamps, and rejects junk', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    expect(parseRetryAfter('60', now)).toBe(60_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 12:02:00 GMT', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('99999999', now)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('httpRequest / requestJson (GET) against a loopback server', () => {
  it('returns JSON and sends the given headers', async () => {
    server = await startServer((_req, res) => send(res, 200, { a: 1 }));
    const r = await getJson(`${server.url}/x`, { headers: { 'x-test': 'yes' }, timeoutMs: 2000, maxBytes: 1024, clock });
    expect(r).toEqual({ ok: true, value: { status: 200, json: { a: 1 } } });
    expect(server.requests[0]?.headers['x-test']).toBe('yes');
  });

  it('maps 401/403 to auth, 429 to rate_limited with Retry-After, 5xx HTML to server, 404 to bad_request', async () => {
    const plan: [number, string, Record<string, string>][] = [
      [401, '{}', {}],
      [403, '{}', {}],
      [429, '{}', { 'retry-after': '60' }],
      [429, '{}', {}],
      [503, '<html><body>Service Unavailable</body></html>', { 'content-type': 'text/html' }],
      [404, '{}', {}],
    ];
    server = await startTestServer(answerInTurn(plan));
    const kinds = [];
    for (let k = 0; k < plan.length; k++) {
      const r = await getJson(`${server.url}/x`, { timeoutMs: 2000, maxBytes: 1024, clock });
      kinds.push(r.ok ? 'ok' : [r.error.kind, r.error.retryAfterMs]);
    }
    expect(kinds).toEqual([
      ['auth', undefined],
      ['auth', undefined],
      ['rate_limited', 60_000],
      ['rate_limited', DEFAULT_RETRY_AFTER_MS],
      ['server', undefined],
      ['bad_request', undefined],
    ]);
  });

  it('truncated JSON, an empty body and HTML with 200 are malformed', async () => {
    const bodies = ['{"data": {"attributes": {"last_analysis_st', '', '<html>oops</html>'];
    let i = 0;
    server = await startServer((_req, res) => send(res, 200, bodies[i++] as string));
    for (let k = 0; k < bodies.length; k++) {
      const r = await getJson(`${server.url}/x`, { timeoutMs: 2000, maxBytes: 1024, clock });
      expect(r.ok ? 'ok' : r.error.kind).toBe('malformed');
    }
  });

  it('caps the body: a declared 2 MB body and a chunked 2 MB body are too_large', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024);
    let chunked = false;
    server = await startServer((_req, res) => {
      if (!chunked) {
        chunked = true;
        send(res, 200, big);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      const piece = 'y'.repeat(64 * 1024);
      let sent = 0;
      const more = () => {
        while (sent < 32 && res.write(piece)) sent++;
        if (sent < 32) res.once('drain', more);
        else res.end();
      };
      res.on('error', () => {});
      more();
    });
    for (let k = 0; k < 2; k++) {
      const r = await getJson(`${server.url}/x`, { timeoutMs: 5000, maxBytes: 1024 * 1024, clock });
      expect(r.ok ? 'ok' : r.error.kind).toBe('too_large');
    }
  });

  it('a stalled server and a one-byte-at-a-time server both hit the absolute deadline', async () => {
    let n = 0;
    const timers: NodeJS.Timeout[] = [];
    server = await startServer((_req, res) => {
      if (n++ === 0) return; // never answers
      res.writeHead(200, { 'content-type': 'application/json' });
      const t = setInterval(() => res.write(' '), 20);
      timers.push(t);
      res.on('close', () => clearInterval(t));
    });
    for (let k = 0; k < 2; k++) {
      const t0 = Date.now();
      const r = await getJson(`${server.url}/x`, { timeoutMs: 250, maxBytes: 1024 * 1024, clock });
      expect(r.ok ? 'ok' : r.error.kind).toBe('timeout');
      expect(Date.now() - t0).toBeLessThan(2000);
    }
    for (const t of timers) clearInterval(t);
  });

  it('the deadline is driven by the injected clock', async () => {
    const fake = new FakeClock();
    server = await startServer(() => {});
    const pending = httpGet(`${server.url}/x`, { timeoutMs: 30_000, maxBytes: 1024, clock: fake });
    await new Promise((r) => setTimeout(r, 50));
    await fake.advance(30_000);
    const r = await pending;
    expect(r.ok ? 'ok' : r.error.kind).toBe('timeout');
  });

  it('a refused connection is a network error and a caller abort is aborted', async () => {
    server = await startServer(() => {});
    const url = server.url;
    await server.close();
    server = undefined;
    const refused = await httpGet(`${url}/x`, { timeoutMs: 2000, maxBytes: 1024, clock });
    expect(refused.ok ? 'ok' : refused.error).toMatchObject({ kind: 'network', detail: 'ECONNREFUSED' });

    server = await startServer(() => {});
    const ac = new AbortController();
    const p = httpGet(`${server.url}/x`, { timeoutMs: 5000, maxBytes: 1024, clock, signal: ac.signal });
    setTimeout(() => ac.abort(), 30);
    const r = await p;
    expect(r.ok ? 'ok' : r.error.kind).toBe('aborted');
  });

  it('error details never carry the URL or its query (keys live there for Shodan)', async () => {
    server = await startServer((_req, res) => send(res, 500, '{"error": "boom SECRETKEY"}'));
    const r = await getJson(`${server.url}/x?key=SECRETKEY`, { timeoutMs: 2000, maxBytes: 1024, clock });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain('SECRETKEY');
    expect(JSON.stringify(r)).not.toContain('127.0.0.1');
  });
});

describe('methods, bodies, redirects and JSON rules', () => {
  it('sends the method, the body with its content-type, and caller headers that win', async () => {
    server = await startTestServer((_seen: SeenRequest, res) => send(res, 200, '{}'));
    const opts = { timeoutMs: 2000, maxBytes: 1024, clock };
    await httpRequest(`${server.url}/p`, { ...opts, method: 'POST', body: '{"a":1}', contentType: 'application/json' });
    await httpRequest(`${server.url}/u`, { ...opts, method: 'PUT', body: Buffer.from('raw'), contentType: 'text/plain', headers: { 'content-type': 'application/x-custom' } });
    await httpRequest(`${server.url}/f`, { ...opts, method: 'POST', body: new URLSearchParams({ k: 'v w' }) });
    await httpRequest(`${server.url}/d`, { ...opts, method: 'DELETE', contentType: 'application/json' });
    const [p, u, f, d] = server.requests;
    expect(p).toMatchObject({ method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json', 'user-agent': 'homesec' } });
    expect(u).toMatchObject({ method: 'PUT', body: 'raw', headers: { 'content-type': 'application/x-custom' } });
    expect(f?.body).toBe('k=v+w');
    expect(f?.headers['content-type']).toContain('application/x-www-form-urlencoded');
    expect(d?.method).toBe('DELETE');
    expect(d?.headers['content-type']).toBeUndefined();
  });

  it('refuses redirects by default and follows them only when asked', async () => {
    server = await startTestServer((seen, res) => {
      if (seen.url === '/moved') send(res, 302, '', { location: '/there?token=SECRET' });
      else send(res, 200, '{"here":true}');
    });
    const opts = { timeoutMs: 2000, maxBytes: 1024, clock };
    const refused = await httpRequest(`${server.url}/moved`, { ...opts, method: 'POST', body: 'x' });
    expect(refused.ok ? 'ok' : refused.error.kind).toBe('network');
    expect(JSON.stringify(refused)).not.toContain('SECRET');
    const followed = await requestJson(`${server.url}/moved`, { ...opts, redirect: 'follow' });
    expect(followed).toEqual({ ok: true, value: { status: 200, json: { here: true } } });
  });

  it('blankIsNull reads a blank 2xx body as null; errorCode and acceptStatus shape the result', async () => {
    server = await startTestServer(
      answerInTurn([
        [200, ' '],
        [404, '{"error":"nothing"}'],
        [429, '{"code":"Quota\\u0000Exceeded  now"}'],
      ]),
    );
    const opts = { timeoutMs: 2000, maxBytes: 1024, clock };
    expect(await requestJson(server.url, { ...opts, method: 'DELETE', blankIsNull: true })).toEqual({ ok: true, value: { status: 200, json: null } });
    expect(await requestJson(server.url, { ...opts, acceptStatus: [404] })).toEqual({ ok: true, value: { status: 404, json: { error: 'nothing' } } });
    const limited = await requestJson(server.url, { ...opts, errorCode: (j) => (j as { code?: string }).code });
    expect(limited.ok ? 'ok' : limited.error).toEqual({ kind: 'rate_limited', status: 429, detail: 'HTTP 429 QuotaExceeded now', retryAfterMs: DEFAULT_RETRY_AFTER_MS });
  });

  it('statusError sanitises and bounds the provider code; describeHttpError is one line', () => {
    const e = statusError(500, new Headers(), 0, `  bad\tcode<script>${'x'.repeat(300)}`);
    expect(e.kind).toBe('server');
    expect(e.detail).toMatch(/^HTTP 500 badcodescriptx+$/);
    expect(e.detail.length).toBe('HTTP 500 '.length + 64);
    expect(statusError(403, new Headers(), 0, '\u0000')).toEqual({ kind: 'auth', status: 403, detail: 'HTTP 403' });
    expect(describeHttpError({ kind: 'timeout', detail: 'no answer within 5 ms' })).toBe('timeout: no answer within 5 ms');
  });
});
