import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEventBus, type EventBus } from '../core/events.js';
import { FakeClock } from '../core/fake-clock.js';
import { createSilentLogger } from '../core/logger.js';
import { createMetrics, type Metrics } from '../core/metrics.js';
import { createFindingsStore, type FindingsStore } from '../findings/findings-store.js';
import type { HostScan, Service } from '../scan/types.js';
import { ROLES_FILE } from '../store/state-files.js';
import type { Store } from '../store/store.js';
import type { InternetPort } from './exposure-rules.js';
import { createInventory, type Inventory, type InventoryConfig, type InventoryDeps } from './inventory.js';
import type { Lease } from './leases.js';
import type { NeighbourEntry } from './neighbours.js';
import type { TelemetryContext } from './recommendations.js';
import type { VulnerabilityRef } from './risk.js';
import { openTestStore } from './test-kit.js';
import type { Device, ObservedDevice, TrackerEntry } from './types.js';

const T0 = Date.UTC(2026, 0, 1);
const PI = 'b8:27:eb:01:02:03'; // Raspberry Pi Foundation
const SYNO = '00:11:32:ab:cd:ef'; // Synology Incorporated
const PHONE_1 = 'da:a1:19:5c:00:01'; // locally administered (private)
const PHONE_2 = 'da:a1:19:5c:00:02';
const ROGUE = '04:00:00:12:34:56'; // globally administered, no IEEE assignment

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-inventory-'));
  store = await openTestStore(dir);
});
afterEach(async () => {
  await store.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** What the fake sources report; tests edit it between refreshes. */
interface World {
  observed: ObservedDevice[];
  scans: HostScan[];
  neigh: NeighbourEntry[];
  neighFail: boolean;
  leases: Lease[];
  trackers: TrackerEntry[];
  gateways: string[];
  names: Map<string, string>;
  nameCalls: string[];
  vulns: Map<string, VulnerabilityRef[]>;
  internet: Map<string, InternetPort[]>;
}

const newWorld = (): World => ({
  observed: [],
  scans: [],
  neigh: [],
  neighFail: false,
  leases: [],
  trackers: [],
  gateways: [],
  names: new Map(),
  nameCalls: [],
  vulns: new Map(),
  internet: new Map(),
});

interface Harness {
  inv: Inventory;
  clock: FakeClock;
  bus: EventBus;
  findings: FindingsStore;
  metrics: Metrics;
  world: World;
  events: { type: string; device: Device; baseline?: boolean; changes?: string[]; previousIp?: string }[];
}

async function harness(
  over: Partial<InventoryConfig> = {},
  opts: { world?: World; clock?: FakeClock; omit?: (keyof InventoryDeps)[]; loopbackHosts?: ReadonlySet<string> } = {},
): Promise<Harness> {
  const clock = opts.clock ?? new FakeClock(T0);
  const world = opts.world ?? newWorld();
  const bus = createEventBus();
  const log = createSilentLogger();
  const metrics = createMetrics();
  const findings = createFindingsStore({ store, bus, log, metrics });
  await findings.start();
  const events: Harness['events'] = [];
  bus.on('device.new', (e) => events.push({ type: 'new', ...e }));
  bus.on('device.updated', (e) => events.push({ type: 'updated', ...e }));
  const deps: InventoryDeps = {
    bus,
    store,
    clock,
    log,
    metrics,
    findings,
    observedDevices: () => world.observed,
    scanResults: () => world.scans,
    neighbours: async () => {
      if (world.neighFail) throw new Error('ip: command not found');
      return { source: 'ip-json', entries: world.neigh };
    },
    leases: async () => world.leases,
    trackers: () => world.trackers,
    gateways: async () => world.gateways,
    resolveName: async (ip) => {
      world.nameCalls.push(ip);
      const n = world.names.get(ip);
      return n?.startsWith('mdns:') ? { name: n.slice(5), source: 'mdns' } : n;
    },
    vulnerabilities: (ip) => world.vulns.get(ip) ?? [],
    exposure: (ip) => world.internet.get(ip) ?? [],
    ...(opts.loopbackHosts ? { loopbackHosts: opts.loopbackHosts } : {}),
  };
  for (const k of opts.omit ?? []) delete deps[k];
  const inv = createInventory(
    {
      inventory_dhcp_leases: '',
      inventory_neighbours: true,
      inventory_resolve_names: true,
      new_device_alerts: true,
      new_device_learning_hours: 0,
      trusted_macs: [],
      ...over,
    },
    deps,
  );
  await inv.start();
  return { inv, clock, bus, findings, metrics, world, events };
}

const neigh = (ip: string, mac: string, state = 'reachable'): NeighbourEntry => ({ ip, mac, state });
const svc = (port: number, name: string, over: Partial<Service> = {}): Service => ({ port, protocol: 'tcp', name, method: 'banner', confidence: 8, ...over });
const scan = (ip: string, services: Service[], scannedAtMs: number, extraPorts: number[] = []): HostScan => ({
  ip,
  alive: true,
  aliveBy: 'tcp',
  openPorts: [...services.map((s) => s.port), ...extraPorts].sort((a, b) => a - b),
  closedCount: 0,
  filteredCount: 0,
  services,
  hints: [],
  scannedAtMs,
  durationMs: 100,
});
const flows = (ip: string, lastSeenMs: number, bytesOut = 1000): ObservedDevice => ({ ip, firstSeenMs: lastSeenMs - 1000, lastSeenMs, flows: 3, bytesOut, bytesIn: 5000 });

const CTX: TelemetryContext = {
  flowsTotal: 1000,
  lastFlowMs: T0,
  scanner: { enabled: true, lastScanMs: T0, intervalSeconds: 300 },
  threatIntelEnabled: true,
  apiKeys: { nvd: true, virustotal: true, abuseipdb: true, shodan: false, ipinfo: false },
  dnsSourceConfigured: true,
  openActionableFindings: 0,
};

describe('inventory: identity across DHCP', () => {
  it('a device changing IP keeps its identity and history, also after a restart', async () => {
    const h = await harness();
    h.world.neigh = [neigh('192.168.1.50', PI)];
    await h.inv.refresh();
    const id = h.inv.device(PI)?.id;
    await h.clock.advance(60_000);
    h.world.neigh = [neigh('192.168.1.60', PI)];
    h.world.observed = [flows('192.168.1.50', T0)]; // traffic still remembers the old address
    const summary = await h.inv.refresh();
    expect(summary).toMatchObject({ devices: 1, created: 0, ipChanges: 1 });
    const d = h.inv.device('192.168.1.60');
    expect(d?.id).toBe(id);
    expect(d?.vendor).toBe('Raspberry Pi Foundation');
    expect(d?.ips.map((s) => s.ip)).toEqual(['192.168.1.50', '192.168.1.60']);
    expect(h.inv.device('192.168.1.50')?.id).toBe(id); // the last holder of an old address
    expect(h.events.find((e) => e.type === 'updated')).toMatchObject({ changes: ['ip'], previousIp: '192.168.1.50' });
    await h.inv.stop();

    const again = await harness();
    expect(again.inv.devices().map((x) => [x.id, x.ip, x.mac, x.ips.length])).toEqual([[id, '192.168.1.60', PI, 2]]);
    again.world.neigh = [neigh('192.168.1.60', PI)];
    expect(await again.inv.refresh()).toMatchObject({ created: 0, ipChanges: 0 });
    await again.inv.stop();
  });

  it('flags a randomised MAC (no vendor) and lets the user merge the same phone seen with two private MACs', async () => {
    const h = await harness();
    h.world.neigh = [neigh('192.168.1.80', PHONE_1)];
    h.world.leases = [{ ip: '192.168.1.80', mac: PHONE_1, hostname: 'Pixel-7' }];
    await h.inv.refresh();
    await h.clock.advance(3600_000);
    h.world.neigh = [neigh('192.168.1.81', PHONE_2)];
    h.world.leases = [{ ip: '192.168.1.81', mac: PHONE_2, hostname: 'Pixel-7' }];
    await h.inv.refresh();
    const a = h.inv.device(PHONE_1) as Device;
    const b = h.inv.device(PHONE_2) as Device;
    expect(a.randomizedMac).toBe(true);
    expect(a.vendor).toBeUndefined();
    expect(a.role).toBe('mobile');
    expect(a.possibleDuplicates).toEqual([b.id]);
    expect(b.possibleDuplicates).toEqual([a.id]);
    const merged = h.inv.merge(a.id, b.id);
    expect(merged).toMatchObject({ id: a.id, ip: '192.168.1.81', macs: [PHONE_1, PHONE_2], possibleDuplicates: [] });
    expect(h.inv.devices()).toHaveLength(1);
    expect(h.events.at(-1)).toMatchObject({ type: 'updated', changes: ['merged'] });
    await h.inv.stop();
    const again = await harness();
    expect(again.inv.device(PHONE_2)?.id).toBe(a.id);
    expect(again.inv.devices()).toHaveLength(1);
    await again.inv.stop();
  });

  it('an address seen only in flows gets its MAC later without becoming a second device', async () => {
    const h = await harness({ new_device_learning_hours: 0 });
    await h.inv.refresh(); // baseline: empty network
    h.world.observed = [flows('192.168.1.70', T0)];
    await h.inv.refresh();
    expect(h.inv.devices()).toHaveLength(1);
    h.world.neigh = [neigh('192.168.1.70', SYNO)];
    await h.inv.refresh();
    expect(h.inv.devices().map((d) => [d.ip, d.mac, d.vendor])).toEqual([['192.168.1.70', SYNO, 'Synology Incorporated']]);
    // an address that only received traffic (nothing sent) is not a device
    h.world.observed.push(flows('192.168.1.99', T0, 0));
    await h.inv.refresh();
    expect(h.inv.device('192.168.1.99')).toBeUndefined();
    await h.inv.stop();
  });
});

describe('inventory: new devices', () => {
  it('learning baseline: nothing is reported for devices seen during the window; a later one raises a finding and events', async () => {
    const h = await harness({ new_device_learning_hours: 24 });
    h.world.neigh = [neigh('192.168.1.50', PI)];
    expect(await h.inv.refresh()).toMatchObject({ created: 1, newDeviceFindings: 0, baseline: true });
    await h.clock.advance(12 * 3600_000);
    h.world.neigh.push(neigh('192.168.1.10', SYNO));
    expect(await h.inv.refresh()).toMatchObject({ created: 1, newDeviceFindings: 0, baseline: true });
    expect(h.inv.stats()).toMatchObject({ learning: true, learningUntilMs: T0 + 24 * 3600_000 });
    expect(h.findings.list({ category: 'new_device' })).toEqual([]);
    await h.inv.stop();

    // after a restart past the window, a new device is reported; known ones are not
    const clock = new FakeClock(T0 + 25 * 3600_000);
    const again = await harness({ new_device_learning_hours: 24 }, { clock, world: h.world });
    h.world.neigh.push(neigh('192.168.1.66', ROGUE));
    h.world.leases = [{ ip: '192.168.1.66', mac: ROGUE, hostname: 'kali' }];
    expect(await again.inv.refresh()).toMatchObject({ created: 1, newDeviceFindings: 1, baseline: false });
    expect(again.inv.stats().learning).toBe(false);
    const list = again.findings.list({ category: 'new_device' });
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      key: `new_device:${ROGUE}`,
      severity: 'medium', // globally administered MAC that no IEEE registry lists
      sourceIp: '192.168.1.66',
      evidence: { ip: '192.168.1.66', mac: ROGUE, vendor: null, hostname: 'kali', randomizedMac: false },
    });
    expect(list[0]?.remediation).toMatch(/mark it trusted/);
    const ev = again.events.find((e) => e.type === 'new');
    expect(ev).toMatchObject({ baseline: false, device: { ip: '192.168.1.66', mac: ROGUE, hostname: 'kali' } });
    // seen again: no second finding, no second event
    await again.inv.refresh();
    expect(again.findings.get(`new_device:${ROGUE}`)?.occurrences).toBe(1);
    expect(again.events.filter((e) => e.type === 'new')).toHaveLength(1);
    await again.inv.stop();
  });

  it('learning hours 0: only the very first refresh is the baseline; phones with private MACs are low, known vendors low', async () => {
    const h = await harness({ new_device_learning_hours: 0 });
    h.world.neigh = [neigh('192.168.1.50', PI)];
    expect(await h.inv.refresh()).toMatchObject({ baseline: true, newDeviceFindings: 0 });
    h.world.neigh.push(neigh('192.168.1.80', PHONE_1), neigh('192.168.1.10', SYNO));
    expect(await h.inv.refresh()).toMatchObject({ baseline: false, newDeviceFindings: 2 });
    expect(h.findings.get(`new_device:${PHONE_1}`)).toMatchObject({ severity: 'low', evidence: { randomizedMac: true, vendor: null } });
    expect(h.findings.get(`new_device:${SYNO}`)).toMatchObject({ severity: 'low', evidence: { vendor: 'Synology Incorporated' } });
    expect(h.events.filter((e) => e.type === 'new').map((e) => e.baseline)).toEqual([true, false, false]);
    await h.inv.stop();
  });

  it('trusted devices (config trusted_macs or marked by the user) raise no finding; trust persists', async () => {
    const h = await harness({ trusted_macs: [SYNO.toUpperCase(), 'not-a-mac'] });
    await h.inv.refresh();
    h.world.neigh = [neigh('192.168.1.10', SYNO)];
    await h.inv.refresh();
    expect(h.inv.device(SYNO)).toMatchObject({ trusted: true, trustSource: 'config' });
    expect(h.findings.list({ category: 'new_device' })).toEqual([]);
    h.world.neigh.push(neigh('192.168.1.50', PI));
    await h.inv.refresh();
    expect(h.findings.list({ category: 'new_device' }).map((f) => f.key)).toEqual([`new_device:${PI}`]);
    expect(h.inv.setTrusted('192.168.1.50', true)).toMatchObject({ trusted: true, trustSource: 'user' });
    await h.inv.stop();
    const again = await harness();
    expect(again.inv.device(PI)?.trusted).toBe(true);
    expect(again.inv.setTrusted(PI, false)?.trusted).toBe(false);
    expect(again.inv.setTrusted('10.9.9.9', true)).toBeUndefined();
    await again.inv.stop();
  });
});

describe('inventory: roles', () => {
  it('infers roles with reasons; overrides persist in homesec_roles.yaml, apply at once and after a restart', async () => {
    const h = await harness();
    h.world.neigh = [neigh('192.168.1.50', PI)];
    h.world.scans = [scan('192.168.1.50', [svc(22, 'ssh', { product: 'openssh', banner: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3', distro: 'debian' })], T0, [8123])];
    await h.inv.refresh();
    expect(h.inv.device(PI)).toMatchObject({ role: 'server', roleSource: 'inferred', inferredRole: 'server' });
    expect(h.inv.device(PI)?.roleReasons.join(' | ')).toMatch(/Home Assistant port 8123/);

    const d = h.inv.setRole('192.168.1.50', 'iot');
    expect(d).toMatchObject({ role: 'iot', roleSource: 'override', inferredRole: 'server' });
    expect(fs.readFileSync(path.join(dir, ROLES_FILE), 'utf8')).toContain('192.168.1.50: iot');
    expect(h.events.at(-1)).toMatchObject({ type: 'updated', changes: ['role'] });
    await h.inv.stop();

    const again = await harness();
    expect(again.inv.device(PI)).toMatchObject({ role: 'iot', roleSource: 'override' }); // before any refresh
    // the override follows the device to its new address
    again.world.neigh = [neigh('192.168.1.51', PI)];
    await again.inv.refresh();
    expect(again.inv.device(PI)).toMatchObject({ ip: '192.168.1.51', role: 'iot', roleSource: 'override' });
    const file = fs.readFileSync(path.join(dir, ROLES_FILE), 'utf8');
    expect(file).toContain('192.168.1.51: iot');
    expect(file).not.toContain('192.168.1.50');
    // clearing
    expect(again.inv.setRole('192.168.1.51', 'unknown')).toMatchObject({ roleSource: 'inferred' });
    expect(fs.readFileSync(path.join(dir, ROLES_FILE), 'utf8')).not.toContain('192.168.1.51');
    expect(() => again.inv.setRole('not an ip', 'camera')).toThrow(/IP address/);
    expect(() => again.inv.setRole('192.168.1.51', 'toaster' as never)).toThrow(/unknown role/);
    await again.inv.stop();
  });

  it('the default gateway of this host is the gateway', async () => {
    const h = await harness();
    h.world.neigh = [neigh('192.168.1.1', '80:23:95:12:34:56')];
    h.world.gateways = ['192.168.1.1'];
    await h.inv.refresh();
    expect(h.inv.device('192.168.1.1')).toMatchObject({ role: 'gateway', vendor: 'AVM Audiovisuelles Marketing und Computersysteme GmbH' });
    await h.inv.stop();
  });
});

describe('inventory: loopback', () => {
  it('refuses loopback addresses, except the lab hosts homesec demo names', async () => {
    const world = newWorld();
    world.scans = [scan('127.0.0.20', [svc(2222, 'ssh')], T0), scan('127.0.0.1', [svc(22, 'ssh')], T0)];
    world.leases = [{ ip: '127.0.0.20', mac: SYNO, hostname: 'nas' }, { ip: '127.0.0.1', mac: PI, hostname: 'me' }];
    const plain = await harness({}, { world });
    await plain.inv.refresh();
    expect(plain.inv.devices()).toEqual([]);
    await plain.inv.stop();
    const demo = await harness({}, { world, loopbackHosts: new Set(['127.0.0.20']) });
    await demo.inv.refresh();
    expect(demo.inv.devices().map((d) => [d.ip, d.mac, d.hostname])).toEqual([['127.0.0.20', SYNO, 'nas']]);
    await demo.inv.stop();
  });
});

describe('inventory: exposures, risk and findings', () => {
  it('occurrence counts grow per scan without duplicate findings; at-risk follows CVEs and exposures', async () => {
    const h = await harness();
    h.world.neigh = [neigh('192.168.1.40', '00:40:8c:11:22:33')];
    h.world.scans = [scan('192.168.1.40', [svc(23, 'telnet'), svc(554, 'rtsp')], T0)];
    await h.inv.refresh();
    const key = 'exposure:192.168.1.40:23';
    expect(h.findings.get(key)).toMatchObject({ category: 'exposure', severity: 'high', occurrences: 1, evidence: { port: 23, service: 'telnet', role: 'camera' } });
    expect(h.findings.get(key)?.remediation).toMatch(/Telnet off/);
    expect(h.inv.device('192.168.1.40')).toMatchObject({ atRisk: true, riskLevel: 'high', riskReasons: ['Telnet on port 23 open'] });
    await h.inv.refresh(); // same scan again: no new occurrence
    expect(h.findings.get(key)?.occurrences).toBe(1);
    h.world.scans = [scan('192.168.1.40', [svc(23, 'telnet'), svc(554, 'rtsp')], T0 + 300_000)];
    await h.inv.refresh();
    await h.inv.refresh();
    expect(h.findings.get(key)).toMatchObject({ occurrences: 2, lastSeenMs: T0 + 300_000 });
    expect(h.findings.list({ category: 'exposure' })).toHaveLength(1);

    h.world.vulns.set('192.168.1.40', [{ cveId: 'CVE-2021-36260', severity: 'critical', kev: true }]);
    await h.inv.refresh();
    expect(h.inv.device('192.168.1.40')).toMatchObject({ atRisk: true, riskLevel: 'critical', vulnerabilities: { kev: 1, critical: 1 } });
    expect(h.inv.stats().atRisk).toBe(1);
    await h.inv.stop();
  });

  it("a scan of an address belongs to whoever held it then: the previous holder's telnet is not the new device's", async () => {
    const h = await harness();
    h.world.neigh = [neigh('192.168.1.40', '00:40:8c:11:22:33')];
    h.world.scans = [scan('192.168.1.40', [svc(23, 'telnet')], T0 - 60_000)]; // scanned before the first refresh: still its own
    await h.inv.refresh();
    expect(h.inv.device('00:40:8c:11:22:33')).toMatchObject({ openPorts: [23], atRisk: true });
    await h.clock.advance(3600_000);
    h.world.neigh = [neigh('192.168.1.40', PI)]; // DHCP gave .40 to the Pi; the camera is gone
    await h.inv.refresh();
    expect(h.inv.device(PI)).toMatchObject({ ip: '192.168.1.40', openPorts: [], atRisk: false, role: 'server', roleConfidence: 25 }); // vendor only
    h.world.scans = [scan('192.168.1.40', [svc(8123, 'http')], T0 + 3600_000 + 1)];
    await h.inv.refresh();
    expect(h.inv.device(PI)).toMatchObject({ openPorts: [8123], role: 'server', roleConfidence: 70 });
    expect(h.findings.list({ category: 'exposure' }).map((f) => f.occurrences)).toEqual([1]);
    await h.inv.stop();
  });

  it('internet exposure from the injected source is critical for SMB', async () => {
    const h = await harness();
    h.world.neigh = [neigh('192.168.1.10', SYNO)];
    h.world.scans = [scan('192.168.1.10', [svc(445, 'microsoft-ds', { product: 'samba' })], T0, [5000, 5001])];
    h.world.internet.set('192.168.1.10', [{ port: 445, source: 'UPnP mapping\u001b[2J from router' }]);
    await h.inv.refresh();
    const f = h.findings.get('exposure:192.168.1.10:445');
    expect(f).toMatchObject({ severity: 'critical', evidence: { internet: true, source: 'UPnP mapping\\x1b[2J from router' } });
    expect(h.inv.device(SYNO)).toMatchObject({ role: 'nas', atRisk: true });
    await h.inv.stop();
  });
});

describe('inventory: names (hostile input)', () => {
  it('DHCP and tracker names beat reverse DNS; hostile names are refused or made plain', async () => {
    const h = await harness();
    h.world.neigh = [neigh('192.168.1.50', PI), neigh('192.168.1.51', SYNO), neigh('192.168.1.52', '00:40:8c:00:00:01')];
    h.world.leases = [{ ip: '192.168.1.51', mac: SYNO, hostname: 'DiskStation' }];
    h.world.trackers = [{ ip: '192.168.1.52', mac: '00:40:8c:00:00:01', hostName: '<img src=x onerror=alert(1)>', name: 'Garden cam\u202e\u0007' }];
    h.world.names.set('192.168.1.50', 'x'.repeat(300));
    h.world.names.set('192.168.1.51', 'should-not-be-asked.lan');
    h.world.names.set('192.168.1.52', '123456');
    await h.inv.refresh();
    expect(h.inv.device('192.168.1.50')?.hostname).toBeUndefined();
    expect(h.inv.device('192.168.1.51')).toMatchObject({ hostname: 'DiskStation', hostnameSource: 'dhcp' });
    expect(h.inv.device('192.168.1.52')).toMatchObject({ name: 'Garden cam\\u{202e}\\x07' });
    expect(h.inv.device('192.168.1.52')?.hostname).toBeUndefined();
    expect(h.world.nameCalls.sort()).toEqual(['192.168.1.50', '192.168.1.52']);
    // a good rDNS answer is taken; lookups are not repeated within a day
    h.world.names.set('192.168.1.50', 'pi.lan');
    await h.inv.refresh();
    expect(h.inv.device('192.168.1.50')?.hostname).toBeUndefined();
    await h.clock.advance(25 * 3600_000);
    await h.inv.refresh();
    expect(h.inv.device('192.168.1.50')).toMatchObject({ hostname: 'pi.lan', hostnameSource: 'rdns' });
    h.world.names.set('192.168.1.52', 'mdns:Garden-Cam.local');
    await h.clock.advance(25 * 3600_000);
    await h.inv.refresh();
    expect(h.inv.device('192.168.1.52')).toMatchObject({ hostname: 'Garden-Cam.local', hostnameSource: 'mdns' });
    expect(h.metrics.get('homesec_inventory_name_lookups_total', { result: 'mdns' })).toBe(1);
    await h.inv.stop();
  });
});

describe('inventory: sources, events, recommendations', () => {
  it('a failing neighbour source is counted and the refresh goes on', async () => {
    const h = await harness({}, { omit: ['leases'] });
    h.world.neighFail = true;
    h.world.observed = [flows('192.168.1.5', T0)];
    expect(await h.inv.refresh()).toMatchObject({ devices: 1 });
    expect(h.inv.stats()).toMatchObject({ neighbourSource: 'error', leasesConfigured: false });
    expect(h.metrics.get('homesec_inventory_source_errors_total', { source: 'neighbours' })).toBe(1);
    expect(h.inv.recommendations(CTX).map((r) => r.id)).toContain('mac-source');
    await h.inv.stop();
  });

  it('reads a real dnsmasq lease file when configured', async () => {
    const file = path.join(dir, 'dnsmasq.leases');
    fs.writeFileSync(file, `0 ${PI} 192.168.1.50 octopi *\n`);
    const h = await harness({ inventory_dhcp_leases: file, inventory_neighbours: false }, { omit: ['leases', 'neighbours'] });
    await h.inv.refresh();
    expect(h.inv.device(PI)).toMatchObject({ ip: '192.168.1.50', hostname: 'octopi', hostnameSource: 'dhcp' });
    expect(h.inv.stats()).toMatchObject({ neighbourSource: 'off', leasesConfigured: true });
    await h.inv.stop();
  });

  it('scan.completed triggers a refresh; overlapping refreshes queue one more, never run together', async () => {
    const h = await harness();
    h.world.neigh = [neigh('192.168.1.50', PI)];
    h.bus.emit('scan.completed', { summary: {} as never, hosts: [] });
    const a = h.inv.refresh();
    const b = h.inv.refresh();
    const c = h.inv.refresh();
    expect(b).toBe(c);
    await Promise.all([a, b]);
    expect(h.inv.stats().refreshes).toBe(2);
    expect(h.inv.devices()).toHaveLength(1);
    await h.inv.stop();
  });

  it('recommendations change when the state changes', async () => {
    const h = await harness();
    await h.inv.refresh();
    const ids = (ctx: TelemetryContext) => h.inv.recommendations(ctx).map((r) => r.id);
    expect(ids({ ...CTX, flowsTotal: 0 })).toContain('no-flows');
    expect(ids(CTX)).not.toContain('no-flows');
    expect(ids({ ...CTX, apiKeys: { ...CTX.apiKeys, nvd: false } })).toContain('nvd-key');
    expect(ids({ ...CTX, scanner: { ...CTX.scanner, enabled: false } })).toContain('scanner-off');
    expect(ids(CTX)).not.toContain('exposure-telnet');

    h.world.neigh = [neigh('192.168.1.40', '00:40:8c:11:22:33')];
    h.world.scans = [scan('192.168.1.40', [svc(23, 'telnet'), svc(80, 'http')], T0)];
    await h.inv.refresh();
    const recs = h.inv.recommendations(CTX);
    const telnet = recs.find((r) => r.id === 'exposure-telnet');
    expect(telnet).toMatchObject({ priority: 'high', deviceCount: 1, devices: [{ ip: '192.168.1.40' }] });
    expect(telnet?.how).toMatch(/Turn Telnet off/);
    expect(recs.map((r) => r.id)).toContain('default-credentials');
    expect(recs[0]?.priority).toBe('high');

    h.world.scans = [scan('192.168.1.40', [svc(80, 'http')], T0 + 300_000)];
    await h.inv.refresh();
    expect(ids(CTX)).not.toContain('exposure-telnet');
    await h.inv.stop();
  });

  it('refuses to run before start', async () => {
    const h = await harness();
    await h.inv.stop();
    await expect(h.inv.refresh()).rejects.toThrow(/before start/);
  });
});
