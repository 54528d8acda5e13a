/**
 * IPinfo provider (https://ipinfo.io/{ip}/json). Rules: works without a token (lower
 * quota); a token is sent as `Authorization: Bearer`, never in the URL. The answer must
 * carry `ip`; private/reserved addresses come back as `{ip, bogon: true}`.
 */
import type { Clock } from '../../core/clock.js';
import { getJson } from '../http.js';
import { asRecord, cleanHostname, cleanText } from '../sanitise.js';
import type { IntelProvider, IpInfoData, ProviderHttpOptions } from '../types.js';

export const IPINFO_BASE_URL = 'https://ipinfo.io';

/** Parses an IPinfo answer; undefined when it lacks `ip`. Pure. */
export function parseIpInfo(json: unknown): IpInfoData | undefined {
  const r = asRecord(json);
  const ip = cleanText(r?.ip, 45);
  if (!r || !ip) return undefined;
  const out: IpInfoData = { ip, bogon: r.bogon === true };
  const hostname = cleanHostname(r.hostname);
  if (hostname) out.hostname = hostname;
  for (const k of ['city', 'region', 'country', 'org', 'timezone'] as const) {
    const v = cleanText(r[k], 120);
    if (v) out[k] = v;
  }
  return out;
}

/** Builds the provider; always enabled (the token only raises the quota). */
export function createIpInfoProvider(opts: ProviderHttpOptions & { token: string }, deps: { clock: Clock }): IntelProvider<'ipinfo'> {
  return {
    name: 'ipinfo',
    enabled: true,
    async lookup(ip, signal) {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      const r = await getJson(`${opts.baseUrl}/${encodeURIComponent(ip)}/json`, { ...opts, headers, clock: deps.clock, signal });
      if (!r.ok) return r;
      const data = parseIpInfo(r.value.json);
      return data ? { ok: true, value: data } : { ok: false, error: { kind: 'malformed', status: r.value.status, detail: 'answer has no ip' } };
    },
  };
}
