import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDashboardStatic, PANEL_PREFIX, safeSegments } from './dashboard-static.js';
import { buildApp } from './server.js';
import { createSilentLogger } from '../core/logger.js';
import { createMetrics } from '../core/metrics.js';
import { openDatabase, type Db } from '../store/database.js';

const INDEX = '<!doctype html><html><head><script type="module" src="./assets/index-B1a2c3D4.js"></script><link rel="stylesheet" href="./assets/index-9f8e7d.css"></head><body><div id="app"></div></body></html>';
let root: string;
let dist: string;
let db: Db;
let app: FastifyInstance;
let now = 1_000_000;

async function make(distDir: string): Promise<FastifyInstance> {
  const a = await buildApp({
    log: createSilentLogger(),
    metrics: createMetrics(),
    health: () => ({}),
    routes: [(x) => createDashboardStatic({ distDir, now: () => now }).routes(x), (x) => x.get('/api/things', async () => ({ secret: 'api data' }))],
    auth: { enabled: true, trustIngress: false, sessionIdleMs: 1e7, sessionMaxAgeMs: 1e7, loginPerMinute: 5, db: () => db, now: () => Date.now() },
  });
  await a.ready();
  return a;
}

beforeEach(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-static-'));
  dist = path.join(root, 'web', 'dist');
  fs.mkdirSync(path.join(dist, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(dist, 'index.html'), INDEX);
  fs.writeFileSync(path.join(dist, 'assets', 'index-B1a2c3D4.js'), 'console.log("app")');
  fs.writeFileSync(path.join(dist, 'assets', 'index-9f8e7d.css'), 'body{}');
  fs.writeFileSync(path.join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  fs.writeFileSync(path.join(dist, '.env'), 'HIDDEN=1');
  fs.writeFileSync(path.join(root, 'web', 'secret.txt'), 'TOP SECRET');
  fs.symlinkSync('/etc/passwd', path.join(dist, 'assets', 'passwd.js'));
  db = openDatabase(path.join(root, 'homesec.db')).db;
  app = await make(dist);
});
afterEach(async () => {
  await app.close();
  db.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('dashboard static files', () => {
  it('serves index.html at / and at the panel URL, assets by relative path, without a login', async () => {
    for (const url of ['/', `${PANEL_PREFIX}/`, '/hosts', '/hosts/12', `${PANEL_PREFIX}/findings`]) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control'], url).toBe('no-cache');
      expect(res.body, url).toBe(INDEX);
    }
    for (const url of ['/assets/index-B1a2c3D4.js', `${PANEL_PREFIX}/assets/index-B1a2c3D4.js`, '/hosts/12/assets/index-B1a2c3D4.js']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toBe('text/javascript; charset=utf-8');
      expect(res.headers['cache-control'], url).toBe('public, max-age=31536000, immutable');
    }
    const css = await app.inject({ url: '/assets/index-9f8e7d.css' });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const svg = await app.inject({ url: `${PANEL_PREFIX}/favicon.svg` });
    expect([svg.statusCode, svg.headers['content-type'], svg.headers['cache-control']]).toEqual([200, 'image/svg+xml', 'no-cache']);
    expect((await app.inject({ url: '/missing.js' })).statusCode).toBe(404);
    const bare = await app.inject({ url: PANEL_PREFIX });
    expect([bare.statusCode, bare.headers.location]).toEqual([301, 'panel/']);
  });

  it('sends a CSP without inline scripts that lets Home Assistant frame the page', async () => {
    const res = await app.inject({ url: '/' });
    const csp = String(res.headers['content-security-policy']);
    for (const d of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'", "frame-ancestors 'self'"]) expect(csp).toContain(d);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('refuses traversal, encoded dots, backslashes, NUL, hidden files and symlinks', async () => {
    const attempts = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E%2Fsecret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/..%5csecret.txt',
      '/assets\\..\\..\\secret.txt',
      '/index.html%00.js',
      '/%00',
      `${PANEL_PREFIX}/../../../secret.txt`,
      `${PANEL_PREFIX}/%2e%2e/%2e%2e/secret.txt`,
      '/.env',
      '/assets/passwd.js',
      '/%ff',
    ];
    for (const url of attempts) {
      const res = await app.inject({ url });
      expect(res.body, url).not.toContain('TOP SECRET');
      expect(res.body, url).not.toContain('HIDDEN=1');
      expect(res.body, url).not.toContain('root:');
      expect([400, 401, 404].includes(res.statusCode) || (res.statusCode === 200 && res.body === INDEX), `${url}: ${res.statusCode}`).toBe(true);
    }
    expect(safeSegments('/a/%2e%2e/b')).toBeUndefined();
    expect(safeSegments('/a\\b')).toBeUndefined();
    expect(safeSegments('/a/b.js')).toEqual(['a', 'b.js']);
  });

  it('keeps /api/ the API: unknown API paths are JSON 404 after the login check, real ones need a login', async () => {
    expect((await app.inject({ url: '/api/things' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/nothing' })).statusCode).toBe(401);
  });

  it('works over a real socket with a Home Assistant style prefix stripped by the proxy', async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    const body = await new Promise<string>((resolve, reject) => {
      http.get(`http://127.0.0.1:${port}/assets/index-B1a2c3D4.js`, (res) => {
        let b = '';
        res.on('data', (c: Buffer) => (b += c.toString()));
        res.on('end', () => resolve(b));
      }).on('error', reject);
    });
    expect(body).toBe('console.log("app")');
    // inject() normalises dot segments like a browser; a raw client sends them as they are.
    const raw = (p: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        http
          .request({ host: '127.0.0.1', port, path: p }, (res) => {
            let b = '';
            res.on('data', (c: Buffer) => (b += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
          })
          .on('error', reject)
          .end();
      });
    for (const p of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets/%2E%2E/%2E%2E/secret.txt', '/..\\secret.txt', `${PANEL_PREFIX}/../../../../web/secret.txt`, `${PANEL_PREFIX}/%2e%2e/%2e%2e/secret.txt`]) {
      const res = await raw(p);
      expect(res.body, p).not.toContain('TOP SECRET');
      expect([400, 401, 404], `${p}: ${res.status}`).toContain(res.status);
    }
  });

  it('answers a text page naming `npm run build` when the dashboard is not built, and picks the build up later', async () => {
    const empty = path.join(root, 'nodist');
    const a = await make(empty);
    try {
      const res = await a.inject({ url: '/' });
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.body).toContain('npm run build');
      fs.cpSync(dist, empty, { recursive: true });
      now += 5000;
      expect((await a.inject({ url: '/' })).body).toBe(INDEX);
    } finally {
      await a.close();
    }
  });
});
