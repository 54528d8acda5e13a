import { describe, expect, it } from 'vitest';
import { MAX_TRACKERS, normaliseMac, trackersFrom } from './trackers.js';

describe('normaliseMac', () => {
  it('accepts the usual spellings and refuses the rest', () => {
    expect(normaliseMac('AA:BB:CC:DD:EE:0F')).toBe('aa:bb:cc:dd:ee:0f');
    expect(normaliseMac('aa-bb-cc-dd-ee-0f')).toBe('aa:bb:cc:dd:ee:0f');
    expect(normaliseMac('aabb.ccdd.ee0f')).toBe('aa:bb:cc:dd:ee:0f');
    for (const bad of ['aa:bb-cc:dd:ee:0f', 'aa:bb:cc:dd:ee', 'zz:bb:cc:dd:ee:0f', '00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff', 42, undefined, 'a'.repeat(100)]) {
      expect(normaliseMac(bad)).toBeUndefined();
    }
  });
});

describe('trackersFrom', () => {
  it('keeps router trackers with a valid IP or MAC, with hostname and friendly name', () => {
    const out = trackersFrom({
      'device_tracker.phone': { state: 'home', attributes: { source_type: 'router', ip: '192.168.1.50', mac: 'AA:BB:CC:00:11:22', host_name: 'pixel-7', friendly_name: "Anna's phone" } },
      'device_tracker.gps_only': { state: 'home', attributes: { source_type: 'gps', latitude: 1, longitude: 2, friendly_name: 'Car' } },
      'sensor.router_ip': { state: '1.2.3.4', attributes: { ip: '1.2.3.4' } },
      'device_tracker.laptop': { state: 'not_home', attributes: { ip_address: '::ffff:192.168.1.60', mac_address: 'aa-bb-cc-00-11-33', hostname: 'laptop' } },
    });
    expect(out).toEqual([
      { entityId: 'device_tracker.laptop', ip: '192.168.1.60', mac: 'aa:bb:cc:00:11:33', hostname: 'laptop' },
      { entityId: 'device_tracker.phone', ip: '192.168.1.50', mac: 'aa:bb:cc:00:11:22', hostname: 'pixel-7', friendlyName: "Anna's phone" },
    ]);
  });

  it('refuses hostile values and skips homesec\'s own trackers', () => {
    const out = trackersFrom({
      'device_tracker.evil': { state: 'home', attributes: { ip: '192.168.1.5; rm -rf /', mac: 'aa:bb:cc:00:11:44', host_name: '\u001b[31mred\u202e' + 'x'.repeat(1000), friendly_name: ['not', 'a', 'string'] } },
      'device_tracker.homesec_dev_1': { state: 'home', attributes: { ip: '192.168.1.10', managed_by: 'homesec' } },
      'device_tracker.Bad-Id': { state: 'home', attributes: { ip: '192.168.1.11' } },
      'device_tracker.null_attrs': { state: 'home', attributes: null },
      'device_tracker.list_attrs': { state: 'home', attributes: ['ip'] },
    });
    expect(out).toHaveLength(1);
    expect(out[0]!.entityId).toBe('device_tracker.evil');
    expect(out[0]!.ip).toBeUndefined();
    expect(out[0]!.mac).toBe('aa:bb:cc:00:11:44');
    expect(out[0]!.hostname).not.toMatch(/[\u0000-\u001f\u202e]/);
    expect(out[0]!.hostname!.length).toBeLessThanOrEqual(253);
    expect(out[0]!.friendlyName).toBeUndefined();
  });

  it('returns at most MAX_TRACKERS', () => {
    const ents: Record<string, { state: string; attributes: Record<string, unknown> }> = {};
    for (let i = 0; i < MAX_TRACKERS + 10; i++) ents[`device_tracker.d${i}`] = { state: 'home', attributes: { ip: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}` } };
    expect(trackersFrom(ents)).toHaveLength(MAX_TRACKERS);
  });
});
