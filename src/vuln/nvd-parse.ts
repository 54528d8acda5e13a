/**
 * Parsing NVD CVE API 2.0 responses (`{resultsPerPage, startIndex, totalResults, format,
 * version, timestamp, vulnerabilities: [{cve: {...}}]}`) into compact CveRecords.
 *
 * Rules:
 * - Pure; never throws; everything is hostile: fields of the wrong type are dropped, a record
 *   without a valid CVE id is skipped and counted, strings are cleaned and capped (intel's
 *   sanitise.ts), arrays are capped (MAX_RECORDS_PER_PAGE, and per record the configuration,
 *   node and cpeMatch caps of configurations.ts).
 * - Only what matching and display need is kept: id, published, lastModified, vulnStatus, the
 *   English description, one CVSS score (v3.1, else v4.0, else v3.0, else v2; the NVD
 *   "Primary" metric before secondary ones), the configurations and NVD's cisaExploitAdd.
 * - A page whose envelope is wrong (no vulnerabilities array, counts that are not
 *   non-negative integers) is an error: the caller must not treat it as an empty result.
 */
import { asRecord, cleanInt, cleanText } from '../intel/sanitise.js';
import { MAX_CONFIGURATIONS, MAX_MATCHES_PER_CVE, MAX_NODES } from './configurations.js';
import { MAX_CPE_CHARS } from './cpe-name.js';
import type { ConfigNodeRecord, ConfigurationRecord, CpeMatchRecord, CveRecord, CvssScore, CvssSeverity, CvssVersion } from './types.js';

export const MAX_RECORDS_PER_PAGE = 5000;
export const MAX_DESCRIPTION = 1000;
const MAX_BOUND = 64;

export const CVE_ID = /^CVE-\d{4}-\d{4,8}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const UUID = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;
const SEVERITIES: readonly CvssSeverity[] = ['critical', 'high', 'medium', 'low', 'none'];

export interface NvdPage {
  totalResults: number;
  resultsPerPage: number;
  startIndex: number;
  records: CveRecord[];
  /** Entries skipped as unreadable (no valid id, not an object) or past MAX_RECORDS_PER_PAGE. */
  skipped: number;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** The severity a score has when the metric names none (CVSS v3/v4 bands; v2 has no critical). */
export function severityOfScore(score: number, version: CvssVersion): CvssSeverity {
  if (score <= 0) return 'none';
  if (score < 4) return 'low';
  if (score < 7) return 'medium';
  if (score < 9 || version === '2.0') return 'high';
  return 'critical';
}

function cvssFrom(list: unknown, version: CvssVersion): CvssScore | undefined {
  if (!Array.isArray(list)) return undefined;
  const metrics = list.slice(0, 16).map(asRecord).filter((m): m is Record<string, unknown> => m !== undefined);
  const ordered = [...metrics.filter((m) => m.type === 'Primary'), ...metrics.filter((m) => m.type !== 'Primary')];
  for (const m of ordered) {
    const data = asRecord(m.cvssData);
    const score = data?.baseScore;
    if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 10) continue;
    const named = String(data?.baseSeverity ?? m.baseSeverity ?? '').toLowerCase() as CvssSeverity;
    const severity = SEVERITIES.includes(named) ? named : severityOfScore(score, version);
    const vector = cleanText(data?.vectorString, 200);
    return { version, score: Math.round(score * 10) / 10, severity, ...(vector ? { vector } : {}) };
  }
  return undefined;
}

/** The CVSS score to show: v3.1, then v4.0, then v3.0, then v2 (see module rules). */
export function pickCvss(metrics: unknown): CvssScore | undefined {
  const m = asRecord(metrics);
  if (!m) return undefined;
  return (
    cvssFrom(m.cvssMetricV31, '3.1') ?? cvssFrom(m.cvssMetricV40, '4.0') ?? cvssFrom(m.cvssMetricV30, '3.0') ?? cvssFrom(m.cvssMetricV2, '2.0')
  );
}

function boundText(v: unknown): string | undefined {
  const s = cleanText(v, MAX_BOUND);
  return s && !/\s/.test(s) ? s : undefined;
}

function parseCpeMatch(v: unknown): CpeMatchRecord | undefined {
  const m = asRecord(v);
  if (!m || typeof m.vulnerable !== 'boolean') return undefined;
  const criteria = typeof m.criteria === 'string' && m.criteria.length <= MAX_CPE_CHARS ? m.criteria : undefined;
  if (!criteria || !criteria.startsWith('cpe:2.3:') || /[\s\u0000-\u001f\u007f-\u009f]/.test(criteria)) return undefined;
  const out: CpeMatchRecord = { vulnerable: m.vulnerable, criteria };
  if (typeof m.matchCriteriaId === 'string' && UUID.test(m.matchCriteriaId)) out.matchCriteriaId = m.matchCriteriaId;
  for (const k of ['versionStartIncluding', 'versionStartExcluding', 'versionEndIncluding', 'versionEndExcluding'] as const) {
    const b = boundText(m[k]);
    if (b) out[k] = b;
  }
  return out;
}

/** Configurations of one CVE, capped (see configurations.ts caps). */
export function parseConfigurations(v: unknown): ConfigurationRecord[] {
  if (!Array.isArray(v)) return [];
  const out: ConfigurationRecord[] = [];
  let matches = 0;
  for (const c of v.slice(0, MAX_CONFIGURATIONS)) {
    const cfg = asRecord(c);
    if (!cfg || !Array.isArray(cfg.nodes)) continue;
    const nodes: ConfigNodeRecord[] = [];
    for (const n of cfg.nodes.slice(0, MAX_NODES)) {
      const node = asRecord(n);
      if (!node || !Array.isArray(node.cpeMatch)) continue;
      const cpeMatch: CpeMatchRecord[] = [];
      for (const m of node.cpeMatch) {
        if (matches >= MAX_MATCHES_PER_CVE) break;
        const parsed = parseCpeMatch(m);
        if (parsed) {
          cpeMatch.push(parsed);
          matches++;
        }
      }
      if (cpeMatch.length > 0) nodes.push({ operator: node.operator === 'AND' ? 'AND' : 'OR', negate: node.negate === true, cpeMatch });
    }
    if (nodes.length > 0) out.push(cfg.operator === 'AND' || cfg.operator === 'OR' ? { operator: cfg.operator, nodes } : { nodes });
  }
  return out;
}

function englishDescription(v: unknown): string {
  if (!Array.isArray(v)) return '';
  let fallback: string | undefined;
  for (const d of v.slice(0, 16)) {
    const r = asRecord(d);
    const text = cleanText(r?.value, MAX_DESCRIPTION);
    if (!text) continue;
    if (r?.lang === 'en') return text;
    fallback ??= text;
  }
  return fallback ?? '';
}

/** One `cve` object of the API into a CveRecord, or undefined when it has no valid id. */
export function parseCveRecord(v: unknown): CveRecord | undefined {
  const cve = asRecord(v);
  if (!cve || typeof cve.id !== 'string' || !CVE_ID.test(cve.id)) return undefined;
  const rec: CveRecord = { id: cve.id, description: englishDescription(cve.descriptions), configurations: parseConfigurations(cve.configurations) };
  if (typeof cve.published === 'string' && TIMESTAMP.test(cve.published)) rec.published = cve.published;
  if (typeof cve.lastModified === 'string' && TIMESTAMP.test(cve.lastModified)) rec.lastModified = cve.lastModified;
  const status = cleanText(cve.vulnStatus, 40);
  if (status) rec.status = status;
  const cvss = pickCvss(cve.metrics);
  if (cvss) rec.cvss = cvss;
  if (typeof cve.cisaExploitAdd === 'string' && DATE.test(cve.cisaExploitAdd)) rec.cisaExploitAdd = cve.cisaExploitAdd;
  return rec;
}

/** One API response page (see module rules). */
export function parseNvdPage(json: unknown): ParseResult<NvdPage> {
  const root = asRecord(json);
  if (!root) return { ok: false, error: 'response is not a JSON object' };
  const totalResults = cleanInt(root.totalResults, 0, 1e9);
  const resultsPerPage = cleanInt(root.resultsPerPage, 0, 1e6);
  const startIndex = cleanInt(root.startIndex, 0, 1e9);
  if (totalResults === undefined || resultsPerPage === undefined || startIndex === undefined) {
    return { ok: false, error: 'totalResults, resultsPerPage or startIndex missing or invalid' };
  }
  if (!Array.isArray(root.vulnerabilities)) return { ok: false, error: 'vulnerabilities is not an array' };
  const records: CveRecord[] = [];
  let skipped = Math.max(0, root.vulnerabilities.length - MAX_RECORDS_PER_PAGE);
  for (const item of root.vulnerabilities.slice(0, MAX_RECORDS_PER_PAGE)) {
    const rec = parseCveRecord(asRecord(item)?.cve);
    if (rec) records.push(rec);
    else skipped++;
  }
  return { ok: true, value: { totalResults, resultsPerPage, startIndex, records, skipped } };
}
