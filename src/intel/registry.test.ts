import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.js';
import { FakeClock } from '../core/fake-clock.js';
import { PROVIDERS, createProviders } from './registry.js';
import { PROVIDER_NAMES } from './types.js';

describe('provider registry', () => {
  it('lists every provider once, with the reference budgets as config defaults', () => {
    expect(PROVIDERS.map((p) => p.name)).toEqual([...PROVIDER_NAMES]);
    const config = configSchema.parse({});
    expect(PROVIDERS.map((p) => p.budget(config))).toEqual([1500, 500, 1000, 1000]);
  });

  it('enables a provider by its key (IPinfo without one) and a budget above 0; base URLs can be overridden', () => {
    const clock = new FakeClock();
    const opts = { timeoutMs: 1000, maxBytes: 1024, baseUrls: { shodan: 'http://127.0.0.1:9/shodan/' } };
    const none = createProviders(configSchema.parse({}), opts, { clock });
    expect(none.map((b) => [b.spec.name, b.enabled])).toEqual([
      ['ipinfo', true],
      ['virustotal', false],
      ['shodan', false],
      ['abuseipdb', false],
    ]);
    const keyed = createProviders(configSchema.parse({ shodan_api_key: 'k', abuseipdb_api_key: 'k', abuseipdb_daily_budget: 0, ipinfo_daily_budget: 0 }), opts, { clock });
    expect(keyed.map((b) => b.enabled)).toEqual([false, false, true, false]);
  });
});
