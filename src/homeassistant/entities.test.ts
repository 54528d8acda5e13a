import { describe, expect, it } from 'vitest';
import { MAX_ATTRIBUTES_BYTES, MAX_STATE_CHARS } from './attributes.js';
import { buildEntities, CONSIDER_HOME_MS, MAX_DEVICE_ENTITIES, SENSORS, type EntityOptions } from './entities.js';
import { takeSnapshot } from './sources.js';
import { discoveryProblems, sampleWorld, sourcesOf } from './test-kit.js';
import { topicNames } from './topics.js';

const NOW = Date.UTC(2026, 0, 1, 12);

function options(over: Partial<EntityOptions> = {}): EntityOptions {
  return {
    topics: topicNames('homeassistant', 'homesec'),
    version: '0.1.0',
    buttons: ['trigger_scan', 'nvd_refresh'],
    findingEvents: true,
    deviceEntities: true,
    ...over,
  };
}

describe('buildEntities', () => {
  it('gives the eight reference sensors, two buttons and the event entity, each valid per Home Assistant discovery', () => {
    const snap = takeSnapshot(sourcesOf(sampleWorld()), NOW);
    const ents = buildEntities(options({ deviceEntities: false }), snap);
    expect(ents.filter((e) => e.component === 'sensor').map((e) => JSON.parse(e.config.payload).name)).toEqual([
      'Active Devices',
      'Scanned Devices',
      'Total Flows',
      'Open Findings',
      'Vulnerability Count',
      'Suspicious Sources',
      'High Egress Sources',
      'NVD Keywords',
    ]);
    expect(ents.filter((e) => e.component === 'button').map((e) => JSON.parse(e.config.payload).name)).toEqual(['Trigger Scan', 'NVD Refresh']);
    expect(ents.filter((e) => e.component === 'event')).toHaveLength(1);
    for (const e of ents) expect(discoveryProblems(e.config.topic, e.config.payload), e.key).toEqual([]);
    const total = JSON.parse(ents.find((e) => e.objectId === 'total_flows')!.config.payload);
    expect(total).toMatchObject({ state_class: 'total_increasing', unique_id: 'homesec_total_flows', default_entity_id: 'sensor.homesec_total_flows' });
    expect(total.device).toMatchObject({ identifiers: ['homesec'], name: 'homesec', manufacturer: 'homesec', sw_version: '0.1.0' });
    expect(total.availability).toEqual([{ topic: 'homesec/availability', payload_available: 'online', payload_not_available: 'offline' }]);
  });

  it('states carry the snapshot values; a missing source is "None" (unknown), not 0', () => {
    const w = sampleWorld();
    const src = sourcesOf(w);
    delete src.vulnCount;
    const ents = buildEntities(options(), takeSnapshot(src, NOW));
    const state = (id: string) => ents.find((e) => e.objectId === id)!.data[0]!.payload;
    expect(state('total_flows')).toBe('1234');
    expect(state('active_devices')).toBe('3');
    expect(state('scanned_devices')).toBe('2');
    expect(state('nvd_keywords')).toBe('2');
    expect(state('vulnerability_count')).toBe('None');
    for (const e of ents) for (const m of e.data) if (!m.topic.endsWith('/attributes')) expect(m.payload.length).toBeLessThanOrEqual(MAX_STATE_CHARS);
  });

  it('unique ids are stable across builds and input order, and unique within a build', () => {
    const w = sampleWorld();
    const a = buildEntities(options(), takeSnapshot(sourcesOf(w), NOW));
    w.devices.reverse();
    w.totalFlows = 99;
    const b = buildEntities(options(), takeSnapshot(sourcesOf(w), NOW + 5000));
    const ids = (es: typeof a) => es.map((e) => JSON.parse(e.config.payload).unique_id as string).sort();
    expect(ids(a)).toEqual(ids(b));
    expect(new Set(ids(a)).size).toBe(a.length);
    expect(new Set(a.map((e) => e.config.topic)).size).toBe(a.length);
  });

  it('buttons exist only for actions that are wired; the event entity only when enabled', () => {
    const snap = takeSnapshot(sourcesOf(sampleWorld()), NOW);
    const ents = buildEntities(options({ buttons: ['trigger_scan'], findingEvents: false }), snap);
    expect(ents.filter((e) => e.component === 'button').map((e) => e.objectId)).toEqual(['trigger_scan']);
    expect(ents.some((e) => e.component === 'event')).toBe(false);
    const btn = JSON.parse(ents.find((e) => e.component === 'button')!.config.payload);
    expect(btn).toMatchObject({ command_topic: 'homesec/button/trigger_scan/press', payload_press: 'PRESS' });
  });

  it('per-device tracker and at-risk entities carry IP/MAC/vendor/role and link to homesec', () => {
    const ents = buildEntities(options(), takeSnapshot(sourcesOf(sampleWorld()), NOW));
    const trackers = ents.filter((e) => e.component === 'device_tracker');
    const risks = ents.filter((e) => e.component === 'binary_sensor');
    expect(trackers).toHaveLength(3);
    expect(risks).toHaveLength(3);
    const nas = trackers.find((e) => e.objectId === 'dev_1')!;
    const cfg = JSON.parse(nas.config.payload);
    expect(cfg).toMatchObject({ source_type: 'router', state_topic: 'homesec/device/dev_1/state', json_attributes_topic: 'homesec/device/dev_1/attributes' });
    expect(cfg.device).toMatchObject({ name: 'nas', manufacturer: 'Acme', model: 'nas', via_device: 'homesec', connections: [['mac', 'aa:bb:cc:00:00:01']] });
    const attrs = JSON.parse(nas.data.find((m) => m.topic.endsWith('/attributes'))!.payload);
    expect(attrs).toMatchObject({ ip: '192.168.1.10', mac: 'aa:bb:cc:00:00:01', vendor: 'Acme', role: 'nas', at_risk: true, managed_by: 'homesec' });
    expect(risks.find((e) => e.objectId === 'dev_1_at_risk')!.data[0]!.payload).toBe('ON');
    expect(risks.find((e) => e.objectId === 'dev_2_at_risk')!.data[0]!.payload).toBe('OFF');
    expect(JSON.parse(risks[0]!.config.payload)).toMatchObject({ device_class: 'problem', payload_on: 'ON', payload_off: 'OFF' });
  });

  it('a device unseen for longer than CONSIDER_HOME_MS is not_home', () => {
    const w = sampleWorld();
    w.devices = [
      { id: 'a', ip: '10.0.0.1', role: 'pc', atRisk: false, lastSeenMs: NOW - CONSIDER_HOME_MS - 1 },
      { id: 'b', ip: '10.0.0.2', role: 'pc', atRisk: false, lastSeenMs: NOW - 1000 },
    ];
    const ents = buildEntities(options(), takeSnapshot(sourcesOf(w), NOW));
    const state = (obj: string) => ents.find((e) => e.objectId === obj)!.data.find((m) => m.topic.endsWith('/state'))!.payload;
    expect(state('dev_a')).toBe('not_home');
    expect(state('dev_b')).toBe('home');
  });

  it('hostile device data cannot add topic levels, escape ids or exceed the limits; at-risk devices come first under the cap', () => {
    const w = sampleWorld();
    w.devices = Array.from({ length: MAX_DEVICE_ENTITIES + 50 }, (_, i) => ({
      id: i === 0 ? 'x/+/#\u202e../evil' : `dev-${i}`,
      ip: '10.0.0.1',
      hostname: `\u001b[2Jhost${i}\u202e${'A'.repeat(5000)}`,
      vendor: 'V\nendor',
      role: 'pc',
      atRisk: i >= MAX_DEVICE_ENTITIES,
    }));
    const ents = buildEntities(options(), takeSnapshot(sourcesOf(w), NOW));
    const trackers = ents.filter((e) => e.component === 'device_tracker');
    expect(trackers).toHaveLength(MAX_DEVICE_ENTITIES);
    const atRiskIds = new Set(w.devices.filter((d) => d.atRisk).map((d) => `dev_${String(d.id).replace('-', '_')}`));
    for (const id of atRiskIds) expect(trackers.some((t) => t.objectId.startsWith(id))).toBe(true);
    for (const e of ents) {
      expect(discoveryProblems(e.config.topic, e.config.payload), e.key).toEqual([]);
      expect(e.config.topic.split('/')).toHaveLength(5);
      for (const m of e.data) {
        expect(m.topic).toMatch(/^homesec\/[a-z_]+\/[a-z0-9_]+\/[a-z_]+$/);
        expect(Buffer.byteLength(m.payload)).toBeLessThanOrEqual(MAX_ATTRIBUTES_BYTES);
      }
      const name = JSON.parse(e.config.payload).device.name as string;
      expect(name).not.toMatch(/[\u0000-\u001f\u202e]/);
      expect(name.length).toBeLessThanOrEqual(64);
    }
  });

  it('every sensor id is a safe object id', () => {
    for (const s of SENSORS) expect(s.id).toMatch(/^[a-z0-9_]+$/);
  });
});
