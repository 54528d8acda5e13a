/**
 * DNS monitoring types. Rules: every source (Pi-hole v6 API, Pi-hole v5 FTL database or
 * api.php, the dnsmasq/Pi-hole query log, AdGuard Home) turns what it reads into DnsQuery
 * records through a PURE parser; a DnsQuery holds only bounded, sanitised plain values
 * (names via names.ts normaliseName, canonical client IPs), so detectors, stats, the store
 * and the API can use it without further checks (views still HTML-escape). Anything a
 * parser cannot use is counted as a bad record, never thrown.
 */

export const DNS_SOURCE_KINDS = ['none', 'pihole6', 'pihole5_db', 'pihole5_api', 'dnsmasq_log', 'adguard'] as const;
export type DnsSourceKind = (typeof DNS_SOURCE_KINDS)[number];

/** How the resolver handled the query. */
export type DnsStatus = 'forwarded' | 'cached' | 'local' | 'blocked' | 'unknown';

/** One DNS query a device made. */
export interface DnsQuery {
  /** When it was asked (Unix ms). */
  timeMs: number;
  /** The client's IP address in canonical text form. */
  client: string;
  /** The query name (names.ts normaliseName: plain, bounded, may be hostile text). */
  name: string;
  /** Query type: A, AAAA, TXT, NULL, ... or TYPEnnn. */
  type: string;
  status: DnsStatus;
  blocked: boolean;
  /** Response code when known: NOERROR, NXDOMAIN, NODATA, SERVFAIL, REFUSED. */
  rcode?: string;
  /** Up to MAX_ANSWERS answers (addresses, CNAME, <TXT>, ...), sanitised. */
  answers: string[];
  /** Upstream server when forwarded. */
  upstream?: string;
}

/** Answers kept per query at most. */
export const MAX_ANSWERS = 4;

/** The result of parsing a batch: good records plus counts of what was not usable. */
export interface ParseResult {
  queries: DnsQuery[];
  bad: number;
}

export type DnsSourceState = 'idle' | 'ok' | 'waiting' | 'error' | 'auth_failed';

/** Health of the configured source, for /health, the dashboard and Home Assistant (no secrets). */
export interface DnsSourceStatus {
  kind: DnsSourceKind;
  state: DnsSourceState;
  polls: number;
  queries: number;
  badRecords: number;
  errors: number;
  lastPollMs?: number;
  lastSuccessMs?: number;
  /** Safe text of the last failure (a typed error kind and status; never a URL, header or password). */
  lastError?: string;
  /** Source-specific counters (lines, rotations, pages, gaps, ...). */
  counters: Record<string, number>;
}

/**
 * One DNS source plugin. Rules: built by its factory without I/O; start() prepares (opens a
 * file, logs in) and must not throw for a peer that is down (state 'waiting'/'error' instead);
 * poll() returns the queries that are new since the previous poll, never throws, and keeps
 * memory bounded (caps on bytes, lines, pages and records per poll); stop() releases
 * everything (logs out of a session).
 */
export interface DnsSource {
  readonly kind: DnsSourceKind;
  start(): Promise<void>;
  poll(): Promise<DnsQuery[]>;
  stop(): Promise<void>;
  status(): DnsSourceStatus;
}
