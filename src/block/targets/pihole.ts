/**
 * The Pi-hole target: domain blocks on Pi-hole v6's deny list (FTL REST API). Rules:
 * - Session auth: `POST /api/auth {"password"}` → `{session: {valid, sid}}`; the sid goes
 *   in `X-FTL-SID`. One session is reused; a 401 drops it and logs in again once; a refused
 *   login is not retried before authRetryMs (Pi-hole rate-limits logins); close() logs out
 *   (`DELETE /api/auth`). A Pi-hole without a password answers valid with no sid.
 * - A blocked domain covers its subdomains: it is stored as Pi-hole's "wildcard" regex
 *   `(\.|^)example\.com$` on `/api/domains/deny/regex` (POST `{domain, comment, groups,
 *   enabled}`; DELETE `/api/domains/deny/regex/<regex>`; GET lists them). Regexes of any
 *   other form are not homesec's and are ignored.
 * - Entries homesec made carry a comment starting with "homesec:" (owned); others are never
 *   removed. Pi-hole has no per-entry timeout: the engine removes expired blocks.
 * - The password and the sid never reach a status, a log or an error.
 */
import { asRecord, cleanText } from '../../intel/sanitise.js';
import { canonicalSubject } from '../subjects.js';
import { COMMENT_TAG, entryComment, TargetError, type OpResult, type PushTarget, type TargetEntry } from '../target.js';
import { callJson, joinUrl, type TargetHttpOptions } from './target-http.js';

export interface PiholeConfig {
  url: string;
  password: string;
}

const REGEX_PATH = '/api/domains/deny/regex';

/** Pi-hole's wildcard regex for `domain` and its subdomains. */
export function wildcardRegex(domain: string): string {
  return `(\\.|^)${domain.replace(/\./g, '\\.')}$`;
}

/** The domain of a wildcard regex homesec writes, or undefined for any other regex. */
export function domainOfRegex(regex: unknown): string | undefined {
  if (typeof regex !== 'string' || regex.length > 600) return undefined;
  const m = /^\(\\\.\|\^\)((?:[a-z0-9_-]+\\\.)+[a-z0-9-]+)\$$/.exec(regex);
  if (!m) return undefined;
  const s = canonicalSubject((m[1] as string).replace(/\\\./g, '.'));
  return s?.kind === 'domain' ? s.value : undefined;
}

/** Creates the target (no I/O until called). */
export function createPiholeTarget(c: PiholeConfig, http: TargetHttpOptions, opts: { authRetryMs: number } = { authRetryMs: 5 * 60_000 }): PushTarget {
  let sid: string | undefined;
  let loggedIn = false;
  let loginBlockedUntil = 0;

  const login = async (): Promise<void> => {
    const now = http.clock.now();
    if (now < loginBlockedUntil) throw new TargetError('auth', 'Pi-hole refused the password earlier; waiting before trying again');
    let r: { json: unknown };
    try {
      r = await callJson('POST', joinUrl(c.url, '/api/auth'), { ...http, body: { password: c.password } });
    } catch (err) {
      if (err instanceof TargetError && err.kind === 'auth') loginBlockedUntil = now + opts.authRetryMs;
      throw err;
    }
    const session = asRecord(asRecord(r.json)?.session);
    if (session?.valid !== true) {
      loginBlockedUntil = now + opts.authRetryMs;
      throw new TargetError('auth', 'Pi-hole refused the password');
    }
    sid = typeof session.sid === 'string' && session.sid.length > 0 && session.sid.length <= 128 ? session.sid : undefined;
    loggedIn = true;
  };

  /** An authenticated call with one new login after a 401. */
  const call = async (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, acceptStatus?: number[]) => {
    const once = () =>
      callJson(method, joinUrl(c.url, path), {
        ...http,
        headers: sid ? { 'X-FTL-SID': sid } : {},
        ...(body === undefined ? {} : { body }),
        ...(acceptStatus ? { acceptStatus } : {}),
      });
    if (!loggedIn) await login();
    try {
      return await once();
    } catch (err) {
      if (!(err instanceof TargetError) || err.kind !== 'auth') throw err;
      sid = undefined;
      loggedIn = false;
      await login();
      return once();
    }
  };

  return {
    name: 'pihole',
    mode: 'push',
    kinds: ['domain'],
    async list() {
      const r = await call('GET', REGEX_PATH);
      const domains = asRecord(r.json)?.domains;
      if (!Array.isArray(domains)) throw new TargetError('protocol', 'deny list answer has no domains');
      const entries: TargetEntry[] = [];
      for (const d of domains) {
        const o = asRecord(d);
        const value = domainOfRegex(o?.domain);
        if (!value) continue;
        entries.push({ kind: 'domain', value, owned: typeof o?.comment === 'string' && o.comment.startsWith(COMMENT_TAG) });
      }
      return { entries, complete: true };
    },
    async add(entries) {
      const res: OpResult = { done: [], failed: [] };
      for (const e of entries) {
        const r = await call('POST', REGEX_PATH, { domain: wildcardRegex(e.value), comment: entryComment(e.comment), groups: [0], enabled: true }, [400]);
        const errors = asRecord(asRecord(r.json)?.processed)?.errors;
        if (r.status >= 200 && r.status < 300 && (!Array.isArray(errors) || errors.length === 0)) res.done.push(e.value);
        else {
          const why = Array.isArray(errors) ? cleanText(asRecord(errors[0])?.error, 120) : cleanText(asRecord(asRecord(r.json)?.error)?.message, 120);
          res.failed.push({ value: e.value, detail: `Pi-hole refused it${why ? `: ${why}` : ''}` });
        }
      }
      return res;
    },
    async remove(entries) {
      const res: OpResult = { done: [], failed: [] };
      for (const e of entries) {
        const r = await call('DELETE', `${REGEX_PATH}/${encodeURIComponent(wildcardRegex(e.value))}`, undefined, [404]);
        if (r.status === 404 || (r.status >= 200 && r.status < 300)) res.done.push(e.value);
        else res.failed.push({ value: e.value, detail: `HTTP ${r.status}` });
      }
      return res;
    },
    async close() {
      if (sid) {
        const out = sid;
        sid = undefined;
        loggedIn = false;
        await callJson('DELETE', joinUrl(c.url, '/api/auth'), { ...http, signal: undefined, headers: { 'X-FTL-SID': out } }).catch(() => undefined);
      }
    },
  };
}
