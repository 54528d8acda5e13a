/**
 * The OPNsense target: a firewall alias homesec fills through the alias API
 * (OPNsense core AliasUtilController; API key and secret as HTTP Basic auth). Rules:
 * - `GET /api/firewall/alias_util/list/<alias>` reads the alias's table (current answer:
 *   `{total, rowCount, current, rows: [{ip}]}`; older releases answered a plain array);
 *   `POST .../add/<alias>` and `POST .../delete/<alias>` with `{"address"}` change one entry
 *   each (`{"status": "done"}`; `not_an_address` or `failed` refuse that entry); after a pass
 *   with changes `POST /api/firewall/alias/reconfigure` applies the alias.
 * - The alias has no per-entry timeout and no room for a tag: homesec removes only entries
 *   its ledger says it pushed (owned stays undefined), and removes expired blocks itself.
 * - An alias that does not exist is a whole-call failure naming the alias, not N refusals.
 * - Addresses come back as pf prints them ("1.2.3.4" or "1.2.3.4/32"); single-host masks
 *   are dropped, network entries are not homesec's and are ignored.
 */
import { asRecord, cleanText } from '../../intel/sanitise.js';
import { canonicalSubject } from '../subjects.js';
import { TargetError, type OpResult, type PushTarget, type TargetEntry } from '../target.js';
import { basicAuth, callJson, joinUrl, type TargetHttpOptions } from './target-http.js';

export interface OpnsenseConfig {
  url: string;
  key: string;
  secret: string;
  alias: string;
}

/** A canonical single-address entry from pf's text, or undefined. */
function hostEntry(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const t = v.replace(/\/(32|128)$/, '');
  const s = canonicalSubject(t);
  return s?.kind === 'ip' && !t.includes('/') ? s.value : undefined;
}

/** Parses the list answer (either form). */
export function parseAliasList(json: unknown): { values: string[]; complete: boolean } {
  if (Array.isArray(json)) return { values: json.map(hostEntry).filter((v): v is string => v !== undefined), complete: true };
  const o = asRecord(json);
  const rows = Array.isArray(o?.rows) ? o.rows : [];
  const values = rows.map((r) => hostEntry(asRecord(r)?.ip)).filter((v): v is string => v !== undefined);
  const total = typeof o?.total === 'number' ? o.total : rows.length;
  return { values, complete: rows.length >= total };
}

/** Creates the target (no I/O until called). */
export function createOpnsenseTarget(c: OpnsenseConfig, http: TargetHttpOptions): PushTarget {
  const headers = { authorization: basicAuth(c.key, c.secret) };
  const alias = encodeURIComponent(c.alias);
  const call = (method: 'GET' | 'POST', path: string, body?: unknown) => callJson(method, joinUrl(c.url, path), { ...http, headers, ...(body === undefined ? {} : { body }) });

  const each = async (action: 'add' | 'delete', values: readonly string[]): Promise<OpResult> => {
    const res: OpResult = { done: [], failed: [] };
    for (const address of values) {
      const r = await call('POST', `/api/firewall/alias_util/${action}/${alias}`, { address });
      const o = asRecord(r.json);
      const status = cleanText(o?.status, 40);
      if (status === 'done') {
        res.done.push(address);
        continue;
      }
      const msg = cleanText(o?.status_msg, 120) ?? '';
      if (/non existing alias/i.test(msg)) throw new TargetError('refused', `alias "${c.alias}" does not exist on OPNsense (create it, type Host(s) or External)`);
      res.failed.push({ value: address, detail: `OPNsense answered ${status ?? 'no status'}` });
    }
    return res;
  };

  return {
    name: 'opnsense',
    mode: 'push',
    kinds: ['ip'],
    async list() {
      const r = await call('GET', `/api/firewall/alias_util/list/${alias}`);
      const { values, complete } = parseAliasList(r.json);
      const entries: TargetEntry[] = values.map((value) => ({ kind: 'ip', value }));
      return { entries, complete };
    },
    add: (entries) => each(
      'add',
      entries.map((e) => e.value),
    ),
    remove: (entries) => each(
      'delete',
      entries.map((e) => e.value),
    ),
    async commit() {
      const r = await call('POST', '/api/firewall/alias/reconfigure', {});
      const status = cleanText(asRecord(r.json)?.status, 40);
      if (status !== 'ok') throw new TargetError('refused', `alias reconfigure answered ${status ?? 'no status'}`);
    },
  };
}
