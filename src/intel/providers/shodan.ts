/**
 * Shodan provider (GET {base}/shodan/host/{ip}?key=...&minify=true). Rules: enabled only
 * with a key. The key travels in the query string (Shodan's API has no header form), so the
 * URL is never logged or put in an error (http.ts). A 404 ("No information available for
 * that IP.") is an answer, not an error: found=false. About 1 request/s.
 */
import type { Clock } from '../../core/clock.js';
import { getJson } from '../http.js';
import { asRecord, cleanHostname, cleanIntArray, cleanStringArray, cleanText } from '../sanitise.js';
import type { IntelProvider, ProviderHttpOptions, ShodanData } from '../types.js';

export const SHODAN_BASE_URL = 'https://api.shodan.io';

const MAX_PORTS = 200;
const MAX_VULNS = 200;
const MAX_HOSTNAMES = 20;

/** Parses a Shodan host answer; undefined when it lacks ip_str. Pure. */
export function parseShodan(json: unknown): ShodanData | undefined {
  const r = asRecord(json);
  if (!r || typeof r.ip_str !== 'string') return undefined;
  const vulnsRaw = Array.isArray(r.vulns) ? r.vulns : Object.keys(asRecord(r.vulns) ?? {});
  const out: ShodanData = {
    found: true,
    ports: cleanIntArray(r.ports, MAX_PORTS, 0, 65535),
    vulns: cleanStringArray(vulnsRaw, MAX_VULNS, 32).filter((v) => /^CVE-\d{4}-\d{4,}$/i.test(v)),
    hostnames: cleanStringArray(r.hostnames, MAX_HOSTNAMES, 254).flatMap((h) => cleanHostname(h) ?? []),
  };
  for (const k of ['org', 'isp', 'os'] as const) {
    const v = cleanText(r[k], 120);
    if (v) out[k] = v;
  }
  return out;
}

/** Builds the provider; enabled when a key is set. */
export function createShodanProvider(opts: ProviderHttpOptions & { apiKey: string }, deps: { clock: Clock }): IntelProvider<'shodan'> {
  return {
    name: 'shodan',
    enabled: opts.apiKey !== '',
    async lookup(ip, signal) {
      const url = `${opts.baseUrl}/shodan/host/${encodeURIComponent(ip)}?key=${encodeURIComponent(opts.apiKey)}&minify=true`;
      const r = await getJson(url, { ...opts, clock: deps.clock, signal, acceptStatus: [404] });
      if (!r.ok) return r;
      if (r.value.status === 404) return { ok: true, value: { found: false, ports: [], vulns: [], hostnames: [] } };
      const data = parseShodan(r.value.json);
      return data ? { ok: true, value: data } : { ok: false, error: { kind: 'malformed', status: r.value.status, detail: 'answer has no ip_str' } };
    },
  };
}
