/**
 * Building DnsQuery records from what a source read. Rules: pure; every field is checked
 * and bounded here (one place), so each parser only maps its format: the client must be an
 * IP address (canonical text), the name goes through normaliseName, the time must be a
 * plausible Unix time, types and answers are short sanitised strings. Returns undefined for
 * a record that cannot be used (the caller counts it as bad).
 */
import { canonicalIp } from '../../intel/ip.js';
import { sanitizeText } from '../../scan/service/sanitize.js';
import { normaliseName } from '../names.js';
import { MAX_ANSWERS, type DnsQuery, type DnsStatus } from '../types.js';

/** 2000-01-01: anything older is a parse error, not a query. */
const MIN_TIME_MS = Date.UTC(2000, 0, 1);
/** Characters of an answer or upstream kept at most. */
const MAX_VALUE_CHARS = 80;

/** DNS RR type numbers to names (RFC 1035 and the IANA registry, the types home networks see). */
export const RR_TYPES: Readonly<Record<number, string>> = {
  1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 10: 'NULL', 12: 'PTR', 13: 'HINFO', 15: 'MX', 16: 'TXT', 17: 'RP', 28: 'AAAA',
  29: 'LOC', 33: 'SRV', 35: 'NAPTR', 39: 'DNAME', 43: 'DS', 46: 'RRSIG', 47: 'NSEC', 48: 'DNSKEY', 50: 'NSEC3',
  52: 'TLSA', 64: 'SVCB', 65: 'HTTPS', 99: 'SPF', 255: 'ANY', 256: 'URI', 257: 'CAA',
};

/** A query type as a short upper-case token (A, AAAA, TYPE65, ...), or undefined. */
export function cleanType(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535) return RR_TYPES[v] ?? `TYPE${v}`;
  if (typeof v !== 'string') return undefined;
  const t = v.trim().toUpperCase();
  const m = /^TYPE[= ]?(\d{1,5})$/.exec(t);
  if (m) return cleanType(Number(m[1]));
  return /^[A-Z][A-Z0-9-]{0,11}$/.test(t) ? t : undefined;
}

/** A short value (answer, upstream) made safe, or undefined when empty. */
export function cleanValue(v: unknown): string | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const s = sanitizeText(String(v).trim(), MAX_VALUE_CHARS);
  return s.length > 0 ? s : undefined;
}

export interface RawQuery {
  timeMs: number;
  client: unknown;
  name: unknown;
  type: unknown;
  status: DnsStatus;
  rcode?: string | undefined;
  answers?: readonly unknown[] | undefined;
  upstream?: unknown;
}

/** The checked record (see module rules), or undefined when unusable. */
export function makeQuery(r: RawQuery, nowMs: number): DnsQuery | undefined {
  if (!Number.isFinite(r.timeMs) || r.timeMs < MIN_TIME_MS || r.timeMs > nowMs + 86_400_000) return undefined;
  const client = typeof r.client === 'string' ? canonicalIp(r.client.trim().replace(/%.*$/, '')) : undefined;
  if (!client) return undefined;
  const name = normaliseName(r.name);
  if (!name) return undefined;
  const type = cleanType(r.type) ?? 'UNKNOWN';
  const answers: string[] = [];
  for (const a of r.answers ?? []) {
    if (answers.length >= MAX_ANSWERS) break;
    const v = cleanValue(a);
    if (v) answers.push(v);
  }
  const q: DnsQuery = { timeMs: Math.floor(r.timeMs), client, name, type, status: r.status, blocked: r.status === 'blocked', answers };
  const rcode = cleanType(r.rcode);
  if (rcode) q.rcode = rcode;
  const upstream = cleanValue(r.upstream);
  if (upstream) q.upstream = upstream;
  return q;
}
