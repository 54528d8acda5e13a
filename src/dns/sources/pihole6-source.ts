/**
 * Pi-hole v6 REST API source (`dns_source: pihole6`, FTL src/api/docs/content/specs).
 *
 * Rules:
 * - Session auth: `POST /api/auth {"password"}` → `{session: {valid, sid, validity}}`; the
 *   sid goes in `X-FTL-SID`. ONE session is reused across polls (Pi-hole allows 16); a 401
 *   drops it and logs in again once; stop() logs out (`DELETE /api/auth`). A Pi-hole without
 *   a password answers `valid: true` with no sid. A refused login is not retried before
 *   authRetryMs (Pi-hole rate-limits logins). The password and sid never reach a status,
 *   log or error (hostile-input #25).
 * - Incremental fetch: `GET /api/queries?from=<last time>&length=<page>` answers newest
 *   first; only ids above the last one seen are new. While a page is full of new entries,
 *   older pages follow with `cursor=<the first answer's cursor>&start=<offset>` (a fixed
 *   cursor keeps new arrivals from shifting pages), at most maxPages per poll; anything
 *   beyond is skipped and counted as a gap. The position (last id, last time) is persisted;
 *   the first poll ever back-fills at most backfillMs. A cursor below the last id (the FTL
 *   database was reset) restarts id tracking.
 */
import type { Clock } from '../../core/clock.js';
import { getJson, type IntelError } from '../../intel/http.js';
import { asRecord, cleanInt } from '../../intel/sanitise.js';
import type { DnsSource } from '../types.js';
import { sendJson } from './http-send.js';
import { parsePihole6Queries, type IdQuery } from './pihole-parse.js';
import { createStatus, joinUrl, memoryCursorStore, uniqueInOrder, type CursorStore, type PagedSourceOptions } from './source-kit.js';

export interface Pihole6Config {
  dns_url: string;
  dns_password: string;
}

export type Pihole6Options = PagedSourceOptions;

export const PIHOLE6_DEFAULTS = { pageSize: 1000, maxPages: 10, timeoutMs: 10_000, maxBytes: 16 * 1024 * 1024, backfillMs: 5 * 60_000, authRetryMs: 5 * 60_000 };

interface Position {
  lastId: number;
  lastTime: number;
}

/** Creates the source (no I/O until poll()). */
export function createPihole6Source(config: Pihole6Config, deps: { clock: Clock; cursor?: CursorStore }, options: Pihole6Options = {}): DnsSource {
  const o = { ...PIHOLE6_DEFAULTS, ...options };
  const cursor = deps.cursor ?? memoryCursorStore();
  const s = createStatus('pihole6');
  let sid: string | undefined;
  let loggedIn = false;
  let authBlockedUntil = 0;
  let pos: Position | undefined;
  const http = () => ({ timeoutMs: o.timeoutMs, maxBytes: o.maxBytes, clock: deps.clock });

  const login = async (): Promise<IntelError | undefined> => {
    const now = deps.clock.now();
    if (now < authBlockedUntil) return { kind: 'auth', detail: 'login refused earlier; waiting before trying again' };
    const r = await sendJson('POST', joinUrl(config.dns_url, '/api/auth'), { password: config.dns_password }, http());
    if (!r.ok) {
      if (r.error.kind === 'auth') authBlockedUntil = now + o.authRetryMs;
      return r.error;
    }
    const session = asRecord(asRecord(r.value.json)?.session);
    if (session?.valid !== true) {
      authBlockedUntil = now + o.authRetryMs;
      return { kind: 'auth', detail: 'login refused' };
    }
    sid = typeof session.sid === 'string' && session.sid.length > 0 && session.sid.length <= 128 ? session.sid : undefined;
    loggedIn = true;
    return undefined;
  };

  const get = async (query: string) => {
    const url = joinUrl(config.dns_url, `/api/queries?${query}`);
    const headers: Record<string, string> = sid ? { 'X-FTL-SID': sid } : {};
    return getJson(url, { ...http(), headers });
  };

  /** GET with one re-login on 401. */
  const fetchPage = async (query: string) => {
    if (!loggedIn) {
      const e = await login();
      if (e) return { ok: false as const, error: e };
    }
    let r = await get(query);
    if (!r.ok && r.error.kind === 'auth') {
      sid = undefined;
      loggedIn = false;
      const e = await login();
      if (e) return { ok: false as const, error: e };
      r = await get(query);
    }
    return r;
  };

  return {
    kind: 'pihole6',
    async start() {
      const saved = asRecord(cursor.load());
      const lastId = cleanInt(saved?.lastId, 0, Number.MAX_SAFE_INTEGER);
      const lastTime = typeof saved?.lastTime === 'number' && Number.isFinite(saved.lastTime) ? saved.lastTime : undefined;
      if (lastId !== undefined && lastTime !== undefined) pos = { lastId, lastTime };
    },
    async poll() {
      const now = deps.clock.now();
      s.begin(now);
      const from = Math.floor(Math.max(pos?.lastTime ?? 0, (now - o.backfillMs) / 1000));
      const lastId = pos?.lastId ?? 0;
      const fresh: IdQuery[] = [];
      let bad = 0;
      let fixedCursor: number | undefined;
      for (let page = 0; page < o.maxPages; page++) {
        const q = `from=${from}&length=${o.pageSize}` + (page > 0 && fixedCursor !== undefined ? `&cursor=${fixedCursor}&start=${page * o.pageSize}` : '');
        const r = await fetchPage(q);
        if (!r.ok) {
          s.fail(r.error);
          return [];
        }
        const p = parsePihole6Queries(r.value.json, now, o.pageSize);
        s.count('pages');
        bad += p.bad;
        if (page === 0) {
          fixedCursor = p.cursor;
          if (p.cursor !== undefined && pos && p.cursor < pos.lastId) {
            s.count('resets');
            pos = { lastId: 0, lastTime: pos.lastTime };
          }
        }
        const floor = pos?.lastId ?? lastId;
        let reachedOld = false;
        for (const it of p.items) {
          if (it.id > floor) fresh.push(it);
          else reachedOld = true;
        }
        if (reachedOld || p.count < o.pageSize || fixedCursor === undefined) break;
        if (page === o.maxPages - 1) s.count('gaps');
      }
      const out = uniqueInOrder(fresh, (it) => it.id, (it) => it.id);
      const last = fresh[fresh.length - 1];
      if (last) {
        pos = { lastId: last.id, lastTime: Math.max(pos?.lastTime ?? 0, ...fresh.map((f) => f.query.timeMs / 1000)) };
        cursor.save(pos);
      }
      s.ok(now, out.length, bad);
      return out;
    },
    async stop() {
      if (sid) {
        await sendJson('DELETE', joinUrl(config.dns_url, '/api/auth'), undefined, { ...http(), headers: { 'X-FTL-SID': sid } });
      }
      sid = undefined;
      loggedIn = false;
    },
    status: () => s.snapshot(),
  };
}
