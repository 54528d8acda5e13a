/**
 * PURE parsers of Pi-hole's query records: the v6 REST API (`GET /api/queries`), the v5
 * api.php (`getAllQueries`) and rows of the FTL database's `queries` view
 * (/etc/pihole/pihole-FTL.db). Never throw; anything unusable is counted as bad.
 *
 * Codes (Pi-hole docs, docs.pi-hole.net/database/ftl and FTL src/api/docs/content/specs/queries.yaml):
 * - status (v5 numbers, v6 names): 1 GRAVITY, 4 REGEX, 5 DENYLIST, 6 EXTERNAL_BLOCKED_IP,
 *   7 EXTERNAL_BLOCKED_NULL, 8 EXTERNAL_BLOCKED_NXRA, 9 GRAVITY_CNAME, 10 REGEX_CNAME,
 *   11 DENYLIST_CNAME, 15 DBBUSY, 16 SPECIAL_DOMAIN are blocked; 2 FORWARDED, 12 RETRIED,
 *   13 RETRIED_DNSSEC, 14 IN_PROGRESS forwarded; 3 CACHE, 17 CACHE_STALE cached; 0 UNKNOWN.
 * - FTL database query types: 1 A, 2 AAAA, 3 ANY, 4 SRV, 5 SOA, 6 PTR, 7 TXT, 8 NAPTR,
 *   9 MX, 10 DS, 11 RRSIG, 12 DNSKEY, 13 NS, 14 OTHER, 15 SVCB, 16 HTTPS; 100 + n is RR type n.
 * - reply types: 1 NODATA, 2 NXDOMAIN, 3 CNAME, 4 IP, 5 DOMAIN, 6 RRNAME, 7 SERVFAIL,
 *   8 REFUSED, 9 NOTIMP, 10 OTHER, 11 DNSSEC, 12 NONE, 13 BLOB.
 */
import { asRecord, cleanInt } from '../../intel/sanitise.js';
import type { DnsQuery, DnsStatus } from '../types.js';
import { cleanType, makeQuery } from './record.js';

const STATUS_BY_NUMBER: readonly string[] = [
  'UNKNOWN', 'GRAVITY', 'FORWARDED', 'CACHE', 'REGEX', 'DENYLIST', 'EXTERNAL_BLOCKED_IP', 'EXTERNAL_BLOCKED_NULL',
  'EXTERNAL_BLOCKED_NXRA', 'GRAVITY_CNAME', 'REGEX_CNAME', 'DENYLIST_CNAME', 'RETRIED', 'RETRIED_DNSSEC', 'IN_PROGRESS',
  'DBBUSY', 'SPECIAL_DOMAIN', 'CACHE_STALE',
];
const BLOCKED = new Set([
  'GRAVITY', 'REGEX', 'DENYLIST', 'BLACKLIST', 'EXTERNAL_BLOCKED_IP', 'EXTERNAL_BLOCKED_NULL', 'EXTERNAL_BLOCKED_NXRA',
  'EXTERNAL_BLOCKED_EDE15', 'GRAVITY_CNAME', 'REGEX_CNAME', 'DENYLIST_CNAME', 'BLACKLIST_CNAME', 'DBBUSY', 'SPECIAL_DOMAIN',
]);
const FORWARDED = new Set(['FORWARDED', 'RETRIED', 'RETRIED_DNSSEC', 'IN_PROGRESS']);
const CACHED = new Set(['CACHE', 'CACHE_STALE']);

/** Our status for a Pi-hole status (name or v5 number). */
export function piholeStatus(v: unknown): DnsStatus {
  const name = typeof v === 'string' && !/^\d+$/.test(v.trim()) ? v.trim().toUpperCase() : STATUS_BY_NUMBER[cleanInt(v, 0, 99) ?? -1];
  if (!name) return 'unknown';
  if (BLOCKED.has(name)) return 'blocked';
  if (FORWARDED.has(name)) return 'forwarded';
  if (CACHED.has(name)) return 'cached';
  return 'unknown';
}

const FTL_TYPES: readonly string[] = ['', 'A', 'AAAA', 'ANY', 'SRV', 'SOA', 'PTR', 'TXT', 'NAPTR', 'MX', 'DS', 'RRSIG', 'DNSKEY', 'NS', 'OTHER', 'SVCB', 'HTTPS'];

/** The query type of an FTL database type number (see module rules). */
export function ftlType(v: unknown): string | undefined {
  const n = cleanInt(v, 0, 65_635);
  if (n === undefined) return cleanType(v);
  if (n > 100) return cleanType(n - 100);
  return FTL_TYPES[n] || undefined;
}

const REPLY_BY_NUMBER: readonly string[] = ['UNKNOWN', 'NODATA', 'NXDOMAIN', 'CNAME', 'IP', 'DOMAIN', 'RRNAME', 'SERVFAIL', 'REFUSED', 'NOTIMP', 'OTHER', 'DNSSEC', 'NONE', 'BLOB'];

/** The rcode of a Pi-hole reply type (name or number), or undefined. */
export function piholeRcode(v: unknown): string | undefined {
  const name = typeof v === 'string' && !/^\d+$/.test(v.trim()) ? v.trim().toUpperCase() : REPLY_BY_NUMBER[cleanInt(v, 0, 99) ?? -1];
  switch (name) {
    case 'NODATA':
    case 'NXDOMAIN':
    case 'SERVFAIL':
    case 'REFUSED':
    case 'NOTIMP':
      return name;
    case 'CNAME':
    case 'IP':
    case 'DOMAIN':
    case 'RRNAME':
    case 'BLOB':
      return 'NOERROR';
    default:
      return undefined;
  }
}

/** One v6 API record with its database id. */
export interface IdQuery {
  id: number;
  query: DnsQuery;
}

export interface Pihole6Page {
  items: IdQuery[];
  bad: number;
  /** The `cursor` of the answer (database id of the newest query it counted from). */
  cursor: number | undefined;
  /** Entries in the answer, good or bad (a full page means there may be more). */
  count: number;
}

/** Parses a `GET /api/queries` answer (newest first). */
export function parsePihole6Queries(json: unknown, nowMs: number, maxItems = 10_000): Pihole6Page {
  const root = asRecord(json);
  const list = Array.isArray(root?.queries) ? (root.queries as unknown[]) : [];
  const out: IdQuery[] = [];
  let bad = root && Array.isArray(root.queries) ? 0 : 1;
  const n = Math.min(list.length, maxItems);
  for (let i = 0; i < n; i++) {
    const r = asRecord(list[i]);
    const id = cleanInt(r?.id, 0, Number.MAX_SAFE_INTEGER);
    const time = typeof r?.time === 'number' ? r.time : Number.NaN;
    const client = asRecord(r?.client);
    const reply = asRecord(r?.reply);
    const q =
      r && id !== undefined
        ? makeQuery(
            {
              timeMs: time * 1000,
              client: client?.ip,
              name: r.domain,
              type: r.type,
              status: piholeStatus(r.status),
              rcode: piholeRcode(reply?.type),
              answers: typeof r.cname === 'string' ? [r.cname] : [],
              upstream: r.upstream,
            },
            nowMs,
          )
        : undefined;
    if (q && id !== undefined) out.push({ id, query: q });
    else bad++;
  }
  return { items: out, bad, cursor: cleanInt(root?.cursor, 0, Number.MAX_SAFE_INTEGER), count: n };
}

/** Parses a v5 `api.php?getAllQueries` answer: `{data: [[ts, type, domain, client, status, dnssec, reply, delay, cname, regex_id, upstream, ede]]}`. */
export function parsePihole5Api(json: unknown, nowMs: number, maxItems = 100_000): { queries: DnsQuery[]; bad: number; authFailed: boolean } {
  // api.php answers a wrong or missing token with an empty JSON array.
  if (Array.isArray(json)) return { queries: [], bad: 0, authFailed: true };
  const root = asRecord(json);
  const data = Array.isArray(root?.data) ? (root.data as unknown[]) : undefined;
  if (!data) return { queries: [], bad: 1, authFailed: false };
  const out: DnsQuery[] = [];
  let bad = 0;
  for (let i = 0; i < Math.min(data.length, maxItems); i++) {
    const row = data[i];
    const q = Array.isArray(row)
      ? makeQuery(
          {
            timeMs: Number(row[0]) * 1000,
            client: row[3],
            name: row[2],
            type: row[1],
            status: piholeStatus(row[4]),
            rcode: piholeRcode(row[6]),
            answers: typeof row[8] === 'string' && row[8] !== 'N/A' ? [row[8]] : [],
            upstream: typeof row[10] === 'string' && row[10] !== 'N/A' ? row[10] : undefined,
          },
          nowMs,
        )
      : undefined;
    if (q) out.push(q);
    else bad++;
  }
  if (data.length > maxItems) bad += data.length - maxItems;
  return { queries: out, bad, authFailed: false };
}

/** A row of the FTL database `queries` view (columns as FTL v5 names them). */
export interface FtlRow {
  id: unknown;
  timestamp: unknown;
  type: unknown;
  status: unknown;
  domain: unknown;
  client: unknown;
  forward?: unknown;
  additional_info?: unknown;
  reply_type?: unknown;
}

/** Parses one FTL database row; undefined when unusable. */
export function parseFtlRow(row: FtlRow, nowMs: number): DnsQuery | undefined {
  const info = typeof row.additional_info === 'string' ? row.additional_info : undefined;
  return makeQuery(
    {
      timeMs: Number(row.timestamp) * 1000,
      client: row.client,
      name: row.domain,
      type: ftlType(row.type),
      status: piholeStatus(row.status),
      rcode: piholeRcode(row.reply_type),
      answers: info && piholeStatus(row.status) === 'blocked' ? [info] : [],
      upstream: row.forward,
    },
    nowMs,
  );
}
