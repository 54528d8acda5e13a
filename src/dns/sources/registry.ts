/**
 * THE list of DNS sources. Rules: a source exists for the app only if it is listed here,
 * under the `dns_source` value that selects it; each entry builds one DnsSource from the
 * DNS config slice, the clock and a cursor store (its persisted read position). Factories
 * do no I/O.
 */
import type { Clock } from '../../core/clock.js';
import type { DnsConfig } from '../dns-config.js';
import type { DnsSource, DnsSourceKind } from '../types.js';
import { createAdguardSource } from './adguard-source.js';
import { createDnsmasqLogSource } from './dnsmasq-log-source.js';
import { createPihole5ApiSource } from './pihole5-api-source.js';
import { createPihole5DbSource } from './pihole5-db-source.js';
import { createPihole6Source } from './pihole6-source.js';
import type { CursorStore } from './source-kit.js';

export interface SourceDeps {
  clock: Clock;
  cursor: CursorStore;
}

export type SourceFactory = (config: DnsConfig, deps: SourceDeps) => DnsSource;

export const DNS_SOURCES: Readonly<Record<Exclude<DnsSourceKind, 'none'>, SourceFactory>> = {
  pihole6: (c, d) => createPihole6Source(c, d),
  pihole5_db: (c, d) => createPihole5DbSource(c, d),
  pihole5_api: (c, d) => createPihole5ApiSource(c, d),
  dnsmasq_log: (c, d) => createDnsmasqLogSource(c, d),
  adguard: (c, d) => createAdguardSource(c, d),
};

/** The source selected by config, or undefined for 'none'. */
export function createSource(config: DnsConfig, deps: SourceDeps): DnsSource | undefined {
  return config.dns_source === 'none' ? undefined : DNS_SOURCES[config.dns_source](config, deps);
}
