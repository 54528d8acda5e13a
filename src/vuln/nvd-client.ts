/**
 * The NVD CVE API 2.0 client: one keyword or CPE search, every page of it.
 *
 * Rules:
 * - Requests go through intel's bounded HTTP helper (deadline, body cap, typed errors that
 *   never carry the URL or headers). The API key travels only in the `apiKey` header and never
 *   appears in an error, a stats view or a log.
 * - Every request, retries included, first takes a slot from the rolling-window limiter: 5 per
 *   30 s without a key, 50 with one (NVD's documented limits).
 * - Paging: resultsPerPage/startIndex from 0 until startIndex reaches totalResults. A search
 *   whose totalResults exceeds maxResults fails as too_large (never a truncated result).
 * - 403 (NVD's rate-limit answer), 429, 5xx, timeouts and connection failures are retried up
 *   to maxRetries times with exponential backoff (retryBaseMs doubling, capped at retryMaxMs,
 *   +/-10% jitter), or after Retry-After when the server sends a longer one. Other failures and
 *   unreadable pages fail at once.
 * - fetch() resolves with every record of the search or with an error: never with part of one,
 *   so callers can cache what they get without ever caching a partial result.
 */
import type { Clock } from '../core/clock.js';
import type { Metrics } from '../core/metrics.js';
import { httpGet, parseRetryAfter, statusError, type IntelError, type Outcome } from '../intel/http.js';
import { parseNvdPage, type NvdPage } from './nvd-parse.js';
import { createRateWindow, sleep, type RateWindow } from './rate-window.js';
import type { CveRecord } from './types.js';

/** One NVD search: keywordSearch=<value> or virtualMatchString=<value>. */
export interface NvdQuery {
  kind: 'keyword' | 'cpe';
  value: string;
}

/** The stable cache key of a query. */
export function queryKey(q: NvdQuery): string {
  return q.kind === 'keyword' ? `keyword:${q.value.toLowerCase()}` : `cpe:${q.value}`;
}

/** The query a cache key names (inverse of queryKey; keywords come back lower-cased). */
export function queryFromKey(key: string): NvdQuery | undefined {
  if (key.startsWith('keyword:')) return { kind: 'keyword', value: key.slice(8) };
  if (key.startsWith('cpe:cpe:2.3:')) return { kind: 'cpe', value: key.slice(4) };
  return undefined;
}

function quoteCpe(value: string): string {
  let out = '';
  for (const ch of value) out += /[A-Za-z0-9._-]/.test(ch) ? ch : `\\${ch}`;
  return out;
}

/** The virtualMatchString for a product: "cpe:2.3:a:openbsd:openssh" (values quoted as CPE 2.3 requires). */
export function cpeMatchString(vendorProduct: string, part: 'a' | 'o' | 'h' = 'a'): string {
  const i = vendorProduct.indexOf(':');
  return `cpe:2.3:${part}:${quoteCpe(vendorProduct.slice(0, i))}:${quoteCpe(vendorProduct.slice(i + 1))}`;
}

export interface NvdClientOptions {
  baseUrl: string;
  apiKey?: string;
  resultsPerPage?: number;
  maxResults?: number;
  timeoutMs?: number;
  maxPageBytes?: number;
  maxRetries?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Requests per rolling window; default 5 without a key, 50 with one. */
  rateLimit?: number;
  rateWindowMs?: number;
  /** Random source in [0,1) for jitter. */
  random?: () => number;
}

export const NVD_DEFAULTS = {
  resultsPerPage: 500,
  maxResults: 5000,
  timeoutMs: 60_000,
  maxPageBytes: 32 * 1024 * 1024,
  maxRetries: 4,
  retryBaseMs: 6_000,
  retryMaxMs: 120_000,
  rateWindowMs: 30_000,
} as const;

export interface NvdFetchResult {
  records: CveRecord[];
  totalResults: number;
  pages: number;
  /** Entries NVD sent that could not be read. */
  skipped: number;
}

export interface NvdClientStats {
  requests: number;
  pages: number;
  retries: number;
  rateWaits: number;
  /** Failed searches by error kind. */
  errors: Record<string, number>;
  lastError?: IntelError & { atMs: number };
  /** Requests allowed per rolling window, and how many the window holds now. */
  rate: { limit: number; windowMs: number; inWindow: number };
}

export interface NvdClient {
  /** Every record of one search, or an error (see module rules). */
  fetch(q: NvdQuery, signal?: AbortSignal): Promise<Outcome<NvdFetchResult>>;
  stats(): NvdClientStats;
  /** HTTP requests in flight (tests wait for 0 before moving a fake clock). */
  inFlight(): number;
}

const RETRY_STATUS = new Set([403, 429, 500, 502, 503, 504]);

/** A client for the given endpoint; does no I/O until fetch(). */
export function createNvdClient(options: NvdClientOptions, deps: { clock: Clock; metrics?: Metrics; rate?: RateWindow }): NvdClient {
  const o = { ...NVD_DEFAULTS, ...options };
  const clock = deps.clock;
  const random = o.random ?? Math.random;
  const perPage = Math.max(1, Math.min(2000, o.resultsPerPage));
  const rate = deps.rate ?? createRateWindow(o.rateLimit ?? (o.apiKey ? 50 : 5), o.rateWindowMs, clock);
  const headers: Record<string, string> = { accept: 'application/json', ...(o.apiKey ? { apiKey: o.apiKey } : {}) };
  const stats = { requests: 0, pages: 0, retries: 0, errors: {} as Record<string, number>, lastError: undefined as (IntelError & { atMs: number }) | undefined };
  let inFlight = 0;

  const urlFor = (q: NvdQuery, startIndex: number): string => {
    const u = new URL(o.baseUrl);
    u.searchParams.set(q.kind === 'keyword' ? 'keywordSearch' : 'virtualMatchString', q.value);
    u.searchParams.set('resultsPerPage', String(perPage));
    u.searchParams.set('startIndex', String(startIndex));
    return `${u.toString()}&noRejected`;
  };

  const fail = (error: IntelError): Outcome<never> => {
    if (error.kind === 'aborted') return { ok: false, error };
    stats.errors[error.kind] = (stats.errors[error.kind] ?? 0) + 1;
    stats.lastError = { ...error, atMs: clock.now() };
    deps.metrics?.inc('homesec_vuln_nvd_errors_total', { kind: error.kind });
    return { ok: false, error };
  };

  const once = async (url: string, signal?: AbortSignal): Promise<{ outcome: Outcome<NvdPage>; retryable: boolean; retryAfterMs?: number }> => {
    await rate.acquire(signal);
    stats.requests++;
    deps.metrics?.inc('homesec_vuln_nvd_requests_total');
    inFlight++;
    let r;
    try {
      r = await httpGet(url, { headers, timeoutMs: o.timeoutMs, maxBytes: o.maxPageBytes, clock, ...(signal ? { signal } : {}) });
    } finally {
      inFlight--;
    }
    if (!r.ok) return { outcome: r, retryable: r.error.kind === 'network' || r.error.kind === 'timeout' };
    const { status, headers: h, body } = r.value;
    if (status !== 200) {
      const retryAfterMs = parseRetryAfter(h.get('retry-after'), clock.now());
      const error = statusError(status, h, clock.now());
      return { outcome: { ok: false, error }, retryable: RETRY_STATUS.has(status), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return { outcome: { ok: false, error: { kind: 'malformed', status, detail: 'HTTP 200 body is not JSON' } }, retryable: false };
    }
    const page = parseNvdPage(json);
    if (!page.ok) return { outcome: { ok: false, error: { kind: 'malformed', status, detail: page.error } }, retryable: false };
    return { outcome: { ok: true, value: page.value }, retryable: false };
  };

  const getPage = async (url: string, signal?: AbortSignal): Promise<Outcome<NvdPage>> => {
    for (let attempt = 0; ; attempt++) {
      const r = await once(url, signal);
      if (r.outcome.ok || !r.retryable || attempt >= o.maxRetries) return r.outcome;
      const backoff = Math.min(o.retryMaxMs, o.retryBaseMs * 2 ** attempt) * (0.9 + 0.2 * random());
      stats.retries++;
      deps.metrics?.inc('homesec_vuln_nvd_retries_total');
      await sleep(Math.max(backoff, r.retryAfterMs ?? 0), clock, signal);
    }
  };

  return {
    async fetch(q, signal) {
      const records: CveRecord[] = [];
      let startIndex = 0;
      let pages = 0;
      let skipped = 0;
      const maxPages = Math.ceil(o.maxResults / perPage) + 2;
      try {
        for (;;) {
          const r = await getPage(urlFor(q, startIndex), signal);
          if (!r.ok) return fail(r.error);
          const page = r.value;
          pages++;
          stats.pages++;
          if (page.totalResults > o.maxResults) {
            return fail({ kind: 'too_large', detail: `${page.totalResults} results, more than the ${o.maxResults} allowed per search` });
          }
          if (page.startIndex !== startIndex) return fail({ kind: 'malformed', detail: `page for startIndex ${startIndex} says ${page.startIndex}` });
          records.push(...page.records);
          skipped += page.skipped;
          const seen = page.records.length + page.skipped;
          startIndex += seen;
          if (startIndex >= page.totalResults) return { ok: true, value: { records, totalResults: page.totalResults, pages, skipped } };
          if (seen === 0 || pages >= maxPages) return fail({ kind: 'malformed', detail: `paging stopped at ${startIndex} of ${page.totalResults}` });
        }
      } catch (err) {
        if ((err as Error).name === 'AbortError') return fail({ kind: 'aborted', detail: 'aborted' });
        throw err;
      }
    },
    stats: () => ({
      requests: stats.requests,
      pages: stats.pages,
      retries: stats.retries,
      rateWaits: rate.waits(),
      errors: { ...stats.errors },
      ...(stats.lastError ? { lastError: stats.lastError } : {}),
      rate: { limit: rate.limit, windowMs: rate.windowMs, inWindow: rate.inWindow() },
    }),
    inFlight: () => inFlight,
  };
}
