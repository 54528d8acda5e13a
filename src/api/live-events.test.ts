import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Finding } from './contract.js';
import { SESSION_COOKIE } from './auth/auth-plugin.js';
import { setPassword } from './auth/password.js';
import { createLiveEvents, type LiveEvents } from './live-events.js';
import { buildApp } from './server.js';
import { createSystemClock } from '../core/clock.js';
import { createEventBus, type EventBus } from '../core/events.js';
import { createSilentLogger } from '../core/logger.js';
import { createMetrics } from '../core/metrics.js';
import { tempDb, type TempDb } from '../../test/support/temp-db.js';

const PASSWORD = 'live events password';
let t: TempDb;
let app: FastifyInstance;
let bus: EventBus;
let live: LiveEvents;
let base: string;
let cookie: string;
let flows = 0;
const open: http.ClientRequest[] = [];

const finding = { key: 'port_scan:192.168.1.9', category: 'port_scan', severity: 'high', sourceIp: '192.168.1.9', title: 't', detail: 'd', evidence: {}, firstSeenMs: 1, lastSeenMs: 1, occurrences: 1, dismissed: false } satisfies Finding;

beforeEach(async () => {
  t = tempDb('homesec-live-');
  await setPassword(t.db, PASSWORD, Date.now());
  bus = createEventBus();
  flows = 0;
  live = createLiveEvents({ bus, clock: createSystemClock(), watch: [{ topic: 'flows', value: () => flows }] }, { maxClients: 2, coalesceMs: 200, heartbeatMs: 100, pollMs: 20 });
  app = await buildApp({
    log: createSilentLogger(),
    metrics: createMetrics(),
    health: () => ({}),
    routes: [(a) => live.routes(a)],
    auth: { enabled: true, trustIngress: false, sessionIdleMs: 1e7, sessionMaxAgeMs: 1e7, loginPerMinute: 50, db: () => t.db, now: () => Date.now() },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { password: PASSWORD } });
  cookie = `${SESSION_COOKIE}=${login.cookies.find((c) => c.name === SESSION_COOKIE)!.value}`;
});
afterEach(async () => {
  for (const r of open.splice(0)) r.destroy();
  await app.close();
  t.cleanup();
});

interface Stream {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: () => string;
  /** Resolves when the accumulated text satisfies pred (rejects after 5 s). */
  until: (pred: (text: string) => boolean) => Promise<string>;
  ended: Promise<void>;
  req: http.ClientRequest;
}

/** Opens GET /api/events over a real socket. */
function connect(headers: Record<string, string> = { cookie }): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}/api/events`, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      let buf = '';
      const waiters: (() => void)[] = [];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        for (const w of waiters.splice(0)) w();
      });
      const ended = new Promise<void>((r) => res.on('end', () => r()).on('close', () => r()));
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        text: () => buf,
        req,
        ended,
        until: (pred) =>
          new Promise((ok, fail) => {
            const deadline = setTimeout(() => fail(new Error(`timed out; got ${JSON.stringify(buf)}`)), 5000);
            const check = () => {
              if (pred(buf)) {
                clearTimeout(deadline);
                ok(buf);
              } else waiters.push(check);
            };
            check();
          }),
      });
    });
    req.on('error', reject);
    open.push(req);
  });
}

const updates = (text: string): string[][] =>
  [...text.matchAll(/event: update\ndata: (.*)\n\n/g)].map((m) => (JSON.parse(m[1] as string) as { topics: string[] }).topics);

describe('GET /api/events (Server-Sent Events)', () => {
  it('needs a login', async () => {
    const s = await connect({});
    expect(s.status).toBe(401);
  });

  it('streams a hello, then one coalesced update naming every topic raised, and heartbeats', async () => {
    const s = await connect();
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(s.headers['content-security-policy']).toContain("default-src 'self'");
    await s.until((x) => x.includes('event: hello'));
    bus.emit('finding.new', finding);
    bus.emit('finding.updated', finding);
    bus.emit('scan.completed', { summary: { enabled: true, running: false, intervalSeconds: 300, targets: 0, hostsFound: 0, openPorts: 0, services: 0, skippedTargets: 0 }, hosts: [] });
    await s.until((x) => updates(x).length >= 1);
    expect(updates(s.text())[0]).toEqual(['devices', 'findings', 'scan']);
    await s.until((x) => x.includes(': ping'));
    bus.emit('vuln.updated', { hosts: 1, atRisk: [], affected: 0, possible: 0 });
    await s.until((x) => updates(x).length >= 2);
    expect(updates(s.text())[1]).toEqual(['devices', 'vulnerabilities']);
  });

  it('forwards the blocker\'s block.changed as the blocking topic', async () => {
    const s = await connect();
    await s.until((x) => x.includes('event: hello'));
    bus.emit('block.changed', { action: 'block', value: '45.33.100.7', kind: 'ip' });
    await s.until((x) => updates(x).length >= 1);
    expect(updates(s.text())[0]).toEqual(['blocking']);
  });

  it('raises a watched value that changed (the flow counter)', async () => {
    const s = await connect();
    await s.until((x) => x.includes('event: hello'));
    flows = 42;
    await s.until((x) => updates(x).some((u) => u.includes('flows')));
  });

  it('bounds the number of clients (503 beyond) and forgets a client that disconnects', async () => {
    const a = await connect();
    const b = await connect();
    await a.until((x) => x.includes('hello'));
    await b.until((x) => x.includes('hello'));
    expect(live.clients()).toBe(2);
    const c = await connect();
    expect(c.status).toBe(503);
    a.req.destroy();
    await new Promise<void>((resolve) => {
      const tick = () => (live.clients() === 1 ? resolve() : setTimeout(tick, 10));
      tick();
    });
    const d = await connect();
    expect(d.status).toBe(200);
  });

  it('server close ends open streams instead of waiting for them', async () => {
    const s = await connect();
    await s.until((x) => x.includes('hello'));
    await app.close();
    await s.ended;
    expect(live.clients()).toBe(0);
  });
});
