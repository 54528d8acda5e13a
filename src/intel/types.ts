/**
 * Intel types. Rules: a provider is one small object behind IntelProvider; `lookup` never
 * throws and returns either its typed, sanitised data or a typed IntelError (see http.ts).
 * Provider data holds only bounded plain values (strings cleaned, arrays capped), so it can
 * be stored, served by the API and shown without further checks (still HTML-escaped by views).
 */
import type { Outcome } from './http.js';

export const PROVIDER_NAMES = ['ipinfo', 'virustotal', 'shodan', 'abuseipdb'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** IPinfo (https://ipinfo.io/{ip}/json): geolocation and network owner. */
export interface IpInfoData {
  ip: string;
  /** True for private/reserved addresses IPinfo has no data for. */
  bogon: boolean;
  hostname?: string;
  city?: string;
  region?: string;
  country?: string;
  /** e.g. "AS15169 Google LLC". */
  org?: string;
  timezone?: string;
}

/** VirusTotal v3 /ip_addresses/{ip}: data.attributes.last_analysis_stats and a few facts. */
export interface VirusTotalData {
  malicious: number;
  suspicious: number;
  harmless: number;
  undetected: number;
  timeout: number;
  reputation?: number;
  asOwner?: string;
  country?: string;
}

/** Shodan /shodan/host/{ip}: what Shodan saw listening there (found=false on its 404). */
export interface ShodanData {
  found: boolean;
  ports: number[];
  vulns: string[];
  hostnames: string[];
  org?: string;
  isp?: string;
  os?: string;
}

/** AbuseIPDB v2 /check: abuse reports about the address. */
export interface AbuseIpDbData {
  abuseConfidenceScore: number;
  totalReports: number;
  numDistinctUsers: number;
  usageType?: string;
  isp?: string;
  domain?: string;
  countryCode?: string;
  isTor: boolean;
  isWhitelisted?: boolean;
  lastReportedAt?: string;
}

export interface ProviderDataMap {
  ipinfo: IpInfoData;
  virustotal: VirusTotalData;
  shodan: ShodanData;
  abuseipdb: AbuseIpDbData;
}

export type ProviderData = ProviderDataMap[ProviderName];

export interface IntelProvider<N extends ProviderName = ProviderName> {
  readonly name: N;
  /** False when its key is missing (IPinfo works without one) or its budget is 0. */
  readonly enabled: boolean;
  /** One request; never throws. The caller has already counted it against the budget. */
  lookup(ip: string, signal?: AbortSignal): Promise<Outcome<ProviderDataMap[N]>>;
}

export type AnyProvider = { [N in ProviderName]: IntelProvider<N> }[ProviderName];

/** Shared request settings a provider is built with. */
export interface ProviderHttpOptions {
  /** Base URL (no trailing slash); tests point it at a loopback server. */
  baseUrl: string;
  timeoutMs: number;
  maxBytes: number;
}
