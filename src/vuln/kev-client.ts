/**
 * Downloading CISA's KEV catalog. Rules: one bounded GET through intel's HTTP helper (deadline,
 * body cap, redirects followed as for feeds); a non-200 answer, an oversize body or a document
 * that is not a catalog is an error, so the caller keeps its last good copy.
 */
import type { Clock } from '../core/clock.js';
import { httpGet, statusError, type Outcome } from '../intel/http.js';
import { parseKevCatalog, type KevCatalog } from './kev.js';

export const KEV_URL = 'https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json';

export interface KevFetchOptions {
  url: string;
  timeoutMs?: number;
  /** The real catalog is about 1.5 MB. */
  maxBytes?: number;
  clock: Clock;
  signal?: AbortSignal;
}

/** The parsed catalog at `url`, or a typed error. */
export async function fetchKevCatalog(o: KevFetchOptions): Promise<Outcome<KevCatalog>> {
  const r = await httpGet(o.url, {
    headers: { accept: 'application/json' },
    timeoutMs: o.timeoutMs ?? 60_000,
    maxBytes: o.maxBytes ?? 16 * 1024 * 1024,
    clock: o.clock,
    redirect: 'follow',
    ...(o.signal ? { signal: o.signal } : {}),
  });
  if (!r.ok) return r;
  const { status, headers, body } = r.value;
  if (status !== 200) return { ok: false, error: statusError(status, headers, o.clock.now()) };
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, error: { kind: 'malformed', status, detail: 'KEV body is not JSON' } };
  }
  const parsed = parseKevCatalog(json);
  return parsed.ok ? { ok: true, value: parsed.value } : { ok: false, error: { kind: 'malformed', status, detail: parsed.error } };
}
