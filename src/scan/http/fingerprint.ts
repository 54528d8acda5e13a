/**
 * HTTP technology fingerprinting: the one generic matcher for the Wappalyzer-format rules of
 * rules.ts, applied to responses the scanner already read.
 *
 * Rules:
 * - Pure: no I/O (the rule database is passed in or loaded once by rules.ts), no clock.
 * - Everything in the input is hostile. Bodies are cut to MAX_HTML characters, header values to
 *   MAX_HEADER_VALUE, lists (headers, cookies, scripts, extra pages) to fixed counts; regexes
 *   are the bounded rewrites of pattern.ts, skipped when none of their required literals occurs
 *   in the subject, and "pathological" ones see only PATHOLOGICAL_CAP characters. A 256 KiB
 *   hostile body fingerprints in well under a second (see fingerprint-hostile.test.ts).
 * - Semantics follow Wappalyzer (enthec/webappanalyzer README): header names, cookie names and
 *   meta names are case-insensitive; a technology's confidence is the sum of its matched
 *   patterns' confidences capped at 100; its version is the longest resolved version of at most
 *   15 characters; `excludes` remove detected technologies, then `implies` add technologies
 *   transitively with min(confidence, implied confidence); rules with `requires` /
 *   `requiresCategory` are only tried once a required technology / category was found.
 * - Extra pages (safe-paths.ts GETs) are fingerprinted like the main page; `probe` patterns are
 *   matched against the body of the extra page with that exact path (2xx only) and `robots`
 *   against /robots.txt.
 * - A favicon hash (favicon-hash.ts) found in favicon-hashes.ts adds its technology at
 *   confidence 100 when the rule database has a rule of that name (others are hints only).
 * - Output strings from the input (versions) are sanitised with sanitizeText; names,
 *   categories and CPEs come from the rule data.
 */
import type { HttpTechnology } from '../types.js';
import { sanitizeText } from '../service/sanitize.js';
import { lookupFaviconHash } from './favicon-hashes.js';
import { MAX_HTML, extractPage, type PageParts } from './html-extract.js';
import { resolveVersion } from './pattern.js';
import { compiledRegex, getRuleDatabase, type Rule, type RuleDatabase, type RulePattern } from './rules.js';

export { MAX_HTML, extractTitle } from './html-extract.js';

/** Header values longer than this are cut before matching. */
export const MAX_HEADER_VALUE = 4096;
/** Patterns flagged pathological only see this many characters of a subject. */
export const PATHOLOGICAL_CAP = 16 * 1024;
const MAX_HEADERS = 100;
const MAX_VALUES_PER_HEADER = 20;
const MAX_COOKIES = 50;
const MAX_EXTRA_PAGES = 8;
const MAX_URL = 2048;
const MAX_VERSION = 15;
/** Passes of implies / requires resolution (chains in the data are short). */
const MAX_PASSES = 8;

/** A response to one of the safe extra GETs. */
export interface HttpPage {
  /** Request path, e.g. "/robots.txt" or "/admin/". */
  path: string;
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
}

export interface FingerprintInput {
  /** URL of the main response, e.g. "http://192.168.1.2:8080/". */
  url: string;
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
  /** Issuer of the TLS certificate (for certIssuer rules). */
  certIssuer?: string;
  extraPages?: HttpPage[];
  /** Shodan-style favicon hash of /favicon.ico (favicon-hash.ts), when fetched. */
  faviconHash?: number;
}

/** What one response offers to the rules. */
interface Evidence {
  url: string;
  status: number;
  path?: string;
  headers: Map<string, string[]>;
  cookies: Map<string, string[]>;
  body: string;
  bodyLower: string;
  parts?: PageParts;
  scriptsLower: string;
  scriptSrcLower: string;
  textLower: string;
  cssLower: string;
}

interface Detection {
  confidence: number;
  version: string;
}

function capped(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) : text;
}

function normaliseHeaders(raw: Record<string, string | string[]>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (typeof raw !== 'object' || raw === null) return out;
  for (const [name, value] of Object.entries(raw).slice(0, MAX_HEADERS)) {
    const key = name.trim().toLowerCase();
    const values = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
    const list = out.get(key) ?? [];
    for (const v of values) if (list.length < MAX_VALUES_PER_HEADER) list.push(capped(v, MAX_HEADER_VALUE));
    out.set(key, list);
  }
  return out;
}

/** Cookie name (lower-case) → values, from Set-Cookie header values. */
function parseCookies(setCookie: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of setCookie.slice(0, MAX_COOKIES)) {
    const pair = line.split(';', 1)[0] ?? '';
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim().toLowerCase();
    if (name === '') continue;
    out.set(name, [...(out.get(name) ?? []), pair.slice(eq + 1).trim()]);
  }
  return out;
}

function isHtmlish(headers: Map<string, string[]>, body: string): boolean {
  const type = headers.get('content-type')?.[0]?.toLowerCase() ?? '';
  if (type.includes('html') || type.includes('xml')) return true;
  if (type !== '') return /^\s{0,64}</.test(body);
  return true;
}

function evidence(url: string, status: number, headers: Record<string, string | string[]>, body: string, path?: string): Evidence {
  const h = normaliseHeaders(headers);
  const text = typeof body === 'string' ? capped(body, MAX_HTML) : '';
  const parts = text !== '' && isHtmlish(h, text) ? extractPage(text) : undefined;
  return {
    url: capped(typeof url === 'string' ? url : '', MAX_URL),
    status,
    path,
    headers: h,
    cookies: parseCookies(h.get('set-cookie') ?? []),
    body: text,
    bodyLower: text.toLowerCase(),
    parts,
    scriptsLower: (parts?.scripts ?? '').toLowerCase(),
    scriptSrcLower: (parts?.scriptSrc ?? []).join('\n').toLowerCase(),
    textLower: (parts?.text ?? '').toLowerCase(),
    cssLower: (parts?.css ?? '').toLowerCase(),
  };
}

/** Matches one pattern against one subject; adds to `found` on success. */
function tryPattern(db: RuleDatabase, pattern: RulePattern, subject: string, lower: string | undefined, found: Detection[]): void {
  if (lower !== undefined && pattern.literals && !pattern.literals.some((l) => lower.includes(l))) return;
  const re = compiledRegex(pattern, db.stats);
  if (!re) return;
  const m = re.exec(pattern.pathological ? capped(subject, PATHOLOGICAL_CAP) : subject);
  if (!m) return;
  found.push({ confidence: pattern.confidence, version: resolveVersion(pattern.version, m) });
}

function tryAll(db: RuleDatabase, patterns: RulePattern[], subject: string | undefined, lower: string | undefined, found: Detection[]): void {
  if (subject === undefined) return;
  for (const p of patterns) tryPattern(db, p, subject, lower, found);
}

/** All detections of one rule on one response. */
function matchRule(db: RuleDatabase, rule: Rule, ev: Evidence, found: Detection[]): void {
  for (const [name, patterns] of rule.headers) {
    for (const value of ev.headers.get(name) ?? []) tryAll(db, patterns, value, undefined, found);
  }
  for (const cookie of rule.cookies) {
    for (const [name, values] of ev.cookies) {
      if (cookie.nameRegex ? !cookie.nameRegex.test(name) : cookie.name !== name) continue;
      for (const value of values) tryAll(db, cookie.patterns, value, undefined, found);
    }
  }
  // An extra page's URL is the scanner's own choice (e.g. /status.php), not the site's: only the first page's URL is evidence.
  if (ev.path === undefined) tryAll(db, rule.url, ev.url, undefined, found);
  // Like Wappalyzer, `html` patterns see any body (JSON APIs such as Elasticsearch included).
  if (ev.body !== '') tryAll(db, rule.html, ev.body, ev.bodyLower, found);
  const parts = ev.parts;
  if (parts) {
    for (const [name, patterns] of rule.meta) for (const value of parts.meta.get(name) ?? []) tryAll(db, patterns, value, undefined, found);
    tryAll(db, rule.title, parts.title, undefined, found);
    tryAll(db, rule.scripts, parts.scripts, ev.scriptsLower, found);
    tryAll(db, rule.text, parts.text, ev.textLower, found);
    tryAll(db, rule.css, parts.css, ev.cssLower, found);
    if (rule.scriptSrc.length > 0 && parts.scriptSrc.length > 0) {
      for (const p of rule.scriptSrc) {
        if (p.literals && !p.literals.some((l) => ev.scriptSrcLower.includes(l))) continue;
        for (const src of parts.scriptSrc) tryPattern(db, p, src, undefined, found);
      }
    }
  }
  if (ev.path !== undefined && ev.status >= 200 && ev.status < 300) {
    const probe = rule.probe.get(ev.path);
    if (probe) tryAll(db, probe, ev.body, ev.bodyLower, found);
    if (ev.path === '/robots.txt') tryAll(db, rule.robots, ev.body, ev.bodyLower, found);
  }
}

function validVersion(v: string): boolean {
  return v !== '' && v.length <= MAX_VERSION && (Number.parseInt(v, 10) || 0) < 10000;
}

/** Adds a detection to the resolved table (Wappalyzer's confidence sum and version choice). */
function addDetection(table: Map<string, Detection>, name: string, d: Detection): void {
  const cur = table.get(name) ?? { confidence: 0, version: '' };
  cur.confidence = Math.min(100, cur.confidence + d.confidence);
  if (validVersion(d.version) && d.version.length > cur.version.length) cur.version = d.version;
  table.set(name, cur);
}

function detectAll(db: RuleDatabase, rules: Rule[], pages: Evidence[], certIssuer: string | undefined, table: Map<string, Detection>): void {
  for (const rule of rules) {
    const found: Detection[] = [];
    for (const ev of pages) matchRule(db, rule, ev, found);
    if (certIssuer !== undefined) tryAll(db, rule.certIssuer, certIssuer, undefined, found);
    for (const d of found) addDetection(table, rule.name, d);
  }
}

/** Applies excludes, then implies transitively (Wappalyzer's resolve order). */
function resolve(db: RuleDatabase, table: Map<string, Detection>): void {
  for (const name of [...table.keys()]) {
    for (const excluded of db.byName.get(name)?.excludes ?? []) if (excluded !== name) table.delete(excluded);
  }
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let added = false;
    for (const [name, det] of [...table]) {
      for (const implied of db.byName.get(name)?.implies ?? []) {
        if (table.has(implied.name) || !db.byName.has(implied.name)) continue;
        table.set(implied.name, { confidence: Math.min(det.confidence, implied.confidence), version: validVersion(implied.version) ? implied.version : '' });
        added = true;
      }
    }
    if (!added) break;
  }
}

function requirementMet(db: RuleDatabase, rule: Rule, table: Map<string, Detection>): boolean {
  if (rule.requires.some((name) => table.has(name))) return true;
  if (rule.requiresCategory.length === 0) return false;
  for (const name of table.keys()) {
    const ids = db.byName.get(name)?.categoryIds ?? [];
    if (ids.some((id) => rule.requiresCategory.includes(id))) return true;
  }
  return false;
}

/**
 * Fingerprints one HTTP(S) service from its main response (and optional extra pages, TLS
 * issuer and favicon hash). Returns each technology found once, with Wappalyzer confidence,
 * version when one was resolved, category names and the rule's CPE; sorted by confidence,
 * then name. Never throws; `db` defaults to the process-wide rule database.
 */
export function fingerprintHttp(input: FingerprintInput, db: RuleDatabase = getRuleDatabase()): HttpTechnology[] {
  const pages: Evidence[] = [evidence(input.url, input.status, input.headers, input.body)];
  let base: URL | undefined;
  try {
    base = new URL(input.url);
  } catch {
    base = undefined;
  }
  for (const page of (Array.isArray(input.extraPages) ? input.extraPages : []).slice(0, MAX_EXTRA_PAGES)) {
    if (typeof page?.path !== 'string') continue;
    let url = page.path;
    try {
      if (base) url = new URL(page.path, base).href;
    } catch {
      // keep the bare path
    }
    pages.push(evidence(url, page.status, page.headers, page.body, page.path));
  }
  const certIssuer = typeof input.certIssuer === 'string' ? capped(input.certIssuer, 1024) : undefined;

  const table = new Map<string, Detection>();
  const unconditional = db.rules.filter((r) => r.requires.length === 0 && r.requiresCategory.length === 0);
  let conditional = db.rules.filter((r) => r.requires.length > 0 || r.requiresCategory.length > 0);
  detectAll(db, unconditional, pages, certIssuer, table);
  if (input.faviconHash !== undefined) {
    for (const entry of lookupFaviconHash(input.faviconHash)) {
      if (db.byName.has(entry.technology)) addDetection(table, entry.technology, { confidence: 100, version: '' });
    }
  }
  resolve(db, table);
  for (let pass = 0; pass < MAX_PASSES && conditional.length > 0; pass++) {
    const ready = conditional.filter((r) => requirementMet(db, r, table));
    if (ready.length === 0) break;
    conditional = conditional.filter((r) => !ready.includes(r));
    detectAll(db, ready, pages, certIssuer, table);
    resolve(db, table);
  }

  const out: HttpTechnology[] = [];
  for (const [name, det] of table) {
    if (det.confidence <= 0) continue;
    const rule = db.byName.get(name);
    const tech: HttpTechnology = { name, confidence: det.confidence, categories: rule ? [...rule.categories] : [] };
    if (det.version !== '') tech.version = sanitizeText(det.version, 32);
    if (rule?.cpe) tech.cpe = rule.cpe;
    out.push(tech);
  }
  return out.sort((a, b) => b.confidence - a.confidence || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
