/**
 * The engine with the real OPNsense, MikroTik and Pi-hole targets built by the registry from
 * config, against loopback peers speaking their APIs: blocks land on each, manual edits on
 * each are reconciled (homesec's entries restored, homesec's extras removed, the admin's
 * own entries kept), release-all empties each of homesec's entries, a wrong password shows
 * in the status without the password.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../config/schema.js';
import { startFakeMikrotik, startFakeOpnsense, startFakePihole, type FakeMikrotik, type FakeOpnsense, type FakePihole } from './targets/fake-peers.js';
import { wildcardRegex } from './targets/pihole.js';
import { blacklistHit, blockHarness, type BlockHarness } from './test-kit.js';

const CRED = { key: 'opn-key-1234567890', secret: 'opn-secret-abcdefgh', user: 'homesec', rosPassword: 'ros-password-xyz', piPassword: 'pi-password-uvw' };
let peers: { opn: FakeOpnsense; ros: FakeMikrotik; pi: FakePihole } | undefined;
let h: BlockHarness | undefined;

afterEach(async () => {
  await h?.stop();
  h = undefined;
  if (peers) await Promise.all([peers.opn.close(), peers.ros.close(), peers.pi.close()]);
  peers = undefined;
});

async function setup(over: Partial<ConfigInput> = {}) {
  const opn = await startFakeOpnsense(CRED.key, CRED.secret, ['homesec_block']);
  const ros = await startFakeMikrotik(CRED.user, CRED.rosPassword);
  const pi = await startFakePihole(CRED.piPassword);
  peers = { opn, ros, pi };
  h = await blockHarness(
    {
      block_opnsense_url: opn.url,
      block_opnsense_key: CRED.key,
      block_opnsense_secret: CRED.secret,
      block_mikrotik_url: ros.url,
      block_mikrotik_user: CRED.user,
      block_mikrotik_password: CRED.rosPassword,
      block_pihole_url: pi.url,
      block_pihole_password: CRED.piPassword,
      ...over,
    },
    { targets: 'registry' },
  );
  return { h, opn, ros, pi };
}

const rosEntry = (id: string, address: string, comment?: string) => ({ '.id': id, list: 'homesec_block', address, ...(comment ? { comment } : {}), dynamic: 'false', disabled: 'false', 'creation-time': 'jan/01/2026 00:00:00' });
const piEntry = (id: number, domain: string, comment: string) => ({ id, domain: wildcardRegex(domain), unicode: '', type: 'deny' as const, kind: 'regex' as const, comment, groups: [0], enabled: true, date_added: 1, date_modified: 1 });

describe('blocking on OPNsense, MikroTik and Pi-hole (loopback peers)', () => {
  it('pushes blocks, reconciles manual edits on every target, and release-all leaves only the admin\'s entries', async () => {
    const { h, opn, ros, pi } = await setup();
    h.findings.report(blacklistHit('45.33.100.1', '192.168.1.50', h.clock.now()));
    h.findings.report({ ...blacklistHit('x'), key: 'dns_blacklist:192.168.1.50:c2.example.com', category: 'dns_blacklist', evidence: { listed: 'c2.example.com', name: 'a.c2.example.com' }, atMs: h.clock.now() });
    await h.blocker.idle();
    expect([...(opn.aliases.get('homesec_block') ?? [])]).toEqual(['45.33.100.1']);
    expect(opn.reconfigures).toBe(1);
    expect(ros.lists.ip.map((e) => [e.address, e.timeout, e.comment?.startsWith('homesec: ')])).toEqual([['45.33.100.1', '1h', true]]);
    expect(pi.domains.map((d) => d.domain)).toEqual([wildcardRegex('c2.example.com')]);

    // By hand on each box: homesec's entry deleted, a homesec-looking extra added, the admin's own entry added.
    opn.aliases.get('homesec_block')?.delete('45.33.100.1');
    opn.aliases.get('homesec_block')?.add('203.0.113.80');
    ros.lists.ip.splice(0, 1, rosEntry('*50', '203.0.113.81', 'homesec: stale'), rosEntry('*51', '203.0.113.82', 'the admin'));
    pi.domains.splice(0, 1, piEntry(50, 'stale.example.com', 'homesec: stale'), piEntry(51, 'ads.example.net', 'the admin'));
    await h.blocker.reconcile();
    expect([...(opn.aliases.get('homesec_block') ?? [])].sort()).toEqual(['203.0.113.80', '45.33.100.1']);
    expect(ros.lists.ip.map((e) => e.address).sort()).toEqual(['203.0.113.82', '45.33.100.1']);
    expect(pi.domains.map((d) => d.domain).sort()).toEqual([wildcardRegex('ads.example.net'), wildcardRegex('c2.example.com')].sort());
    expect(h.blocker.status().targets.map((t) => [t.name, t.state])).toEqual([
      ['opnsense', 'ok'],
      ['mikrotik', 'ok'],
      ['pihole', 'ok'],
    ]);

    await h.blocker.releaseAll('test');
    expect([...(opn.aliases.get('homesec_block') ?? [])]).toEqual(['203.0.113.80']);
    expect(ros.lists.ip.map((e) => e.address)).toEqual(['203.0.113.82']);
    expect(pi.domains.map((d) => d.domain)).toEqual([wildcardRegex('ads.example.net')]);

    await h.blocker.stop();
    expect(pi.logouts).toBe(1);
  });

  it('a wrong password shows as that target\'s error without the password; the other targets still block', async () => {
    const { h, opn, ros } = await setup({ block_mikrotik_password: 'wrong-ros-password' });
    await h.blocker.block({ value: '45.33.100.2', reason: 'by hand' });
    const st = h.blocker.status();
    const mk = st.targets.find((t) => t.name === 'mikrotik');
    expect(mk).toMatchObject({ state: 'error' });
    expect(mk?.lastError).toMatch(/^auth: HTTP 401/);
    expect(JSON.stringify(st)).not.toContain('wrong-ros-password');
    expect(JSON.stringify(h.blocker.audit(100))).not.toContain('wrong-ros-password');
    expect(ros.lists.ip).toEqual([]);
    expect([...(opn.aliases.get('homesec_block') ?? [])]).toEqual(['45.33.100.2']);
  });
});
