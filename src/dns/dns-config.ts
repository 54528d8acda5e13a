/**
 * The configuration slice of DNS monitoring. Rules: these keys are declared in
 * src/config/schema.ts (the single source of options, defaults and docs); this file only
 * names the slice the DNS components read, so they can be built and tested from a plain
 * object. dns_password is a secret: it is passed to the source that needs it and never
 * logged, stored, shown in a status or put in an error.
 */
import type { DnsSourceKind } from './types.js';

export interface DnsConfig {
  /** Which source feeds DnsQuery records ('none' disables DNS monitoring). */
  dns_source: DnsSourceKind;
  /** Base URL of Pi-hole (v6 API, v5 api.php) or AdGuard Home. */
  dns_url: string;
  /** AdGuard Home user (Basic auth). */
  dns_username: string;
  /** Pi-hole v6 password / app password, Pi-hole v5 API token, AdGuard Home password (secret). */
  dns_password: string;
  /** dnsmasq / Pi-hole query log (log-queries) followed by dnsmasq_log. */
  dns_log_path: string;
  /** Pi-hole v5 FTL database read by pihole5_db. */
  dns_db_path: string;
  /** Seconds between polls of the source. */
  dns_poll_seconds: number;
  /** The home's own resolvers (Pi-hole, AdGuard, router): they may talk to outside resolvers. */
  dns_local_resolvers: string[];
  /** Hours a device is watched before its domain profile counts as learned. */
  dns_learning_hours: number;
  /** Distinct DGA-like domains from one device within dns_window_minutes that raise a finding. */
  dns_dga_min_names: number;
  /** Sliding window of the DGA, tunnelling and category detectors, in minutes. */
  dns_window_minutes: number;
  internal_networks: string[];
}

/** Defaults (the schema's), for tests and tools. */
export const DNS_DEFAULTS: Omit<DnsConfig, 'internal_networks'> = {
  dns_source: 'none',
  dns_url: 'http://pi.hole',
  dns_username: '',
  dns_password: '',
  dns_log_path: '/var/log/pihole/pihole.log',
  dns_db_path: '/etc/pihole/pihole-FTL.db',
  dns_poll_seconds: 10,
  dns_local_resolvers: [],
  dns_learning_hours: 72,
  dns_dga_min_names: 3,
  dns_window_minutes: 10,
};
