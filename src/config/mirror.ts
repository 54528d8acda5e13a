/**
 * The reference's homesec.yaml mirror (Home Assistant add-on mode). Rules: after the add-on
 * options are loaded, the user-facing options are written to `<data_dir>/homesec.yaml` so
 * they survive an add-on update or reinstall and pre-seed the next start (the loader fills
 * absent or empty add-on options from it). Only the reference's keys are written, lists in
 * its comma-separated form. The file holds API keys, so it is written atomically with mode
 * 0600.
 */
import path from 'node:path';
import YAML from 'yaml';
import { writeFileAtomic } from '../store/atomic-file.js';
import { defaultAsWritten } from './json-schema.js';
import type { Config } from './schema.js';

/** The keys the reference mirrors to homesec.yaml, in its order. */
export const MIRRORED_KEYS = [
  'bind_host', 'bind_port', 'internal_networks', 'scan_window_seconds', 'scan_port_threshold', 'high_egress_threshold',
  'enable_webui', 'enable_scanner', 'scan_interval', 'scan_exceptions', 'scan_ports', 'external_ip_retention_hours',
  'enable_dns_resolution', 'blacklist_urls', 'ipinfo_token', 'virustotal_api_key', 'shodan_api_key', 'abuseipdb_api_key',
  'enrichment_ttl_minutes', 'ipinfo_daily_budget', 'virustotal_daily_budget', 'shodan_daily_budget', 'abuseipdb_daily_budget',
  'nvd_api_key', 'nvd_api_url', 'nvd_ttl_hours', 'nvd_min_year', 'nvd_keywords',
] as const satisfies readonly (keyof Config)[];

/** Writes the mirror into config.data_dir; returns its path. */
export function writeConfigMirror(config: Config, file = path.join(config.data_dir, 'homesec.yaml')): string {
  const out: Record<string, unknown> = {};
  for (const k of MIRRORED_KEYS) out[k] = defaultAsWritten(k, config[k]);
  const header = '# homesec — options mirrored from the Home Assistant add-on (holds API keys: keep private)\n';
  writeFileAtomic(file, header + YAML.stringify(out, { lineWidth: 0 }), { mode: 0o600 });
  return file;
}
