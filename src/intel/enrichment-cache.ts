/**
 * The enrichment cache: the last answer per (ip, provider). Rules: successful answers are
 * written to SQLite (intel_enrichment) and read through a bounded in-memory map, so a
 * restart does not spend budget on IPs asked about a moment ago; an answer is fresh for the
 * configured TTL, and a stale one is still shown and rated until replaced. Failures are kept
 * in memory only (bounded) and never hide the last good answer; a transient one (5xx,
 * timeout, network, rate limit, auth) holds the IP back for `errorRetryMs`, one about the
 * answer itself (bad request, oversize, malformed) for the TTL, so one bad IP cannot drain
 * a budget. Rows fetched before the retention cutoff are pruned. A
 * stored row that does not parse reads as absent.
 */
import type { IntelError } from './http.js';
import type { Db } from '../store/database.js';
import type { ProviderDataMap, ProviderName } from './types.js';

export interface CachedAnswer<N extends ProviderName = ProviderName> {
  provider: N;
  data: ProviderDataMap[N];
  fetchedMs: number;
}

export interface CachedFailure {
  error: IntelError;
  atMs: number;
}

export interface EnrichmentCache {
  /** The last successful answer (fresh or stale), or undefined. */
  get<N extends ProviderName>(ip: string, provider: N): CachedAnswer<N> | undefined;
  /** The last failure, when more recent than the last answer. */
  lastError(ip: string, provider: ProviderName): CachedFailure | undefined;
  /** True when an answer is younger than the TTL or a failure younger than errorRetryMs. */
  isFresh(ip: string, provider: ProviderName, nowMs: number): boolean;
  putAnswer<N extends ProviderName>(ip: string, answer: CachedAnswer<N>): void;
  putError(ip: string, provider: ProviderName, failure: CachedFailure): void;
  /** Deletes answers fetched before cutoffMs; returns rows deleted. */
  prune(cutoffMs: number): number;
  /** Entries held in memory (answers + failures). */
  size(): number;
}

export interface EnrichmentCacheOptions {
  ttlMs: number;
  errorRetryMs: number;
  /** Entries held in memory at most (answers and failures each). */
  maxEntries: number;
}

/** Failures about this IP's answer rather than the provider's health: retried only after the TTL. */
const ANSWER_LIKE = new Set(['bad_request', 'too_large', 'malformed']);

function boundedSet<V>(map: Map<string, V>, key: string, v: V, max: number): void {
  map.delete(key);
  if (map.size >= max) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, v);
}

/** Creates the cache over the intel_enrichment table. */
export function createEnrichmentCache(opts: EnrichmentCacheOptions, deps: { db: Db }): EnrichmentCache {
  const answers = new Map<string, CachedAnswer | null>();
  const failures = new Map<string, CachedFailure>();
  const select = deps.db.prepare('SELECT fetched_ms, data FROM intel_enrichment WHERE ip = ? AND provider = ?');
  const upsert = deps.db.prepare(
    'INSERT INTO intel_enrichment (ip, provider, fetched_ms, data) VALUES (?, ?, ?, ?) ON CONFLICT(ip, provider) DO UPDATE SET fetched_ms = excluded.fetched_ms, data = excluded.data',
  );
  const get = (ip: string, provider: ProviderName): CachedAnswer | undefined => {
    const key = `${provider}|${ip}`;
    const hit = answers.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const row = select.get(ip, provider) as { fetched_ms: number; data: string } | undefined;
    let v: CachedAnswer | null = null;
    if (row) {
      try {
        const data = JSON.parse(row.data) as unknown;
        if (typeof data === 'object' && data !== null && !Array.isArray(data)) v = { provider, data, fetchedMs: row.fetched_ms } as CachedAnswer;
      } catch {
        /* unreadable row: absent */
      }
    }
    boundedSet(answers, key, v, opts.maxEntries);
    return v ?? undefined;
  };
  const lastError = (ip: string, provider: ProviderName): CachedFailure | undefined => {
    const f = failures.get(`${provider}|${ip}`);
    if (!f) return undefined;
    const a = get(ip, provider);
    return a && a.fetchedMs >= f.atMs ? undefined : f;
  };
  return {
    get: get as EnrichmentCache['get'],
    lastError,
    isFresh(ip, provider, nowMs) {
      const a = get(ip, provider);
      if (a && nowMs - a.fetchedMs < opts.ttlMs) return true;
      const f = lastError(ip, provider);
      return f !== undefined && nowMs - f.atMs < (ANSWER_LIKE.has(f.error.kind) ? opts.ttlMs : opts.errorRetryMs);
    },
    putAnswer(ip, answer) {
      upsert.run(ip, answer.provider, answer.fetchedMs, JSON.stringify(answer.data));
      boundedSet(answers, `${answer.provider}|${ip}`, answer as CachedAnswer, opts.maxEntries);
      failures.delete(`${answer.provider}|${ip}`);
    },
    putError(ip, provider, failure) {
      boundedSet(failures, `${provider}|${ip}`, failure, opts.maxEntries);
    },
    prune(cutoffMs) {
      const n = deps.db.prepare('DELETE FROM intel_enrichment WHERE fetched_ms < ?').run(cutoffMs).changes;
      for (const [k, v] of answers) if (v && v.fetchedMs < cutoffMs) answers.delete(k);
      for (const [k, v] of failures) if (v.atMs < cutoffMs) failures.delete(k);
      return n;
    },
    size: () => answers.size + failures.size,
  };
}
