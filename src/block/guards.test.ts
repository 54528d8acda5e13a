import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildProtection, checkSubject } from './guards.js';
import { ttlForOffence, manualTtl, triggers, type PolicyConfig } from './policy.js';
import { canonicalSubject, subjectsOf } from './subjects.js';

const P = buildProtection({
  internalNetworks: ['192.168.0.0/16', '10.0.0.0/8', 'fd00::/8'],
  allowlist: ['8.8.8.8', '9.9.0.0/16', 'example.org'],
  named: [
    { cls: 'gateway', values: ['192.168.1.1', '2a02:8070::1'] },
    { cls: 'home_assistant', values: ['ha.example.net', '45.33.7.7'] },
    { cls: 'block_target', values: ['45.33.7.7'] },
  ],
});
const ip = (value: string) => ({ kind: 'ip' as const, value });
const domain = (value: string) => ({ kind: 'domain' as const, value });

describe('subjects', () => {
  it('canonicalises IPs and domains and refuses everything else (attacker-controlled text)', () => {
    expect(canonicalSubject('::ffff:45.33.1.2')).toEqual(ip('45.33.1.2'));
    expect(canonicalSubject('2001:4860:0:0:0:0:0:8888')).toEqual(ip('2001:4860::8888'));
    expect(canonicalSubject('Evil.Example.COM.')).toEqual(domain('evil.example.com'));
    expect(canonicalSubject(' x.com\n')).toEqual(domain('x.com'));
    for (const bad of ['', '45.33.1.0/24', '45.33.1.2; rm -rf /', 'a b.com', 'évil.com', '-x.com', 'x..com', 'localhost', '1.2.3', `${'a'.repeat(64)}.com`, 'x.com\nevil', 'x.123', 7, null, 'a'.repeat(300)]) {
      expect(canonicalSubject(bad), String(bad)).toBeUndefined();
    }
  });

  it('reads only the documented evidence fields, and only values of the right kind', () => {
    expect(subjectsOf({ category: 'blacklist', sourceIp: '192.168.1.5', evidence: { external_ip: 'evil.com' } })).toEqual([]);
    expect(subjectsOf({ category: 'beaconing', sourceIp: '192.168.1.5', evidence: { destination: ['45.33.1.1'] } })).toEqual([]);
    expect(subjectsOf({ category: 'dns_blacklist', sourceIp: '192.168.1.5', evidence: { listed: '45.33.1.1' } })).toEqual([]);
    expect(subjectsOf({ category: 'port_scan', sourceIp: '45.33.1.1', evidence: {} })).toEqual([]);
    expect(subjectsOf({ category: 'vulnerability', sourceIp: '45.33.1.1', evidence: { external_ip: '45.33.1.2' } })).toEqual([]);
  });
});

describe('guards', () => {
  it('names the most specific protected class', () => {
    expect(checkSubject(ip('192.168.1.1'), P)).toMatchObject({ ok: false, cls: 'gateway' });
    expect(checkSubject(ip('2a02:8070::1'), P)).toMatchObject({ ok: false, cls: 'gateway' });
    expect(checkSubject(ip('45.33.7.7'), P)).toMatchObject({ ok: false, cls: 'home_assistant' });
    expect(checkSubject(ip('192.168.1.2'), P)).toMatchObject({ ok: false, cls: 'internal_network' });
    expect(checkSubject(ip('fd00::5'), P)).toMatchObject({ ok: false, cls: 'internal_network' });
    expect(checkSubject(ip('9.9.9.9'), P)).toMatchObject({ ok: false, cls: 'allowlist', detail: '9.9.9.9 is inside the allowlisted 9.9.0.0/16' });
    expect(checkSubject(ip('45.33.7.8'), P, '45.33.7.8')).toMatchObject({ ok: false, cls: 'admin_client' });
    expect(checkSubject(ip('45.33.7.8'), P)).toEqual({ ok: true });
    expect(checkSubject(ip('2001:4860::8888'), P)).toEqual({ ok: true });
  });

  it('refuses special ranges and non-canonical values', () => {
    for (const v of ['0.0.0.0', '255.255.255.255', '224.0.0.1', '169.254.1.1', '172.16.0.1', '100.64.0.1', '198.18.0.1', '203.0.113.5', '::1', '::', 'fe80::1', 'ff02::1', '2001:db8::1']) {
      expect(checkSubject(ip(v), P), v).toMatchObject({ ok: false, cls: 'non_public' });
    }
    expect(checkSubject(ip('045.33.7.8'), P)).toMatchObject({ ok: false, cls: 'invalid' });
    expect(checkSubject(domain('45.33.7.8'), P)).toMatchObject({ ok: false, cls: 'invalid' });
    expect(checkSubject(ip('2001:4860:0::8888'), P)).toMatchObject({ ok: false, cls: 'invalid' });
  });

  it('protects domains in both directions and refuses suffixes and local names', () => {
    expect(checkSubject(domain('mail.example.org'), P)).toMatchObject({ ok: false, cls: 'allowlist' });
    expect(checkSubject(domain('example.net'), P)).toMatchObject({ ok: false, cls: 'home_assistant', detail: 'blocking example.net would also block ha.example.net, a Home Assistant host name' });
    expect(checkSubject(domain('org'), P)).toMatchObject({ ok: false });
    expect(checkSubject(domain('github.io'), P)).toMatchObject({ ok: false, cls: 'public_suffix' });
    expect(checkSubject(domain('printer.home.arpa'), P)).toMatchObject({ ok: false, cls: 'non_public' });
    expect(checkSubject(domain('router.fritz.box'), P)).toMatchObject({ ok: false, cls: 'non_public' });
    expect(checkSubject(domain('evil.duckdns.org'), P)).toEqual({ ok: true });
    expect(checkSubject(domain('c2.example.com'), P)).toEqual({ ok: true });
  });

  it('never allows an address inside an internal network (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffff }), (n) => {
        const v = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
        return !checkSubject(ip(v), P).ok;
      }),
    );
  });
});

describe('policy', () => {
  const c: PolicyConfig = {
    block_trigger_categories: ['blacklist', 'beaconing'],
    block_min_severity: 'high',
    block_ttl_minutes: 60,
    block_escalation_factor: 4,
    block_max_ttl_hours: 168,
    block_offence_memory_days: 30,
  };
  it('triggers on listed categories at or above the severity, never on dismissed findings', () => {
    expect(triggers({ category: 'blacklist', severity: 'critical', dismissed: false }, c)).toBe(true);
    expect(triggers({ category: 'blacklist', severity: 'medium', dismissed: false }, c)).toBe(false);
    expect(triggers({ category: 'port_scan', severity: 'critical', dismissed: false }, c)).toBe(false);
    expect(triggers({ category: 'beaconing', severity: 'high', dismissed: true }, c)).toBe(false);
  });
  it('escalates by the factor and stops at the maximum; manual durations are capped too', () => {
    expect([1, 2, 3, 4, 5, 1000].map((n) => ttlForOffence(n, c) / 3_600_000)).toEqual([1, 4, 16, 64, 168, 168]);
    expect(manualTtl(30, 1, c)).toBe(1_800_000);
    expect(manualTtl(1_000_000, 1, c)).toBe(168 * 3_600_000);
    expect(manualTtl(undefined, 2, c)).toBe(4 * 3_600_000);
  });
});
