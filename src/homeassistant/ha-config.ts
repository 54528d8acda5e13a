/**
 * Home Assistant link config: the MQTT and WebSocket options as zod fields for
 * src/config/schema.ts, in its flat snake_case style (spread `...HOMEASSISTANT_CONFIG_SHAPE`).
 * Rules: this file is the single source of these options, their defaults and which are
 * secret (`meta.secret`, like schema.ts); an empty `mqtt_url` means "MQTT from the
 * Supervisor when running as the add-on, otherwise off", an empty `ha_url` means "the
 * Supervisor's Core proxy in the add-on, otherwise no WebSocket link". Topic prefixes are
 * plain MQTT topic levels (no wildcards, no `$`, no empty levels) so nothing a user types
 * can make homesec publish or subscribe outside its own tree.
 */
import { z } from 'zod';
import { bool, int, secret } from '../config/fields.js';

const d = (text: string) => ({ description: text });

/** A topic prefix: one or more levels of [A-Za-z0-9_-], separated by "/". */
export const TOPIC_PREFIX_RE = /^[A-Za-z0-9_-]{1,64}(?:\/[A-Za-z0-9_-]{1,64}){0,7}$/;

/** A URL with one of `protocols` (e.g. ['mqtt:', 'mqtts:']), or '' for "not set". */
function optionalUrl(protocols: readonly string[], what: string) {
  return z
    .string()
    .trim()
    .refine((s) => {
      if (s === '') return true;
      try {
        return protocols.includes(new URL(s).protocol);
      } catch {
        return false;
      }
    }, `expected ${what} (or empty)`);
}

function topicPrefix() {
  return z.string().trim().regex(TOPIC_PREFIX_RE, 'expected MQTT topic levels of letters, digits, "_" and "-" separated by "/" (no wildcards)');
}

/** The Home Assistant options, spread into the config object of src/config/schema.ts. */
export const HOMEASSISTANT_CONFIG_SHAPE = {
  mqtt_url: optionalUrl(['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'tls:', 'ws:', 'wss:'], 'an mqtt://, mqtts://, ws:// or wss:// URL')
    .default('')
    .meta(d('MQTT broker for Home Assistant discovery, e.g. mqtt://192.168.1.10:1883. Empty: the Supervisor\'s MQTT service in the add-on, otherwise no MQTT.')),
  mqtt_username: z.string().trim().default('').meta(d('MQTT user name (empty: anonymous, or the Supervisor\'s credentials in the add-on).')),
  mqtt_password: secret().default('').meta({ secret: true, ...d('MQTT password.') }),
  mqtt_discovery_prefix: topicPrefix().default('homeassistant').meta(d('Home Assistant\'s MQTT discovery prefix (its birth message is read from <prefix>/status).')),
  mqtt_base_topic: topicPrefix().default('homesec').meta(d('Topic under which homesec publishes states, attributes and availability, and receives button presses.')),
  ha_discovery: bool()
    .default(true)
    .meta(d('Publish the homesec device (8 sensors, 2 buttons, the critical-finding event) by MQTT discovery. Off removes the entities from Home Assistant.')),
  ha_device_entities: bool()
    .default(false)
    .meta(d('Also publish one device_tracker and one "at risk" binary_sensor per known device (at most 256). Off removes them.')),
  ha_finding_events: bool()
    .default(true)
    .meta(d('Announce new critical findings: an MQTT event entity, and a homesec_critical_finding event on Home Assistant\'s bus when the WebSocket link is up.')),
  ha_publish_interval_seconds: int(5, 3600).default(30).meta(d('Seconds between state updates to Home Assistant (findings also update at once).')),
  ha_url: optionalUrl(['http:', 'https:', 'ws:', 'wss:'], 'an http(s):// or ws(s):// URL of Home Assistant')
    .default('')
    .meta(d('Home Assistant URL for the WebSocket link (device-tracker enrichment, events, notify), e.g. http://homeassistant.local:8123. Empty: the Supervisor in the add-on, otherwise off.')),
  ha_token: secret().default('').meta({ secret: true, ...d('Home Assistant long-lived access token (Profile → Security). Not needed in the add-on.') }),
  ha_tracker_enrichment: bool().default(true).meta(d('Merge the IP, MAC, hostname and name of Home Assistant\'s device_tracker entities into the inventory.')),
};

const homeAssistantConfigSchema = z.object(HOMEASSISTANT_CONFIG_SHAPE);

/** The Home Assistant part of the validated config. */
export type HomeAssistantConfig = z.output<typeof homeAssistantConfigSchema>;

/** The option names of this file, in order. */
export const HOMEASSISTANT_CONFIG_KEYS = Object.keys(HOMEASSISTANT_CONFIG_SHAPE) as (keyof HomeAssistantConfig)[];

/** Validates the Home Assistant keys alone (tests, before they join schema.ts); throws zod's error. */
export function parseHomeAssistantConfig(raw: Record<string, unknown>): HomeAssistantConfig {
  return homeAssistantConfigSchema.parse(raw);
}
