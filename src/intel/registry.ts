/**
 * The provider registry: the one list of enrichment providers, their config keys, daily
 * budget keys, default base URLs and pacing. Rules: adding a provider = one file in
 * providers/ plus one entry here. `minIntervalMs` is the spacing between two requests to
 * the same provider (its published rate limit, rounded up); budgets come from config.
 */
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { ABUSEIPDB_BASE_URL, createAbuseIpDbProvider } from './providers/abuseipdb.js';
import { IPINFO_BASE_URL, createIpInfoProvider } from './providers/ipinfo.js';
import { SHODAN_BASE_URL, createShodanProvider } from './providers/shodan.js';
import { VIRUSTOTAL_BASE_URL, createVirusTotalProvider } from './providers/virustotal.js';
import type { AnyProvider, ProviderHttpOptions, ProviderName } from './types.js';

export type ProviderConfig = Pick<
  Config,
  | 'ipinfo_token'
  | 'virustotal_api_key'
  | 'shodan_api_key'
  | 'abuseipdb_api_key'
  | 'ipinfo_daily_budget'
  | 'virustotal_daily_budget'
  | 'shodan_daily_budget'
  | 'abuseipdb_daily_budget'
>;

export interface ProviderSpec {
  name: ProviderName;
  defaultBaseUrl: string;
  /** Spacing between requests (rate limit). */
  minIntervalMs: number;
  budget(config: ProviderConfig): number;
  create(config: ProviderConfig, http: ProviderHttpOptions, clock: Clock): AnyProvider;
}

export const PROVIDERS: readonly ProviderSpec[] = [
  {
    name: 'ipinfo',
    defaultBaseUrl: IPINFO_BASE_URL,
    minIntervalMs: 1000,
    budget: (c) => c.ipinfo_daily_budget,
    create: (c, http, clock) => createIpInfoProvider({ ...http, token: c.ipinfo_token }, { clock }),
  },
  {
    name: 'virustotal',
    defaultBaseUrl: VIRUSTOTAL_BASE_URL,
    minIntervalMs: 15_000, // public API: 4 requests per minute
    budget: (c) => c.virustotal_daily_budget,
    create: (c, http, clock) => createVirusTotalProvider({ ...http, apiKey: c.virustotal_api_key }, { clock }),
  },
  {
    name: 'shodan',
    defaultBaseUrl: SHODAN_BASE_URL,
    minIntervalMs: 1000, // about 1 request per second
    budget: (c) => c.shodan_daily_budget,
    create: (c, http, clock) => createShodanProvider({ ...http, apiKey: c.shodan_api_key }, { clock }),
  },
  {
    name: 'abuseipdb',
    defaultBaseUrl: ABUSEIPDB_BASE_URL,
    minIntervalMs: 2000,
    budget: (c) => c.abuseipdb_daily_budget,
    create: (c, http, clock) => createAbuseIpDbProvider({ ...http, apiKey: c.abuseipdb_api_key }, { clock }),
  },
];

export interface BuiltProvider {
  provider: AnyProvider;
  spec: ProviderSpec;
  budget: number;
  /** Enabled by its key and a budget above 0. */
  enabled: boolean;
}

/** Builds every registered provider (enabled or not) from config; base URLs may be overridden. */
export function createProviders(
  config: ProviderConfig,
  opts: { baseUrls?: Partial<Record<ProviderName, string>>; timeoutMs: number; maxBytes: number },
  deps: { clock: Clock },
): BuiltProvider[] {
  return PROVIDERS.map((spec) => {
    const baseUrl = (opts.baseUrls?.[spec.name] ?? spec.defaultBaseUrl).replace(/\/+$/, '');
    const provider = spec.create(config, { baseUrl, timeoutMs: opts.timeoutMs, maxBytes: opts.maxBytes }, deps.clock);
    const budget = spec.budget(config);
    return { provider, spec, budget, enabled: provider.enabled && budget > 0 };
  });
}
