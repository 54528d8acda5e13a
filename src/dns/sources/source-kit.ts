/**
 * What the source plugins share: the persisted read position (CursorStore) and the status
 * record every source keeps. Rules: a cursor is a small JSON value owned by one source kind
 * (the monitor stores it in the `kv` table), read at start() and written after every poll
 * that moved it, so a restart neither re-reads nor skips (beyond a bounded back-fill);
 * status text is built from typed errors only (http-send.ts describeError): never a URL,
 * header, session id or password.
 */
import type { IntelError } from '../../intel/http.js';
import type { DnsSourceKind, DnsSourceStatus } from '../types.js';
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
