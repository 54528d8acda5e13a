/**
 * AdGuard Home query-log source (`dns_source: adguard`, openapi/openapi.yaml `/querylog`).
 *
 * Rules:
 * - HTTP Basic auth with dns_username / dns_password (AdGuard Home accepts it on every
 *   /control endpoint); 401/403 is `auth_failed` and not retried before authRetryMs. The
 *   password never reaches a status, log or error.
 * - Incremental fetch: `GET /control/querylog?limit=<page>&response_status=all` answers
 *   newest first; entries newer than the last one seen are new (entries at the very same
 *   time are told apart by their identity, time text + client + name + type). While a page is
 *   all new, the next one is requested with `older_than=<oldest of the previous page>`, at
 *   most maxPages per poll (the rest is a counted gap). The position is persisted; the first
 *   poll back-fills at most backfillMs.
 */
import type { Clock } from '../../core/clock.js';
import { getJson } from '../../intel/http.js';
import { asRecord } from '../../intel/sanitise.js';
import type { DnsSource } from '../types.js';
import { parseAdguardQueryLog, type AdguardItem } from './adguard-parse.js';
import { createStatus, joinUrl, memoryCursorStore, uniqueInOrder, type CursorStore, type PagedSourceOptions } from './source-kit.js';

export interface AdguardConfig {
  dns_url: string;
  dns_username: string;
  dns_password: string;
}

export type AdguardOptions = PagedSourceOptions;

export const ADGUARD_DEFAULTS = { pageSize: 500, maxPages: 10, timeoutMs: 10_000, maxBytes: 16 * 1024 * 1024, backfillMs: 5 * 60_000, authRetryMs: 5 * 60_000 };

/** Identities kept for the newest timestamp at most. */
const MAX_BOUNDARY = 1000;

/** Creates the source (no I/O until poll()). */
export function createAdguardSource(config: AdguardConfig, deps: { clock: Clock; cursor?: CursorStore }, options: AdguardOptions = {}): DnsSource {
  const o = { ...ADGUARD_DEFAULTS, ...options };
  const cursor = deps.cursor ?? memoryCursorStore();
  const s = createStatus('adguard');
  const auth = config.dns_username || config.dns_password ? `Basic ${Buffer.from(`${config.dns_username}:${config.dns_password}`).toString('base64')}` : undefined;
  let lastMs: number | undefined;
  let boundary = new Set<string>();
  let authBlockedUntil = 0;

  return {
    kind: 'adguard',
    async start() {
      const saved = asRecord(cursor.load());
      if (typeof saved?.lastMs === 'number' && Number.isFinite(saved.lastMs)) {
        lastMs = saved.lastMs;
        boundary = new Set(Array.isArray(saved.boundary) ? (saved.boundary as unknown[]).filter((k): k is string => typeof k === 'string').slice(0, MAX_BOUNDARY) : []);
      }
    },
    async poll() {
      const now = deps.clock.now();
      s.begin(now);
      if (now < authBlockedUntil) {
        s.fail({ kind: 'auth', detail: 'credentials refused earlier; waiting before trying again' });
        return [];
      }
      const since = Math.max(lastMs ?? -Infinity, now - o.backfillMs);
      const isNew = (it: AdguardItem) => it.query.timeMs > since || (it.query.timeMs === lastMs && !boundary.has(it.key));
      const fresh: AdguardItem[] = [];
      let bad = 0;
      let olderThan: string | undefined;
      for (let page = 0; page < o.maxPages; page++) {
        const url = joinUrl(config.dns_url, `/control/querylog?limit=${o.pageSize}&response_status=all${olderThan ? `&older_than=${encodeURIComponent(olderThan)}` : ''}`);
        const r = await getJson(url, { timeoutMs: o.timeoutMs, maxBytes: o.maxBytes, clock: deps.clock, headers: auth ? { authorization: auth } : {} });
        if (!r.ok) {
          if (r.error.kind === 'auth') authBlockedUntil = now + o.authRetryMs;
          s.fail(r.error);
          return [];
        }
        const p = parseAdguardQueryLog(r.value.json, now, o.pageSize);
        s.count('pages');
        bad += p.bad;
        let reachedOld = false;
        for (const it of p.items) {
          if (isNew(it)) fresh.push(it);
          else reachedOld = true;
        }
        if (reachedOld || p.count < o.pageSize || !p.oldest) break;
        if (page === o.maxPages - 1) s.count('gaps');
        olderThan = p.oldest;
      }
      const out = uniqueInOrder(fresh, (it) => it.query.timeMs, (it) => it.key);
      const newest = fresh[fresh.length - 1];
      if (newest) {
        const t = newest.query.timeMs;
        const next = t === lastMs ? boundary : new Set<string>();
        for (const it of fresh) if (it.query.timeMs === t && next.size < MAX_BOUNDARY) next.add(it.key);
        lastMs = t;
        boundary = next;
        cursor.save({ lastMs, boundary: [...boundary] });
      }
      s.ok(now, out.length, bad);
      return out;
    },
    async stop() {
      /* stateless HTTP: nothing to release */
    },
    status: () => s.snapshot(),
  };
}
