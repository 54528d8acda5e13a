/**
 * The Home Assistant entities homesec publishes, as MQTT discovery configs plus their state
 * and attribute messages. Rules: pure functions of the options and a Snapshot; one "homesec"
 * device with the reference's eight sensors, its two services as buttons (Trigger Scan, NVD
 * Refresh) and a "Critical finding" event entity; optionally a device_tracker and an
 * "at risk" binary_sensor per known device, each on its own Home Assistant device linked to
 * homesec by via_device (and to the router integration's device by its MAC connection).
 * Configs use Home Assistant's full key names (abbreviations are optional), carry a stable
 * unique_id (`<node>_<id>`, never derived from anything that changes), the availability
 * list on `<base>/availability` (online/offline, the link's last will), the origin block,
 * and both object_id and default_entity_id (Home Assistant 2025.10 reads the latter). States
 * are at most 255 characters; attributes are fitted by attributes.ts.
 */
import { fitAttributes, sensorAttributes, sourceCount, type Attributes } from './attributes.js';
import type { DeviceFacts, Snapshot } from './sources.js';
import { discoveryTopic, safeId, type TopicNames } from './topics.js';

/** A device_tracker shows not_home after this long without a sighting. */
export const CONSIDER_HOME_MS = 15 * 60_000;
/** Per-device entities are published for at most this many devices (at-risk ones first). */
export const MAX_DEVICE_ENTITIES = 256;

export interface SensorDef {
  id: string;
  name: string;
  icon: string;
  unit?: string;
  stateClass: 'measurement' | 'total_increasing';
  value: (s: Snapshot) => number | undefined;
}

/** The reference's eight sensors, in its order. */
export const SENSORS: readonly SensorDef[] = [
  { id: 'active_devices', name: 'Active Devices', icon: 'mdi:lan-connect', unit: 'devices', stateClass: 'measurement', value: (s) => s.activeDevices },
  { id: 'scanned_devices', name: 'Scanned Devices', icon: 'mdi:radar', unit: 'devices', stateClass: 'measurement', value: (s) => s.scan?.hostsFound },
  { id: 'total_flows', name: 'Total Flows', icon: 'mdi:swap-horizontal', unit: 'flows', stateClass: 'total_increasing', value: (s) => s.totalFlows },
  { id: 'open_findings', name: 'Open Findings', icon: 'mdi:shield-alert', unit: 'findings', stateClass: 'measurement', value: (s) => s.openFindings },
  { id: 'vulnerability_count', name: 'Vulnerability Count', icon: 'mdi:bug', unit: 'CVEs', stateClass: 'measurement', value: (s) => s.vulnCount },
  { id: 'suspicious_sources', name: 'Suspicious Sources', icon: 'mdi:alert-octagon', unit: 'devices', stateClass: 'measurement', value: (s) => sourceCount(s, 'suspicious_port') },
  { id: 'high_egress_sources', name: 'High Egress Sources', icon: 'mdi:upload-network', unit: 'devices', stateClass: 'measurement', value: (s) => sourceCount(s, 'high_egress') },
  { id: 'nvd_keywords', name: 'NVD Keywords', icon: 'mdi:book-search', unit: 'keywords', stateClass: 'measurement', value: (s) => s.keywords?.length },
];

/** The reference's two services, as buttons. */
export const BUTTONS = [
  { id: 'trigger_scan', name: 'Trigger Scan', icon: 'mdi:radar' },
  { id: 'nvd_refresh', name: 'NVD Refresh', icon: 'mdi:database-refresh' },
] as const;
export type ButtonId = (typeof BUTTONS)[number]['id'];

/** The payload a button press carries. */
export const PAYLOAD_PRESS = 'PRESS';
/** The event type of the critical-finding event entity. */
export const CRITICAL_FINDING_EVENT = 'critical_finding';

export interface EntityOptions {
  topics: TopicNames;
  /** homesec's version (device sw_version, origin sw). */
  version: string;
  /** Link shown on the device page (the dashboard), when known. */
  configurationUrl?: string;
  /** Buttons whose action is available. */
  buttons: readonly ButtonId[];
  findingEvents: boolean;
  deviceEntities: boolean;
}

export interface Message {
  topic: string;
  payload: string;
}

/** One entity: its discovery config and the retained messages that carry its state. */
export interface Entity {
  /** `<component>/<objectId>`: unique among the entities of one build. */
  key: string;
  component: 'sensor' | 'button' | 'event' | 'device_tracker' | 'binary_sensor';
  objectId: string;
  config: Message;
  /** State and attribute messages (retained); empty for buttons and events. */
  data: Message[];
}

function availability(o: EntityOptions) {
  return [{ topic: o.topics.availability, payload_available: 'online', payload_not_available: 'offline' }];
}

function origin(o: EntityOptions) {
  return { name: 'homesec', sw_version: o.version };
}

/** The "homesec" device block. */
export function mainDevice(o: EntityOptions): Record<string, unknown> {
  return {
    identifiers: [o.topics.node],
    name: 'homesec',
    manufacturer: 'homesec',
    model: 'Home network security monitor',
    sw_version: o.version,
    ...(o.configurationUrl ? { configuration_url: o.configurationUrl } : {}),
  };
}

function entity(o: EntityOptions, component: Entity['component'], id: string, extra: Record<string, unknown>, device: Record<string, unknown>, data: Message[] = []): Entity {
  const uniqueId = `${o.topics.node}_${id}`;
  const config = {
    unique_id: uniqueId,
    object_id: uniqueId,
    default_entity_id: `${component}.${uniqueId}`,
    availability: availability(o),
    availability_mode: 'all',
    device,
    origin: origin(o),
    ...extra,
  };
  return { key: `${component}/${id}`, component, objectId: id, config: { topic: discoveryTopic(o.topics, component, id), payload: JSON.stringify(config) }, data };
}

function stateText(v: number | undefined): string {
  // "None" is what Home Assistant's MQTT sensor reads as unknown.
  return v === undefined ? 'None' : String(v);
}

function deviceEntities(o: EntityOptions, devices: readonly DeviceFacts[], nowMs: number): Entity[] {
  const chosen = [...devices].sort((a, b) => Number(b.atRisk) - Number(a.atRisk) || a.id.localeCompare(b.id)).slice(0, MAX_DEVICE_ENTITIES);
  const out: Entity[] = [];
  for (const d of chosen) {
    const obj = `dev_${safeId(d.id)}`;
    const base = `${o.topics.base}/device/${obj}`;
    const label = d.name ?? d.hostname ?? d.ip ?? `device ${d.id}`;
    const dev: Record<string, unknown> = {
      identifiers: [`${o.topics.node}_${obj}`],
      name: label,
      model: d.role,
      via_device: o.topics.node,
      ...(d.vendor ? { manufacturer: d.vendor } : {}),
      ...(d.mac && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(d.mac) ? { connections: [['mac', d.mac]] } : {}),
    };
    const attrs: Attributes = fitAttributes({
      ip: d.ip ?? null,
      mac: d.mac ?? null,
      host_name: d.hostname ?? null,
      vendor: d.vendor ?? null,
      role: d.role,
      at_risk: d.atRisk,
      last_seen: d.lastSeenMs === undefined ? null : new Date(d.lastSeenMs).toISOString(),
      managed_by: 'homesec',
    });
    const home = d.lastSeenMs === undefined || nowMs - d.lastSeenMs <= CONSIDER_HOME_MS;
    out.push(
      entity(
        o,
        'device_tracker',
        obj,
        {
          name: null,
          icon: 'mdi:lan',
          state_topic: `${base}/state`,
          payload_home: 'home',
          payload_not_home: 'not_home',
          source_type: 'router',
          json_attributes_topic: `${base}/attributes`,
        },
        dev,
        [
          { topic: `${base}/state`, payload: home ? 'home' : 'not_home' },
          { topic: `${base}/attributes`, payload: JSON.stringify(attrs) },
        ],
      ),
      entity(
        o,
        'binary_sensor',
        `${obj}_at_risk`,
        { name: 'At risk', device_class: 'problem', state_topic: `${base}/at_risk`, payload_on: 'ON', payload_off: 'OFF', json_attributes_topic: `${base}/attributes` },
        dev,
        [{ topic: `${base}/at_risk`, payload: d.atRisk ? 'ON' : 'OFF' }],
      ),
    );
  }
  return out;
}

/** Every entity for the options and snapshot (see module rules). */
export function buildEntities(o: EntityOptions, s: Snapshot): Entity[] {
  const dev = mainDevice(o);
  const out: Entity[] = [];
  for (const def of SENSORS) {
    const base = `${o.topics.base}/sensor/${def.id}`;
    out.push(
      entity(
        o,
        'sensor',
        def.id,
        {
          name: def.name,
          icon: def.icon,
          state_topic: `${base}/state`,
          json_attributes_topic: `${base}/attributes`,
          state_class: def.stateClass,
          ...(def.unit ? { unit_of_measurement: def.unit } : {}),
        },
        dev,
        [
          { topic: `${base}/state`, payload: stateText(def.value(s)) },
          { topic: `${base}/attributes`, payload: JSON.stringify(sensorAttributes(def.id, s)) },
        ],
      ),
    );
  }
  for (const b of BUTTONS) {
    if (!o.buttons.includes(b.id)) continue;
    out.push(entity(o, 'button', b.id, { name: b.name, icon: b.icon, command_topic: `${o.topics.base}/button/${b.id}/press`, payload_press: PAYLOAD_PRESS }, dev));
  }
  if (o.findingEvents) {
    out.push(
      entity(o, 'event', CRITICAL_FINDING_EVENT, { name: 'Critical finding', icon: 'mdi:shield-alert-outline', state_topic: o.topics.findingEvent, event_types: [CRITICAL_FINDING_EVENT] }, dev),
    );
  }
  if (o.deviceEntities && s.devices) out.push(...deviceEntities(o, s.devices, s.atMs));
  return out;
}
