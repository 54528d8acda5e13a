/**
 * VirusTotal v3 provider (GET {base}/ip_addresses/{ip}, header x-apikey). Rules: enabled
 * only with a key; the answer must carry data.attributes.last_analysis_stats; errors use
 * VirusTotal's `{error: {code, message}}` (only the code is kept: QuotaExceededError on
 * 429, WrongCredentialsError on 401, ...). Public API: 4 requests/min, 500/day.
 */
import type { Clock } from '../../core/clock.js';
import { getJson } from '../http.js';
import { asRecord, cleanInt, cleanText } from '../sanitise.js';
import type { IntelProvider, ProviderHttpOptions, VirusTotalData } from '../types.js';

export const VIRUSTOTAL_BASE_URL = 'https://www.virustotal.com/api/v3';

const COUNT_MAX = 100_000;

/** Parses a VirusTotal IP object; undefined without usable last_analysis_stats. Pure. */
export function parseVirusTotal(json: unknown): VirusTotalData | undefined {
  const attrs = asRecord(asRecord(asRecord(json)?.data)?.attributes);
  const stats = asRecord(attrs?.last_analysis_stats);
  if (!attrs || !stats) return undefined;
  const malicious = cleanInt(stats.malicious, 0, COUNT_MAX);
  const harmless = cleanInt(stats.harmless, 0, COUNT_MAX);
  if (malicious === undefined || harmless === undefined) return undefined;
  const out: VirusTotalData = {
    malicious,
    harmless,
    suspicious: cleanInt(stats.suspicious, 0, COUNT_MAX) ?? 0,
    undetected: cleanInt(stats.undetected, 0, COUNT_MAX) ?? 0,
    timeout: cleanInt(stats.timeout, 0, COUNT_MAX) ?? 0,
  };
  const reputation = cleanInt(attrs.reputation, -1_000_000, 1_000_000);
  if (reputation !== undefined) out.reputation = reputation;
  const asOwner = cleanText(attrs.as_owner, 120);
  if (asOwner) out.asOwner = asOwner;
  const country = cleanText(attrs.country, 8);
  if (country) out.country = country;
  return out;
}

/** VirusTotal's error code from an error body, if any. */
export function virusTotalErrorCode(json: unknown): string | undefined {
  const code = asRecord(asRecord(json)?.error)?.code;
  return typeof code === 'string' && /^[A-Za-z]{1,64}$/.test(code) ? code : undefined;
}

/** Builds the provider; enabled when a key is set. */
export function createVirusTotalProvider(opts: ProviderHttpOptions & { apiKey: string }, deps: { clock: Clock }): IntelProvider<'virustotal'> {
  return {
    name: 'virustotal',
    enabled: opts.apiKey !== '',
    async lookup(ip, signal) {
      const r = await getJson(`${opts.baseUrl}/ip_addresses/${encodeURIComponent(ip)}`, {
        ...opts,
        headers: { 'x-apikey': opts.apiKey, accept: 'application/json' },
        clock: deps.clock,
        signal,
        errorCode: virusTotalErrorCode,
      });
      if (!r.ok) return r;
      const data = parseVirusTotal(r.value.json);
      return data ? { ok: true, value: data } : { ok: false, error: { kind: 'malformed', status: r.value.status, detail: 'no last_analysis_stats' } };
    },
  };
}
