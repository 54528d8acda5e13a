/**
 * Automated-response config: the `block_*` options as zod fields for src/config/schema.ts
 * (spread `...BLOCK_CONFIG_SHAPE`), in its flat snake_case style. Rules:
 * - This file is the single source of these options, their defaults and which are secret
 *   (`meta.secret`, like schema.ts: masked by check-config, redacted in logs).
 * - Blocking is OFF by default (`block_enable: false`), and once enabled it starts in DRY
 *   RUN (`block_dry_run: true`): decisions are recorded (audit log, dashboard) and no target
 *   is touched until the user turns dry run off.
 * - Every block expires (`block_ttl_minutes`, escalated by `block_escalation_factor` for
 *   repeat offenders, never beyond `block_max_ttl_hours`); caps bound how many blocks exist
 *   and how fast automation may add them.
 * - Allowlist entries are IPs, CIDRs or domain names, canonicalised here; protected
 *   addresses (gateways, resolvers, Home Assistant) add to what homesec finds itself.
 * - A target is on when its URL (or `block_nftables`) is set; names that reach a target's
 *   API (alias, address list) are restricted to plain characters.
 */
import { z } from 'zod';
import { bool, httpUrl, int, ipList, num, parseCidr, parseIp, parsed, secret, splitList } from '../config/fields.js';
import { SEVERITIES } from '../findings/types.js';
import { DOMAIN_RE } from './subjects.js';

const d = (text: string) => ({ description: text });

/** Finding categories that can trigger a block (see subjects.ts for what each one blocks). */
export const TRIGGER_CATEGORIES = ['blacklist', 'dns_blacklist', 'beaconing', 'port_scan', 'dns_tunnel'] as const;
export type TriggerCategory = (typeof TRIGGER_CATEGORIES)[number];

/** Canonical allowlist entry: an IP, a CIDR or a lower-case domain name; throws a message otherwise. */
export function parseAllowEntry(text: string): string {
  const t = text.trim();
  if (t.includes('/')) return parseCidr(t);
  if (/^[0-9.]+$/.test(t) || t.includes(':')) return parseIp(t);
  const name = t.toLowerCase().replace(/\.$/, '');
  if (!DOMAIN_RE.test(name)) throw new Error(`"${text}" is not an IP address, CIDR or domain name`);
  return name;
}

/** A list of IPs, CIDRs and domain names (YAML list or comma-separated). */
function allowList() {
  return z.preprocess(splitList, z.array(z.string().transform(parsed(parseAllowEntry))));
}

/** An http(s) URL, or '' for "not set". */
function optionalHttpUrl() {
  return z.union([z.literal(''), httpUrl()]);
}

/** A name passed to a target's API (alias, address list). */
function targetName(re: RegExp, what: string) {
  return z.string().trim().regex(re, what);
}

/** The blocking options, spread into the config object of src/config/schema.ts. */
export const BLOCK_CONFIG_SHAPE = {
  block_enable: bool()
    .default(false)
    .meta(d('Automated response: block external addresses and domains named by findings (and by hand from the API) on the configured targets. Off: nothing is ever blocked; release-all still works.')),
  block_dry_run: bool()
    .default(true)
    .meta(d('Record what would be blocked (audit log, dashboard) without touching any target or the blocklist URL. On by default so blocking starts by only showing its decisions; turn off to enforce.')),
  block_trigger_categories: z
    .preprocess(splitList, z.array(z.enum(TRIGGER_CATEGORIES)))
    .prefault('blacklist,dns_blacklist,beaconing,port_scan')
    .meta(d(`Finding categories that trigger a block (${TRIGGER_CATEGORIES.join(', ')}); empty = manual blocks only. port_scan blocks only scans from the internet.`)),
  block_min_severity: z.enum(SEVERITIES).default('high').meta(d('Lowest finding severity that triggers a block.')),
  block_ttl_minutes: int(1, 525_600).default(60).meta(d('How long a first block lasts, in minutes; every block expires.')),
  block_escalation_factor: num(1, 100).default(4).meta(d('Each repeat offence within block_offence_memory_days multiplies the block time by this (1 = no escalation).')),
  block_max_ttl_hours: int(1, 8760).default(168).meta(d('Longest a block may last, in hours (escalation and manual blocks stop here).')),
  block_offence_memory_days: int(1, 3650).default(30).meta(d('Days an offence is remembered for escalation.')),
  block_max_active: int(1, 10_000).default(1000).meta(d('Most blocks active at once. An automatic block beyond it pauses automation and raises a finding; a manual one is refused.')),
  block_max_per_hour: int(1, 10_000).default(30).meta(d('Most automatic blocks in any hour; reaching it pauses automation and raises a finding until resumed from the API.')),
  block_allowlist: allowList()
    .prefault('')
    .meta(d('IPs, CIDRs and domains never blocked (a domain also covers its subdomains, and blocking a parent of it is refused).')),
  block_gateways: ipList().prefault('').meta(d("Gateway addresses never blocked, in addition to this host's default gateways (read from its routing table).")),
  block_dns_resolvers: ipList()
    .prefault('')
    .meta(d("DNS resolvers never blocked, in addition to dns_local_resolvers, the dns_url host and this host's /etc/resolv.conf nameservers.")),
  block_homeassistant_hosts: ipList().prefault('').meta(d('Home Assistant addresses never blocked, in addition to the ha_url and mqtt_url hosts.')),
  block_reconcile_minutes: int(1, 1440).default(5).meta(d('Minutes between reconciliations: each target is brought back in line with homesec\'s block list (missing entries added, homesec\'s extras removed).')),
  block_target_timeout_seconds: int(1, 120).default(10).meta(d('Time limit of one call to a block target, in seconds.')),
  block_nftables: bool()
    .default(false)
    .meta(d('Block on this host with nftables (needs root or CAP_NET_ADMIN): homesec owns the table "inet homesec" (sets block4/block6 with per-element timeouts, drop rules on input, forward and output) and touches nothing else.')),
  block_nft_path: z.string().trim().min(1).default('nft').meta(d('nft executable used by block_nftables.')),
  block_opnsense_url: optionalHttpUrl().default('').meta(d('OPNsense base URL, e.g. https://192.168.1.1 (empty: OPNsense target off). Uses the alias API (alias_util add/delete/list, alias reconfigure).')),
  block_opnsense_key: secret().default('').meta({ secret: true, ...d('OPNsense API key (System → Access → Users → API keys).') }),
  block_opnsense_secret: secret().default('').meta({ secret: true, ...d('OPNsense API secret.') }),
  block_opnsense_alias: targetName(/^[A-Za-z0-9_]{1,31}$/, 'expected 1-31 letters, digits or "_" (an OPNsense alias name)')
    .default('homesec_block')
    .meta(d('OPNsense alias (type Host(s) or External) dedicated to homesec; use it in a block rule.')),
  block_mikrotik_url: optionalHttpUrl().default('').meta(d('MikroTik RouterOS v7 base URL for the REST API, e.g. https://192.168.88.1 (empty: MikroTik target off).')),
  block_mikrotik_user: z.string().trim().default('').meta(d('RouterOS user for the REST API (give it a group with read, write and rest-api).')),
  block_mikrotik_password: secret().default('').meta({ secret: true, ...d('RouterOS password.') }),
  block_mikrotik_list: targetName(/^[A-Za-z0-9_.-]{1,63}$/, 'expected 1-63 letters, digits, ".", "_" or "-" (an address-list name)')
    .default('homesec_block')
    .meta(d('RouterOS firewall address list that homesec fills (IPv4 and IPv6); entries carry a timeout and the comment "homesec: ...".')),
  block_pihole_url: optionalHttpUrl().default('').meta(d('Pi-hole v6 base URL for domain blocks, e.g. http://192.168.1.2 (empty: Pi-hole target off).')),
  block_pihole_password: secret().default('').meta({ secret: true, ...d('Pi-hole v6 password or app password.') }),
  block_list_token: secret()
    .refine((s) => s === '' || /^[A-Za-z0-9_-]{16,96}$/.test(s), 'expected 16-96 letters, digits, "-" or "_" (or empty)')
    .default('')
    .meta({ secret: true, ...d('Token of the plain-text blocklist URLs /blocklist/<token>/ips.txt and /domains.txt that firewalls (pfBlockerNG, OPNsense URL tables) subscribe to; empty: not served.') }),
};

export type BlockOptions = z.output<z.ZodObject<typeof BLOCK_CONFIG_SHAPE>>;
