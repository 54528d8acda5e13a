/**
 * What the source plugins share: the persisted read position (CursorStore), the status
 * record every source keeps, and the ordering and de-duplication of a poll's pages. Rules:
 * a cursor is a small JSON value owned by one source kind (the monitor stores it in the
 * `kv` table), read at start() and written after every poll that moved it, so a restart
 * neither re-reads nor skips (beyond a bounded back-fill);
 * status text is built from typed errors only (http-send.ts describeError): never a URL,
 * header, session id or password.
 */
import type { IntelError } from '../../intel/http.js';
import type { DnsQuery, DnsSourceKind, DnsSourceStatus } from '../types.js';
import { describeError } from './http-send.js';

/** Persistence of one source's read position. */
export interface CursorStore {
  load(): unknown;
  save(value: unknown): void;
}

/** A store that forgets (tests, or no database). */
export function memoryCursorStore(initial?: unknown): CursorStore & { value: unknown } {
  const s = {
    value: initial,
    load: () => s.value,
    save: (v: unknown) => {
      s.value = v;
    },
  };
  return s;
}

/** Tuning of a source that reads its log page by page over HTTP (every field has a default). */
export interface PagedSourceOptions {
  pageSize?: number;
  maxPages?: number;
  timeoutMs?: number;
  maxBytes?: number;
  backfillMs?: number;
  authRetryMs?: number;
}

/** The mutable status of a source plus helpers to record poll outcomes. */
export function createStatus(kind: DnsSourceKind) {
  const st: DnsSourceStatus = { kind, state: 'idle', polls: 0, queries: 0, badRecords: 0, errors: 0, counters: {} };
  return {
    st,
    begin(nowMs: number) {
      st.polls++;
      st.lastPollMs = nowMs;
    },
    ok(nowMs: number, queries: number, bad: number) {
      st.state = 'ok';
      st.lastSuccessMs = nowMs;
      st.queries += queries;
      st.badRecords += bad;
      delete st.lastError;
    },
    fail(e: IntelError) {
      st.errors++;
      st.state = e.kind === 'auth' ? 'auth_failed' : 'error';
      st.lastError = describeError(e);
    },
    count(name: string, n = 1) {
      st.counters[name] = (st.counters[name] ?? 0) + n;
    },
    snapshot(): DnsSourceStatus {
      return { ...st, counters: { ...st.counters } };
    },
  };
}

/** Joins a configured base URL and a path without doubling or dropping slashes. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/**
 * Sorts `items` in place by `order` (oldest first) and returns their queries, each `key`
 * once: pages fetched one after the other can overlap, and the first copy wins.
 */
export function uniqueInOrder<T extends { query: DnsQuery }, K>(items: T[], order: (it: T) => number, key: (it: T) => K): DnsQuery[] {
  items.sort((a, b) => order(a) - order(b));
  const seen = new Set<K>();
  const out: DnsQuery[] = [];
  for (const it of items) {
    const k = key(it);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(it.query);
  }
  return out;
}
