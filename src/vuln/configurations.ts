/**
 * Evaluating NVD `configurations` against one detected product.
 *
 * Rules:
 * - Three-valued: every test is NO, MAYBE or YES (AND = the lowest, OR = the highest, NOT swaps
 *   NO and YES and keeps MAYBE). A CVE is confirmed for a candidate when a configuration is YES,
 *   possible when the best is MAYBE, and does not apply when all are NO.
 * - A configuration counts only when one of its vulnerable:true cpeMatch entries named the
 *   candidate's product and did not test NO: a configuration about another product (or only
 *   a negated node) never matches. Configurations combine their nodes with `operator`
 *   (default OR); nodes combine their cpeMatch entries with `operator` and honour `negate`.
 * - vulnerable:true entries test the candidate: vendor:product (wildcards allowed), then the
 *   version (see versionCode), then update, then the other attributes (edition ... other),
 *   which rule a match out only when both sides name different values (a scan never sees them).
 * - vulnerable:false entries ("running on/with") test the platform: known OS and distribution
 *   products against the PlatformFacts (NO when the host is known to be something else), other
 *   products of the same host (WordPress for a plugin), MAYBE for anything we cannot observe.
 * - Versions (versionCode): no detected version is MAYBE, never YES. Criteria version "*"
 *   with versionStart/End Including/Excluding tests the range; a bound naming a patch suffix
 *   ("9.3p2", "1.3.7c") is compared with the whole detected version, a plain bound with NVD's
 *   version field ("9.8" vs OpenSSH 9.8p1 → 9.8), except that a pre-release (2.0rc1) is
 *   always compared whole. A specific criteria version must equal the version field (or the
 *   whole version when the criteria leaves update open). Criteria version "-" (NVD names no
 *   version, e.g. CVE-2022-0543 redis:-) is MAYBE.
 * - Pure (evaluate keeps scratch arrays between calls: synchronous, not re-entrant); work per
 *   CVE is bounded by the caps in compile(). compile() also marks, per vendor:product, whether
 *   all its configurations are one plain OR node of vulnerable entries (`simple`): for those the
 *   result is the best of the product's entries, which the matcher computes without the walk.
 */
import { parseCpe23, plainValue, valueCovers, type CpeName, type CpeValue } from './cpe-name.js';
import type { Candidate, CandidateVersion, PlatformFacts } from './candidates.js';
import type { ConfigurationRecord, CpeMatchRecord } from './types.js';
import { compareParsed, parseVersion, type ParsedVersion } from './version.js';

export const NO = 0;
export const MAYBE = 1;
export const YES = 2;
export type Tri = typeof NO | typeof MAYBE | typeof YES;

/** Caps applied when compiling one CVE's configurations. */
export const MAX_CONFIGURATIONS = 64;
export const MAX_NODES = 32;
export const MAX_MATCHES_PER_CVE = 2000;

interface Bound {
  v: ParsedVersion;
  inclusive: boolean;
  /** The bound names a suffix (letters after the numbers): compare whole versions. */
  suffixed: boolean;
}

export interface CompiledMatch {
  raw: CpeMatchRecord;
  /** criteriaText(), built on first use. */
  text?: string;
  /** The range as people read it, built on first use. */
  rangeText?: string;
  /** [criteriaText()], shared by every result this entry alone explains. */
  criteriaList?: readonly string[];
  vulnerable: boolean;
  name: CpeName;
  part?: string;
  /** vendor:product when both are plain values. */
  key?: string;
  /** Plain version value, parsed. */
  version?: ParsedVersion;
  start?: Bound;
  end?: Bound;
  /** The edition..other attributes the criteria names (usually none). */
  fields?: [typeof OTHER_FIELDS[number], CpeValue][];
}

export interface CompiledNode {
  and: boolean;
  negate: boolean;
  matches: CompiledMatch[];
}

export interface CompiledConfiguration {
  and: boolean;
  nodes: CompiledNode[];
}

/** What compile() kept and left out. */
export interface CompileResult {
  configurations: CompiledConfiguration[];
  /** vendor:product names of the vulnerable entries (for the index). */
  keys: string[];
  /** Product names of vulnerable entries whose vendor is a wildcard or whose name has wildcards. */
  wildcard: boolean;
  /** Product names of the vulnerable entries (for generic banner candidates). */
  products: string[];
  /** Entries or nodes dropped by the caps or unreadable. */
  dropped: number;
  /** Some vulnerable:false application entry tests the other products of the host. */
  usesOthers: boolean;
  /**
   * Keys whose every configuration is one plain OR node of vulnerable entries (most CVEs):
   * for those the result is simply the best of the key's entries, evaluated by the matcher's
   * fast path (match-index.ts) without walking the configurations. Value: those entries.
   */
  simple: Map<string, CompiledMatch[]>;
}

const OTHER_FIELDS = ['edition', 'language', 'swEdition', 'targetSw', 'targetHw', 'other'] as const;

/** One string instance per vendor:product, so key comparisons are mostly pointer comparisons. */
const interned = new Map<string, string>();
export function intern(key: string): string {
  const hit = interned.get(key);
  if (hit !== undefined) return hit;
  if (interned.size >= 100_000) interned.clear();
  interned.set(key, key);
  return key;
}

function bound(value: string | undefined, inclusive: boolean): Bound | undefined {
  const v = parseVersion(value);
  if (!v || v.tokens.length === 0) return undefined;
  return { v, inclusive, suffixed: v.keys.some((k) => k < 0) };
}

/** Compiles one CVE's configurations (see caps). */
export function compile(configurations: readonly ConfigurationRecord[]): CompileResult {
  const out: CompiledConfiguration[] = [];
  const keys = new Set<string>();
  const products = new Set<string>();
  let wildcard = false;
  let usesOthers = false;
  let dropped = 0;
  let matches = 0;
  for (const cfg of configurations.slice(0, MAX_CONFIGURATIONS)) {
    const nodes: CompiledNode[] = [];
    for (const node of cfg.nodes.slice(0, MAX_NODES)) {
      const compiled: CompiledMatch[] = [];
      for (const m of node.cpeMatch) {
        if (matches >= MAX_MATCHES_PER_CVE) {
          dropped++;
          continue;
        }
        const name = parseCpe23(m.criteria);
        if (!name) {
          dropped++;
          continue;
        }
        matches++;
        const vendor = plainValue(name.vendor);
        const product = plainValue(name.product);
        const c: CompiledMatch = { raw: m, vulnerable: m.vulnerable, name };
        const part = plainValue(name.part);
        if (part) c.part = part;
        if (vendor && product) c.key = intern(`${vendor}:${product}`);
        const fields = OTHER_FIELDS.filter((f) => name[f].kind === 'value').map((f) => [f, name[f]] as [typeof f, CpeValue]);
        if (fields.length > 0) c.fields = fields;
        const version = plainValue(name.version);
        if (version) {
          const pv = parseVersion(version);
          if (pv) c.version = pv;
        }
        const start = bound(m.versionStartIncluding, true) ?? bound(m.versionStartExcluding, false);
        const end = bound(m.versionEndIncluding, true) ?? bound(m.versionEndExcluding, false);
        if (start) c.start = start;
        if (end) c.end = end;
        if (m.vulnerable) {
          if (c.key) keys.add(c.key);
          else wildcard = true;
          if (product) products.add(product);
        } else if (part !== 'o' && part !== 'h') {
          usesOthers = true;
        }
        compiled.push(c);
      }
      if (compiled.length > 0) nodes.push({ and: node.operator === 'AND', negate: node.negate, matches: compiled });
    }
    dropped += Math.max(0, cfg.nodes.length - MAX_NODES);
    if (nodes.length > 0) out.push({ and: cfg.operator === 'AND', nodes });
  }
  dropped += Math.max(0, configurations.length - MAX_CONFIGURATIONS);
  const simple = new Map<string, CompiledMatch[]>();
  const complex = new Set<string>();
  for (const cfg of out) {
    const node = cfg.nodes[0] as CompiledNode;
    const plain = cfg.nodes.length === 1 && !node.negate && !node.and && node.matches.every((m) => m.vulnerable);
    for (const n of cfg.nodes) {
      for (const m of n.matches) {
        if (!m.vulnerable || !m.key) continue;
        if (!plain) complex.add(m.key);
        else {
          const list = simple.get(m.key);
          if (list) list.push(m);
          else simple.set(m.key, [m]);
        }
      }
    }
  }
  for (const k of complex) simple.delete(k);
  return { configurations: out, keys: [...keys], wildcard, products: [...products], dropped, usesOthers, simple };
}

/** The host context a vulnerable:false ("running on/with") entry is tested against. */
export interface MatchContext {
  facts: PlatformFacts;
  /** Every product detected on the same host (the candidate itself is skipped). */
  others: readonly Candidate[];
}

function keyMatches(m: CompiledMatch, c: Candidate): boolean {
  if (m.key) {
    if (c.productOnly) return m.key.slice(m.key.indexOf(':') + 1) === c.productOnly;
    return c.keys.includes(m.key);
  }
  // Wildcards in vendor or product.
  const targets = c.productOnly ? [`*:${c.productOnly}`] : c.keys;
  for (const k of targets) {
    const i = k.indexOf(':');
    const vendor = k.slice(0, i);
    const product = k.slice(i + 1);
    if ((vendor === '*' || valueCovers(m.name.vendor, vendor)) && valueCovers(m.name.product, product)) return true;
  }
  return false;
}

function inRange(m: CompiledMatch, v: CandidateVersion): boolean {
  const pre = v.updateKind === 'pre';
  const s = m.start;
  if (s) {
    const d = compareParsed(pre || s.suffixed ? v.parsedFull : v.parsedVersion, s.v);
    if (d < 0 || (d === 0 && !s.inclusive)) return false;
  }
  const e = m.end;
  if (e) {
    const d = compareParsed(pre || e.suffixed ? v.parsedFull : v.parsedVersion, e.v);
    if (d > 0 || (d === 0 && !e.inclusive)) return false;
  }
  return true;
}

function describeRange(m: CompiledMatch): string {
  return (m.rangeText ??= rangeOf(m));
}

function rangeOf(m: CompiledMatch): string {
  const r = m.raw;
  const parts: string[] = [];
  if (r.versionStartIncluding) parts.push(`>= ${r.versionStartIncluding}`);
  if (r.versionStartExcluding) parts.push(`> ${r.versionStartExcluding}`);
  if (r.versionEndIncluding) parts.push(`<= ${r.versionEndIncluding}`);
  if (r.versionEndExcluding) parts.push(`< ${r.versionEndExcluding}`);
  return parts.join(', ');
}

/** The criteria with its range, as shown to people. */
export function criteriaText(m: CompiledMatch): string {
  if (m.text === undefined) {
    const range = describeRange(m);
    m.text = range ? `${m.raw.criteria}; ${range}` : m.raw.criteria;
  }
  return m.text;
}


// Why an entry tested YES or MAYBE, as a small code (texts are only built for the match kept).
const W_NO_VERSION = 1;
const W_EVERY = 2;
const W_RANGE = 3;
const W_NA = 4;
const W_WILD = 5;
const W_EXACT = 6;
const P_UNSEEN = 7;
const P_OS = 8;
const P_DISTRO = 9;
const P_RELEASE = 10;
const P_RUNS = 11;
const A_UNDETECTED = 12;

/** (code << 2) | result. */
const pack = (code: number, result: Tri) => (code << 2) | result;
/** The NO/MAYBE/YES of a versionCode() result. */
export const resultOf = (packed: number) => (packed & 3) as Tri;
const codeOf = (packed: number) => packed >> 2;

/** Tests a vulnerable entry's version, update and attributes against a candidate: (code << 2) | result. */
export function versionCode(m: CompiledMatch, c: Candidate): number {
  const v = c.version;
  const nv = m.name.version;
  if (!v) return pack(W_NO_VERSION, MAYBE);
  let code: number;
  if (nv.kind === 'any') {
    if (!m.start && !m.end) code = W_EVERY;
    else if (inRange(m, v)) code = W_RANGE;
    else return NO;
  } else if (nv.kind === 'na') {
    return pack(W_NA, MAYBE);
  } else if (nv.wildcard) {
    if (!nv.wildcard.test(v.version) && !nv.wildcard.test(v.full)) return NO;
    code = W_WILD;
  } else {
    const cv = m.version;
    if (!cv) return NO;
    if (compareParsed(v.parsedVersion, cv) !== 0 && !(m.name.update.kind === 'any' && compareParsed(v.parsedFull, cv) === 0)) return NO;
    code = W_EXACT;
  }
  const upd = m.name.update;
  if (upd.kind === 'na' && v.update !== '-') return NO;
  if (upd.kind === 'value' && !valueCovers(upd, v.update)) return NO;
  if (m.fields && c.fields) {
    for (const [f, want] of m.fields) {
      const have = c.fields[f];
      if (have !== undefined && !valueCovers(want, have)) return NO;
    }
  }
  return pack(code, YES);
}

const noVersion = new WeakMap<Candidate, readonly string[]>();

function noVersionReasons(c: Candidate): readonly string[] {
  let r = noVersion.get(c);
  if (!r) noVersion.set(c, (r = Object.freeze([`${c.label}: version not detected`])));
  return r;
}

function versionText(m: CompiledMatch, c: Candidate, code: number): string {
  const what = c.label;
  const nv = m.name.version;
  const upd = m.name.update;
  const update = upd.kind === 'na' ? ' (no update)' : upd.kind === 'value' ? ` (update ${upd.text})` : '';
  switch (code) {
    case W_NO_VERSION:
      return `${what}: version not detected`;
    case W_EVERY:
      return `${what}: every version is listed${update}`;
    case W_RANGE:
      return `${what} is within ${describeRange(m)}${update}`;
    case W_NA:
      return `${what}: NVD names no version (-) for this product`;
    default:
      return `${what} ${code === W_WILD ? 'matches' : 'is'} version ${nv.kind === 'value' ? nv.text : '*'}${update}`;
  }
}

interface PlatformRow {
  family: string;
  distro?: string;
}

/** Operating-system products NVD uses in platform nodes. */
const PLATFORMS: ReadonlyMap<string, PlatformRow> = new Map([
  ['debian:debian_linux', { family: 'linux', distro: 'debian' }],
  ['canonical:ubuntu_linux', { family: 'linux', distro: 'ubuntu' }],
  ['fedoraproject:fedora', { family: 'linux', distro: 'fedora' }],
  ['redhat:enterprise_linux', { family: 'linux', distro: 'rhel' }],
  ['centos:centos', { family: 'linux', distro: 'centos' }],
  ['alpinelinux:alpine_linux', { family: 'linux', distro: 'alpine' }],
  ['opensuse:leap', { family: 'linux', distro: 'suse' }],
  ['suse:linux_enterprise_server', { family: 'linux', distro: 'suse' }],
  ['linux:linux_kernel', { family: 'linux' }],
  ['apple:macos', { family: 'macos' }],
  ['apple:mac_os_x', { family: 'macos' }],
  ['freebsd:freebsd', { family: 'freebsd' }],
  ['openbsd:openbsd', { family: 'openbsd' }],
  ['netbsd:netbsd', { family: 'netbsd' }],
]);
const WINDOWS: PlatformRow = { family: 'windows' };

function platformRow(m: CompiledMatch): PlatformRow | undefined {
  if (!m.key) return undefined;
  return PLATFORMS.get(m.key) ?? (m.key.startsWith('microsoft:windows') ? WINDOWS : undefined);
}

function platformCode(m: CompiledMatch, facts: PlatformFacts): number {
  const row = platformRow(m);
  if (!row) return pack(P_UNSEEN, MAYBE);
  if (!facts.family) return pack(P_OS, MAYBE);
  if (row.family !== facts.family) return NO;
  if (row.distro !== undefined) {
    if (!facts.distro) return pack(P_DISTRO, MAYBE);
    if (row.distro !== facts.distro) return NO;
  }
  if (m.name.version.kind !== 'value' && !m.start && !m.end) return pack(P_RUNS, YES);
  if (row.distro === undefined || !facts.release) return pack(P_RELEASE, MAYBE);
  const rel = facts.release;
  if (m.version) return compareParsed(rel, m.version) === 0 ? pack(P_RUNS, YES) : NO;
  const release: CandidateVersion = { version: rel.text, full: rel.text, update: '-', updateKind: 'none', parsedVersion: rel, parsedFull: rel };
  return inRange(m, release) ? pack(P_RUNS, YES) : NO;
}

function platformText(m: CompiledMatch, code: number): string {
  const name = m.raw.criteria;
  switch (code) {
    case P_UNSEEN:
      return `depends on ${name}, which a scan cannot see`;
    case P_OS:
      return `depends on the platform ${name}; the host's OS is not known`;
    case P_DISTRO:
      return `depends on ${name}; the distribution is not known`;
    case P_RELEASE:
      return `depends on the release in ${name}; not known for this host`;
    default:
      return `runs on ${name}`;
  }
}

// Scratch state of one evaluate() call (evaluate is synchronous and not re-entrant): entries
// written at [0, nFired) and [0, nMaybe), reset by setting the counters to 0.
const fired: CompiledMatch[] = [];
const firedCodes: number[] = [];
const maybes: CompiledMatch[] = [];
const maybeCodes: number[] = [];
const maybeOthers: (Candidate | undefined)[] = [];
let nFired = 0;
let nMaybe = 0;

function evalEntry(m: CompiledMatch, c: Candidate, ctx: MatchContext): Tri {
  if (m.vulnerable) {
    if (!keyMatches(m, c)) return NO;
    const packed = versionCode(m, c);
    const r = resultOf(packed);
    if (r !== NO) {
      fired[nFired] = m;
      firedCodes[nFired++] = packed;
    }
    return r;
  }
  let packed: number;
  let other: Candidate | undefined;
  if (m.part === 'o' || m.part === 'h') {
    packed = platformCode(m, ctx.facts);
  } else {
    // An application platform: the candidate itself or another product on the host.
    packed = pack(A_UNDETECTED, MAYBE);
    for (const o of ctx.others) {
      if (keyMatches(m, o)) {
        other = o;
        packed = versionCode(m, o);
        break;
      }
    }
    if (!other && keyMatches(m, c)) {
      other = c;
      packed = versionCode(m, c);
    }
  }
  const r = resultOf(packed);
  if (r === MAYBE) {
    maybes[nMaybe] = m;
    maybeCodes[nMaybe] = packed;
    maybeOthers[nMaybe++] = other;
  }
  return r;
}

function maybeText(i: number): string {
  const m = maybes[i] as CompiledMatch;
  const code = codeOf(maybeCodes[i] as number);
  const other = maybeOthers[i];
  if (m.part === 'o' || m.part === 'h') return platformText(m, code);
  if (!other) return `depends on ${m.raw.criteria}, not detected on this host`;
  return `depends on ${m.raw.criteria}: ${versionText(m, other, code)}`;
}

/** Result of evaluating a CVE for one candidate. */
export interface CveEvaluation {
  result: Tri;
  /** Criteria of the vulnerable entries that fired in the best configuration. */
  criteria: string[];
  reasons: string[];
}

const NOTHING: CveEvaluation = Object.freeze({ result: NO, criteria: [], reasons: [] }) as CveEvaluation;

/**
 * The criteria and reasons of a result: the fired vulnerable entries entries[from, from + n)
 * (those giving the result when any does), then for MAYBE the platform reasons of the last
 * evaluate() call.
 */
export function explain(c: Candidate, entries: readonly CompiledMatch[], codes: readonly number[], n: number, value: Tri, withMaybes = false, from = 0): CveEvaluation {
  // The common cases (one entry fired; no version detected) share their arrays: results are read-only.
  if (n === 1 && !withMaybes) {
    const m = entries[from] as CompiledMatch;
    const code = codeOf(codes[from] as number);
    return {
      result: value,
      criteria: (m.criteriaList ??= Object.freeze([criteriaText(m)])) as string[],
      reasons: (code === W_NO_VERSION ? noVersionReasons(c) : [versionText(m, c, code)]) as string[],
    };
  }
  const criteria: string[] = [];
  const reasons: string[] = [];
  const want = value === YES ? YES : MAYBE;
  let anyWanted = false;
  for (let i = 0; i < n; i++) if (resultOf(codes[i] as number) >= want) anyWanted = true;
  for (let i = 0; i < n && criteria.length < 8; i++) {
    if (anyWanted && resultOf(codes[i] as number) < want) continue;
    const m = entries[i] as CompiledMatch;
    const text = criteriaText(m);
    if (!criteria.includes(text)) criteria.push(text);
    const why = versionText(m, c, codeOf(codes[i] as number));
    if (!reasons.includes(why)) reasons.push(why);
  }
  if (withMaybes) {
    for (let i = 0; i < nMaybe && reasons.length < 8; i++) {
      const why = maybeText(i);
      if (!reasons.includes(why)) reasons.push(why);
    }
  }
  return { result: value, criteria, reasons };
}

/**
 * Evaluates compiled configurations for a candidate in its host context (see module rules).
 * Returns NO with empty lists when no configuration counts.
 */
export function evaluate(configs: readonly CompiledConfiguration[], c: Candidate, ctx: MatchContext): CveEvaluation {
  let best = NOTHING;
  for (const cfg of configs) {
    nFired = nMaybe = 0;
    let value: Tri = cfg.and ? YES : NO;
    for (const node of cfg.nodes) {
      let v: Tri = node.and ? YES : NO;
      for (const m of node.matches) {
        const r = evalEntry(m, c, ctx);
        v = (node.and ? Math.min(v, r) : Math.max(v, r)) as Tri;
      }
      if (node.negate) v = (YES - v) as Tri;
      value = (cfg.and ? Math.min(value, v) : Math.max(value, v)) as Tri;
    }
    if (value === NO || nFired === 0 || value <= best.result) continue;
    best = explain(c, fired, firedCodes, nFired, value, value === MAYBE);
    if (value === YES) break;
  }
  return best;
}
