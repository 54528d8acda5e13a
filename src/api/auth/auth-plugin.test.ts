import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../../core/metrics.js';
import { createSilentLogger } from '../../core/logger.js';
import { openDatabase, type Db } from '../../store/database.js';
import { buildApp } from '../server.js';
import { INGRESS_PROXY_IP, SESSION_COOKIE } from './auth-plugin.js';
import { announceFirstRunPassword, INITIAL_PASSWORD_FILE } from './first-run.js';
import { setPassword } from './password.js';

const PASSWORD = 'correct horse battery staple';
let dir: string;
let db: Db;
let app: FastifyInstance;
let now = 1_700_000_000_000;
let logins = 0;

async function make(over: { enabled?: boolean; trustIngress?: boolean } = {}): Promise<FastifyInstance> {
  return buildApp({
    log: createSilentLogger(),
    metrics: createMetrics(),
    health: () => ({ uptime_s: 1 }),
    routes: [
      (a) => a.get('/api/things', async () => ({ things: ['<img src=x onerror=alert(1)>'] })),
      (a) => a.post('/api/things/:id/dismiss', async (req) => ({ dismissed: (req.params as { id: string }).id })),
    ],
    auth: {
      enabled: over.enabled ?? true,
      trustIngress: over.trustIngress ?? false,
      sessionIdleMs: 3_600_000,
      sessionMaxAgeMs: 12 * 3_600_000,
      loginPerMinute: 5,
      db: () => db,
      now: () => now,
      onLogin: () => logins++,
    },
  });
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-auth-'));
  db = openDatabase(path.join(dir, 'homesec.db')).db;
  await setPassword(db, PASSWORD, now);
  app = await make();
});
afterEach(async () => {
  await app.close();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function login(a = app, password = PASSWORD) {
  const res = await a.inject({ method: 'POST', url: '/api/auth/login', payload: { password }, headers: { host: 'homesec.local' } });
  const cookie = res.cookies.find((c) => c.name === SESSION_COOKIE);
  return { res, cookie, csrf: (res.json() as { csrf?: string }).csrf };
}

describe('API authentication (catalogue 20-23)', () => {
  it('/health is public; /api and /metrics answer 401 without a session', async () => {
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/things' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/api/things/1/dismiss' })).statusCode).toBe(401);
  });

  it('a login sets an HttpOnly SameSite=Strict cookie and returns a CSRF token; a wrong password is 401', async () => {
    expect((await login(app, 'wrong password!!')).res.statusCode).toBe(401);
    const { res, cookie, csrf } = await login();
    expect(res.statusCode).toBe(200);
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Strict');
    expect(csrf).toMatch(/^[\w-]{40,}$/);
    expect(logins).toBe(1);
    expect(JSON.stringify(res.json())).not.toContain(PASSWORD);
  });

  it('reads work with the session; actions need the CSRF token and a same-origin Origin', async () => {
    const { cookie, csrf } = await login();
    const cookies = { [SESSION_COOKIE]: cookie!.value };
    const read = await app.inject({ url: '/api/things', cookies });
    expect(read.statusCode).toBe(200);
    expect(read.headers['content-security-policy']).toContain("script-src 'self'");
    expect(read.headers['x-content-type-options']).toBe('nosniff');
    const post = (headers: Record<string, string>) => app.inject({ method: 'POST', url: '/api/things/7/dismiss', cookies, headers: { host: 'homesec.local', ...headers } });
    expect((await post({})).statusCode).toBe(403);
    expect((await post({ 'x-csrf-token': 'nope' })).statusCode).toBe(403);
    expect((await post({ 'x-csrf-token': csrf!, origin: 'https://evil.example' })).statusCode).toBe(403);
    const ok = await post({ 'x-csrf-token': csrf!, origin: 'http://homesec.local' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ dismissed: '7' });
  });

  it('a Bearer password works for scripts and Prometheus without CSRF; a wrong one is 401', async () => {
    expect((await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${PASSWORD}` } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/api/things/1/dismiss', headers: { authorization: `Bearer ${PASSWORD}` } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/metrics', headers: { authorization: 'Bearer guess' } })).statusCode).toBe(401);
  });

  it('sessions expire and logout ends them', async () => {
    const { cookie, csrf } = await login();
    const cookies = { [SESSION_COOKIE]: cookie!.value };
    const out = await app.inject({ method: 'POST', url: '/api/auth/logout', cookies, headers: { 'x-csrf-token': csrf! } });
    expect(out.statusCode).toBe(200);
    expect((await app.inject({ url: '/api/things', cookies })).statusCode).toBe(401);
    const again = await login();
    now += 4 * 3_600_000;
    expect((await app.inject({ url: '/api/things', cookies: { [SESSION_COOKIE]: again.cookie!.value } })).statusCode).toBe(401);
  });

  it('login is rate limited per client', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await login(app, `wrong password ${i}`)).res.statusCode);
    expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(codes.slice(5)).toEqual([429, 429]);
  });

  it('ingress: only the Supervisor proxy address is trusted, forged X-Remote-User headers are not (catalogue 23)', async () => {
    const ing = await make({ trustIngress: true });
    try {
      const forged = await ing.inject({ url: '/api/things', remoteAddress: '192.168.1.50', headers: { 'x-remote-user-id': 'admin', 'x-ingress-path': '/api/hassio_ingress/x' } });
      expect(forged.statusCode).toBe(401);
      const proxied = await ing.inject({ url: '/api/things', remoteAddress: INGRESS_PROXY_IP });
      expect(proxied.statusCode).toBe(200);
      const s = (await ing.inject({ url: '/api/auth/session', remoteAddress: INGRESS_PROXY_IP })).json() as { csrf: string; via: string };
      expect(s.via).toBe('ingress');
      expect((await ing.inject({ method: 'POST', url: '/api/things/2/dismiss', remoteAddress: INGRESS_PROXY_IP })).statusCode).toBe(403);
      expect((await ing.inject({ method: 'POST', url: '/api/things/2/dismiss', remoteAddress: INGRESS_PROXY_IP, headers: { 'x-csrf-token': s.csrf } })).statusCode).toBe(200);
    } finally {
      await ing.close();
    }
  });

  it('oversized bodies are refused (1 MiB cap)', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: JSON.stringify({ password: 'x'.repeat(2 * 1024 * 1024) }), headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(413);
  });
});

describe('first-run password', () => {
  it('is created once, shown on the stream, kept 0600 in the data dir, and never stored in clear', async () => {
    const fresh = openDatabase(path.join(dir, 'fresh.db')).db;
    try {
      const chunks: string[] = [];
      const out = { write: (s: string) => chunks.push(s) } as unknown as NodeJS.WritableStream;
      expect(await announceFirstRunPassword(fresh, dir, now, out)).toBe(true);
      const pw = fs.readFileSync(path.join(dir, INITIAL_PASSWORD_FILE), 'utf8').trim();
      expect(pw.length).toBeGreaterThanOrEqual(32);
      expect(chunks.join('')).toContain(pw);
      expect(fs.statSync(path.join(dir, INITIAL_PASSWORD_FILE)).mode & 0o777).toBe(0o600);
      expect(JSON.stringify(fresh.prepare('SELECT value FROM kv').all())).not.toContain(pw);
      expect(await announceFirstRunPassword(fresh, dir, now, out)).toBe(false);
    } finally {
      fresh.close();
    }
  });
});
