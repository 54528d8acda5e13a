/**
 * AbuseIPDB v2 provider (GET {base}/check?ipAddress=&maxAgeInDays=90, headers Key and
 * Accept: application/json). Rules: enabled only with a key; the answer must carry
 * data.abuseConfidenceScore (0..100) and data.totalReports. Free tier: 1,000 checks/day,
 * 429 with Retry-After beyond.
 */
import type { Clock } from '../../core/clock.js';
import { getJson } from '../http.js';
import { asRecord, cleanHostname, cleanInt, cleanText } from '../sanitise.js';
import type { AbuseIpDbData, IntelProvider, ProviderHttpOptions } from '../types.js';

export const ABUSEIPDB_BASE_URL = 'https://api.abuseipdb.com/api/v2';

/** Parses an AbuseIPDB check answer; undefined without a score and report count. Pure. */
export function parseAbuseIpDb(json: unknown): AbuseIpDbData | undefined {
  const d = asRecord(asRecord(json)?.data);
  const score = cleanInt(d?.abuseConfidenceScore, 0, 100);
  const total = cleanInt(d?.totalReports, 0, 1_000_000_000);
  if (!d || score === undefined || total === undefined) return undefined;
  const out: AbuseIpDbData = {
    abuseConfidenceScore: score,
    totalReports: total,
    numDistinctUsers: cleanInt(d.numDistinctUsers, 0, 1_000_000_000) ?? 0,
    isTor: d.isTor === true,
  };
  if (typeof d.isWhitelisted === 'boolean') out.isWhitelisted = d.isWhitelisted;
  const usageType = cleanText(d.usageType, 80);
  if (usageType) out.usageType = usageType;
  const isp = cleanText(d.isp, 120);
  if (isp) out.isp = isp;
  const domain = cleanHostname(d.domain);
  if (domain) out.domain = domain;
  const cc = cleanText(d.countryCode, 8);
  if (cc) out.countryCode = cc;
  const last = cleanText(d.lastReportedAt, 40);
  if (last && Number.isFinite(Date.parse(last))) out.lastReportedAt = last;
  return out;
}

/** Builds the provider; enabled when a key is set. */
export function createAbuseIpDbProvider(opts: ProviderHttpOptions & { apiKey: string }, deps: { clock: Clock }): IntelProvider<'abuseipdb'> {
  return {
    name: 'abuseipdb',
    enabled: opts.apiKey !== '',
    async lookup(ip, signal) {
      const r = await getJson(`${opts.baseUrl}/check?ipAddress=${encodeURIComponent(ip)}&maxAgeInDays=90`, {
        ...opts,
        headers: { key: opts.apiKey, accept: 'application/json' },
        clock: deps.clock,
        signal,
      });
      if (!r.ok) return r;
      const data = parseAbuseIpDb(r.value.json);
      return data ? { ok: true, value: data } : { ok: false, error: { kind: 'malformed', status: r.value.status, detail: 'no abuseConfidenceScore' } };
    },
  };
}
