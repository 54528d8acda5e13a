/**
 * Vulnerability-matching benchmark (issue 3): every cached CVE against an inventory of 500
 * services must take under 200 ms.
 *
 * The fixture is synthetic but shaped like NVD's cache for a home network: 20,000 CVE records
 * generated as NVD CVE API 2.0 `cve` objects (seeded PRNG, so every run sees the same data)
 * and read by the real parser. Every product has a history of 120 releases; 40% of the CVEs
 * belong to the product map's products (OpenSSH, nginx, Samba, ..., about 180 each), the rest
 * to 300 other products (as a cache filled by broad keyword searches holds). A CVE's ranges
 * end at a fix release (versionEndExcluding, sometimes Including; 40% also start some releases
 * earlier), 30% add an exact version (OpenSSH-style update fields), 15% are "running on" AND
 * configurations with a platform node (vulnerable:false: Debian, Ubuntu or Windows), 40% carry
 * another vendor's configuration (Fedora). The 500 services sit on 150 hosts and run the
 * product map's products at versions skewed to recent releases (a home device is typically a
 * few releases behind), 15% without a detected version, 30% with Debian banners, 10% with a
 * fingerprinted WordPress.
 *
 * Timed: parsing the pages, building the index (cold), and matchInventory (median of `runs`).
 * Run alone: `npx tsx bench/vuln.ts` (BENCH_QUICK=1 for fewer runs).
 */
import { pathToFileURL } from 'node:url';
import { mulberry32, randInt, type Rng } from '../src/flow/encode/random-records.js';
import type { HostScan, Service } from '../src/scan/types.js';
import { buildIndex, matchInventory } from '../src/vuln/match-index.js';
import { parseNvdPage } from '../src/vuln/nvd-parse.js';
import { PRODUCTS } from '../src/vuln/product-map.js';
import type { CveRecord } from '../src/vuln/types.js';

export const BENCH_CVES = 20_000;
export const BENCH_SERVICES = 500;
const BUDGET_MS = 200;

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[randInt(rng, 0, xs.length - 1)] as T;

interface BenchProduct {
  vp: string;
  key?: string;
  pSuffix: boolean;
  /** The product's releases, oldest first (version strings as the product writes them). */
  releases: string[];
}

const RELEASES = 120;

function timeline(rng: Rng, pSuffix: boolean): string[] {
  const out: string[] = [];
  let major = randInt(rng, 0, 3);
  let minor = 0;
  let patch = 0;
  for (let i = 0; i < RELEASES; i++) {
    const step = rng();
    if (step < 0.08) {
      major++;
      minor = 0;
      patch = 0;
    } else if (step < 0.4) {
      minor++;
      patch = 0;
    } else {
      patch++;
    }
    out.push(pSuffix ? `${major}.${minor}p${patch + 1}` : `${major}.${minor}.${patch}`);
  }
  return out;
}

function products(rng: Rng): { mapped: BenchProduct[]; other: BenchProduct[] } {
  const mapped = PRODUCTS.filter((e) => e.cpes.length > 0).map((e) => {
    const pSuffix = e.updateStyle === 'p-suffix';
    return { vp: e.cpes[0] as string, key: e.products[0], pSuffix, releases: timeline(rng, pSuffix) };
  });
  const other = Array.from({ length: 300 }, (_, i) => ({ vp: `vendor${i}:product${i}`, pSuffix: false, releases: timeline(rng, false) }));
  return { mapped, other };
}

/** A release index skewed to recent ones: home devices mostly run versions a few releases old. */
function deployedRelease(rng: Rng): number {
  return RELEASES - 1 - Math.floor(RELEASES * rng() ** 4);
}

function cpe(p: BenchProduct, v = '*', update = '*'): string {
  const [vendor, product] = p.vp.split(':');
  return `cpe:2.3:a:${vendor}:${product}:${v}:${update}:*:*:*:*:*:*`;
}

/** NVD's version field for a release (OpenSSH-style "9.2p1" is version 9.2, update p1). */
function nvdVersion(p: BenchProduct, release: string): { version: string; update: string } {
  const m = p.pSuffix ? /^(.*)(p\d+)$/.exec(release) : null;
  return m ? { version: m[1] as string, update: m[2] as string } : { version: release, update: '*' };
}

/** A vulnerable range ending at the fix release (and often starting some releases before). */
function range(rng: Rng, p: BenchProduct): Record<string, unknown> {
  const fix = randInt(rng, 1, RELEASES - 1);
  const m: Record<string, unknown> = { vulnerable: true, criteria: cpe(p), matchCriteriaId: '00000000-0000-4000-8000-000000000000' };
  if (rng() < 0.4) m.versionStartIncluding = nvdVersion(p, p.releases[Math.max(0, fix - randInt(rng, 3, 40))] as string).version;
  m[rng() < 0.85 ? 'versionEndExcluding' : 'versionEndIncluding'] = nvdVersion(p, p.releases[rng() < 0.85 ? fix : fix - 1] as string).version;
  return m;
}

/** One synthetic NVD `cve` object. */
function cveObject(rng: Rng, n: number, p: BenchProduct): Record<string, unknown> {
  const year = randInt(rng, 2015, 2025);
  const score = Math.round((2 + rng() * 8) * 10) / 10;
  const severity = score >= 9 ? 'CRITICAL' : score >= 7 ? 'HIGH' : score >= 4 ? 'MEDIUM' : 'LOW';
  const nodeMatches: Record<string, unknown>[] = [];
  for (let i = randInt(rng, 1, 3); i > 0; i--) nodeMatches.push(range(rng, p));
  if (rng() < 0.3) {
    const exact = nvdVersion(p, pick(rng, p.releases));
    nodeMatches.push({ vulnerable: true, criteria: cpe(p, exact.version, exact.update) });
  }
  const configurations: Record<string, unknown>[] = [{ nodes: [{ operator: 'OR', negate: false, cpeMatch: nodeMatches }] }];
  if (rng() < 0.15) {
    configurations[0] = {
      operator: 'AND',
      nodes: [
        { operator: 'OR', negate: false, cpeMatch: nodeMatches },
        {
          operator: 'OR',
          negate: false,
          cpeMatch: [
            { vulnerable: false, criteria: pick(rng, ['cpe:2.3:o:debian:debian_linux:12.0:*:*:*:*:*:*:*', 'cpe:2.3:o:canonical:ubuntu_linux:22.04:*:*:*:lts:*:*:*', 'cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*']) },
          ],
        },
      ],
    };
  }
  if (rng() < 0.4) configurations.push({ nodes: [{ operator: 'OR', negate: false, cpeMatch: [{ vulnerable: true, criteria: `cpe:2.3:o:fedoraproject:fedora:${randInt(rng, 30, 40)}:*:*:*:*:*:*:*` }] }] });
  return {
    id: `CVE-${year}-${String(10_000 + n)}`,
    sourceIdentifier: 'cve@mitre.org',
    published: `${year}-0${randInt(rng, 1, 9)}-1${randInt(rng, 0, 9)}T12:15:0${randInt(rng, 0, 9)}.123`,
    lastModified: `${year}-1${randInt(rng, 0, 2)}-01T00:00:00.000`,
    vulnStatus: 'Analyzed',
    descriptions: [{ lang: 'en', value: `A flaw in ${p.vp} allows a remote attacker to cause a denial of service or execute code via crafted input (synthetic record ${n}).` }],
    metrics: {
      cvssMetricV31: [
        { source: 'nvd@nist.gov', type: 'Primary', cvssData: { version: '3.1', vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: score, baseSeverity: severity } },
      ],
    },
    configurations,
  };
}

/** The synthetic NVD pages (2,000 per page, as the API's maximum) and the 500-service inventory. */
export function vulnFixture(seed = 0x5eed, cves = BENCH_CVES, services = BENCH_SERVICES): { pages: unknown[]; hosts: HostScan[] } {
  const rng = mulberry32(seed);
  const { mapped, other } = products(rng);
  const vulns = Array.from({ length: cves }, (_, n) => ({ cve: cveObject(rng, n, rng() < 0.4 ? pick(rng, mapped) : pick(rng, other)) }));
  const pages: unknown[] = [];
  for (let i = 0; i < vulns.length; i += 2000) {
    pages.push({ resultsPerPage: 2000, startIndex: i, totalResults: vulns.length, format: 'NVD_CVE', version: '2.0', vulnerabilities: vulns.slice(i, i + 2000) });
  }
  const networkProducts = mapped.filter((p) => p.key !== undefined && !['wordpress', 'woocommerce', 'drupal', 'joomla', 'phpmyadmin', 'nextcloud', 'pi-hole', 'grafana'].includes(p.key));
  const hosts: HostScan[] = [];
  for (let s = 0; s < services; s++) {
    const hostIndex = s % 150;
    let host = hosts[hostIndex];
    if (!host) {
      host = { ip: `192.168.${Math.floor(hostIndex / 250)}.${(hostIndex % 250) + 2}`, alive: true, aliveBy: 'tcp', openPorts: [], closedCount: 0, filteredCount: 0, services: [], hints: [], scannedAtMs: 0, durationMs: 1 };
      hosts[hostIndex] = host;
    }
    const p = pick(rng, networkProducts);
    const port = 1000 + s;
    const service: Service = { port, protocol: 'tcp', name: 'bench', product: p.key as string, method: 'banner', confidence: 10 };
    if (rng() < 0.85) service.version = p.releases[deployedRelease(rng)] as string;
    if (rng() < 0.3) {
      service.distro = 'debian';
      service.banner = `${p.key} ${service.version ?? ''} Debian-1+deb12u1`;
    }
    if (rng() < 0.1) {
      const wp = mapped.find((m) => m.key === 'wordpress') as BenchProduct;
      service.http = { status: 200, technologies: [{ name: 'WordPress', version: wp.releases[deployedRelease(rng)] as string, confidence: 100, categories: ['CMS'] }] };
    }
    host.services.push(service);
    host.openPorts.push(port);
  }
  return { pages, hosts };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

export interface VulnBenchResult {
  cves: number;
  services: number;
  parseMs: number;
  indexMs: number;
  matchMs: number;
  runs: number;
  affected: number;
  possible: number;
  hostsAtRisk: number;
}

/** Generates the fixture, parses it, builds the index and times matching (median of `runs`). */
export function runVulnBench(runs = 7): VulnBenchResult {
  const { pages, hosts } = vulnFixture();
  let t = performance.now();
  const records: CveRecord[] = [];
  for (const page of pages) {
    const r = parseNvdPage(page);
    if (!r.ok) throw new Error(r.error);
    records.push(...r.value.records);
  }
  const parseMs = performance.now() - t;
  t = performance.now();
  const index = buildIndex(records, { minYear: 0 });
  const indexMs = performance.now() - t;
  const times: number[] = [];
  let result = matchInventory(index, hosts, { kev: () => undefined });
  for (let i = 0; i < runs; i++) {
    t = performance.now();
    result = matchInventory(index, hosts, { kev: () => undefined });
    times.push(performance.now() - t);
  }
  let affected = 0;
  let possible = 0;
  for (const h of result) for (const s of h.services) {
    affected += s.affected.length;
    possible += s.possible.length;
  }
  return {
    cves: records.length,
    services: hosts.reduce((n, h) => n + h.services.length, 0),
    parseMs,
    indexMs,
    matchMs: median(times),
    runs,
    affected,
    possible,
    hostsAtRisk: result.filter((h) => h.atRisk).length,
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Prints the benchmark as markdown (`npm run bench` section). */
export async function printVulnBench(quick = process.env.BENCH_QUICK === '1'): Promise<VulnBenchResult> {
  const r = runVulnBench(quick ? 3 : 9);
  console.log(`\n## Vulnerability matching (every cached CVE against the inventory; budget ${BUDGET_MS} ms)\n`);
  console.log('| CVEs cached | services | parse NVD pages | build index | match (median of runs) | confirmed | possible | hosts at risk | within budget |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|:---:|');
  console.log(
    `| ${fmt(r.cves)} | ${fmt(r.services)} | ${fmt(r.parseMs)} ms | ${fmt(r.indexMs)} ms | ${r.matchMs.toFixed(1)} ms (${r.runs}) | ${fmt(r.affected)} | ${fmt(r.possible)} | ${r.hostsAtRisk} | ${r.matchMs < BUDGET_MS ? 'yes' : 'NO'} |`,
  );
  return r;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void printVulnBench();
}
