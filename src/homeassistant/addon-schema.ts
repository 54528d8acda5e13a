/**
 * The Home Assistant add-on's config.yaml, generated from the config schema (never edited by
 * hand in its options/schema part). Rules: ADDON_OPTION_KEYS lists the options the add-on
 * shows, each a key of homesec's config (src/config/schema.ts plus HOMEASSISTANT_CONFIG_SHAPE
 * until it is spread there); each option's add-on type follows from the key's JSON Schema
 * (bool, port, int(min,max), float(min,max), list(a|b), password for secrets, url, str) and
 * its default is the config default as a person writes it; options whose default is empty
 * are optional (`?`) and left out of `options`, so an untouched add-on behaves exactly like
 * an untouched homesec.yaml. notify_channels is the one list of objects: its schema is one
 * dict with the union of every channel type's fields (name and type required, the rest
 * optional; a field secret in any type is a password), so channels are entered in the add-on
 * page, not as JSON. Left out on purpose: nftables blocking (the container cannot reach the
 * host's firewall), the listener address and port (fixed
 * inside the container: change the host port in the add-on's Network section), the web
 * server settings and data_dir (ingress and /data decide them), and ha_url/ha_token (the
 * Supervisor provides the link). addon-schema.test.ts fails when addon/config.yaml drifts;
 * `npx tsx addon/gen-config.ts` rewrites it.
 */
import { z } from 'zod';
import YAML from 'yaml';
import { defaultAsWritten } from '../config/json-schema.js';
import { configSchema, type Config } from '../config/schema.js';
import { HOMEASSISTANT_CONFIG_SHAPE, type HomeAssistantConfig } from './ha-config.js';

/** homesec's config including the Home Assistant keys (idempotent once schema.ts spreads them). */
export const fullConfigSchema = z.object({ ...configSchema.shape, ...HOMEASSISTANT_CONFIG_SHAPE }).strict();
export type FullConfig = Config & HomeAssistantConfig;
type Key = keyof FullConfig & string;

/** The options the add-on shows, in the order its configuration page lists them. */
export const ADDON_OPTION_KEYS = [
  'internal_networks',
  'enable_scanner',
  'scan_interval',
  'scan_ports',
  'scan_exceptions',
  'scan_discovery_ranges',
  'scan_window_seconds',
  'scan_port_threshold',
  'high_egress_threshold',
  'enable_threat_intel',
  'enable_dns_resolution',
  'external_ip_retention_hours',
  'blacklist_urls',
  'ipinfo_token',
  'virustotal_api_key',
  'shodan_api_key',
  'abuseipdb_api_key',
  'enrichment_ttl_minutes',
  'ipinfo_daily_budget',
  'virustotal_daily_budget',
  'shodan_daily_budget',
  'abuseipdb_daily_budget',
  'nvd_api_key',
  'nvd_api_url',
  'nvd_ttl_hours',
  'nvd_min_year',
  'nvd_keywords',
  'ha_discovery',
  'ha_device_entities',
  'ha_finding_events',
  'ha_tracker_enrichment',
  'ha_publish_interval_seconds',
  'mqtt_discovery_prefix',
  'mqtt_base_topic',
  'mqtt_url',
  'mqtt_username',
  'mqtt_password',
  'exporter_allowlist',
  'flow_retention_hours',
  'suspicious_ports',
  'new_device_alerts',
  'trusted_macs',
  'dns_source',
  'dns_url',
  'dns_username',
  'dns_password',
  'dns_log_path',
  'dns_poll_seconds',
  'dns_local_resolvers',
  'notify_channels',
  'notify_quiet_hours',
  'notify_timezone',
  'notify_rate_per_hour',
  'notify_allowlist',
  'notify_digest',
  'notify_delivery',
  'notify_dedupe_hours',
  'block_enable',
  'block_dry_run',
  'block_trigger_categories',
  'block_min_severity',
  'block_ttl_minutes',
  'block_max_active',
  'block_max_per_hour',
  'block_allowlist',
  'block_opnsense_url',
  'block_opnsense_key',
  'block_opnsense_secret',
  'block_opnsense_alias',
  'block_mikrotik_url',
  'block_mikrotik_user',
  'block_mikrotik_password',
  'block_mikrotik_list',
  'block_pihole_url',
  'block_pihole_password',
  'block_list_token',
  'log_level',
] as const satisfies readonly Key[];

/** The one option whose add-on schema is a list of dicts (see module rules). */
export const CHANNEL_LIST_KEY = 'notify_channels';

interface JsonProp {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  writeOnly?: boolean;
  items?: { oneOf?: { properties?: Record<string, JsonProp> }[] };
}

function isSecret(key: Key): boolean {
  const meta = (fullConfigSchema.shape[key].meta() ?? {}) as { secret?: boolean };
  return meta.secret === true;
}

/** The input-side JSON Schema properties of the full config. */
function properties(): Record<string, JsonProp> {
  const js = z.toJSONSchema(fullConfigSchema, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, JsonProp> };
  return js.properties;
}

function isEmpty(v: unknown): boolean {
  return v === '' || (Array.isArray(v) && v.length === 0);
}

/** The add-on schema type of one key (without the optional mark). */
export function addonType(key: Key, prop: JsonProp, written: unknown): string {
  return fieldType(key, prop, isSecret(key), written);
}

/** The add-on type of a value described by `prop` (secret: a password field). */
function fieldType(key: string, prop: JsonProp, secret: boolean, written: unknown): string {
  if (secret) return 'password';
  if (prop.enum) return `list(${prop.enum.map(String).join('|')})`;
  if (prop.type === 'boolean') return 'bool';
  if (prop.type === 'integer') {
    if (prop.minimum === 1 && prop.maximum === 65535) return 'port';
    return `int(${prop.minimum ?? ''},${prop.maximum ?? ''})`;
  }
  if (prop.type === 'number') return `float(${prop.minimum ?? ''},${prop.maximum ?? ''})`;
  if (key.endsWith('_url') && typeof written === 'string' && /^https?:\/\//.test(written)) return 'url';
  return 'str';
}

/**
 * The add-on schema of one notification channel: every field of every channel type, typed
 * as its own type declares it (the same field typed differently by two types is a str; secret
 * in any type, a password); name and type required, everything else optional.
 */
export function channelDictSchema(prop: JsonProp): Record<string, string> {
  const variants = (prop.items?.oneOf ?? []).map((o) => o.properties ?? {});
  const types: string[] = [];
  const fields = new Map<string, { types: Set<string>; secret: boolean }>();
  for (const v of variants) {
    for (const [name, p] of Object.entries(v)) {
      if (name === 'type') {
        if (typeof p.const === 'string') types.push(p.const);
        continue;
      }
      const f = fields.get(name) ?? { types: new Set<string>(), secret: false };
      f.secret ||= p.writeOnly === true;
      f.types.add(fieldType(name, p, false, undefined));
      fields.set(name, f);
    }
  }
  const out: Record<string, string> = { name: 'str', type: `list(${types.join('|')})` };
  for (const [name, f] of fields) {
    if (name === 'name') continue;
    out[name] = `${f.secret ? 'password' : f.types.size === 1 ? [...f.types][0]! : 'str'}?`;
  }
  return out;
}

/** The generated `options` and `schema` blocks (a schema value is a type, or for notify_channels a one-dict list). */
export function addonOptions(): { options: Record<string, unknown>; schema: Record<string, string | Record<string, string>[]> } {
  const props = properties();
  const defaults = fullConfigSchema.parse({}) as FullConfig;
  const options: Record<string, unknown> = {};
  const schema: Record<string, string | Record<string, string>[]> = {};
  for (const key of ADDON_OPTION_KEYS) {
    if (key === CHANNEL_LIST_KEY) {
      schema[key] = [channelDictSchema(props[key] ?? {})];
      options[key] = [];
      continue;
    }
    const written = defaultAsWritten(key as keyof Config, defaults[key]);
    const type = addonType(key, props[key] ?? {}, written);
    if (isEmpty(written)) {
      schema[key] = `${type}?`;
      continue;
    }
    schema[key] = type;
    options[key] = type === 'str' || type === 'url' ? String(written) : written;
  }
  return { options, schema };
}

/** The whole config.yaml object for homesec `version`. */
export function addonConfig(version: string): Record<string, unknown> {
  const { options, schema } = addonOptions();
  return {
    name: 'homesec',
    version,
    slug: 'homesec',
    description: 'Home-network security monitor: NetFlow/IPFIX/sFlow analysis, active scanning, threat intel and CVEs',
    arch: ['aarch64', 'amd64'],
    init: false,
    startup: 'application',
    boot: 'auto',
    ingress: true,
    ingress_port: 8099,
    panel_icon: 'mdi:shield-lock',
    panel_title: 'Security',
    homeassistant_api: true,
    services: ['mqtt:want'],
    // /share, read-only (the Supervisor's default for a map): a dnsmasq/Pi-hole query log for dns_log_path.
    map: ['share'],
    ports: { '2055/udp': 2055 },
    ports_description: { '2055/udp': 'NetFlow / IPFIX / sFlow from your router' },
    options,
    schema,
  };
}

/** config.yaml text. */
export function renderAddonConfig(version: string): string {
  const head = '# Home Assistant add-on for homesec. options/schema are generated from the config schema\n# (src/homeassistant/addon-schema.ts): run `npx tsx addon/gen-config.ts` after changing options.\n';
  return head + YAML.stringify(addonConfig(version), { lineWidth: 0 });
}
