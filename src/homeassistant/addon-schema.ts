/**
 * The Home Assistant add-on's config.yaml, generated from the config schema (never edited by
 * hand in its options/schema part). Rules: ADDON_OPTION_KEYS lists the options the add-on
 * shows, each a key of homesec's config (src/config/schema.ts plus HOMEASSISTANT_CONFIG_SHAPE
 * until it is spread there); each option's add-on type follows from the key's JSON Schema
 * (bool, port, int(min,max), float(min,max), list(a|b), password for secrets, url, str) and
 * its default is the config default as a person writes it; options whose default is empty
 * are optional (`?`) and left out of `options`, so an untouched add-on behaves exactly like
 * an untouched homesec.yaml. Left out on purpose: the listener address and port (fixed
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
  'log_level',
] as const satisfies readonly Key[];

interface JsonProp {
  type?: string | string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
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
  if (isSecret(key)) return 'password';
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

/** The generated `options` and `schema` blocks. */
export function addonOptions(): { options: Record<string, unknown>; schema: Record<string, string> } {
  const props = properties();
  const defaults = fullConfigSchema.parse({}) as FullConfig;
  const options: Record<string, unknown> = {};
  const schema: Record<string, string> = {};
  for (const key of ADDON_OPTION_KEYS) {
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
