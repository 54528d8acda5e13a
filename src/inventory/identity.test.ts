import { describe, expect, it } from 'vitest';
import { DeviceTable, LIMITS, combineSightings, type ResolvedSighting } from './identity.js';
import type { Sighting } from './types.js';

const MAC_A = 'b8:27:eb:00:00:0a';
const MAC_B = 'b8:27:eb:00:00:0b';

function table() {
  return new DeviceTable();
}
const seen = (ip: string, seenMs: number, mac?: string, extra: Partial<ResolvedSighting> = {}): ResolvedSighting => ({ ip, seenMs, ...(mac ? { mac } : {}), ...extra });

describe('device identity', () => {
  it('a device changing IP keeps its identity and its address history', () => {
    const t = table();
    const first = t.observe(seen('192.168.1.50', 1000, MAC_A), false);
    expect(first?.created).toBe(true);
    const id = first?.device.id;
    t.observe(seen('192.168.1.50', 2000, MAC_A), false);
    const moved = t.observe(seen('192.168.1.60', 3000, MAC_A), false);
    expect(moved?.created).toBe(false);
    expect(moved?.device.id).toBe(id);
    expect(moved?.ipChange).toEqual({ from: '192.168.1.50', to: '192.168.1.60' });
    const back = t.observe(seen('192.168.1.50', 4000, MAC_A), false);
    expect(back?.ipChange).toEqual({ from: '192.168.1.60', to: '192.168.1.50' });
    expect(t.size).toBe(1);
    expect(t.get(id as number)?.ips).toEqual([
      { ip: '192.168.1.50', firstSeenMs: 1000, lastSeenMs: 2000 },
      { ip: '192.168.1.60', firstSeenMs: 3000, lastSeenMs: 3000 },
      { ip: '192.168.1.50', firstSeenMs: 4000, lastSeenMs: 4000 },
    ]);
    expect(t.byIp('192.168.1.50')?.id).toBe(id);
    expect(t.byIp('192.168.1.60')).toBeUndefined();
  });

  it('an address taken over by another MAC moves to the new device; the old one keeps it in history', () => {
    const t = table();
    const a = t.observe(seen('192.168.1.50', 1000, MAC_A), false)?.device;
    const b = t.observe(seen('192.168.1.50', 2000, MAC_B), false);
    expect(b?.created).toBe(true);
    expect(b?.device.id).not.toBe(a?.id);
    expect(a?.currentIp).toBeUndefined();
    expect(a?.ips.map((s) => s.ip)).toEqual(['192.168.1.50']);
    expect(t.byIp('192.168.1.50')?.id).toBe(b?.device.id);
  });

  it('an address-only device gets the MAC that shows up at its address (no second device)', () => {
    const t = table();
    const ipOnly = t.observe(seen('192.168.1.70', 1000), false);
    expect(ipOnly?.created).toBe(true);
    const withMac = t.observe(seen('192.168.1.70', 2000, MAC_A), false);
    expect(withMac?.created).toBe(false);
    expect(withMac?.device.id).toBe(ipOnly?.device.id);
    expect(withMac?.device.macs.map((m) => m.mac)).toEqual([MAC_A]);
  });

  it("a known MAC arriving at an address-only device's address absorbs it", () => {
    const t = table();
    const a = t.observe(seen('192.168.1.50', 1000, MAC_A), false)?.device;
    const ghost = t.observe(seen('192.168.1.60', 1500), false)?.device;
    const r = t.observe(seen('192.168.1.60', 2000, MAC_A), false);
    expect(r?.device.id).toBe(a?.id);
    expect(r?.absorbed).toEqual([ghost?.id]);
    expect(r?.ipChange).toEqual({ from: '192.168.1.50', to: '192.168.1.60' });
    expect(t.size).toBe(1);
    expect(t.get(ghost?.id as number)).toBeUndefined();
    expect(t.takeChanges().deleted).toEqual([ghost?.id]);
  });

  it('flows that still remember an old address are old news, not a new device', () => {
    const t = table();
    t.observe(seen('192.168.1.50', 1000, MAC_A), false);
    t.observe(seen('192.168.1.60', 5000, MAC_A), false);
    // traffic last saw .50 at 1000 (the device itself before it moved)
    expect(t.observe(seen('192.168.1.50', 1000), false)).toBeUndefined();
    expect(t.size).toBe(1);
    // new traffic from .50 after the move is someone else
    expect(t.observe(seen('192.168.1.50', 9000), false)?.created).toBe(true);
    expect(t.size).toBe(2);
  });

  it('merge unites MACs, history and names; either MAC then finds the merged device', () => {
    const t = table();
    const oldPhone = t.observe(seen('192.168.1.80', 1000, 'da:a1:19:00:00:01', { hostname: 'pixel-7', hostnameSource: 'dhcp' }), false)?.device;
    const newPhone = t.observe(seen('192.168.1.81', 5000, 'da:a1:19:00:00:02'), false)?.device;
    t.takeChanges();
    const merged = t.merge(oldPhone?.id as number, newPhone?.id as number);
    expect(merged?.id).toBe(oldPhone?.id);
    expect(merged?.macs.map((m) => m.mac)).toEqual(['da:a1:19:00:00:01', 'da:a1:19:00:00:02']);
    expect(merged?.currentIp).toBe('192.168.1.81');
    expect(merged?.ips.map((s) => s.ip)).toEqual(['192.168.1.80', '192.168.1.81']);
    expect(merged?.hostname).toBe('pixel-7');
    expect(merged?.firstSeenMs).toBe(1000);
    expect(t.byMac('da:a1:19:00:00:02')?.id).toBe(oldPhone?.id);
    expect(t.byIp('192.168.1.81')?.id).toBe(oldPhone?.id);
    expect(t.byIp('192.168.1.80')).toBeUndefined();
    expect(t.takeChanges()).toEqual({ changed: [merged], deleted: [newPhone?.id] });
    expect(t.merge(oldPhone?.id as number, oldPhone?.id as number)).toBeUndefined();
    expect(t.merge(oldPhone?.id as number, 999)).toBeUndefined();
  });

  it('a stronger name source replaces a weaker one, never the reverse', () => {
    const t = table();
    t.observe(seen('192.168.1.5', 1000, MAC_A, { hostname: 'host.lan', hostnameSource: 'rdns' }), false);
    t.observe(seen('192.168.1.5', 2000, MAC_A, { hostname: 'laptop', hostnameSource: 'dhcp' }), false);
    const d = t.observe(seen('192.168.1.5', 3000, MAC_A, { hostname: 'other.lan', hostnameSource: 'rdns' }), false)?.device;
    expect(d).toMatchObject({ hostname: 'laptop', hostnameSource: 'dhcp', hostnameMs: 2000 });
  });

  it('is bounded: devices beyond the limit are refused and counted; history per device is capped', () => {
    const t = table();
    const saved = LIMITS.devices;
    LIMITS.devices = 3;
    try {
      for (let i = 1; i <= 5; i++) t.observe(seen(`10.0.0.${i}`, i), false);
      expect(t.size).toBe(3);
      expect(t.refused).toBe(2);
    } finally {
      LIMITS.devices = saved;
    }
    const u = table();
    for (let i = 0; i < LIMITS.ipsPerDevice + 10; i++) u.observe(seen(`10.1.0.${i}`, 1000 + i, MAC_A), false);
    const d = u.byMac(MAC_A);
    expect(d?.ips).toHaveLength(LIMITS.ipsPerDevice);
    expect(d?.ips[d.ips.length - 1]?.ip).toBe(`10.1.0.${LIMITS.ipsPerDevice + 9}`);
  });

  it('load() restores indexes and continues ids after the highest', () => {
    const t = table();
    t.load([{ id: 7, currentIp: '10.0.0.7', ips: [{ ip: '10.0.0.7', firstSeenMs: 1, lastSeenMs: 2 }], macs: [{ mac: MAC_A, firstSeenMs: 1, lastSeenMs: 2 }], trusted: false, baseline: true, firstSeenMs: 1, lastSeenMs: 2 }]);
    expect(t.byMac(MAC_A)?.id).toBe(7);
    expect(t.byIp('10.0.0.7')?.id).toBe(7);
    expect(t.observe(seen('10.0.0.8', 5, MAC_B), false)?.device.id).toBe(8);
  });
});

describe('combining one refresh of sightings', () => {
  const s = (over: Partial<Sighting> & Pick<Sighting, 'ip' | 'source'>): Sighting => ({ seenMs: 1000, ...over });

  it('per address the live neighbour entry beats a DHCP lease; names of another MAC are not taken', () => {
    const out = combineSightings(
      [
        s({ ip: '192.168.1.50', source: 'dhcp', mac: MAC_B, hostname: 'old-laptop', hostnameSource: 'dhcp' }),
        s({ ip: '192.168.1.50', source: 'neighbours', mac: MAC_A, state: 'reachable' }),
        s({ ip: '192.168.1.50', source: 'flows', seenMs: 1500 }),
      ],
      () => undefined,
    );
    expect(out).toEqual([{ ip: '192.168.1.50', mac: MAC_A, seenMs: 1500 }]);
  });

  it('per MAC one address: a stale ARP entry never moves a device away from its lease', () => {
    const out = combineSightings(
      [
        s({ ip: '192.168.1.50', source: 'neighbours', mac: MAC_A, state: 'stale' }),
        s({ ip: '192.168.1.60', source: 'dhcp', mac: MAC_A, hostname: 'pi', hostnameSource: 'dhcp' }),
      ],
      () => '192.168.1.50',
    );
    expect(out).toEqual([{ ip: '192.168.1.60', mac: MAC_A, seenMs: 1000, hostname: 'pi', hostnameSource: 'dhcp' }]);
  });

  it('with equally strong addresses the current one is kept (no flip-flop)', () => {
    const both = [s({ ip: '10.0.0.2', source: 'neighbours', mac: MAC_A, state: 'reachable' }), s({ ip: '10.0.0.9', source: 'neighbours', mac: MAC_A, state: 'reachable' })];
    expect(combineSightings(both, () => '10.0.0.9').map((r) => r.ip)).toEqual(['10.0.0.9']);
    expect(combineSightings(both, () => '10.0.0.2').map((r) => r.ip)).toEqual(['10.0.0.2']);
  });

  it('MAC sightings come before address-only ones, and a tracker name rides along', () => {
    const out = combineSightings(
      [s({ ip: '10.0.0.3', source: 'flows' }), s({ ip: '10.0.0.4', source: 'tracker', mac: MAC_B, name: "Anna's phone", hostname: 'anna', hostnameSource: 'tracker' })],
      () => undefined,
    );
    expect(out.map((r) => r.ip)).toEqual(['10.0.0.4', '10.0.0.3']);
    expect(out[0]).toMatchObject({ name: "Anna's phone", hostname: 'anna', hostnameSource: 'tracker' });
  });
});
