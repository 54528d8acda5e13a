import { describe, expect, it } from 'vitest';
import { parseKevCatalog } from './kev.js';
import { buildIndex, matchHost, matchInventory, type CompileCache } from './match-index.js';
import { parseCveRecord } from './nvd-parse.js';
import { fixtureJson, host, nvdCves, svc } from './test-kit.js';
import type { CveRecord, KevEntry } from './types.js';

const records = (): CveRecord[] => nvdCves().map((c) => parseCveRecord(c) as CveRecord);
const kevCatalog = (() => {
  const r = parseKevCatalog(fixtureJson('kev.json'));
  if (!r.ok) throw new Error(r.error);
  return new Map(r.value.entries.map((e) => [e.cveID, e]));
})();
const kev = (id: string): KevEntry | undefined => kevCatalog.get(id);

const debianSsh = svc(22, {
  name: 'ssh',
  product: 'openssh',
  productName: 'OpenSSH',
  version: '9.2p1',
  distro: 'debian',
  osHint: 'linux',
  banner: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3',
});

describe('match index', () => {
  it('files CVEs by vendor:product, leaves out ones without configurations or older than minYear', () => {
    const all = buildIndex(records(), { minYear: 0 });
    expect(all.size).toBe(10);
    expect(all.byKey.get('openbsd:openssh')?.map((c) => c.record.id).sort()).toEqual(['CVE-2021-41617', 'CVE-2023-25136', 'CVE-2023-38408', 'CVE-2023-51385', 'CVE-2024-6387']);
    expect(all.byProduct.get('mosquitto')?.map((c) => c.record.id)).toEqual(['CVE-2023-28366']);
    const recent = buildIndex(records(), { minYear: 2022 });
    expect(recent.tooOld).toBe(4);
    expect(recent.byKey.get('openbsd:openssh')?.map((c) => c.record.id)).not.toContain('CVE-2021-41617');
  });

  it('reuses compiled CVEs while lastModified is unchanged', () => {
    const cache: CompileCache = new Map();
    const rs = records();
    buildIndex(rs, { minYear: 0 }, cache);
    const before = cache.get('CVE-2024-6387')?.cve;
    buildIndex(rs, { minYear: 0 }, cache);
    expect(cache.get('CVE-2024-6387')?.cve).toBe(before);
    buildIndex(rs.map((r) => (r.id === 'CVE-2024-6387' ? { ...r, lastModified: '2025-01-01T00:00:00.000' } : r)), { minYear: 0 }, cache);
    expect(cache.get('CVE-2024-6387')?.cve).not.toBe(before);
    buildIndex(rs.slice(0, 2), { minYear: 0 }, cache);
    expect(cache.size).toBe(2);
  });

  it('per service: confirmed CVEs with score, date, KEV flag, description, criteria and reasons; back-port hint', () => {
    const index = buildIndex(records(), { minYear: 0 });
    const r = matchHost(index, host('192.168.1.10', [debianSsh]), { kev });
    const s = r.services[0];
    expect(s?.label).toBe('OpenSSH 9.2p1');
    expect(s?.affected.map((m) => m.cve)).toEqual(['CVE-2023-38408', 'CVE-2023-51385', 'CVE-2024-6387']);
    expect(s?.possible).toEqual([]);
    const regre = s?.affected.find((m) => m.cve === 'CVE-2024-6387');
    expect(regre).toEqual({
      cve: 'CVE-2024-6387',
      status: 'affected',
      severity: 'high',
      cvss: { version: '3.1', score: 8.1, severity: 'high', vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H' },
      published: '2024-07-01T13:15:06.467',
      kev: false,
      description: expect.stringMatching(/^A security regression/) as unknown as string,
      criteria: ['cpe:2.3:a:openbsd:openssh:*:*:*:*:*:*:*:*; >= 8.6, < 9.8'],
      reasons: ['OpenSSH 9.2p1 is within >= 8.6, < 9.8'],
      backported: 'debian package Debian-2+deb12u3',
      product: 'openbsd:openssh',
      source: 'product_map',
    });
    expect(s?.affected.find((m) => m.cve === 'CVE-2023-38408')?.kev).toBe(true);
    expect(r).toMatchObject({ atRisk: false, backported: 3, kev: 1, counts: { critical: 2, high: 1 } });
  });

  it('no detected version: "possible", separate from confirmed, never counted as confirmed', () => {
    const index = buildIndex(records(), { minYear: 0 });
    const r = matchHost(index, host('192.168.1.11', [svc(22, { product: 'openssh' }), svc(6379, { product: 'redis', distro: 'debian' })]), { kev });
    expect(r.services.flatMap((s) => s.affected)).toEqual([]);
    expect(r.services.map((s) => [s.port, s.possible.map((m) => m.cve)])).toEqual([
      [22, ['CVE-2023-38408', 'CVE-2023-51385', 'CVE-2024-6387', 'CVE-2021-41617', 'CVE-2023-25136']],
      [6379, ['CVE-2022-0543']],
    ]);
    expect(r.services[0]?.possible[0]?.reasons).toEqual(['OpenSSH: version not detected']);
    expect(r).toMatchObject({ atRisk: false, possible: 6, counts: { critical: 0, high: 0, medium: 0 } });
  });

  it('at risk: a confirmed high/critical CVE without back-port hint (Apache 2.4.49, KEV)', () => {
    const index = buildIndex(records(), { minYear: 0 });
    const r = matchHost(index, host('192.168.1.20', [svc(80, { name: 'http', product: 'apache', productName: 'Apache httpd', version: '2.4.49' })]), { kev });
    expect(r.atRisk).toBe(true);
    expect(r.services[0]?.affected.map((m) => [m.cve, m.severity, m.kev])).toEqual([['CVE-2021-41773', 'high', true]]);
  });

  it('web-application CVEs only from a fingerprinted technology', () => {
    const index = buildIndex(records(), { minYear: 0 });
    const wp = (confidence: number) =>
      svc(80, { name: 'http', http: { status: 200, technologies: [{ name: 'WordPress', version: '5.8.2', confidence, categories: ['CMS'], cpe: 'cpe:2.3:a:wordpress:wordpress:*:*:*:*:*:*:*:*' }] } });
    expect(matchHost(index, host('h', [wp(100)]), { kev }).services[0]?.affected.map((m) => [m.cve, m.source])).toEqual([['CVE-2022-21661', 'fingerprint']]);
    expect(matchHost(index, host('h', [wp(25)]), { kev }).services).toEqual([]);
    expect(matchHost(index, host('h', [svc(80, { product: 'wordpress', version: '5.8.2' })]), { kev }).services).toEqual([]);
  });

  it('a generic banner candidate (vendor unknown) is at most possible, and says why', () => {
    const index = buildIndex(records(), { minYear: 0 });
    const r = matchHost(index, host('h', [svc(1883, { banner: 'broker mosquitto/2.0.15 ready' })]), { kev });
    expect(r.services[0]?.affected).toEqual([]);
    expect(r.services[0]?.possible.map((m) => m.cve)).toEqual(['CVE-2023-28366']);
    expect(r.services[0]?.possible[0]?.reasons.at(-1)).toBe('vendor not confirmed: matched by the product name mosquitto from the banner');
  });

  it('matchInventory skips dead hosts and hosts without matches; caps per service', () => {
    const index = buildIndex(records(), { minYear: 0 });
    const hosts = [host('192.168.1.10', [debianSsh]), host('192.168.1.12', [svc(21, { product: 'vsftpd', version: '3.0.3' })]), { ...host('192.168.1.13', [debianSsh]), alive: false }];
    expect(matchInventory(index, hosts, { kev }).map((h) => h.ip)).toEqual(['192.168.1.10']);
    const capped = matchHost(index, host('h', [debianSsh]), { kev, maxPerService: 1 });
    expect(capped.services[0]?.affected.map((m) => m.cve)).toEqual(['CVE-2023-38408']);
    expect(capped.services[0]?.dropped).toBe(2);
  });
});
