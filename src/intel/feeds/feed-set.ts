/**
 * The configured blacklist feeds: fetch, keep, parse, match. Rules:
 * - Refreshes are conditional (If-None-Match / If-Modified-Since from the stored ETag and
 *   Last-Modified); 304 keeps the copy in use.
 * - The last good copy of each feed (body + validators) lives in SQLite (intel_feeds), so a
 *   restart matches at once, before any network, and a failed refresh changes nothing.
 * - A refresh fails (and the last good copy stays) on a network error, timeout, a body over
 *   the cap, a non-2xx status, an HTML page, or a body that had content but yielded no
 *   entries or mostly garbage (a captive portal or error page served with 200). A feed that
 *   holds only comments is a legitimate empty list.
 * - Feeds are named by host + path (never the query string or credentials, which may hold a
 *   key); names are what findings and stats show.
 * - One refresh runs at a time; abort() stops one in flight. nextDueMs() tells when the
 *   least recently confirmed feed is due, so a restart does not re-download early.
 */
import type { Clock } from '../../core/clock.js';
import type { Db } from '../../store/database.js';
import { httpGet } from '../http.js';
import { cleanText } from '../sanitise.js';
import { buildMatcher, MAX_FEEDS, type FeedMatcher } from './matcher.js';
import { DEFAULT_FEED_LIMITS, feedSize, parseFeed, type FeedLimits, type FeedParseErrors, type ParsedFeed } from './parse.js';

export interface FeedStatus {
  name: string;
  entries: { ips: number; cidrs: number; domains: number };
  parseErrors: FeedParseErrors;
  /** When the copy in use was downloaded (undefined: none yet). */
  fetchedMs?: number;
  lastAttemptMs?: number;
  /** When the last attempt confirmed or replaced the copy (200 or 304). */
  lastSuccessMs?: number;
  lastError?: string;
  notModified: number;
  failures: number;
}

export interface FeedSetOptions {
  timeoutMs: number;
  /** Body bytes per feed at most. */
  maxBytes: number;
  limits?: FeedLimits;
  maxMatcherEntries?: number;
}

export interface FeedRefreshResult {
  name: string;
  outcome: 'updated' | 'not_modified' | 'failed';
  /** Why it failed (safe to log: no URL). */
  error?: string;
}

export interface FeedSet {
  /** Loads last good copies from SQLite and builds the matcher (no network). */
  load(): void;
  /** Refreshes every feed; resolves when done (never rejects). Joins a refresh in flight. */
  refresh(): Promise<FeedRefreshResult[]>;
  /** When the least recently confirmed feed is due for a refresh every `intervalMs` (now or earlier when one has no copy). */
  nextDueMs(intervalMs: number): number;
  matcher(): FeedMatcher;
  status(): FeedStatus[];
  /** Aborts a refresh in flight. */
  abort(): void;
}

/** A display name for a feed URL: host + path, bounded, no query or credentials. */
export function feedName(url: string): string {
  try {
    const u = new URL(url);
    const path = u.pathname.replace(/\/+$/, '');
    return cleanText(`${u.hostname}${path}`, 120) ?? 'feed';
  } catch {
    return 'feed';
  }
}

const EMPTY_ERRORS: FeedParseErrors = { invalid: 0, tooLong: 0, binary: 0, overCap: 0, tooBroad: 0 };

interface FeedState {
  url: string;
  name: string;
  parsed?: ParsedFeed;
  status: FeedStatus;
}

/** Judges a fresh download: the reason to reject it, or undefined when it is usable. */
export function rejectReason(parsed: ParsedFeed, contentType: string | null): string | undefined {
  if (contentType && /text\/html|application\/xhtml/i.test(contentType)) return 'served an HTML page';
  const e = parsed.errors;
  const bad = e.invalid + e.binary + e.tooLong;
  const entries = feedSize(parsed);
  if (entries === 0 && bad > 0) return 'no usable entries';
  if (bad > 10 && bad > entries) return 'mostly unparseable';
  return undefined;
}

/** Creates the feed set for `urls` (the first MAX_FEEDS distinct ones). */
export function createFeedSet(urls: readonly string[], opts: FeedSetOptions, deps: { db: Db; clock: Clock }): FeedSet {
  const limits = opts.limits ?? DEFAULT_FEED_LIMITS;
  const seen = new Map<string, number>();
  const feeds: FeedState[] = [...new Set(urls)].slice(0, MAX_FEEDS).map((url) => {
    const base = feedName(url);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    const name = n === 1 ? base : `${base}#${n}`;
    return { url, name, status: { name, entries: { ips: 0, cidrs: 0, domains: 0 }, parseErrors: { ...EMPTY_ERRORS }, notModified: 0, failures: 0 } };
  });
  let matcher = buildMatcher([]);
  let running: Promise<FeedRefreshResult[]> | undefined;
  let ac: AbortController | undefined;

  const select = deps.db.prepare('SELECT etag, last_modified, fetched_ms, checked_ms, body FROM intel_feeds WHERE url = ?');
  const upsert = deps.db.prepare(
    `INSERT INTO intel_feeds (url, etag, last_modified, fetched_ms, checked_ms, body) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified, fetched_ms = excluded.fetched_ms,
       checked_ms = excluded.checked_ms, body = excluded.body`,
  );
  const confirm = deps.db.prepare('UPDATE intel_feeds SET checked_ms = ? WHERE url = ?');

  const use = (f: FeedState, parsed: ParsedFeed, fetchedMs: number) => {
    f.parsed = parsed;
    f.status.entries = { ips: parsed.ips.length, cidrs: parsed.cidrs.length, domains: parsed.domains.length };
    f.status.parseErrors = { ...parsed.errors };
    f.status.fetchedMs = fetchedMs;
  };
  const rebuild = () => {
    matcher = buildMatcher(
      feeds.map((f) => f.parsed ?? { source: f.name, ips: [], cidrs: [], domains: [], lines: 0, comments: 0, errors: EMPTY_ERRORS }),
      opts.maxMatcherEntries,
    );
  };
  const fail = (f: FeedState, why: string): FeedRefreshResult => {
    f.status.failures++;
    f.status.lastError = why;
    return { name: f.name, outcome: 'failed', error: why };
  };

  const refreshOne = async (f: FeedState, signal: AbortSignal): Promise<FeedRefreshResult> => {
    const row = select.get(f.url) as { etag: string | null; last_modified: string | null } | undefined;
    const headers: Record<string, string> = {};
    if (row?.etag) headers['if-none-match'] = row.etag;
    if (row?.last_modified) headers['if-modified-since'] = row.last_modified;
    f.status.lastAttemptMs = deps.clock.now();
    const r = await httpGet(f.url, { headers, timeoutMs: opts.timeoutMs, maxBytes: opts.maxBytes, clock: deps.clock, signal, redirect: 'follow' });
    if (!r.ok) return fail(f, `${r.error.kind}: ${r.error.detail}`);
    const { status, headers: h, body } = r.value;
    if (status === 304 && row) {
      f.status.notModified++;
      f.status.lastSuccessMs = deps.clock.now();
      f.status.lastError = undefined;
      confirm.run(deps.clock.now(), f.url);
      return { name: f.name, outcome: 'not_modified' };
    }
    if (status < 200 || status >= 300) return fail(f, `HTTP ${status}`);
    const parsed = parseFeed(body, f.name, limits);
    const why = rejectReason(parsed, h.get('content-type'));
    if (why) return fail(f, `${why}; kept the last good copy`);
    const etag = cleanText(h.get('etag'), 200) ?? null;
    const lastModified = cleanText(h.get('last-modified'), 64) ?? null;
    const now = deps.clock.now();
    upsert.run(f.url, etag, lastModified, now, now, body);
    use(f, parsed, now);
    f.status.lastSuccessMs = now;
    f.status.lastError = undefined;
    return { name: f.name, outcome: 'updated' };
  };

  return {
    load() {
      const keep = new Set(feeds.map((f) => f.url));
      for (const r of deps.db.prepare('SELECT url FROM intel_feeds').all() as { url: string }[]) {
        if (!keep.has(r.url)) deps.db.prepare('DELETE FROM intel_feeds WHERE url = ?').run(r.url);
      }
      for (const f of feeds) {
        const row = select.get(f.url) as { fetched_ms: number; checked_ms: number; body: Buffer } | undefined;
        if (row && Buffer.isBuffer(row.body)) {
          use(f, parseFeed(row.body, f.name, limits), row.fetched_ms);
          f.status.lastSuccessMs = row.checked_ms;
        }
      }
      rebuild();
    },
    refresh() {
      running ??= (async () => {
        ac = new AbortController();
        const results: FeedRefreshResult[] = [];
        try {
          for (const f of feeds) {
            if (ac.signal.aborted) break;
            results.push(await refreshOne(f, ac.signal));
          }
          if (results.some((r) => r.outcome === 'updated')) rebuild();
          return results;
        } finally {
          running = undefined;
          ac = undefined;
        }
      })();
      return running;
    },
    nextDueMs(intervalMs) {
      let due = Infinity;
      for (const f of feeds) due = Math.min(due, f.status.lastSuccessMs === undefined ? 0 : f.status.lastSuccessMs + intervalMs);
      return due;
    },
    matcher: () => matcher,
    status: () => feeds.map((f) => ({ ...f.status, entries: { ...f.status.entries }, parseErrors: { ...f.status.parseErrors } })),
    abort() {
      ac?.abort();
    },
  };
}
