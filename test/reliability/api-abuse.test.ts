/**
 * Abuse of the real daemon's HTTP API over real sockets (issue 11; hostile-input catalogue 20-22,
 * 25, 26). The route-level auth test in src/api covers each route's answer in process; this
 * one runs the CLI daemon with every secret set to a fake value and every outside peer on a
 * loopback "echo" server that answers errors quoting back the credentials it was sent, so
 * every error path that could log or store a secret runs. Rules:
 * - Routes are read from the daemon's own OpenAPI document (built by the live Fastify
 *   instance), so new routes are covered without editing this test.
 * - Every state-changing route is refused without authentication (401), with a session but
 *   no CSRF token, and with a foreign Origin (403) — and the refused request changed nothing.
 * - No fake secret appears in any response of any GET route (authenticated crawl), in the
 *   results of a notification test, in the log output, or in the served dashboard files.
 * - Over-size bodies, headers and URLs are refused and the daemon keeps answering.
 * - Static files: traversal in every encoding never serves anything outside web/dist.
 * - SSRF: channels and sources pointed at the daemon's own API are refused by the guard.
 * NETWORK RULE: every URL in the config names 127.0.0.1 (or its own aliases), nothing else.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeSecrets, secretLeaks, type FakeSecrets } from '../support/fake-secrets.js';
import { freeTcpPort } from '../support/daemon.js';
import { startTestServer, type TestServer } from '../support/http-server.js';
import { recordReliability } from '../support/reliability-meta.js';
import { launch, type RunningDaemon } from './reliability-kit.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-abuse-'));
let echo: TestServer;
let secrets: FakeSecrets;
let d: RunningDaemon;
let webPort = 0;
/** Every GET and every state-changing route the daemon documents: [method, OpenAPI path]. */
let routes: [string, string][] = [];
const leaks: string[] = [];
let scanned = 0;

/** Looks for fake secrets in `text` (what came from `where`), counting what was scanned. */
function scan(where: string, text: string): void {
  scanned++;
  for (const l of secretLeaks(text)) leaks.push(`${where}: …${l}…`);
}

/** A concrete URL for an OpenAPI path: parameters filled with values that reach no one outside. */
function concrete(p: string): string {
  return p
    .replace('{key}', encodeURIComponent('suspicious_port:10.0.0.5'))
    .replace('{ref}', '1')
    .replace('{ip}', '10.0.0.5')
    .replace('{id}', 'CVE-2024-0001')
    .replace('{token}', secrets.config.block_list_token ?? 'x')
    .replace(/\{[^}]+\}/g, 'x')
    .replace('*', 'x');
}

/**
 * A raw HTTP request (no URL normalisation): at most 256 KiB of answer; after 3 s what has
 * arrived is the answer (live event streams never end), or the request fails if nothing has.
 */
function raw(method: string, target: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    let answer: (() => void) | undefined;
    const req = http.request({ host: '127.0.0.1', port: webPort, method, path: target, headers, timeout: 3000 }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= 256 * 1024) chunks.push(c);
        else res.destroy();
      });
      answer = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.on('end', answer);
      res.on('close', answer);
      res.on('error', answer);
    });
    req.on('timeout', () => (answer ? (answer(), req.destroy()) : req.destroy(new Error('timeout'))));
    req.on('error', (err) => (answer ? answer() : reject(err)));
    req.end(body);
  });
}

beforeAll(async () => {
  // The outside world: answers every request with an error that quotes what it was sent.
  echo = await startTestServer((seen, res) => {
    res.writeHead(seen.url.includes('feed') ? 403 : 401, { 'content-type': 'application/json', 'x-echo': String(seen.headers.authorization ?? '').slice(0, 200) });
    res.end(JSON.stringify({ error: { message: `denied ${seen.method} ${seen.url} auth=${String(seen.headers.authorization)} key=${String(seen.headers['x-api-key'] ?? seen.headers.apikey)} body=${seen.body.slice(0, 300)}` } }));
  });
  secrets = fakeSecrets(echo.url);
  webPort = await freeTcpPort();
  const own = (host: string) => `http://${host}:${webPort}`;
  const config = {
    ...secrets.config,
    notify_channels: [
      ...secrets.channels,
      // SSRF attempts: the daemon's own API under several spellings.
      { name: 'self1', type: 'webhook', url: `${own('127.0.0.1')}/api/findings/x/dismiss` },
      { name: 'self2', type: 'webhook', url: `${own('localhost')}/api/hosts/1/role` },
      { name: 'self3', type: 'gotify', url: own('[::ffff:127.0.0.1]'), token: 'plain' },
      { name: 'self4', type: 'ntfy', url: own('0.0.0.0'), topic: 'plain' },
    ],
    notify_digest: 'off',
    enable_threat_intel: true,
    blacklist_urls: [`${echo.url}/feed.txt`, `${own('127.0.0.1')}/api/feed.txt`],
    ipinfo_daily_budget: 0,
    virustotal_daily_budget: 0,
    shodan_daily_budget: 0,
    abuseipdb_daily_budget: 0,
    enable_nvd: true,
    nvd_api_url: `${echo.url}/rest/json/cves/2.0`,
    kev_url: `${echo.url}/kev.json`,
    dns_source: 'pihole6',
    dns_url: echo.url,
    dns_poll_seconds: 1,
    mqtt_url: 'mqtt://127.0.0.1:9',
    mqtt_username: 'homesec',
    ha_url: echo.url,
    block_opnsense_url: echo.url,
    block_mikrotik_url: echo.url,
    block_mikrotik_user: 'homesec',
    block_pihole_url: echo.url,
  };
  const dir = path.join(root, 'data');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'homesec.yaml'), YAML.stringify(config));
  d = await launch(dir, {
    webPort,
    // The config file decides these; the kit's loopback defaults would override it.
    env: { HOMESEC_ENABLE_THREAT_INTEL: 'true', HOMESEC_ENABLE_NVD: 'true', HOMESEC_DNS_SOURCE: 'pihole6', HOMESEC_MQTT_URL: 'mqtt://127.0.0.1:9', HOMESEC_HA_URL: echo.url },
  });
  const docs = JSON.parse((await d.api('GET', '/api/docs')).text) as { paths: Record<string, Record<string, unknown>> };
  routes = Object.entries(docs.paths).flatMap(([p, ops]) => Object.keys(ops).map((m): [string, string] => [m.toUpperCase(), p]));
  for (const r of [['POST', '/api/auth/login'], ['POST', '/api/auth/logout'], ['GET', '/api/auth/session']] as [string, string][]) {
    if (!routes.some(([m, p]) => m === r[0] && p === r[1])) routes.push(r);
  }
}, 120_000);

afterAll(async () => {
  await d?.stop();
  await echo?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

describe('API abuse on the real daemon', () => {
  it('the route list comes from the live server and is complete enough to mean something', () => {
    const paths = routes.map(([, p]) => p);
    for (const p of ['/health', '/api/findings', '/api/findings/{key}/dismiss', '/api/hosts/{ref}/role', '/api/scan', '/api/notify/test']) expect(paths).toContain(p);
    expect(routes.filter(([m]) => UNSAFE.has(m)).length).toBeGreaterThanOrEqual(8);
  });

  it('every state-changing route refuses: no login 401; session without CSRF 403; foreign Origin 403; nothing changes', async () => {
    // A state file the refused requests could touch: an (authorised) dismissal is persisted even for an unknown key.
    await d.api('POST', `/api/findings/${encodeURIComponent('suspicious_port:10.0.0.5')}/dismiss`);
    expect(fs.existsSync(path.join(d.dir, 'homesec_dismissed.yaml'))).toBe(true);
    // State files by name, size and mtime (the first-run password file goes at the first login, by design).
    const stateFiles = () => fs.readdirSync(d.dir).filter((f) => f.startsWith('homesec_') && f.endsWith('.yaml')).map((f) => `${f} ${fs.statSync(path.join(d.dir, f)).size} ${fs.statSync(path.join(d.dir, f)).mtimeMs}`);
    const before = stateFiles();
    const echoRequests = echo.requests.length;
    const login = await d.api('POST', '/api/auth/login', { body: { password: d.token }, auth: false });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const csrf = (JSON.parse(login.text) as { csrf: string }).csrf;
    const refused: string[] = [];
    for (const [method, p] of routes.filter(([m, p]) => UNSAFE.has(m) && p !== '/api/auth/login' && p !== '/api/auth/logout')) {
      const url = concrete(p);
      const body = JSON.stringify({ role: 'camera', trusted: true, into: '2', channel: 'hook' });
      const json = { 'content-type': 'application/json' };
      const none = await raw(method, url, json, body);
      const noCsrf = await raw(method, url, { ...json, cookie }, body);
      const foreign = await raw(method, url, { ...json, cookie, 'x-csrf-token': csrf, origin: 'http://evil.example' }, body);
      const wrongBearer = await raw(method, url, { ...json, authorization: 'Bearer not-the-password' }, body);
      if (none.status !== 401 || wrongBearer.status !== 401 || noCsrf.status !== 403 || foreign.status !== 403) {
        refused.push(`${method} ${p}: ${none.status}/${wrongBearer.status}/${noCsrf.status}/${foreign.status}`);
      }
    }
    expect(refused).toEqual([]);
    // Nothing happened: no state file written, no notification sent.
    expect(stateFiles()).toEqual(before);
    expect(echo.requests.slice(echoRequests).filter((r) => r.url.includes('hook') || r.url.includes('gotify') || r.url.includes('ntfy'))).toEqual([]);
  });

  it('no secret in any GET answer, the notification test results, the served dashboard, or the log', async ({ task }) => {
    // Let the sources, feeds, NVD/KEV, MQTT and Home Assistant links fail against the echo server first.
    await new Promise((r) => setTimeout(r, 3000));
    const test = await d.api('POST', '/api/notify/test', { body: {}, timeoutMs: 60_000 });
    expect(test.status).toBe(200);
    scan('POST /api/notify/test', test.text);
    for (const [method, p] of routes.filter(([m]) => m === 'GET')) {
      const url = concrete(p);
      const r = await raw('GET', url, { authorization: `Bearer ${d.token}`, accept: '*/*' }).catch((err: unknown) => ({ status: 0, headers: {}, body: String(err) }));
      scan(`${method} ${url} (${r.status})`, `${JSON.stringify(r.headers)}\n${r.body}`);
    }
    // The blocklist URLs firewalls subscribe to (token in the path by design, never in the body), with the right and a wrong token.
    for (const token of [secrets.config.block_list_token ?? '', 'wrong-token-0123456789']) {
      for (const file of ['ips.txt', 'domains.txt']) {
        const r = await raw('GET', `/blocklist/${token}/${file}`);
        scan(`GET /blocklist/<token>/${file} (${r.status})`, `${JSON.stringify(r.headers)}\n${r.body}`);
      }
    }
    // The dashboard: index.html and every file it references, at / and under the panel path.
    for (const base of ['/', '/api/homesec/panel/']) {
      const index = await raw('GET', base);
      scan(`GET ${base}`, index.body);
      for (const m of index.body.matchAll(/(?:src|href)="([^"]+)"/g)) {
        const ref = m[1]!;
        if (/^[a-z]+:/i.test(ref)) continue;
        const file = await raw('GET', ref.startsWith('/') ? ref : `${base}${ref.replace(/^\.\//, '')}`);
        scan(`GET ${ref}`, file.body);
      }
    }
    scan('daemon log (stdout)', d.daemon.lines.map((l) => JSON.stringify(l)).join('\n'));
    scan('daemon stderr', d.daemon.stderr.join(''));
    // The echo server did receive secrets (so the error paths above really ran with them, and the search finds them).
    expect(secretLeaks(JSON.stringify(echo.requests)).length).toBeGreaterThan(0);
    recordReliability(task, { secretsScanned: scanned, secretsFound: leaks.length });
    console.log(`secrets: ${scanned} responses/logs/files scanned, ${leaks.length} leaks; the echo server got ${echo.requests.length} requests`);
    expect(leaks).toEqual([]);
  });

  it('over-size bodies, headers and URLs are refused; the daemon keeps answering', async () => {
    const big = JSON.stringify({ channel: 'x'.repeat(2 * 1024 * 1024) });
    const body = await raw('POST', '/api/notify/test', { authorization: `Bearer ${d.token}`, 'content-type': 'application/json' }, big).catch(() => ({ status: 0 }));
    expect([413, 0]).toContain(body.status);
    const header = await raw('GET', '/api/findings', { authorization: `Bearer ${d.token}`, 'x-big': 'y'.repeat(64 * 1024) }).catch(() => ({ status: 0 }));
    expect([431, 400, 0]).toContain(header.status);
    const url = await raw('GET', `/api/findings?q=${'z'.repeat(64 * 1024)}`, { authorization: `Bearer ${d.token}` }).catch(() => ({ status: 0 }));
    expect([414, 431, 400, 0]).toContain(url.status);
    const login = await raw('POST', '/api/auth/login', { 'content-type': 'application/json' }, JSON.stringify({ password: 'p'.repeat(5000) }));
    expect([400, 401, 413, 429]).toContain(login.status);
    expect((await d.api('GET', '/health')).status).toBe(200);
    expect(d.alive()).toBe(true);
  });

  it('static file traversal in every encoding serves nothing outside web/dist', async () => {
    const attempts = [
      '/../../../../etc/passwd',
      '/..%2f..%2f..%2f..%2fetc%2fpasswd',
      '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/%252e%252e%252fetc%252fpasswd',
      '/assets/..%2f..%2f..%2fpackage.json',
      '/assets/..\\..\\..\\package.json',
      '/assets/%5c..%5c..%5cpackage.json',
      '/api/homesec/panel/..%2f..%2f..%2f..%2fetc/passwd',
      '/api/homesec/panel/%2e%2e/%2e%2e/%2e%2e/src/main.ts',
      '/index.html%00.css',
      '/assets/x.js%00../../../../etc/passwd',
      '/.env',
      '/package.json',
      '/src/main.ts',
      '/web/dist/../../package.json',
      '//etc/passwd',
      '/..;/..;/etc/passwd',
      `/${'../'.repeat(40)}etc/passwd`,
    ];
    const served: string[] = [];
    for (const a of attempts) {
      const r = await raw('GET', a).catch((err: unknown) => ({ status: 0, headers: {}, body: String(err) }));
      if (/root:.*:0:0:|"name": "homesec"|import \{|HOMESEC_/.test(r.body)) served.push(`${a} → ${r.status}: ${r.body.slice(0, 80)}`);
      expect(r.status, a).not.toBe(500);
    }
    expect(served).toEqual([]);
    expect(d.alive()).toBe(true);
  });

  it('SSRF: notification channels and feeds pointed at the daemon itself are refused by the guard', async () => {
    const r = await d.api('POST', '/api/notify/test', { body: {}, timeoutMs: 60_000 });
    const results = JSON.parse(r.text) as { results: { channel: string; ok: boolean; error?: string }[] };
    for (const name of ['self1', 'self2', 'self3', 'self4']) {
      const res = results.results.find((x) => x.channel === name);
      expect(res?.ok, name).toBe(false);
      expect(JSON.stringify(res), name).toMatch(/own API/);
    }
    const intel = JSON.parse((await d.api('GET', '/api/intel')).text) as unknown;
    expect(JSON.stringify(intel)).toMatch(/own API/);
  });
});
