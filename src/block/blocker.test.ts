import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../config/schema.js';
import type { Finding } from '../findings/types.js';
import { TargetError } from './target.js';
import { blacklistHit, blockHarness, fakeTarget, type BlockHarness } from './test-kit.js';

const open: BlockHarness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.stop();
});

async function setup(cfg: Partial<ConfigInput> = {}, o: Parameters<typeof blockHarness>[1] = {}) {
  const fw = fakeTarget('fw', { expiry: true });
  const alias = fakeTarget('alias', { ownership: 'ledger' });
  const dns = fakeTarget('dns', { kinds: ['domain'] });
  const h = await blockHarness(cfg, { targets: [fw, alias, dns], ...o });
  open.push(h);
  return { h, fw, alias, dns };
}

const HOUR = 3_600_000;
const auditOf = (h: BlockHarness, action?: string) => h.blocker.audit(1000).filter((a) => action === undefined || a.action === action);
const report = async (h: BlockHarness, r = blacklistHit('45.33.100.7')) => {
  h.findings.report({ ...r, atMs: h.clock.now() });
  await h.blocker.idle();
};
/** A finding as the store would emit it, for feeding the engine directly. */
const finding = (p: Partial<Finding> & Pick<Finding, 'key' | 'category' | 'evidence'>): Finding => ({
  severity: 'high',
  sourceIp: '192.168.1.50',
  title: p.key,
  detail: '',
  firstSeenMs: 0,
  lastSeenMs: 0,
  occurrences: 1,
  dismissed: false,
  ...p,
});

describe('automatic blocks from findings', () => {
  it('a blacklist hit blocks the external address on every IP target, with the finding as reason and an expiry', async () => {
    const { h, fw, alias, dns } = await setup();
    await report(h);
    const [b] = h.blocker.active();
    expect(b).toMatchObject({ value: '45.33.100.7', kind: 'ip', source: 'auto', findingKey: 'blacklist:192.168.1.50:45.33.100.7', offence: 1, dryRun: false, expiresMs: h.clock.now() + HOUR });
    expect(b?.reason).toContain('talked to a blacklisted address');
    expect([...fw.entries.keys()]).toEqual(['45.33.100.7']);
    expect(fw.entries.get('45.33.100.7')?.expiresMs).toBe(h.clock.now() + HOUR);
    expect([...alias.entries.keys()]).toEqual(['45.33.100.7']);
    expect(dns.entries.size).toBe(0);
    expect(auditOf(h, 'block')[0]).toMatchObject({ value: '45.33.100.7', actor: 'auto', result: 'ok' });
    expect(auditOf(h, 'block')[0]?.detail).toContain('for 1h (offence 1); targets: fw, alias');
  });

  it('each trigger category blocks what it names; internal scans, dismissed and low findings block nothing', async () => {
    const { h, fw, dns } = await setup({ block_trigger_categories: 'blacklist,dns_blacklist,beaconing,port_scan,dns_tunnel' });
    h.blocker.onFinding(finding({ key: 'beaconing:192.168.1.5:203.0.113.99', category: 'beaconing', evidence: { destination: '93.184.216.34' } }));
    h.blocker.onFinding(finding({ key: 'port_scan:45.33.32.156', category: 'port_scan', sourceIp: '45.33.32.156', evidence: { direction: 'inbound' } }));
    h.blocker.onFinding(finding({ key: 'port_scan:45.33.32.157', category: 'port_scan', sourceIp: '45.33.32.157', evidence: { direction: 'internal' } }));
    h.blocker.onFinding(finding({ key: 'dns_blacklist:192.168.1.5:evil.example.com', category: 'dns_blacklist', evidence: { listed: 'evil.example.com' } }));
    h.blocker.onFinding(finding({ key: 'dns_tunnel:192.168.1.5:t.example.net', category: 'dns_tunnel', evidence: { variant: 'encoded_subdomains', parent: 't.example.net' } }));
    h.blocker.onFinding(finding({ key: 'dns_tunnel:192.168.1.6', category: 'dns_tunnel', evidence: { variant: 'record_volume', parent: 'x.example.net' } }));
    h.blocker.onFinding(finding({ key: 'blacklist:192.168.1.5:bad.example.org', category: 'blacklist', evidence: { name: 'bad.example.org', feeds: ['urlhaus'] } }));
    h.blocker.onFinding(finding({ key: 'blacklist:192.168.1.7:45.33.100.1', category: 'blacklist', dismissed: true, evidence: { external_ip: '45.33.100.1' } }));
    h.blocker.onFinding(finding({ key: 'blacklist:192.168.1.8:45.33.100.2', category: 'blacklist', severity: 'medium', evidence: { external_ip: '45.33.100.2' } }));
    h.blocker.onFinding(finding({ key: 'high_egress:192.168.1.9', category: 'high_egress', evidence: { external_ip: '45.33.100.3' } }));
    await h.blocker.idle();
    expect(h.blocker.active().map((b) => b.value).sort()).toEqual(['45.33.32.156', '93.184.216.34', 'bad.example.org', 'evil.example.com', 't.example.net']);
    expect([...fw.entries.keys()].sort()).toEqual(['45.33.32.156', '93.184.216.34']);
    expect([...dns.entries.keys()].sort()).toEqual(['bad.example.org', 'evil.example.com', 't.example.net']);
  });

  it('a repeat report of a blocked subject changes nothing; a new offence after expiry escalates, capped at the maximum', async () => {
    const { h, fw } = await setup({ block_ttl_minutes: 60, block_escalation_factor: 4, block_max_ttl_hours: 10 });
    await report(h);
    await report(h);
    expect(auditOf(h, 'block')).toHaveLength(1);
    const ttls: number[] = [];
    for (let i = 0; i < 3; i++) {
      const b = h.blocker.active()[0];
      ttls.push((b?.expiresMs ?? 0) - (b?.createdMs ?? 0));
      await h.clock.advance((b?.expiresMs ?? 0) - h.clock.now() + 1000);
      await h.blocker.idle();
      expect(h.blocker.active()).toEqual([]);
      expect(fw.entries.size).toBe(0);
      await report(h);
    }
    expect(ttls).toEqual([HOUR, 4 * HOUR, 10 * HOUR]);
    expect(h.blocker.active()[0]?.offence).toBe(4);
    expect(auditOf(h, 'expire')).toHaveLength(3);
  });
});

describe('safety guards (hostile-input catalogue 31)', () => {
  const protectedCases: [string, string, string][] = [
    ['gateway (routing table)', '192.168.1.1', 'gateway'],
    ['gateway (configured, public)', '203.0.113.1', 'gateway'],
    ['DNS resolver (resolv.conf)', '192.168.1.2', 'dns_resolver'],
    ['DNS resolver (dns_local_resolvers)', '9.9.9.9', 'dns_resolver'],
    ['Home Assistant (ha_url host)', '45.33.100.60', 'home_assistant'],
    ['Home Assistant (resolved ha_url name)', '45.33.100.61', 'home_assistant'],
    ['this homesec host', '45.33.100.200', 'homesec_host'],
    ['a block target (OPNsense URL host)', '45.33.100.70', 'block_target'],
    ['allowlisted IP', '1.1.1.1', 'allowlist'],
    ['allowlisted CIDR', '8.8.4.4', 'allowlist'],
    ['internal network', '192.168.7.7', 'internal_network'],
    ['loopback', '127.0.0.1', 'non_public'],
    ['link-local', 'fe80::1', 'non_public'],
    ['CGNAT', '100.64.3.4', 'non_public'],
    ['documentation range', '2001:db8::5', 'non_public'],
    ['allowlisted domain', 'www.example.org', 'allowlist'],
    ['parent of an allowlisted domain', 'example.org', 'allowlist'],
    ['public suffix', 'co.uk', 'public_suffix'],
    ['private-section public suffix', 'duckdns.org', 'public_suffix'],
    ['local name', 'nas.lan', 'non_public'],
    ['Home Assistant name', 'ha.example.net', 'home_assistant'],
  ];
  const cfg: Partial<ConfigInput> = {
    block_gateways: '203.0.113.1',
    dns_local_resolvers: '9.9.9.9',
    ha_url: 'http://45.33.100.60:8123',
    mqtt_url: 'mqtt://ha.example.net:1883',
    block_opnsense_url: 'https://45.33.100.70',
    block_allowlist: '1.1.1.1, 8.8.0.0/16, example.org',
  };
  const resolve = async (name: string) => (name === 'ha.example.net' ? ['45.33.100.61'] : []);

  it.each(protectedCases)('refuses %s and logs the class; no target is touched', async (_what, value, cls) => {
    const { h, fw, alias, dns } = await setup(cfg, { resolve });
    const kind = /^[\d.]+$|:/.test(value) ? 'ip' : 'domain';
    h.blocker.onFinding(
      kind === 'ip'
        ? finding({ key: `blacklist:192.168.1.5:${value}`, category: 'blacklist', evidence: { external_ip: value } })
        : finding({ key: `dns_blacklist:192.168.1.5:${value}`, category: 'dns_blacklist', evidence: { listed: value } }),
    );
    const manual = await h.blocker.block({ value, reason: 'by hand' });
    await h.blocker.idle();
    expect(h.blocker.active()).toEqual([]);
    expect(manual).toMatchObject({ ok: false, code: 'refused', guard: cls });
    const refusals = auditOf(h, 'refuse');
    expect(refusals.map((a) => [a.actor, a.value, a.guard, a.result])).toEqual([
      ['api', value, cls, 'refused'],
      ['auto', value, cls, 'refused'],
    ]);
    for (const t of [fw, alias, dns]) expect(t.ops.filter((op) => op.startsWith('add'))).toEqual([]);
    expect(h.metrics.get('homesec_block_refused_total', { guard: cls })).toBe(2);
  });

  it('refuses the address the manual request comes from', async () => {
    const { h, fw } = await setup();
    expect(await h.blocker.block({ value: '45.33.100.44', reason: 'oops', actorIp: '::ffff:45.33.100.44' })).toMatchObject({ ok: false, code: 'refused', guard: 'admin_client' });
    expect(fw.entries.size).toBe(0);
    expect(auditOf(h, 'refuse')[0]).toMatchObject({ guard: 'admin_client', actor: 'api' });
  });

  it('a repeated automatic refusal is logged once an hour but always counted; each logged one raises block.changed (live views)', async () => {
    const { h } = await setup();
    const changed: string[] = [];
    h.bus.on('block.changed', (e) => changed.push(`${e.action}:${e.value ?? ''}`));
    for (let i = 1; i <= 5; i++) h.blocker.onFinding(finding({ key: 'blacklist:192.168.1.5:192.168.1.1', category: 'blacklist', occurrences: i, evidence: { external_ip: '192.168.1.1' } }));
    expect(auditOf(h, 'refuse')).toHaveLength(1);
    expect(h.metrics.get('homesec_block_refused_total', { guard: 'gateway' })).toBe(5);
    await h.clock.advance(HOUR + 1);
    h.blocker.onFinding(finding({ key: 'blacklist:192.168.1.5:192.168.1.1', category: 'blacklist', occurrences: 6, evidence: { external_ip: '192.168.1.1' } }));
    expect(auditOf(h, 'refuse')).toHaveLength(2);
    expect(changed).toEqual(['refuse:192.168.1.1', 'refuse:192.168.1.1']);
  });

  it('a block that becomes protected (allowlist added) is dropped at start and never pushed again', async () => {
    const { h, fw } = await setup();
    await report(h);
    expect(fw.entries.size).toBe(1);
    await h.restart({ block_allowlist: '45.33.100.0/24' });
    expect(h.blocker.active()).toEqual([]);
    expect(fw.entries.size).toBe(0);
    expect(auditOf(h, 'unblock')[0]).toMatchObject({ actor: 'system', reason: 'now protected', guard: 'allowlist' });
  });
});

describe('caps (hostile-input catalogue 32)', () => {
  it('the active cap pauses automation, raises a finding through the findings store and is audit-logged; manual blocks at the cap are refused', async () => {
    const { h, fw } = await setup({ block_max_active: 3, block_max_per_hour: 100 });
    for (let i = 1; i <= 6; i++) await report(h, blacklistHit(`45.33.100.${i}`));
    expect(h.blocker.active()).toHaveLength(3);
    expect(fw.entries.size).toBe(3);
    const st = h.blocker.status();
    expect(st.paused).toMatchObject({ reason: 'active_cap' });
    expect(st.skippedWhilePaused).toBe(2);
    const f = h.findings.get('block_paused:active_cap');
    expect(f).toMatchObject({ category: 'block_paused', severity: 'high', sourceIp: '45.33.100.4' });
    expect(f?.title).toContain('3 blocks are active (block_max_active 3)');
    expect(auditOf(h, 'cap')).toHaveLength(1);
    expect(auditOf(h, 'pause')).toHaveLength(1);
    expect(await h.blocker.block({ value: '45.33.100.50', reason: 'by hand' })).toMatchObject({ ok: false, code: 'cap' });
    // Resume: automation works again once there is room.
    await h.blocker.unblock('45.33.100.1', 'false positive');
    expect(h.blocker.resume()).toMatchObject({ reason: 'active_cap' });
    expect(h.blocker.status().paused).toBeNull();
    await report(h, blacklistHit('45.33.100.9'));
    expect(h.blocker.active().map((b) => b.value)).toContain('45.33.100.9');
  });

  it('the hourly cap pauses automation; the pause survives a restart until resumed', async () => {
    const { h } = await setup({ block_max_per_hour: 2 });
    for (let i = 1; i <= 4; i++) await report(h, blacklistHit(`45.33.100.${i}`));
    expect(h.blocker.active()).toHaveLength(2);
    expect(h.blocker.status().paused).toMatchObject({ reason: 'hourly_cap' });
    expect(h.findings.get('block_paused:hourly_cap')?.title).toContain('2 automatic blocks in the last hour');
    await h.restart();
    expect(h.blocker.status().paused).toMatchObject({ reason: 'hourly_cap' });
    await report(h, blacklistHit('45.33.100.20'));
    expect(h.blocker.active()).toHaveLength(2);
    h.blocker.resume();
    await h.clock.advance(HOUR);
    await report(h, blacklistHit('45.33.100.21'));
    expect(h.blocker.active().map((b) => b.value)).toContain('45.33.100.21');
  });

  it('100,000 candidates against a target that reports "set is full": hard cap, partial failure logged not fatal, release-all works', async () => {
    const { h, fw, alias } = await setup({ block_max_active: 50, block_max_per_hour: 10_000 });
    fw.capacity = 20;
    for (let i = 0; i < 100_000; i++) {
      const ip = `${20 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.9`;
      h.blocker.onFinding(finding({ key: `blacklist:192.168.1.5:${ip}`, category: 'blacklist', evidence: { external_ip: ip } }));
    }
    await h.blocker.idle();
    expect(h.blocker.active()).toHaveLength(50);
    expect(alias.entries.size).toBe(50);
    expect(fw.entries.size).toBe(20);
    const st = h.blocker.status();
    expect(st.paused?.reason).toBe('active_cap');
    expect(st.skippedWhilePaused).toBe(100_000 - 51);
    expect(st.targets.find((t) => t.name === 'fw')).toMatchObject({ state: 'ok', failed: 30 });
    expect(auditOf(h, 'target_error')[0]?.reason).toBe('fw refused 30 entries');
    expect(h.blocker.audit(1000).length).toBeLessThan(60);
    const r = await h.blocker.releaseAll('flood');
    expect(r.released).toBe(50);
    expect(fw.entries.size + alias.entries.size).toBe(0);
  });
});

describe('kill switch, dry run, expiry, restart, reconcile', () => {
  it('release-all empties every target of homesec entries (tagged or in the ledger), keeps foreign ones, and pauses automation', async () => {
    const { h, fw, alias, dns } = await setup();
    await report(h, blacklistHit('45.33.100.1'));
    await report(h, blacklistHit('45.33.100.2'));
    await h.blocker.block({ value: 'c2.example.com', reason: 'by hand' });
    fw.entries.set('203.0.113.50', { owned: false });
    fw.entries.set('203.0.113.51', { owned: true });
    alias.entries.set('203.0.113.52', {});
    dns.entries.set('ads.example.net', { owned: false });
    const r = await h.blocker.releaseAll('panic');
    expect(r.released).toBe(3);
    expect(r.paused?.reason).toBe('release_all');
    expect([...fw.entries.keys()]).toEqual(['203.0.113.50']);
    expect([...alias.entries.keys()]).toEqual(['203.0.113.52']);
    expect([...dns.entries.keys()]).toEqual(['ads.example.net']);
    expect(h.blocker.active()).toEqual([]);
    expect(auditOf(h, 'release_all')[0]).toMatchObject({ reason: 'panic', detail: expect.stringContaining('3 blocks released') });
    await report(h, blacklistHit('45.33.100.3'));
    expect(h.blocker.active()).toEqual([]);
    expect(h.findings.get('block_paused:release_all')).toBeUndefined();
  });

  it('release-all works with blocking disabled (the kill switch always works)', async () => {
    const { h, fw } = await setup();
    await report(h);
    await h.restart({ block_enable: false });
    expect(await h.blocker.block({ value: '45.33.100.9', reason: 'x' })).toMatchObject({ ok: false, code: 'disabled' });
    await report(h, blacklistHit('45.33.100.10'));
    expect(fw.entries.size).toBe(1);
    await h.blocker.releaseAll('off');
    expect(fw.entries.size).toBe(0);
  });

  it('dry run records decisions and touches no target at all (no call, not even a list)', async () => {
    const { h, fw, alias, dns } = await setup({ block_dry_run: true });
    await report(h);
    const manual = await h.blocker.block({ value: 'c2.example.com', reason: 'by hand' });
    expect(manual).toMatchObject({ ok: true, dryRun: true });
    await h.blocker.reconcile();
    await h.clock.advance(10 * 60_000);
    await h.blocker.unblock('c2.example.com', 'x');
    await h.blocker.releaseAll('x');
    await h.blocker.idle();
    for (const t of [fw, alias, dns]) expect(t.ops).toEqual([]);
    expect(auditOf(h, 'block').map((a) => a.result)).toEqual(['dry_run', 'dry_run']);
    expect(h.blocker.status().targets.map((t) => t.state)).toEqual(['dry_run', 'dry_run', 'dry_run']);
  });

  it('switching dry run off discards dry-run decisions instead of enforcing them', async () => {
    const { h, fw } = await setup({ block_dry_run: true });
    await report(h);
    await h.restart({ block_dry_run: false });
    expect(h.blocker.active()).toEqual([]);
    expect(fw.ops.filter((o) => o.startsWith('add'))).toEqual([]);
    expect(auditOf(h, 'discard')[0]?.value).toBe('45.33.100.7');
  });

  it('blocks and their expiry survive a restart; one that expired while stopped is removed at start', async () => {
    const { h, alias } = await setup();
    await report(h, blacklistHit('45.33.100.1'));
    await h.clock.advance(30 * 60_000);
    await report(h, blacklistHit('45.33.100.2'));
    await h.blocker.stop();
    await h.clock.advance(45 * 60_000);
    await h.restart();
    expect(h.blocker.active().map((b) => b.value)).toEqual(['45.33.100.2']);
    expect([...alias.entries.keys()]).toEqual(['45.33.100.2']);
    expect(auditOf(h, 'expire')[0]).toMatchObject({ value: '45.33.100.1', actor: 'system' });
  });

  it('reconcile repairs manual edits: re-adds deleted entries, removes homesec extras, keeps foreign entries, rewrites a wrong expiry', async () => {
    const { h, fw, alias } = await setup({ block_reconcile_minutes: 5 });
    await report(h, blacklistHit('45.33.100.1'));
    await report(h, blacklistHit('45.33.100.2'));
    fw.entries.delete('45.33.100.1');
    fw.entries.set('203.0.113.60', { owned: true });
    fw.entries.set('203.0.113.61', { owned: false });
    fw.entries.set('45.33.100.2', { owned: true, expiresMs: h.clock.now() + 100 * HOUR });
    alias.entries.delete('45.33.100.2');
    alias.entries.set('203.0.113.62', {});
    await h.clock.advance(5 * 60_000);
    await h.blocker.idle();
    expect([...fw.entries.keys()].sort()).toEqual(['203.0.113.61', '45.33.100.1', '45.33.100.2']);
    expect(fw.entries.get('45.33.100.2')?.expiresMs).toBe(h.blocker.active().find((b) => b.value === '45.33.100.2')?.expiresMs);
    expect([...alias.entries.keys()].sort()).toEqual(['203.0.113.62', '45.33.100.1', '45.33.100.2']);
    expect(h.blocker.status().targets.find((t) => t.name === 'fw')).toMatchObject({ state: 'ok', entries: 2 });
  });

  it('an address homesec pushed, that left the target by hand, is forgotten: the admin adding it later keeps it', async () => {
    const { h, alias } = await setup();
    await report(h, blacklistHit('45.33.100.1'));
    alias.entries.delete('45.33.100.1');
    await h.blocker.unblock('45.33.100.1', 'false positive');
    alias.entries.set('45.33.100.1', {});
    await h.blocker.reconcile();
    expect([...alias.entries.keys()]).toEqual(['45.33.100.1']);
  });

  it('a failing target is reported (once), retried at the next reconcile, and does not hold back the others', async () => {
    const { h, fw, alias } = await setup();
    fw.failWith = new TargetError('auth', 'HTTP 401 (check the credentials)');
    await report(h, blacklistHit('45.33.100.1'));
    await report(h, blacklistHit('45.33.100.2'));
    expect([...alias.entries.keys()]).toHaveLength(2);
    expect(h.blocker.status().targets.find((t) => t.name === 'fw')).toMatchObject({ state: 'error', lastError: 'auth: HTTP 401 (check the credentials)' });
    expect(auditOf(h, 'target_error')).toHaveLength(1);
    fw.failWith = undefined;
    await h.clock.advance(5 * 60_000);
    await h.blocker.idle();
    expect([...fw.entries.keys()].sort()).toEqual(['45.33.100.1', '45.33.100.2']);
    expect(h.blocker.status().targets.find((t) => t.name === 'fw')?.state).toBe('ok');
  });

  it('a manual block of a blocked subject extends it; unblock removes it everywhere', async () => {
    const { h, fw } = await setup();
    await report(h);
    const r = await h.blocker.block({ value: '45.33.100.7', reason: 'keep it longer', ttlMinutes: 600 });
    expect(r).toMatchObject({ ok: true, already: true, block: { source: 'manual', reason: 'keep it longer', expiresMs: h.clock.now() + 10 * HOUR } });
    expect(fw.entries.get('45.33.100.7')?.expiresMs).toBe(h.clock.now() + 10 * HOUR);
    expect(await h.blocker.unblock('45.33.100.8', 'x')).toMatchObject({ ok: false, code: 'not_found' });
    expect(await h.blocker.unblock('45.33.100.7', 'fine')).toMatchObject({ ok: true });
    expect(fw.entries.size).toBe(0);
    expect(auditOf(h).map((a) => a.action)).toEqual(['unblock', 'extend', 'block']);
  });
});
