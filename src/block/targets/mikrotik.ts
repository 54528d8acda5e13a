/**
 * The MikroTik target: a RouterOS v7 firewall address list, through the REST API (HTTP Basic
 * auth; `/rest/ip/firewall/address-list` for IPv4, `/rest/ipv6/firewall/address-list` for
 * IPv6). Rules:
 * - list(): `GET ...?list=<name>`; RouterOS answers every value as a string, durations as
 *   "1w2d3h4m5s" (or "hh:mm:ss"); IPv6 addresses may carry "/128".
 * - add(): `PUT` `{list, address, timeout, comment}`; the timeout makes RouterOS drop the
 *   entry itself when the block expires (a timed entry is dynamic and does not survive a
 *   reboot: the next reconcile puts it back). Timeouts are capped at MAX_TIMEOUT_MS; the
 *   engine refreshes longer blocks as they run down.
 * - Entries homesec made carry a comment starting with "homesec:" and only those are
 *   homesec's (owned); entries without it are never removed.
 * - remove(): `DELETE .../<.id>`; an entry already gone (404: it timed out) counts as removed.
 * - A 400 answer refuses that one entry (RouterOS's `detail`, cleaned, says why).
 */
import { asRecord, cleanText } from '../../intel/sanitise.js';
import { canonicalSubject, ipFamily } from '../subjects.js';
import { COMMENT_TAG, entryComment, TargetError, type OpResult, type PushTarget, type TargetEntry } from '../target.js';
import { basicAuth, callJson, joinUrl, type TargetHttpOptions } from './target-http.js';

export interface MikrotikConfig {
  url: string;
  user: string;
  password: string;
  list: string;
}

/** Longest timeout homesec gives an entry (RouterOS's own limit is about 35 weeks). */
export const MAX_TIMEOUT_MS = 24 * 7 * 86_400_000;
const PATH: Record<4 | 6, string> = { 4: '/rest/ip/firewall/address-list', 6: '/rest/ipv6/firewall/address-list' };

/** RouterOS duration text ("1w2d3h4m5s", "3m20s500ms", "1d02:03:04", "00:59:58") in ms, or undefined. */
export function parseRosDuration(text: unknown): number | undefined {
  if (typeof text !== 'string' || text.length > 40) return undefined;
  const units = /^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(text);
  const clock = /^(?:(\d+)w)?(?:(\d+)d)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(text);
  const n = (v: string | undefined) => (v === undefined ? 0 : Number(v));
  if (units && text !== '') return ((((n(units[1]) * 7 + n(units[2])) * 24 + n(units[3])) * 60 + n(units[4])) * 60 + n(units[5])) * 1000 + n(units[6]);
  if (clock) return ((((n(clock[1]) * 7 + n(clock[2])) * 24 + n(clock[3])) * 60 + n(clock[4])) * 60 + n(clock[5])) * 1000;
  return undefined;
}

/** Whole seconds as RouterOS duration text ("1w2d3h4m5s"; at least "1s"). */
export function formatRosDuration(ms: number): string {
  let s = Math.max(1, Math.ceil(ms / 1000));
  const parts: string[] = [];
  for (const [unit, size] of [['w', 604_800], ['d', 86_400], ['h', 3600], ['m', 60]] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  if (s > 0) parts.push(`${s}s`);
  return parts.join('');
}

/** Creates the target (no I/O until called). */
export function createMikrotikTarget(c: MikrotikConfig, http: TargetHttpOptions): PushTarget {
  const headers = { authorization: basicAuth(c.user, c.password) };
  const url = (fam: 4 | 6, suffix = '') => joinUrl(c.url, `${PATH[fam]}${suffix}`);

  const listFamily = async (fam: 4 | 6, nowMs: number): Promise<TargetEntry[]> => {
    const r = await callJson('GET', url(fam, `?list=${encodeURIComponent(c.list)}`), { ...http, headers });
    if (!Array.isArray(r.json)) throw new TargetError('protocol', 'address-list answer is not a list');
    const out: TargetEntry[] = [];
    for (const item of r.json) {
      const o = asRecord(item);
      if (!o || o.list !== c.list || typeof o['.id'] !== 'string' || !/^\*[0-9A-Fa-f]{1,16}$/.test(o['.id'])) continue;
      const raw = typeof o.address === 'string' ? o.address.replace(/\/(32|128)$/, '') : '';
      const s = canonicalSubject(raw);
      if (s?.kind !== 'ip' || raw.includes('/')) continue;
      const left = parseRosDuration(o.timeout);
      out.push({
        kind: 'ip',
        value: s.value,
        owned: typeof o.comment === 'string' && o.comment.startsWith(COMMENT_TAG),
        ref: o['.id'],
        ...(left !== undefined ? { expiresMs: nowMs + left } : {}),
      });
    }
    return out;
  };

  return {
    name: 'mikrotik',
    mode: 'push',
    kinds: ['ip'],
    maxTimeoutMs: MAX_TIMEOUT_MS,
    async list() {
      const now = http.clock.now();
      return { entries: [...(await listFamily(4, now)), ...(await listFamily(6, now))], complete: true };
    },
    async add(entries, nowMs) {
      const res: OpResult = { done: [], failed: [] };
      for (const e of entries) {
        const body = { list: c.list, address: e.value, timeout: formatRosDuration(Math.min(e.expiresMs - nowMs, MAX_TIMEOUT_MS)), comment: entryComment(e.comment) };
        const r = await callJson('PUT', url(ipFamily(e.value)), { ...http, headers, body, acceptStatus: [400] });
        if (r.status >= 200 && r.status < 300) res.done.push(e.value);
        else res.failed.push({ value: e.value, detail: `RouterOS refused it: ${cleanText(asRecord(r.json)?.detail, 120) ?? `HTTP ${r.status}`}` });
      }
      return res;
    },
    async remove(entries) {
      const res: OpResult = { done: [], failed: [] };
      for (const e of entries) {
        if (!e.ref) {
          res.failed.push({ value: e.value, detail: 'no RouterOS id' });
          continue;
        }
        const r = await callJson('DELETE', url(ipFamily(e.value), `/${encodeURIComponent(e.ref)}`), { ...http, headers, acceptStatus: [404] });
        if (r.status === 404 || (r.status >= 200 && r.status < 300)) res.done.push(e.value);
        else res.failed.push({ value: e.value, detail: `HTTP ${r.status}` });
      }
      return res;
    },
  };
}
