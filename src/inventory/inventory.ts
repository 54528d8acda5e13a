/**
 * The device inventory component: who is on the network, what each device is, whether it is
 * at risk, and what to harden. It ties identity (identity.ts), persistence
 * (device-store.ts, homesec_roles.yaml), role inference, exposures, risk, findings and
 * recommendations together.
 *
 * Rules:
 * - createInventory does no work. start() loads devices (SQLite), role overrides
 *   (homesec_roles.yaml) and the learning-window start (kv), and listens to `scan.completed`;
 *   every scan triggers refresh(), and the app's scheduler calls refresh() too. Refreshes
 *   never overlap: a call during one queues exactly one more. stop() unsubscribes and waits.
 * - A refresh gathers sightings — flows (devices that sent traffic), alive scan results, the
 *   host's neighbour table (MACs), the DHCP lease file when configured, Home Assistant device
 *   trackers — and merges them by identity.ts's rules (a MAC is the identity; addresses are
 *   history). IPv4 only: IPv6 addresses rotate (privacy addresses, RFC 8981) and would make
 *   every phone a new device each day. Loopback addresses are
 *   refused unless deps.loopbackHosts names them (`homesec demo`'s lab hosts).
 * - Names: tracker > DHCP > mDNS/reverse DNS. Devices without a tracker/DHCP name get one
 *   lookup (reverse DNS, then the device's mDNS responder: resolve-name.ts) per NAME_TTL_MS,
 *   at most NAME_LOOKUPS_PER_REFRESH per refresh, NAME_CONCURRENCY at a time. Every name is
 *   hostile and cleaned (names.ts).
 * - New devices: each device created emits `device.new`. A new_device finding (with IP, MAC,
 *   vendor, hostname; device-findings.ts) is raised unless the device is trusted, alerts are
 *   off, or it is part of the learning baseline: devices first seen before the end of the
 *   learning window (new_device_learning_hours from the first refresh after install, 0 =
 *   only the first refresh) are what the network "already had" — alerting on all of them at
 *   install would be noise, exactly what the home-automation blog's discovery script avoids
 *   by recording a known-devices list on its first run. The reference integration itself has
 *   no new-device alert. At most MAX_NEW_DEVICE_FINDINGS findings per refresh (a spoofing
 *   flood is counted, not reported one by one).
 * - Roles: the override from homesec_roles.yaml (ip: role, the reference's file) wins and
 *   applies at once; setRole writes the file before returning; null/"unknown" clears. When a
 *   device with a MAC moves to a new address its override moves with it (the file is
 *   rewritten), so a DHCP change never hands a role to a stranger.
 * - Exposures are evaluated per scan result (and internet ports from the injected exposure
 *   source); each is reported as an `exposure` finding once per scan that saw it, so
 *   occurrences count scans, not refreshes.
 * - Everything that moves is counted (homesec_inventory_*). Failures of a source (neighbour
 *   table, lease file, tracker, resolver) are counted and logged once per change of state;
 *   the refresh goes on with the other sources.
 */
import ipaddr from 'ipaddr.js';
import type { Clock } from '../core/clock.js';
import { HomesecError, errorMessage } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { Service } from '../core/lifecycle.js';
import type { Log } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { FindingsStore } from '../findings/findings-store.js';
import { sanitizeText } from '../scan/service/sanitize.js';
import type { HostScan } from '../scan/types.js';
import { kvGet, kvSet } from '../store/kv.js';
import { ROLES, loadRoles, saveRoles, type Role } from '../store/state-files.js';
import type { Store } from '../store/store.js';
import { exposureFinding, newDeviceFinding } from './device-findings.js';
import { loadDevices, saveDevices } from './device-store.js';
import { buildDevice, duplicateIndex, type Derived } from './device-view.js';
import { findExposures, type Exposure, type InternetPort } from './exposure-rules.js';
import { readGateways } from './gateways.js';
import { DeviceTable, combineSightings } from './identity.js';
import { parseLeases, MAX_INPUT as MAX_LEASE_BYTES, type Lease } from './leases.js';
import { normaliseMac, isRandomizedMac } from './mac.js';
import { cleanDisplayName, cleanHostname } from './names.js';
import { readNeighbours, type NeighbourEntry, type NeighbourRead } from './neighbours.js';
import { macVendor } from './oui.js';
import { readCapped } from './read-capped.js';
import { buildRecommendations, type InventoryFacts, type Recommendation, type TelemetryContext } from './recommendations.js';
import { createDeviceNameLookup, type ResolveName } from './resolve-name.js';
import { assessRisk, type VulnerabilityRef } from './risk.js';
import { inferRole } from './role-inference.js';
import type { Device, DeviceRecord, ObservedDevice, Sighting, TrackerEntry } from './types.js';

declare module '../core/events.js' {
  interface HomesecEvents {
    /** A device seen for the first time; `baseline` when it was learnt during the learning window. */
    'device.new': { device: Device; baseline: boolean };
    /** A device changed: address, role, trust, names or a merge. */
    'device.updated': { device: Device; changes: string[]; previousIp?: string; mergedId?: number };
  }
}

/** The config keys the inventory reads (see the report for their schema entries). */
export interface InventoryConfig {
  /** Path of the DHCP server's lease file (dnsmasq or ISC dhcpd); '' = none. */
  inventory_dhcp_leases: string;
  /** Read the host's neighbour (ARP) table for MAC addresses. */
  inventory_neighbours: boolean;
  /** Look up reverse-DNS names of devices that have no DHCP/tracker name. */
  inventory_resolve_names: boolean;
  /** Raise new_device findings. */
  new_device_alerts: boolean;
  /** Hours after the first refresh during which new devices form the baseline (0 = the first refresh only). */
  new_device_learning_hours: number;
  /** MACs of devices the user knows (never a new-device finding). */
  trusted_macs: readonly string[];
}

export interface InventoryDeps {
  bus: EventBus;
  store: Store;
  clock: Clock;
  log: Log;
  metrics: Metrics;
  findings: Pick<FindingsStore, 'report' | 'get'>;
  /** Devices seen in flows (the traffic tracker's devices()). */
  observedDevices: () => Iterable<ObservedDevice>;
  /** Last scan result per host (the scanner's hosts()). */
  scanResults: () => Iterable<HostScan>;
  /** Neighbour table reader (default: `ip -j neigh`, `ip neigh`, /proc/net/arp). */
  neighbours?: () => Promise<NeighbourRead | NeighbourEntry[]>;
  /** Lease reader (default: the configured file, format detected). */
  leases?: () => Promise<Lease[]>;
  /** Home Assistant device trackers (router source_type), when connected. */
  trackers?: () => Iterable<TrackerEntry> | Promise<Iterable<TrackerEntry>>;
  /** Default gateways of this host (default: `ip -j route show default`, /proc/net/route). */
  gateways?: () => Promise<string[]>;
  /** Device name lookup (default: reverse DNS through the system's resolvers). */
  resolveName?: ResolveName;
  /** Per-host CVEs from the vulnerability module. */
  vulnerabilities?: (ip: string) => readonly VulnerabilityRef[];
  /** Ports of a device reachable from the internet (port forwards, UPnP mappings, inbound flows). */
  exposure?: (ip: string) => readonly InternetPort[];
  /**
   * Loopback addresses accepted as device addresses (loopback is refused otherwise). Only
   * `homesec demo` sets it: its lab services run on 127.0.0.x and stand in for devices.
   */
  loopbackHosts?: ReadonlySet<string>;
}

export interface RefreshSummary {
  devices: number;
  created: number;
  ipChanges: number;
  newDeviceFindings: number;
  exposureFindings: number;
  baseline: boolean;
}

export interface InventoryStats {
  devices: number;
  active: number;
  withMac: number;
  randomizedMacs: number;
  atRisk: number;
  trusted: number;
  byRole: Record<Role, number>;
  neighbourSource: InventoryFacts['neighbourSource'];
  leasesConfigured: boolean;
  learning: boolean;
  learningUntilMs?: number;
  lastRefreshMs?: number;
  refreshes: number;
  refused: number;
}

export interface Inventory extends Service {
  /** Gathers all sources and updates devices, findings and events (see module rules). */
  refresh(): Promise<RefreshSummary>;
  /** All devices, most recently seen first. */
  devices(): Device[];
  /** A device by id, current IP, MAC, or (failing those) the last device that held the IP. */
  device(ref: number | string): Device | undefined;
  /** Sets (or with null/"unknown" clears) the role override of an address; persisted before returning. */
  setRole(ip: string, role: Role | null): Device | undefined;
  /** Marks a device trusted (known) or not; persisted before returning. */
  setTrusted(ref: number | string, trusted: boolean): Device | undefined;
  /** Merges device `gone` into `keep`; persisted before returning. */
  merge(keep: number | string, gone: number | string): Device | undefined;
  /** Prioritised hardening suggestions for the current state. */
  recommendations(ctx: TelemetryContext): Recommendation[];
  stats(): InventoryStats;
}

export const LEARNING_KEY = 'inventory.learning_started_ms';
export const NAME_TTL_MS = 24 * 3600_000;
export const NAME_LOOKUPS_PER_REFRESH = 32;
export const NAME_CONCURRENCY = 4;
export const MAX_NEW_DEVICE_FINDINGS = 50;
export const ACTIVE_MS = 24 * 3600_000;
const MAX_TRACKERS = 4096;
const MAX_SOURCE_TEXT = 120;

function usableIpv4(ip: unknown, loopbackHosts?: ReadonlySet<string>): string | undefined {
  if (typeof ip !== 'string' || !ipaddr.IPv4.isValidFourPartDecimal(ip)) return undefined;
  const a = ipaddr.IPv4.parse(ip);
  const r = a.range();
  if (r === 'loopback') return loopbackHosts?.has(a.toString()) ? a.toString() : undefined;
  return r === 'unspecified' || r === 'broadcast' || r === 'multicast' || r === 'linkLocal' ? undefined : a.toString();
}

/** Creates the inventory; nothing runs until start(). */
export function createInventory(config: InventoryConfig, deps: InventoryDeps): Inventory {
  const table = new DeviceTable();
  let roles = new Map<string, Role>();
  const derived = new Map<number, Derived>();
  const vendorCache = new Map<string, string | undefined>();
  const nameTried = new Map<number, number>();
  const trustedMacs = new Set<string>();
  let dupes: (d: DeviceRecord) => number[] = () => [];
  let gateways: string[] = [];
  let learningStartMs: number | undefined;
  let neighbourSource: InventoryFacts['neighbourSource'] = config.inventory_neighbours ? 'pending' : 'off';
  let lastRefreshMs: number | undefined;
  let lastScans = new Map<string, HostScan>();
  let lastObserved = new Map<string, ObservedDevice>();
  let refreshes = 0;
  let lastRefusedLogMs = -Infinity;
  let started = false;
  let unsubscribe: (() => void) | undefined;
  let running: Promise<RefreshSummary> | undefined;
  let queued: Promise<RefreshSummary> | undefined;
  const sourceState = new Map<string, string>();
  const m = deps.metrics;
  m.describe('homesec_inventory_devices', 'gauge', 'Devices in the inventory');
  m.describe('homesec_inventory_refreshes_total', 'counter', 'Inventory refreshes');
  m.describe('homesec_inventory_source_errors_total', 'counter', 'Inventory source failures (neighbours, leases, trackers, gateways)');

  const resolveName: ResolveName | undefined = config.inventory_resolve_names
    ? (deps.resolveName ?? createDeviceNameLookup({ clock: deps.clock }))
    : undefined;
  const readLeaseFile = async (): Promise<Lease[]> => {
    const { text } = await readCapped(config.inventory_dhcp_leases, MAX_LEASE_BYTES);
    return parseLeases(text, deps.clock.now());
  };
  const leasesReader = deps.leases ?? (config.inventory_dhcp_leases ? readLeaseFile : undefined);
  const neighboursReader = config.inventory_neighbours ? (deps.neighbours ?? (() => readNeighbours())) : undefined;
  const gatewaysReader = deps.gateways ?? (() => readGateways());

  /** Logs a source's state when it changes (ok → failing → ok), counts failures. */
  const noteSource = (name: string, err: unknown | undefined) => {
    const state = err === undefined ? 'ok' : errorMessage(err);
    if (err !== undefined) m.inc('homesec_inventory_source_errors_total', { source: name });
    const prev = sourceState.get(name);
    if (prev === state) return;
    sourceState.set(name, state);
    if (err !== undefined) deps.log.warn({ source: name, err: state }, 'inventory source failed; continuing without it');
    else if (prev !== undefined) deps.log.info({ source: name }, 'inventory source works again');
  };

  const vendorOf = (mac: string): string | undefined => {
    if (!vendorCache.has(mac)) {
      if (vendorCache.size > 20_000) vendorCache.clear();
      vendorCache.set(mac, macVendor(mac));
    }
    return vendorCache.get(mac);
  };

  const view = (r: DeviceRecord): Device => buildDevice(r, derived.get(r.id), { roles, trustedMacs, vendorOf, duplicates: dupes });

  const findRecord = (ref: number | string): DeviceRecord | undefined => {
    if (typeof ref === 'number') return table.get(ref);
    const t = ref.trim();
    if (/^\d{1,12}$/.test(t)) return table.get(Number(t));
    const mac = normaliseMac(t);
    if (mac) return table.byMac(mac);
    if (!ipaddr.isValid(t)) return undefined;
    const ip = ipaddr.parse(t).toString();
    const holder = table.byIp(ip);
    if (holder) return holder;
    let last: DeviceRecord | undefined;
    let lastMs = -1;
    for (const d of table.all()) {
      for (const s of d.ips) {
        if (s.ip === ip && s.lastSeenMs > lastMs) {
          last = d;
          lastMs = s.lastSeenMs;
        }
      }
    }
    return last;
  };

  const persist = () => {
    const { changed, deleted } = table.takeChanges();
    saveDevices(deps.store.db, changed, deleted);
  };

  /**
   * Address → who held it when, over all devices: a scan or traffic counter recorded at an
   * address before the current holder's stint began belongs to an earlier holder when there
   * was one, not to whoever holds the address now.
   */
  const holdersIndex = (): Map<string, { id: number; firstSeenMs: number; lastSeenMs: number }[]> => {
    const idx = new Map<string, { id: number; firstSeenMs: number; lastSeenMs: number }[]>();
    for (const d of table.all()) {
      for (const st of d.ips) {
        const list = idx.get(st.ip);
        const entry = { id: d.id, firstSeenMs: st.firstSeenMs, lastSeenMs: st.lastSeenMs };
        if (list) list.push(entry);
        else idx.set(st.ip, [entry]);
      }
    }
    return idx;
  };
  const belongs = (r: DeviceRecord, atMs: number, holders: ReturnType<typeof holdersIndex>): boolean => {
    const current = r.ips[r.ips.length - 1];
    if (!current || atMs >= current.firstSeenMs) return true;
    // Older than this device's stint: its own only when nobody else held the address before.
    return !(holders.get(current.ip) ?? []).some((h) => h.id !== r.id && h.firstSeenMs < current.firstSeenMs);
  };

  /** Derives role, exposures and risk for one device from the latest inputs that are its own. */
  const derive = (
    r: DeviceRecord,
    scans: ReadonlyMap<string, HostScan>,
    observed: ReadonlyMap<string, ObservedDevice>,
    holders: ReturnType<typeof holdersIndex>,
  ): Derived => {
    const ip = r.currentIp;
    const scanAt = ip ? scans.get(ip) : undefined;
    const scan = scanAt && belongs(r, scanAt.scannedAtMs, holders) ? scanAt : undefined;
    const seen = ip ? observed.get(ip) : undefined;
    const traffic = seen && belongs(r, seen.lastSeenMs, holders) ? seen : undefined;
    const mac = r.macs[r.macs.length - 1]?.mac;
    const alive = scan?.alive ? scan : undefined;
    const guess = inferRole({
      openPorts: alive?.openPorts ?? [],
      servedPorts: traffic?.servicePorts ? [...traffic.servicePorts].slice(0, 256) : [],
      services: alive?.services ?? [],
      os: alive?.os,
      vendor: mac ? vendorOf(mac) : undefined,
      hostname: r.hostname,
      name: r.name,
      randomizedMac: mac !== undefined && isRandomizedMac(mac),
      gateway: ip !== undefined && gateways.includes(ip),
    });
    let internet: InternetPort[] = [];
    if (ip && deps.exposure) {
      try {
        internet = deps.exposure(ip)
          .slice(0, 256)
          .filter((p) => Number.isInteger(p.port) && p.port > 0 && p.port < 65536)
          .map((p) => ({ port: p.port, source: sanitizeText(String(p.source ?? ''), MAX_SOURCE_TEXT) }));
      } catch (err) {
        noteSource('exposure', err);
      }
    }
    const exposures = ip ? findExposures(alive, internet) : [];
    let vulns: readonly VulnerabilityRef[] = [];
    // The vulnerability module matches scan results by address: not ours when the scan is not.
    if (ip && deps.vulnerabilities && (scanAt === undefined || scan !== undefined)) {
      try {
        vulns = deps.vulnerabilities(ip);
      } catch (err) {
        noteSource('vulnerabilities', err);
      }
    }
    const d: Derived = { guess, exposures, risk: assessRisk(vulns, exposures) };
    if (scan) d.scan = scan;
    if (traffic) d.traffic = traffic;
    return d;
  };

  const saveRolesNow = () => saveRoles(deps.store.dir, roles);

  /** Looks up names for devices that need one (bounded; see module rules). */
  const resolveNames = async (now: number) => {
    if (!resolveName) return;
    const todo = [...table.all()]
      .filter((d) => d.currentIp && (d.hostnameSource === undefined || d.hostnameSource === 'rdns' || d.hostnameSource === 'mdns'))
      .filter((d) => now - (nameTried.get(d.id) ?? -Infinity) >= NAME_TTL_MS)
      .sort((a, b) => b.lastSeenMs - a.lastSeenMs)
      .slice(0, NAME_LOOKUPS_PER_REFRESH);
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        const d = todo[next++] as DeviceRecord;
        const ip = d.currentIp as string;
        nameTried.set(d.id, now);
        let name: string | undefined;
        let source: 'rdns' | 'mdns' = 'rdns';
        try {
          const answer = await resolveName(ip);
          if (typeof answer === 'object' && answer !== null) {
            name = cleanHostname(answer.name);
            source = answer.source === 'mdns' ? 'mdns' : 'rdns';
          } else {
            name = cleanHostname(answer);
          }
        } catch (err) {
          noteSource('names', err);
        }
        m.inc('homesec_inventory_name_lookups_total', { result: name ? source : 'none' });
        const replaceable = d.hostnameSource === undefined || d.hostnameSource === 'rdns' || d.hostnameSource === 'mdns';
        if (name && d.currentIp === ip && replaceable && (name !== d.hostname || source !== d.hostnameSource)) {
          d.hostname = name;
          d.hostnameSource = source;
          d.hostnameMs = now;
          table.touch(d);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(NAME_CONCURRENCY, todo.length) }, worker));
  };

  const gather = async (now: number): Promise<{ sightings: Sighting[]; scans: Map<string, HostScan>; observed: Map<string, ObservedDevice>; trackers: TrackerEntry[] }> => {
    const sightings: Sighting[] = [];
    const observed = new Map<string, ObservedDevice>();
    for (const o of deps.observedDevices()) {
      const ip = usableIpv4(o.ip, deps.loopbackHosts);
      if (!ip) continue;
      observed.set(ip, o);
      if (o.bytesOut > 0) sightings.push({ ip, seenMs: Math.min(o.lastSeenMs, now), source: 'flows' });
    }
    const scans = new Map<string, HostScan>();
    for (const h of deps.scanResults()) {
      const ip = usableIpv4(h.ip, deps.loopbackHosts);
      if (!ip) continue;
      scans.set(ip, h);
      if (h.alive) sightings.push({ ip, seenMs: Math.min(h.scannedAtMs, now), source: 'scan' });
    }
    if (neighboursReader) {
      try {
        const read = await neighboursReader();
        const entries = Array.isArray(read) ? read : read.entries;
        neighbourSource = Array.isArray(read) ? 'ip-json' : read.source;
        for (const e of entries) {
          const ip = usableIpv4(e.ip, deps.loopbackHosts);
          const mac = normaliseMac(e.mac);
          if (ip && mac) sightings.push({ ip, mac, seenMs: now, source: 'neighbours', state: e.state });
        }
        noteSource('neighbours', undefined);
      } catch (err) {
        neighbourSource = 'error';
        noteSource('neighbours', err);
      }
    }
    if (leasesReader) {
      try {
        for (const l of await leasesReader()) {
          const ip = usableIpv4(l.ip, deps.loopbackHosts);
          const mac = normaliseMac(l.mac);
          if (!ip || !mac) continue;
          const s: Sighting = { ip, mac, seenMs: now, source: 'dhcp' };
          const hostname = cleanHostname(l.hostname);
          if (hostname) {
            s.hostname = hostname;
            s.hostnameSource = 'dhcp';
          }
          sightings.push(s);
        }
        noteSource('leases', undefined);
      } catch (err) {
        noteSource('leases', err);
      }
    }
    const trackers: TrackerEntry[] = [];
    if (deps.trackers) {
      try {
        for (const t of await deps.trackers()) {
          if (trackers.length >= MAX_TRACKERS) break;
          trackers.push(t);
          const ip = usableIpv4(t.ip, deps.loopbackHosts);
          if (!ip) continue;
          const s: Sighting = { ip, seenMs: now, source: 'tracker' };
          const mac = normaliseMac(t.mac);
          if (mac) s.mac = mac;
          const hostname = cleanHostname(t.hostName);
          if (hostname) {
            s.hostname = hostname;
            s.hostnameSource = 'tracker';
          }
          const name = cleanDisplayName(t.name);
          if (name) s.name = name;
          sightings.push(s);
        }
        noteSource('trackers', undefined);
      } catch (err) {
        noteSource('trackers', err);
      }
    }
    try {
      gateways = (await gatewaysReader()).slice(0, 16);
    } catch (err) {
      noteSource('gateways', err);
    }
    return { sightings, scans, observed, trackers };
  };

  const run = async (): Promise<RefreshSummary> => {
    if (!started) throw new HomesecError('START_FAILED', 'inventory used before start()');
    const now = deps.clock.now();
    const firstEver = learningStartMs === undefined;
    if (learningStartMs === undefined) {
      learningStartMs = now;
      kvSet(deps.store.db, LEARNING_KEY, now, now);
    }
    const baseline = config.new_device_learning_hours <= 0 ? firstEver : now < learningStartMs + config.new_device_learning_hours * 3600_000;
    const { sightings, scans, observed, trackers } = await gather(now);
    lastScans = scans;
    lastObserved = observed;

    const refusedBefore = table.refused;
    const created: DeviceRecord[] = [];
    const moves: { d: DeviceRecord; from: string; to: string }[] = [];
    for (const s of combineSightings(sightings, (mac) => table.byMac(mac)?.currentIp)) {
      const r = table.observe(s, baseline);
      if (!r) continue;
      if (r.created) created.push(r.device);
      if (r.ipChange) moves.push({ d: r.device, ...r.ipChange });
      for (const id of r.absorbed) derived.delete(id);
    }
    // Trackers without an address still name the device of their MAC.
    for (const t of trackers) {
      if (usableIpv4(t.ip, deps.loopbackHosts)) continue;
      const mac = normaliseMac(t.mac);
      const d = mac ? table.byMac(mac) : undefined;
      const name = cleanDisplayName(t.name);
      if (d && name && d.name !== name) {
        d.name = name;
        table.touch(d);
      }
    }
    // A role override follows its device to the new address.
    let rolesChanged = false;
    for (const mv of moves) {
      const role = roles.get(mv.from);
      if (role && mv.d.macs.length > 0 && !roles.has(mv.to)) {
        roles.delete(mv.from);
        roles.set(mv.to, role);
        rolesChanged = true;
      }
    }
    if (rolesChanged) saveRolesNow();

    await resolveNames(now);
    const holders = holdersIndex();
    for (const d of table.all()) derived.set(d.id, derive(d, scans, observed, holders));
    dupes = duplicateIndex(table.all());
    persist();

    // Events and findings.
    let newDeviceFindings = 0;
    let suppressed = 0;
    for (const r of created) {
      if (!table.get(r.id)) continue;
      const device = view(r);
      deps.bus.emit('device.new', { device, baseline: r.baseline });
      m.inc('homesec_inventory_new_devices_total', { baseline: String(r.baseline) });
      if (r.baseline || device.trusted || !config.new_device_alerts) continue;
      if (newDeviceFindings >= MAX_NEW_DEVICE_FINDINGS) {
        suppressed++;
        continue;
      }
      deps.findings.report(newDeviceFinding(device, r.firstSeenMs));
      newDeviceFindings++;
    }
    if (suppressed > 0) {
      m.inc('homesec_inventory_new_device_findings_suppressed_total', {}, suppressed);
      deps.log.warn({ suppressed, limit: MAX_NEW_DEVICE_FINDINGS }, 'too many new devices in one refresh; findings beyond the limit were not raised');
    }
    for (const mv of moves) {
      if (!table.get(mv.d.id)) continue;
      m.inc('homesec_inventory_ip_changes_total');
      deps.bus.emit('device.updated', { device: view(mv.d), changes: ['ip'], previousIp: mv.from });
    }
    let exposureFindings = 0;
    for (const d of table.all()) {
      const x = derived.get(d.id);
      if (!x || x.exposures.length === 0 || !d.currentIp) continue;
      const device = view(d);
      for (const e of x.exposures) {
        const at = e.internet ? now : (x.scan?.scannedAtMs ?? now);
        const key = `exposure:${d.currentIp}:${e.port}`;
        const prev = deps.findings.get(key);
        if (prev && prev.lastSeenMs >= at) continue;
        if (prev && e.internet && at - prev.lastSeenMs < 3600_000) continue;
        deps.findings.report(exposureFinding(device, e, at));
        exposureFindings++;
      }
    }

    refreshes++;
    lastRefreshMs = now;
    m.inc('homesec_inventory_refreshes_total');
    m.set('homesec_inventory_devices', table.size);
    m.set('homesec_inventory_at_risk_devices', [...derived.values()].filter((x) => x.risk.atRisk).length);
    if (table.refused > refusedBefore) {
      m.inc('homesec_inventory_refused_sightings_total', {}, table.refused - refusedBefore);
      if (now - lastRefusedLogMs >= 3600_000) {
        lastRefusedLogMs = now;
        deps.log.warn({ refused: table.refused - refusedBefore }, 'device table full: addresses not added (spoofed sources?)');
      }
    }
    return { devices: table.size, created: created.length, ipChanges: moves.length, newDeviceFindings, exposureFindings, baseline };
  };

  const emitUpdated = (r: DeviceRecord, changes: string[], extra: { mergedId?: number } = {}) => {
    const device = view(r);
    deps.bus.emit('device.updated', { device, changes, ...extra });
    return device;
  };

  const inventory: Inventory = {
    async start() {
      table.load(loadDevices(deps.store.db));
      const loaded = loadRoles(deps.store.dir);
      for (const w of loaded.warnings) deps.log.warn(w);
      roles = loaded.value;
      learningStartMs = kvGet<number>(deps.store.db, LEARNING_KEY);
      trustedMacs.clear();
      for (const t of config.trusted_macs) {
        const mac = normaliseMac(t);
        if (mac) trustedMacs.add(mac);
        else deps.log.warn({ value: sanitizeText(String(t), 40) }, 'trusted_macs: not a MAC address; ignored');
      }
      dupes = duplicateIndex(table.all());
      started = true;
      unsubscribe = deps.bus.on('scan.completed', () => {
        inventory.refresh().catch((err: unknown) => deps.log.error({ err: errorMessage(err) }, 'inventory refresh failed'));
      });
    },
    async stop() {
      unsubscribe?.();
      unsubscribe = undefined;
      try {
        await (queued ?? running);
      } catch {
        /* logged where it failed */
      }
      started = false;
    },
    refresh() {
      if (!running) {
        running = run().finally(() => {
          running = undefined;
        });
        return running;
      }
      if (!queued) {
        queued = running
          .catch(() => undefined)
          .then(() => {
            queued = undefined;
            return inventory.refresh();
          });
      }
      return queued;
    },
    devices() {
      return [...table.all()].sort((a, b) => b.lastSeenMs - a.lastSeenMs || a.id - b.id).map(view);
    },
    device(ref) {
      const r = findRecord(ref);
      return r ? view(r) : undefined;
    },
    setRole(ipText, role) {
      if (typeof ipText !== 'string' || !ipaddr.isValid(ipText.trim())) throw new HomesecError('INVALID_ARGUMENT', 'role override needs an IP address');
      if (role !== null && !(ROLES as readonly string[]).includes(role)) throw new HomesecError('INVALID_ARGUMENT', `unknown role; one of ${ROLES.join(', ')}`);
      const ip = ipaddr.parse(ipText.trim()).toString();
      if (role === null || role === 'unknown') roles.delete(ip);
      else roles.set(ip, role);
      saveRolesNow();
      const r = table.byIp(ip);
      return r ? emitUpdated(r, ['role']) : undefined;
    },
    setTrusted(ref, trusted) {
      const r = findRecord(ref);
      if (!r) return undefined;
      if (r.trusted === trusted) return view(r);
      r.trusted = trusted;
      table.touch(r);
      persist();
      return emitUpdated(r, ['trusted']);
    },
    merge(keepRef, goneRef) {
      const keep = findRecord(keepRef);
      const gone = findRecord(goneRef);
      if (!keep || !gone) return undefined;
      if (keep === gone) throw new HomesecError('INVALID_ARGUMENT', 'cannot merge a device with itself');
      const goneId = gone.id;
      const merged = table.merge(keep.id, gone.id);
      if (!merged) return undefined;
      persist();
      derived.delete(goneId);
      derived.set(merged.id, derive(merged, lastScans, lastObserved, holdersIndex()));
      dupes = duplicateIndex(table.all());
      return emitUpdated(merged, ['merged'], { mergedId: goneId });
    },
    recommendations(ctx) {
      const devices = inventory.devices();
      const exposures = new Map<number, Exposure[]>();
      for (const [id, x] of derived) if (x.exposures.length > 0 && table.get(id)?.currentIp) exposures.set(id, x.exposures);
      return buildRecommendations({
        ...ctx,
        nowMs: deps.clock.now(),
        devices,
        exposures,
        neighbourSource,
        leasesConfigured: leasesReader !== undefined,
      });
    },
    stats() {
      const byRole = Object.fromEntries(ROLES.map((r) => [r, 0])) as Record<Role, number>;
      let active = 0;
      let withMac = 0;
      let randomized = 0;
      let atRisk = 0;
      let trusted = 0;
      const now = deps.clock.now();
      for (const d of inventory.devices()) {
        byRole[d.role]++;
        if (d.ip && now - d.lastSeenMs <= ACTIVE_MS) active++;
        if (d.mac) withMac++;
        if (d.randomizedMac) randomized++;
        if (d.atRisk) atRisk++;
        if (d.trusted) trusted++;
      }
      const learningUntilMs =
        learningStartMs === undefined ? undefined : learningStartMs + Math.max(0, config.new_device_learning_hours) * 3600_000;
      const s: InventoryStats = {
        devices: table.size,
        active,
        withMac,
        randomizedMacs: randomized,
        atRisk,
        trusted,
        byRole,
        neighbourSource,
        leasesConfigured: leasesReader !== undefined,
        learning: learningUntilMs === undefined || now < learningUntilMs,
        refreshes,
        refused: table.refused,
      };
      if (learningUntilMs !== undefined) s.learningUntilMs = learningUntilMs;
      if (lastRefreshMs !== undefined) s.lastRefreshMs = lastRefreshMs;
      return s;
    },
  };
  return inventory;
}
