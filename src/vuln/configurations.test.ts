import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Service } from '../scan/types.js';
import { candidatesFor, platformFacts, type Candidate, type PlatformFacts } from './candidates.js';
import { compile, evaluate, MAYBE, NO, YES, type CompiledConfiguration, type Tri } from './configurations.js';
import { buildIndex, matchHost } from './match-index.js';
import type { ConfigurationRecord } from './types.js';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata', 'configurations');

interface CaseHost {
  product?: string;
  distro?: string;
  osHint?: string;
}
type Case = [version: string, expected: 'affected' | 'possible' | 'no', host?: CaseHost];
interface Entry {
  id: string;
  service: { product: string; tech?: string };
  configurations: ConfigurationRecord[];
  cases: Case[];
}

const entries: Entry[] = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .flatMap((f) => (JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')) as { entries: Entry[] }).entries);

function serviceFor(entry: Entry, c: Case): Service {
  const [version, , host] = c;
  const s: Service = { port: 1, protocol: 'tcp', name: 'test', method: 'banner', confidence: 10 };
  if (entry.service.tech && !host?.product) {
    s.http = {
      status: 200,
      technologies: [{ name: entry.service.tech, confidence: 100, categories: ['CMS', 'Blogs'], ...(version ? { version } : {}) }],
    };
  } else {
    s.product = host?.product ?? entry.service.product;
    if (version) s.version = version;
  }
  if (host?.distro) s.distro = host.distro;
  if (host?.osHint) s.osHint = host.osHint;
  return s;
}

function label(t: Tri): string {
  return t === YES ? 'affected' : t === MAYBE ? 'possible' : 'no';
}

function best(configs: CompiledConfiguration[], candidates: Candidate[], facts: PlatformFacts): Tri {
  let r: Tri = NO;
  for (const c of candidates) {
    const e = evaluate(configs, c, { facts, others: candidates.filter((o) => o !== c) });
    if (e.result > r) r = e.result;
  }
  return r;
}

describe('NVD configurations: real CVE records, table-driven', () => {
  it('the table holds at least 40 real CVE configurations and 200 cases', () => {
    expect(entries.filter((e) => e.configurations.length > 0).length).toBeGreaterThanOrEqual(40);
    expect(entries.reduce((n, e) => n + e.cases.length, 0)).toBeGreaterThanOrEqual(200);
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
  });

  const rows = entries.flatMap((e) => e.cases.map((c) => ({ e, c, name: `${e.id} ${c[2]?.product ?? e.service.product} ${JSON.stringify(c[0])}${c[2]?.distro ? ` on ${c[2].distro}` : ''}${c[2]?.osHint ? ` on ${c[2].osHint}` : ''} → ${c[1]}` })));
  it.each(rows)('$name', ({ e, c }) => {
    const service = serviceFor(e, c);
    const candidates = candidatesFor(service);
    const facts = platformFacts({ services: [service] }, service);
    expect(label(best(compile(e.configurations).configurations, candidates, facts))).toBe(c[1]);
  });

  it("the indexed matcher (with its fast path for plain configurations) agrees on every case", () => {
    const index = buildIndex(
      entries.map((e) => ({ id: e.id, description: '', configurations: e.configurations })),
      { minYear: 0 },
    );
    expect(index.fast.size).toBeGreaterThan(10);
    expect(index.slow.size).toBeGreaterThan(3);
    for (const e of entries) {
      for (const c of e.cases) {
        const r = matchHost(index, { ip: '192.0.2.1', services: [serviceFor(e, c)] }, { kev: () => undefined });
        const m = r.services.flatMap((s) => [...s.affected, ...s.possible]).find((x) => x.cve === e.id);
        expect(m?.status === 'affected' ? 'affected' : m?.status === 'possible' ? 'possible' : 'no', `${e.id} ${JSON.stringify(c)}`).toBe(c[1]);
      }
    }
  });
});

describe('configuration logic beyond the real records', () => {
  const svc = (product: string, version?: string): Candidate[] =>
    candidatesFor({ port: 1, protocol: 'tcp', name: 'x', method: 'banner', confidence: 10, product, ...(version ? { version } : {}) });
  const cfg = (json: object[]): CompiledConfiguration[] => compile(json as ConfigurationRecord[]).configurations;
  const ctx = { facts: {}, others: [] };
  const ssh = 'cpe:2.3:a:openbsd:openssh:*:*:*:*:*:*:*:*';

  it('negate turns a node around; a negated node alone never matches another product', () => {
    const negatedPlatform = cfg([
      {
        operator: 'AND',
        nodes: [
          { operator: 'OR', negate: false, cpeMatch: [{ vulnerable: true, criteria: ssh, versionEndExcluding: '9.0' }] },
          { operator: 'OR', negate: true, cpeMatch: [{ vulnerable: false, criteria: 'cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*' }] },
        ],
      },
    ]);
    const [c] = svc('openssh', '8.9p1');
    expect(evaluate(negatedPlatform, c!, { facts: { family: 'linux' }, others: [] }).result).toBe(YES);
    expect(evaluate(negatedPlatform, c!, { facts: { family: 'windows' }, others: [] }).result).toBe(NO);
    expect(evaluate(negatedPlatform, c!, ctx).result).toBe(MAYBE);
    const onlyNegated = cfg([{ nodes: [{ operator: 'OR', negate: true, cpeMatch: [{ vulnerable: true, criteria: 'cpe:2.3:a:other:thing:*:*:*:*:*:*:*:*' }] }] }]);
    expect(evaluate(onlyNegated, c!, ctx).result).toBe(NO);
  });

  it('an AND node needs every entry; vendor and product wildcards match', () => {
    const both = cfg([
      {
        nodes: [
          {
            operator: 'AND',
            negate: false,
            cpeMatch: [
              { vulnerable: true, criteria: ssh, versionStartIncluding: '8.0' },
              { vulnerable: true, criteria: ssh, versionEndExcluding: '8.5' },
            ],
          },
        ],
      },
    ]);
    expect(evaluate(both, svc('openssh', '8.2p1')[0]!, ctx).result).toBe(YES);
    expect(evaluate(both, svc('openssh', '8.6p1')[0]!, ctx).result).toBe(NO);
    const wild = cfg([{ nodes: [{ operator: 'OR', negate: false, cpeMatch: [{ vulnerable: true, criteria: 'cpe:2.3:a:*:open?sh:8.*:*:*:*:*:*:*:*' }] }] }]);
    expect(evaluate(wild, svc('openssh', '8.4p1')[0]!, ctx).result).toBe(YES);
    expect(evaluate(wild, svc('openssh', '9.4p1')[0]!, ctx).result).toBe(NO);
  });

  it('excluding bounds exclude; the reasons name the range and the criteria', () => {
    const c = cfg([{ nodes: [{ operator: 'OR', negate: false, cpeMatch: [{ vulnerable: true, criteria: ssh, versionStartExcluding: '8.0', versionEndIncluding: '8.4' }] }] }]);
    expect(evaluate(c, svc('openssh', '8.0p1')[0]!, ctx).result).toBe(NO);
    expect(evaluate(c, svc('openssh', '8.4p1')[0]!, ctx).result).toBe(YES);
    const e = evaluate(c, svc('openssh', '8.1p1')[0]!, ctx);
    expect(e.criteria).toEqual([`${ssh}; > 8.0, <= 8.4`]);
    expect(e.reasons).toEqual(['OpenSSH 8.1p1 is within > 8.0, <= 8.4']);
  });

  it('a running-with application platform is tested against the other products of the host', () => {
    const plugin = cfg([
      {
        operator: 'AND',
        nodes: [
          { operator: 'OR', negate: false, cpeMatch: [{ vulnerable: true, criteria: 'cpe:2.3:a:vendor:plugin:*:*:*:*:*:*:*:*', versionEndExcluding: '2.0' }] },
          { operator: 'OR', negate: false, cpeMatch: [{ vulnerable: false, criteria: 'cpe:2.3:a:redis:redis:*:*:*:*:*:*:*:*', versionStartIncluding: '6.0' }] },
        ],
      },
    ]);
    const pluginCand = candidatesFor({ port: 1, protocol: 'tcp', name: 'x', method: 'banner', confidence: 10, cpe: ['cpe:2.3:a:vendor:plugin:1.5:*:*:*:*:*:*:*'] })[0]!;
    expect(evaluate(plugin, pluginCand, { facts: {}, others: svc('redis', '7.0.5') }).result).toBe(YES);
    expect(evaluate(plugin, pluginCand, { facts: {}, others: svc('redis', '5.0.7') }).result).toBe(NO);
    expect(evaluate(plugin, pluginCand, ctx).result).toBe(MAYBE);
  });

  it('a platform release is compared when the banner names it', () => {
    const debian12 = cfg([
      {
        operator: 'AND',
        nodes: [
          { operator: 'OR', negate: false, cpeMatch: [{ vulnerable: true, criteria: ssh }] },
          { operator: 'OR', negate: false, cpeMatch: [{ vulnerable: false, criteria: 'cpe:2.3:o:debian:debian_linux:12.0:*:*:*:*:*:*:*' }] },
        ],
      },
    ]);
    const [c] = svc('openssh', '9.2p1');
    const facts = (banner: string) =>
      platformFacts({ services: [{ port: 22, protocol: 'tcp', name: 'ssh', method: 'banner', confidence: 10, distro: 'debian', banner }] });
    expect(evaluate(debian12, c!, { facts: facts('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3'), others: [] }).result).toBe(YES);
    expect(evaluate(debian12, c!, { facts: facts('SSH-2.0-OpenSSH_8.4p1 Debian-5+deb11u3'), others: [] }).result).toBe(NO);
    expect(evaluate(debian12, c!, { facts: facts('SSH-2.0-OpenSSH_9.2p1 Debian'), others: [] }).result).toBe(MAYBE);
  });

  it('compile caps hostile sizes and drops unreadable criteria', () => {
    const many = Array.from({ length: 3000 }, (_, i) => ({ vulnerable: true, criteria: `cpe:2.3:a:v:p${i}:*:*:*:*:*:*:*:*` }));
    const r = compile([{ nodes: [{ operator: 'OR', negate: false, cpeMatch: [...many, { vulnerable: true, criteria: 'not a cpe' }] }] }]);
    expect(r.keys.length).toBe(2000);
    expect(r.dropped).toBe(1001);
  });
});
