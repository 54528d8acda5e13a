/**
 * The CVE index and inventory matching: every cached CVE against every scanned service.
 *
 * Rules:
 * - buildIndex compiles each CVE once (configurations.ts) and files it under every
 *   vendor:product its vulnerable entries name, and under the bare product name for generic
 *   banner candidates; CVEs whose vulnerable entries use vendor/product wildcards go to a short
 *   list tried for every candidate. A service only ever evaluates the CVEs filed under its
 *   candidates. Compiled CVEs are reused across rebuilds while their lastModified is unchanged.
 * - Fast path: for a vendor:product whose configurations are plain (one OR node of vulnerable
 *   entries: most CVEs), the result is the best of its entries, so those entries are kept flat,
 *   the ranged ones sorted by their end: a detected version skips every range that ends below
 *   it with one binary search. Other CVEs get the full configuration walk. Both give the same
 *   answers (configurations.test.ts checks every real case both ways); 20,000 CVEs against 500
 *   services stays well under the 200 ms budget (bench/vuln.ts).
 * - CVEs older than minYear (by the year in the CVE id; 0 = all) are left out of the index.
 * - matchInventory is pure given the index and the KEV lookup. Identical candidates in identical
 *   contexts (same product, version, platform facts and back-port hint) share their matches
 *   within one run, except for CVEs whose configurations test the host's other products. Per
 *   service it keeps one match
 *   per CVE (the best over the service's candidates), confirmed (`affected`) apart from
 *   `possible`, each list most severe first and capped at MAX_MATCHES_PER_SERVICE (the rest
 *   counted). A generic banner candidate (vendor unknown) is never confirmed. Matches from a
 *   banner that names a distribution package carry the back-port hint.
 * - A host is at risk when it has a confirmed high or critical CVE without a back-port hint.
 */
import type { HostScan } from '../scan/types.js';
import { hostContexts, type Candidate, type ServiceContext } from './candidates.js';
import { compile, evaluate, explain, MAYBE, NO, resultOf, versionCode, YES, type CompiledConfiguration, type CompiledMatch, type CveEvaluation, type MatchContext, type Tri } from './configurations.js';
import type { CveRecord, HostVulns, KevEntry, ServiceVulns, SeverityCounts, VulnMatch } from './types.js';
import { compareParsed } from './version.js';

export const MAX_MATCHES_PER_SERVICE = 500;

export interface IndexedCve {
  record: CveRecord;
  configs: CompiledConfiguration[];
  /** Year from the id. */
  year: number;
  /** The result depends on the host's other products (evaluated per service, never shared). */
  usesOthers: boolean;
}

/**
 * The fast-path entries of one vendor:product (cves[i] is the CVE of entries[i]): all of them
 * grouped by CVE (for candidates without a version), those with a range end sorted by that end
 * (a version above an end cannot match it: binary search skips them), and the rest.
 */
export interface FastList {
  cves: IndexedCve[];
  entries: CompiledMatch[];
  rangedCves: IndexedCve[];
  ranged: CompiledMatch[];
  restCves: IndexedCve[];
  rest: CompiledMatch[];
}

export interface MatchIndex {
  /** Every CVE filed under each vendor:product (for inspection and the keywords view). */
  byKey: ReadonlyMap<string, readonly IndexedCve[]>;
  /** Per vendor:product, the CVEs whose configurations for it are plain (configurations.ts `simple`). */
  fast: ReadonlyMap<string, FastList>;
  /** Per vendor:product, the CVEs that need the full configuration walk. */
  slow: ReadonlyMap<string, readonly IndexedCve[]>;
  byProduct: ReadonlyMap<string, readonly IndexedCve[]>;
  wildcard: readonly IndexedCve[];
  /** CVEs indexed. */
  size: number;
  /** CVEs left out by minYear. */
  tooOld: number;
  /** cpeMatch entries dropped by the compile caps. */
  dropped: number;
}

/** Compiled CVEs kept between rebuilds (id → compiled, with the lastModified it was built from). */
export type CompileCache = Map<
  string,
  { stamp: string; cve: IndexedCve; keys: string[]; products: string[]; wildcard: boolean; dropped: number; simple: Map<string, CompiledMatch[]> }
>;

function push<T>(map: Map<string, T[]>, key: string, v: T): void {
  const list = map.get(key);
  if (list) list.push(v);
  else map.set(key, [v]);
}

/** Builds the index (see module rules); `cache` is updated to hold exactly the CVEs given. */
export function buildIndex(records: Iterable<CveRecord>, opts: { minYear: number }, cache: CompileCache = new Map()): MatchIndex {
  const byKey = new Map<string, IndexedCve[]>();
  const fast = new Map<string, FastList>();
  const slow = new Map<string, IndexedCve[]>();
  const byProduct = new Map<string, IndexedCve[]>();
  const wildcard: IndexedCve[] = [];
  const seen = new Set<string>();
  let size = 0;
  let tooOld = 0;
  let dropped = 0;
  for (const record of records) {
    if (seen.has(record.id)) continue;
    seen.add(record.id);
    const stamp = record.lastModified ?? record.published ?? '';
    let entry = cache.get(record.id);
    if (!entry || entry.stamp !== stamp) {
      const c = compile(record.configurations);
      entry = {
        stamp,
        cve: { record, configs: c.configurations, year: Number(record.id.slice(4, 8)), usesOthers: c.usesOthers },
        keys: c.keys,
        products: c.products,
        wildcard: c.wildcard,
        dropped: c.dropped,
        simple: c.simple,
      };
      cache.set(record.id, entry);
    }
    dropped += entry.dropped;
    if (opts.minYear > 0 && entry.cve.year < opts.minYear) {
      tooOld++;
      continue;
    }
    if (entry.cve.configs.length === 0) continue;
    size++;
    for (const k of entry.keys) {
      push(byKey, k, entry.cve);
      const plain = entry.simple.get(k);
      if (!plain) {
        push(slow, k, entry.cve);
        continue;
      }
      let list = fast.get(k);
      if (!list) fast.set(k, (list = { cves: [], entries: [], rangedCves: [], ranged: [], restCves: [], rest: [] }));
      for (const m of plain) {
        list.cves.push(entry.cve);
        list.entries.push(m);
        if (m.end && m.name.version.kind === 'any') {
          list.rangedCves.push(entry.cve);
          list.ranged.push(m);
        } else {
          list.restCves.push(entry.cve);
          list.rest.push(m);
        }
      }
    }
    for (const p of entry.products) push(byProduct, p, entry.cve);
    if (entry.wildcard) wildcard.push(entry.cve);
  }
  for (const id of cache.keys()) if (!seen.has(id)) cache.delete(id);
  for (const list of fast.values()) sortRanged(list);
  return { byKey, fast, slow, byProduct, wildcard, size, tooOld, dropped };
}

/** CVEs a candidate needs the full configuration walk for (generic candidates: all of their product name). */
function slowCvesFor(index: MatchIndex, c: Candidate): readonly IndexedCve[] {
  const lists: (readonly IndexedCve[])[] = [];
  if (c.productOnly) {
    const l = index.byProduct.get(c.productOnly);
    if (l) lists.push(l);
  } else {
    for (const k of c.keys) {
      const l = index.slow.get(k);
      if (l) lists.push(l);
    }
  }
  if (index.wildcard.length > 0) lists.push(index.wildcard);
  if (lists.length === 0) return [];
  if (lists.length === 1) return lists[0] as readonly IndexedCve[];
  return [...new Set(lists.flat())];
}

function sortRanged(list: FastList): void {
  const order = list.ranged.map((_, i) => i);
  order.sort((a, b) => compareParsed((list.ranged[a] as CompiledMatch).end!.v, (list.ranged[b] as CompiledMatch).end!.v));
  list.ranged = order.map((i) => list.ranged[i] as CompiledMatch);
  list.rangedCves = order.map((i) => list.rangedCves[i] as IndexedCve);
}

// Scratch for the fast path (synchronous, not re-entrant).
const fastFired: CompiledMatch[] = [];
const fastCodes: number[] = [];
const firedCves: (IndexedCve | undefined)[] = [];

/** Runs the fast path of one key for a candidate, calling `emit` once per matching CVE. */
function fastMatches(list: FastList, c: Candidate, emit: (cve: IndexedCve, e: CveEvaluation) => void): void {
  const v = c.version;
  if (!v) {
    // No version: every entry is MAYBE; walk them grouped by CVE.
    const { cves, entries } = list;
    let i = 0;
    while (i < entries.length) {
      const cve = cves[i] as IndexedCve;
      let n = 0;
      for (; i < entries.length && cves[i] === cve; i++) {
        const m = entries[i] as CompiledMatch;
        const packed = versionCode(m, c);
        if (resultOf(packed) === NO) continue;
        fastFired[n] = m;
        fastCodes[n++] = packed;
      }
      if (n > 0) emit(cve, explain(c, fastFired, fastCodes, n, MAYBE));
    }
    return;
  }
  // Entries whose range ends below the candidate cannot match: start at the first end >= it.
  const low = v.updateKind === 'pre' ? v.parsedFull : v.parsedVersion;
  let lo = 0;
  let hi = list.ranged.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareParsed((list.ranged[mid] as CompiledMatch).end!.v, low) < 0) lo = mid + 1;
    else hi = mid;
  }
  // Fired entries, then grouped by CVE (a CVE usually fires one entry).
  let n = 0;
  for (let i = lo; i < list.ranged.length; i++) {
    const m = list.ranged[i] as CompiledMatch;
    const packed = versionCode(m, c);
    if (resultOf(packed) === NO) continue;
    fastFired[n] = m;
    fastCodes[n] = packed;
    firedCves[n++] = list.rangedCves[i] as IndexedCve;
  }
  for (let i = 0; i < list.rest.length; i++) {
    const m = list.rest[i] as CompiledMatch;
    const packed = versionCode(m, c);
    if (resultOf(packed) === NO) continue;
    fastFired[n] = m;
    fastCodes[n] = packed;
    firedCves[n++] = list.restCves[i] as IndexedCve;
  }
  for (let i = 0; i < n; i++) {
    const cve = firedCves[i] as IndexedCve | undefined;
    if (cve === undefined) continue;
    let best = resultOf(fastCodes[i] as number);
    let more = false;
    for (let j = i + 1; j < n; j++) if (firedCves[j] === cve) more = true;
    if (!more) {
      emit(cve, explain(c, fastFired, fastCodes, 1, best, false, i));
      continue;
    }
    const entries: CompiledMatch[] = [];
    const codes: number[] = [];
    for (let j = i; j < n; j++) {
      if (firedCves[j] !== cve) continue;
      entries.push(fastFired[j] as CompiledMatch);
      codes.push(fastCodes[j] as number);
      best = Math.max(best, resultOf(fastCodes[j] as number)) as Tri;
      if (j > i) firedCves[j] = undefined;
    }
    emit(cve, explain(c, entries, codes, entries.length, best));
  }
  firedCves.length = 0;
}

const SEVERITY_RANK: Readonly<Record<VulnMatch['severity'], number>> = { critical: 5, high: 4, medium: 3, unknown: 2, low: 1, none: 0 };

function byImportance(a: VulnMatch, b: VulnMatch): number {
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    (b.cvss?.score ?? 0) - (a.cvss?.score ?? 0) ||
    Number(b.kev) - Number(a.kev) ||
    (a.cve < b.cve ? 1 : a.cve > b.cve ? -1 : 0)
  );
}

export interface MatchOptions {
  /** KEV catalog lookup. */
  kev: (cveId: string) => KevEntry | undefined;
  maxPerService?: number;
}

/** A candidate's matches, split and sorted. */
interface Shared {
  affected: VulnMatch[];
  possible: VulnMatch[];
}

/** Matches of identical candidates in identical contexts, shared within one matching run. */
type MatchMemo = Map<string, Shared>;

function signature(c: Candidate, ctx: ServiceContext): string {
  const f = ctx.facts;
  const backport = c.source !== 'fingerprint' ? (ctx.backport ?? '') : '';
  return `${c.id}|${c.label}|${c.version?.full ?? ''}|${c.version?.update ?? ''}|${c.fields ? JSON.stringify(c.fields) : ''}|${c.source}|${c.keys.join(',')}|${f.family ?? ''}|${f.distro ?? ''}|${f.release?.text ?? ''}|${backport}`;
}

function toMatch(cve: IndexedCve, e: CveEvaluation, cand: Candidate, ctx: ServiceContext, opts: MatchOptions): VulnMatch | undefined {
  if (e.result !== YES && e.result !== MAYBE) return undefined;
  const generic = cand.productOnly !== undefined;
  const r = cve.record;
  // Every property always present (undefined when absent): one object shape keeps sorting and reading fast.
  return {
    cve: r.id,
    status: e.result === YES && !generic ? 'affected' : 'possible',
    cvss: r.cvss,
    severity: r.cvss?.severity ?? 'unknown',
    published: r.published,
    kev: opts.kev(r.id) !== undefined || r.cisaExploitAdd !== undefined,
    description: r.description,
    criteria: e.criteria,
    reasons: generic ? [...e.reasons, `vendor not confirmed: matched by the product name ${cand.productOnly} from the banner`] : e.reasons,
    backported: ctx.backport && cand.source !== 'fingerprint' ? ctx.backport : undefined,
    product: cand.productOnly ? `*:${cand.productOnly}` : (cand.keys[0] ?? cand.id),
    source: cand.source,
  };
}

/** The matches of one candidate that do not depend on the host's other products, memoised by signature. */
function sharedMatches(index: MatchIndex, cand: Candidate, ctx: ServiceContext, mctx: MatchContext, slow: readonly IndexedCve[], opts: MatchOptions, memo: MatchMemo): Shared {
  const sig = signature(cand, ctx);
  const hit = memo.get(sig);
  if (hit) return hit;
  const shared: Shared = { affected: [], possible: [] };
  // One key and no slow CVEs: each CVE is emitted once, no need to de-duplicate.
  const seen = cand.keys.length > 1 || slow.length > 0 || cand.productOnly ? new Set<string>() : undefined;
  const add = (cve: IndexedCve, e: CveEvaluation) => {
    const m = toMatch(cve, e, cand, ctx, opts);
    if (!m) return;
    if (seen) {
      if (seen.has(m.cve)) return;
      seen.add(m.cve);
    }
    (m.status === 'affected' ? shared.affected : shared.possible).push(m);
  };
  if (!cand.productOnly) {
    for (const k of cand.keys) {
      const fast = index.fast.get(k);
      if (fast) fastMatches(fast, cand, add);
    }
  }
  for (const cve of slow) if (!cve.usesOthers) add(cve, evaluate(cve.configs, cand, mctx));
  shared.affected.sort(byImportance);
  shared.possible.sort(byImportance);
  memo.set(sig, shared);
  return shared;
}

function matchService(index: MatchIndex, ctx: ServiceContext, others: readonly Candidate[], opts: MatchOptions, memo: MatchMemo): ServiceVulns {
  const mctx: MatchContext = { facts: ctx.facts, others };
  const max = opts.maxPerService ?? MAX_MATCHES_PER_SERVICE;
  const parts: Shared[] = [];
  const extra: VulnMatch[] = [];
  for (const cand of ctx.candidates) {
    const slow = slowCvesFor(index, cand);
    parts.push(sharedMatches(index, cand, ctx, mctx, slow, opts, memo));
    for (const cve of slow) {
      if (!cve.usesOthers) continue;
      const m = toMatch(cve, evaluate(cve.configs, cand, mctx), cand, ctx, opts);
      if (m) extra.push(m);
    }
  }
  let affected: VulnMatch[];
  let possible: VulnMatch[];
  if (parts.length === 1 && extra.length === 0) {
    // The common case: one product, results shared as they are.
    ({ affected, possible } = parts[0] as Shared);
  } else {
    const found = new Map<string, VulnMatch>();
    for (const m of [...parts.flatMap((p) => [...p.affected, ...p.possible]), ...extra]) {
      const prev = found.get(m.cve);
      if (!prev || (prev.status === 'possible' && m.status === 'affected')) found.set(m.cve, m);
    }
    affected = [];
    possible = [];
    for (const m of found.values()) (m.status === 'affected' ? affected : possible).push(m);
    affected.sort(byImportance);
    possible.sort(byImportance);
  }
  const keptAffected = affected.length > max ? affected.slice(0, max) : affected;
  const room = max - keptAffected.length;
  const keptPossible = possible.length > room ? possible.slice(0, Math.max(0, room)) : possible;
  return {
    port: ctx.service.port,
    service: ctx.service.name,
    label: ctx.candidates.map((c) => c.label).join(', '),
    affected: keptAffected,
    possible: keptPossible,
    dropped: affected.length + possible.length - keptAffected.length - keptPossible.length,
  };
}

function emptyCounts(): SeverityCounts {
  return { critical: 0, high: 0, medium: 0, low: 0, none: 0, unknown: 0 };
}

/** Matches one host's services (hosts with no open service get an empty result). */
export function matchHost(index: MatchIndex, host: Pick<HostScan, 'ip' | 'os' | 'services'>, opts: MatchOptions, memo: MatchMemo = new Map()): HostVulns {
  const contexts = hostContexts(host);
  const all = contexts.flatMap((c) => c.candidates);
  const services: ServiceVulns[] = [];
  const counts = emptyCounts();
  let possible = 0;
  let kev = 0;
  let backported = 0;
  let atRisk = false;
  for (const ctx of contexts) {
    const sv = matchService(index, ctx, all, opts, memo);
    if (sv.affected.length === 0 && sv.possible.length === 0) continue;
    services.push(sv);
    possible += sv.possible.length;
    for (const m of sv.affected) {
      counts[m.severity]++;
      if (m.kev) kev++;
      if (m.backported) backported++;
      else if (m.severity === 'critical' || m.severity === 'high') atRisk = true;
    }
  }
  return { ip: host.ip, atRisk, counts, possible, kev, backported, services };
}

/** Matches every host (see matchHost); hosts without any match are left out. */
export function matchInventory(index: MatchIndex, hosts: Iterable<Pick<HostScan, 'ip' | 'os' | 'services' | 'alive'>>, opts: MatchOptions): HostVulns[] {
  const out: HostVulns[] = [];
  const memo: MatchMemo = new Map();
  for (const h of hosts) {
    if (!h.alive || h.services.length === 0) continue;
    const r = matchHost(index, h, opts, memo);
    if (r.services.length > 0) out.push(r);
  }
  return out;
}
