/**
 * Every route of the real daemon (createApp, every capability on, nothing reaching past
 * loopback) against the authentication rules: actions refuse requests without a login
 * (401) and logged-in requests without the CSRF token (403); every read under /api/ refuses
 * requests without a login. Routes are enumerated by the server's onRoute record, so a new
 * route is covered without editing this test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../app.js';
import { configSchema } from '../../config/schema.js';
import { createSilentLogger } from '../../core/logger.js';
import { SESSION_COOKIE } from '../auth/auth-plugin.js';
import { setPassword } from '../auth/password.js';
import { PANEL_PREFIX } from '../dashboard-static.js';
import { freeTcpPort, freeUdpPort } from '../../../test/support/daemon.js';

const PASSWORD = 'all routes test password';
/** Public by design: health, login state, and the dashboard's static files. */
const PUBLIC = new Set(['/health', '/api/auth/login', '/api/auth/session']);
let dir: string;
let app: App;

function concrete(url: string): string {
  return url
    .replace(':key', 'port_scan%3A192.168.1.9')
    .replace(':ref', '1')
    .replace(':ip', '203.0.113.7')
    .replace(':id', 'CVE-2024-0001')
    .replace('*', 'x');
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-allroutes-'));
  const config = configSchema.parse({
    data_dir: dir,
    bind_host: '127.0.0.1',
    bind_port: await freeUdpPort(),
    web_port: await freeTcpPort(),
    enable_scanner: false,
    // Intel and NVD on (their routes exist) but with nothing to reach: no feeds, no providers, no rDNS; NVD/KEV on a closed loopback port.
    enable_threat_intel: true,
    blacklist_urls: '',
    ipinfo_daily_budget: 0,
    enable_dns_resolution: false,
    enable_nvd: true,
    nvd_api_url: 'http://127.0.0.1:9/rest/json/cves/2.0',
    kev_url: 'http://127.0.0.1:9/kev.json',
    inventory_resolve_names: false,
  });
  app = createApp(config, { log: createSilentLogger() });
  await app.start();
  await setPassword(app.store.db, PASSWORD, Date.now());
}, 30_000);
afterAll(async () => {
  await app.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const routes = () => {
  const list = app.api?.app?.homesecRoutes ?? [];
  return list.filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS');
};

describe('authentication of every route (issue 5 acceptance)', () => {
  it('the daemon registers the dashboard routes', () => {
    const urls = routes().map((r) => `${r.method} ${r.url}`);
    for (const u of [
      'GET /api/overview',
      'GET /api/graph',
      'GET /api/external-ips',
      'GET /api/external-ips/:ip',
      'POST /api/external-ips/:ip/lookup',
      'GET /api/collector',
      'GET /api/events',
      'GET /api/cves',
      'GET /api/cves/:id',
      'POST /api/findings/:key/dismiss',
      'POST /api/findings/:key/undismiss',
      'POST /api/hosts/:ref/role',
      'POST /api/hosts/:ref/trusted',
      'POST /api/scan',
      'POST /api/vulnerabilities/refresh',
      'POST /api/intel/:ip',
      'GET /api/dns/stats',
      `GET ${PANEL_PREFIX}/*`,
      'GET /*',
    ]) {
      expect(urls).toContain(u);
    }
  });

  it('every state-changing route answers 401 without a login and 403 with a session but no CSRF token', async () => {
    const fastify = app.api!.app!;
    const login = await fastify.inject({ method: 'POST', url: '/api/auth/login', payload: { password: PASSWORD } });
    expect(login.statusCode).toBe(200);
    const cookie = login.cookies.find((c) => c.name === SESSION_COOKIE)!.value;
    const mutating = routes().filter((r) => r.method !== 'GET' && r.url !== '/api/auth/login');
    expect(mutating.length).toBeGreaterThanOrEqual(10);
    for (const r of mutating) {
      const url = concrete(r.url);
      const method = r.method as 'POST';
      const anon = await fastify.inject({ method, url, payload: {} });
      expect(anon.statusCode, `${r.method} ${r.url} without login`).toBe(401);
      const noCsrf = await fastify.inject({ method, url, payload: {}, cookies: { [SESSION_COOKIE]: cookie } });
      expect(noCsrf.statusCode, `${r.method} ${r.url} without CSRF token`).toBe(403);
    }
  });

  it('every read under /api/ answers 401 without a login (except health, login state and the panel files)', async () => {
    const fastify = app.api!.app!;
    const reads = routes().filter((r) => r.method === 'GET' && (r.url.startsWith('/api/') || r.url === '/metrics'));
    const checked: string[] = [];
    for (const r of reads) {
      if (PUBLIC.has(r.url) || r.url === PANEL_PREFIX || r.url.startsWith(`${PANEL_PREFIX}/`)) continue;
      const res = await fastify.inject({ method: 'GET', url: concrete(r.url) });
      expect(res.statusCode, `GET ${r.url}`).toBe(401);
      checked.push(r.url);
    }
    expect(checked.length).toBeGreaterThanOrEqual(20);
    expect((await fastify.inject({ url: '/health' })).statusCode).toBe(200);
    expect((await fastify.inject({ url: '/api/auth/session' })).json()).toEqual({ authenticated: false });
  });

  it('path tricks do not reach an API route without a login', async () => {
    const fastify = app.api!.app!;
    for (const url of ['/%61pi/overview', '/api/%6fverview', '//api/overview', '/api//overview', '/API/overview', `${PANEL_PREFIX}/../../overview`, `${PANEL_PREFIX}/..%2f..%2foverview`, '/api/overview/', '/api/overview;x']) {
      const res = await fastify.inject({ url });
      // Refused, or at most the dashboard's index.html (a client-side route): never the overview's data.
      expect(res.body, url).not.toContain('flowsTotal');
      if (res.statusCode === 200) expect(res.headers['content-type'], url).toMatch(/^text\/html/);
    }
  });
});
