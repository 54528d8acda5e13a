/**
 * Pi-hole v5 api.php source (`dns_source: pihole5_api`): `GET <dns_url>/admin/api.php?
 * getAllQueries&from=<unix s>&until=<unix s>&auth=<token>` (the token is the API token of
 * Settings > API, configured as dns_password). api.php answers a wrong token with `[]`,
 * which is reported as auth_failed and not retried before authRetryMs.
 *
 * Rules: incremental by time: each poll asks from the last second seen (at most backfillMs
 * back) and drops what it already returned at that second (identity: time + client + name
 * + type); rows per poll are capped (maxRows, the rest waits). The token travels in the
 * query string, so no URL is ever put in a status, log or error (intel/http.ts rules).
 */
import type { Clock } from '../../core/clock.js';
import { getJson } from '../../intel/http.js';
import { asRecord } from '../../intel/sanitise.js';
import type { DnsQuery, DnsSource } from '../types.js';
import { parsePihole5Api } from './pihole-parse.js';
import { createStatus, joinUrl, memoryCursorStore, type CursorStore } from './source-kit.js';

export interface Pihole5ApiConfig {
  dns_url: string;
  dns_password: string;
}

export interface Pihole5ApiOptions {
  timeoutMs?: number;
  maxBytes?: number;
  maxRows?: number;
  backfillMs?: number;
  authRetryMs?: number;
}

const DEFAULTS = { timeoutMs: 15_000, maxBytes: 32 * 1024 * 1024, maxRows: 50_000, backfillMs: 5 * 60_000, authRetryMs: 5 * 60_000 };

const keyOf = (q: DnsQuery) => `${q.timeMs}|${q.client}|${q.name}|${q.type}`;

/** Creates the source (no I/O until poll()). */
export function createPihole5ApiSource(config: Pihole5ApiConfig, deps: { clock: Clock; cursor?: CursorStore }, options: Pihole5ApiOptions = {}): DnsSource {
  const o = { ...DEFAULTS, ...options };
  const cursor = deps.cursor ?? memoryCursorStore();
  const s = createStatus('pihole5_api');
  let lastSec: number | undefined;
  let boundary = new Set<string>();
  let authBlockedUntil = 0;

  return {
    kind: 'pihole5_api',
    async start() {
      const saved = asRecord(cursor.load());
      if (typeof saved?.lastSec === 'number' && Number.isFinite(saved.lastSec)) {
        lastSec = saved.lastSec;
        boundary = new Set(Array.isArray(saved.boundary) ? (saved.boundary as unknown[]).filter((k): k is string => typeof k === 'string') : []);
      }
    },
    async poll() {
      const now = deps.clock.now();
      s.begin(now);
      if (now < authBlockedUntil) {
        s.fail({ kind: 'auth', detail: 'token refused earlier; waiting before trying again' });
        return [];
      }
      const from = Math.max(lastSec ?? 0, Math.floor((now - o.backfillMs) / 1000));
      const until = Math.floor(now / 1000) + 1;
      const url = joinUrl(config.dns_url, `/admin/api.php?getAllQueries&from=${from}&until=${until}&auth=${encodeURIComponent(config.dns_password)}`);
      const r = await getJson(url, { timeoutMs: o.timeoutMs, maxBytes: o.maxBytes, clock: deps.clock });
      if (!r.ok) {
        if (r.error.kind === 'auth') authBlockedUntil = now + o.authRetryMs;
        s.fail(r.error);
        return [];
      }
      const p = parsePihole5Api(r.value.json, now, o.maxRows);
      if (p.authFailed) {
        authBlockedUntil = now + o.authRetryMs;
        s.fail({ kind: 'auth', detail: 'api.php refused the token' });
        return [];
      }
      const fresh = p.queries.filter((q) => q.timeMs >= from * 1000 && !boundary.has(keyOf(q))).sort((a, b) => a.timeMs - b.timeMs);
      const newest = fresh[fresh.length - 1];
      if (newest) {
        const sec = Math.floor(newest.timeMs / 1000);
        const next = sec === lastSec ? boundary : new Set<string>();
        for (const q of fresh) if (Math.floor(q.timeMs / 1000) === sec) next.add(keyOf(q));
        lastSec = sec;
        boundary = next;
        cursor.save({ lastSec, boundary: [...boundary].slice(0, 5000) });
      }
      s.ok(now, fresh.length, p.bad);
      return fresh;
    },
    async stop() {
      /* stateless HTTP */
    },
    status: () => s.snapshot(),
  };
}
