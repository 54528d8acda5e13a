import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../api/server.js';
import type { ConfigInput } from '../config/schema.js';
import { createSilentLogger } from '../core/logger.js';
import { createMetrics } from '../core/metrics.js';
import { createBlocklistTarget } from './blocklist-url.js';
import { blockRoutes } from './routes.js';
import { blacklistHit, blockHarness, fakeTarget, type BlockHarness } from './test-kit.js';
import type { AuditEntryView, BlockResultView, BlockStatusView, ReleaseAllResultView } from './types.js';

const TOKEN = 'tok_0123456789abcdefXYZ';
const SECRETS = { block_opnsense_key: 'opn-key-AAAA1111', block_opnsense_secret: 'opn-secret-BBBB2222', block_mikrotik_password: 'ros-pass-CCCC3333', block_pihole_password: 'pihole-pass-DDDD4444', block_list_token: TOKEN };

const open: { h: BlockHarness; app: FastifyInstance }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.app.close();
    await o.h.stop();
  }
});

async function setup(cfg: Partial<ConfigInput> = {}) {
  const fw = fakeTarget('fw');
  const h = await blockHarness({ ...SECRETS, ...cfg }, { targets: [fw] });
  // The registry builds the blocklist target from the token; the harness gets it by hand.
  h.targets.push(createBlocklistTarget({ block_list_token: TOKEN }, { clock: h.clock }));
  await h.restart({ ...SECRETS, ...cfg });
  const app = await buildApp({ log: createSilentLogger(), metrics: createMetrics(), health: () => ({}), routes: [blockRoutes(h.blocker)] });
  open.push({ h, app });
  return { h, app, fw };
}

const post = (app: FastifyInstance, url: string, payload?: unknown, remoteAddress?: string) =>
  app.inject({ method: 'POST', url, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }), ...(remoteAddress ? { remoteAddress } : {}) });

describe('block API routes', () => {
  it('status, manual block, active list, audit, unblock — shapes and codes', async () => {
    const { h, app, fw } = await setup();
    const st = (await app.inject({ url: '/api/block' })).json() as BlockStatusView;
    expect(st).toMatchObject({ enabled: true, dryRun: false, paused: null, active: 0, caps: { maxActive: 1000, maxPerHour: 30 }, triggers: { minSeverity: 'high' } });
    expect(st.targets.map((t) => [t.name, t.mode])).toEqual([
      ['fw', 'push'],
      ['blocklist_url', 'pull'],
    ]);

    const ok = await post(app, '/api/block', { value: '45.33.100.7', reason: 'seen in my logs', ttl_minutes: 30 });
    expect(ok.statusCode).toBe(200);
    const body = ok.json() as BlockResultView;
    expect(body).toMatchObject({ dryRun: false, already: false, block: { value: '45.33.100.7', kind: 'ip', source: 'manual', reason: 'seen in my logs', expiresMs: h.clock.now() + 1_800_000 } });
    expect(body.targets[0]).toMatchObject({ name: 'fw', state: 'ok', added: 1 });
    expect([...fw.entries.keys()]).toEqual(['45.33.100.7']);
    expect((await app.inject({ url: '/api/block/active' })).json()).toMatchObject({ blocks: [{ value: '45.33.100.7' }] });

    const refused = await post(app, '/api/block', { value: '192.168.1.1', reason: 'the router' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual({ error: 'refused: 192.168.1.1 is a gateway', guard: 'gateway' });
    const self = await post(app, '/api/block', { value: '45.33.100.99', reason: 'me' }, '45.33.100.99');
    expect(self.json()).toMatchObject({ guard: 'admin_client' });
    expect((await post(app, '/api/block', { value: 'not an address', reason: 'x' })).statusCode).toBe(400);
    expect((await post(app, '/api/block', { value: '45.33.100.8' })).statusCode).toBe(400);
    expect((await post(app, '/api/block', { value: 'x'.repeat(300), reason: 'x' })).statusCode).toBe(400);

    const audit = (await app.inject({ url: '/api/block/audit?limit=2' })).json() as { entries: AuditEntryView[]; nextBefore?: number };
    expect(audit.entries.map((a) => [a.action, a.guard ?? null])).toEqual([
      ['refuse', 'admin_client'],
      ['refuse', 'gateway'],
    ]);
    const older = (await app.inject({ url: `/api/block/audit?limit=2&before=${audit.nextBefore}` })).json() as { entries: AuditEntryView[] };
    expect(older.entries.map((a) => a.action)).toEqual(['block']);

    expect((await post(app, '/api/block/unblock', { value: '45.33.100.5' })).statusCode).toBe(404);
    const un = await post(app, '/api/block/unblock', { value: '45.33.100.7', reason: 'done' });
    expect(un.statusCode).toBe(200);
    expect(un.json()).toMatchObject({ value: '45.33.100.7' });
    expect(fw.entries.size).toBe(0);
  });

  it('release-all, resume and reconcile', async () => {
    const { h, app, fw } = await setup();
    h.findings.report(blacklistHit('45.33.100.1', '192.168.1.50', h.clock.now()));
    await h.blocker.idle();
    const r = (await post(app, '/api/block/release-all', { reason: 'panic' })).json() as ReleaseAllResultView;
    expect(r).toMatchObject({ released: 1, paused: { reason: 'release_all' } });
    expect(fw.entries.size).toBe(0);
    expect((await post(app, '/api/block/release-all')).statusCode).toBe(200);
    const resumed = (await post(app, '/api/block/resume')).json() as { resumed: unknown; status: BlockStatusView };
    expect(resumed.resumed).toMatchObject({ reason: 'release_all' });
    expect(resumed.status.paused).toBeNull();
    fw.entries.set('203.0.113.9', { owned: true });
    expect((await post(app, '/api/block/reconcile')).json()).toMatchObject({ targets: [{ name: 'fw', state: 'ok' }, { name: 'blocklist_url' }] });
    expect(fw.entries.size).toBe(0);
  });

  it('answers 503 for a manual block while blocking is disabled', async () => {
    const { app } = await setup({ block_enable: false });
    const r = await post(app, '/api/block', { value: '45.33.100.7', reason: 'x' });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toEqual({ error: 'blocking is disabled (block_enable)' });
  });

  it('no response carries a credential or the blocklist token', async () => {
    const { h, app } = await setup();
    h.findings.report(blacklistHit('45.33.100.1', '192.168.1.50', h.clock.now()));
    await h.blocker.idle();
    const bodies = await Promise.all(['/api/block', '/api/block/active', '/api/block/audit'].map(async (url) => (await app.inject({ url })).body));
    bodies.push((await post(app, '/api/block/reconcile')).body, (await post(app, '/api/block/release-all')).body);
    for (const body of bodies) for (const secret of Object.values(SECRETS)) expect(body).not.toContain(secret);
  });
});

describe('the plain-text blocklist URL', () => {
  it('serves enforced IPs and domains to the right token only, as plain text, never cached', async () => {
    const { h, app } = await setup();
    h.findings.report(blacklistHit('45.33.100.2', '192.168.1.50', h.clock.now()));
    h.findings.report(blacklistHit('2001:4860::8888', '192.168.1.50', h.clock.now()));
    await h.blocker.block({ value: 'c2.example.com', reason: 'x' });
    await h.blocker.idle();
    const ips = await app.inject({ url: `/blocklist/${TOKEN}/ips.txt` });
    expect(ips.statusCode).toBe(200);
    expect(ips.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(ips.headers['cache-control']).toBe('no-store');
    const lines = ips.body.split('\n');
    expect(lines[0]).toMatch(/^# homesec blocklist: IP addresses blocked now \(2\), generated 2026-/);
    expect(lines.slice(1)).toEqual(['2001:4860::8888', '45.33.100.2', '']);
    expect((await app.inject({ url: `/blocklist/${TOKEN}/domains.txt` })).body.split('\n').slice(1)).toEqual(['c2.example.com', '']);
    for (const url of [`/blocklist/${TOKEN}x/ips.txt`, '/blocklist/wrong-token-00000000/ips.txt', `/blocklist/${TOKEN}/other.txt`, `/blocklist/${TOKEN}/__proto__`, `/blocklist/${'a'.repeat(300)}/ips.txt`]) {
      const r = await app.inject({ url });
      expect([404, 414], url).toContain(r.statusCode);
      expect(r.body).not.toContain('45.33.100.2');
    }
    expect(h.blocker.status().targets.find((t) => t.name === 'blocklist_url')).toMatchObject({ fetches: 2 });
  });

  it('lists nothing in dry run and empties when blocks are released', async () => {
    const { h, app } = await setup({ block_dry_run: true });
    h.findings.report(blacklistHit('45.33.100.2', '192.168.1.50', h.clock.now()));
    await h.blocker.idle();
    expect(h.blocker.active()).toHaveLength(1);
    expect((await app.inject({ url: `/blocklist/${TOKEN}/ips.txt` })).body.split('\n').slice(1)).toEqual(['']);
  });
});
