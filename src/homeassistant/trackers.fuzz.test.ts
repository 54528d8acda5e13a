/**
 * Fuzzing the Home Assistant device-tracker reader (hostile-input catalogue 18: a tracker name
 * is whatever a device or integration called itself): entity maps as Home Assistant's
 * WebSocket API sends them, mutated as JSON. Rules: nothing throws; at most MAX_TRACKERS
 * trackers; entity ids match device_tracker.<slug>; IPs valid, MACs normalised; names plain
 * and bounded.
 */
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ensure, expectBoundedText, fuzz, mutatedJson } from '../../test/support/fuzz.js';
import { MAX_TRACKERS, normaliseMac, trackersFrom } from './trackers.js';

const ENTITIES = {
  'device_tracker.pixel_7': { state: 'home', attributes: { ip: '192.168.1.23', mac: 'AA:BB:CC:DD:EE:01', host_name: 'pixel-7', friendly_name: 'Pixel 7', source_type: 'router' } },
  'device_tracker.tv': { state: 'home', attributes: { ip_address: '192.168.1.40', mac_address: 'aabb.ccdd.ee02', hostname: 'lg-tv', friendly_name: '<img src=x onerror=alert(1)>' } },
  'device_tracker.homesec_x': { state: 'home', attributes: { ip: '192.168.1.9', managed_by: 'homesec' } },
  'sensor.other': { state: '1', attributes: {} },
};

describe('Home Assistant trackers fuzz', () => {
  it('fuzz: mutated entity maps', async ({ task }) => {
    await fuzz(task, 'homeassistant/trackers', mutatedJson([ENTITIES]), (json) => {
      const entities = json !== null && typeof json === 'object' && !Array.isArray(json) ? (json as Parameters<typeof trackersFrom>[0]) : {};
      const trackers = trackersFrom(entities);
      expect(trackers.length).toBeLessThanOrEqual(MAX_TRACKERS);
      for (const t of trackers) {
        ensure(/^device_tracker\.[a-z0-9_]{1,200}$/.test(t.entityId), 'entity id', t);
        ensure(t.ip === undefined || isIP(t.ip) !== 0, 'ip', t);
        ensure(t.mac === undefined || normaliseMac(t.mac) === t.mac, 'mac', t);
      }
      expectBoundedText(trackers, 253);
    }, 3000);
  });
});
