/**
 * Seeds and fakes for the dashboard API's tests and benchmark (no production code imports
 * it; excluded from the build). Rules: rows are written with the same SQL shapes the traffic
 * tracker and the intel cache write, into a real SQLite database. Inside addresses are
 * 192.168.0.0/16; outside ones are documentation ranges or synthetic addresses in ordinary
 * unicast space (so that intel treats them as it would real peers); none is ever contacted:
 * nothing here opens a connection except the loopback flow collector.
 */
import type { Device } from './contract.js';
import type { Clock } from '../core/clock.js';
import { createEventBus } from '../core/events.js';
import { createSilentLogger } from '../core/logger.js';
import { createMetrics } from '../core/metrics.js';
import { createCollector, type Collector } from '../flow/collector.js';
import { encodeV5 } from '../flow/encode/v5.js';
import { mulberry32, randomFlowRecords } from '../flow/encode/random-records.js';
import type { Db } from '../store/database.js';
import type { EventBus } from '../core/events.js';
import { FakeClock } from '../core/fake-clock.js';
import { createFindingsStore, type FindingsStore } from '../findings/findings-store.js';
import { createInventory, type Inventory } from '../inventory/inventory.js';
import type { NeighbourEntry } from '../inventory/neighbours.js';
import { openTestStore } from '../inventory/test-kit.js';
import type { ObservedDevice } from '../inventory/types.js';
import type { HostScan } from '../scan/types.js';
import type { Store } from '../store/store.js';

/** A device as the inventory shows it, with `over` applied. */
export function makeDevice(id: number, ip: string, over: Partial<Device> = {}): Device {
  return {
    id,
    ip,
    ips: [{ ip, firstSeenMs: 0, lastSeenMs: 0 }],
    macs: [],
    randomizedMac: false,
    role: 'unknown',
    roleSource: 'inferred',
    inferredRole: 'unknown',
    roleConfidence: 0,
    roleReasons: [],
    trusted: false,
    baseline: true,
    firstSeenMs: 0,
    lastSeenMs: 0,
    atRisk: false,
    riskReasons: [],
    vulnerabilities: { total: 0, high: 0, critical: 0, kev: 0 },
    openPorts: [],
    services: [],
    possibleDuplicates: [],
    ...over,
  };
}

export interface ExternalSeed {
  ip: string;
  firstSeenMs: number;
  lastSeenMs: number;
  bytesIn: number;
  bytesOut: number;
  flows: number;
  devices: string[];
}

/** Writes external_ips rows (the traffic tracker's upsert). */
export function seedExternalIps(db: Db, rows: readonly ExternalSeed[]): void {
  const st = db.prepare(
    `INSERT INTO external_ips (ip, first_seen_ms, last_seen_ms, bytes_in, bytes_out, flows, devices) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(ip) DO UPDATE SET last_seen_ms = excluded.last_seen_ms, bytes_in = excluded.bytes_in, bytes_out = excluded.bytes_out, flows = excluded.flows, devices = excluded.devices`,
  );
  db.transaction(() => {
    for (const r of rows) st.run(r.ip, r.firstSeenMs, r.lastSeenMs, r.bytesIn, r.bytesOut, r.flows, JSON.stringify(r.devices));
  })();
}

/** Writes one stored provider answer (the enrichment cache's upsert). */
export function seedEnrichment(db: Db, rows: readonly { ip: string; provider: string; fetchedMs: number; data: unknown }[]): void {
  const st = db.prepare(
    'INSERT INTO intel_enrichment (ip, provider, fetched_ms, data) VALUES (?, ?, ?, ?) ON CONFLICT(ip, provider) DO UPDATE SET fetched_ms = excluded.fetched_ms, data = excluded.data',
  );
  db.transaction(() => {
    for (const r of rows) st.run(r.ip, r.provider, r.fetchedMs, typeof r.data === 'string' ? r.data : JSON.stringify(r.data));
  })();
}

/** Writes connection history rows (the traffic tracker's flush). */
export function seedConnections(db: Db, rows: readonly { tsMs: number; src: string; dst: string; port?: number; flows: number; bytes: number }[]): void {
  const st = db.prepare('INSERT INTO connections (ts_ms, src, dst, dst_port, protocol, flows, bytes, packets) VALUES (?, ?, ?, ?, 6, ?, ?, ?)');
  db.transaction(() => {
    for (const r of rows) st.run(r.tsMs, r.src, r.dst, r.port ?? 443, r.flows, r.bytes, Math.max(1, Math.floor(r.bytes / 1000)));
  })();
}

/** First octets of ordinary unicast space (no private, loopback, CGNAT, link-local, multicast or documentation range inside). */
const PUBLIC_FIRST_OCTETS = [23, 31, 37, 45, 52, 63, 77, 81, 89, 94, 104, 141, 151, 176, 185, 212];

/** The i-th synthetic external address (distinct for i < 1 million; ordinary unicast space, see the module rules). */
export function externalIp(i: number): string {
  return `${PUBLIC_FIRST_OCTETS[(i >> 16) % PUBLIC_FIRST_OCTETS.length]}.${(i >> 8) & 255}.${i & 255}.${7 + (i % 200)}`;
}

/** A started flow collector on a loopback port (real decoding and health accounting); `send` hands it v5 datagrams as if from `exporter`. */
export async function loopbackCollector(clock: Clock, allow: readonly string[] = []): Promise<{ collector: Collector; send(exporter: string, records: number, sequence: number): void }> {
  const collector = createCollector(
    { bind_host: '127.0.0.1', bind_port: 0, exporter_allowlist: [...allow], udp_receive_buffer_bytes: 1 << 20, max_exporters: 1000, max_templates_per_exporter: 64 },
    { bus: createEventBus(), clock, log: createSilentLogger(), metrics: createMetrics() },
  );
  await collector.start?.();
  const rng = mulberry32(7);
  return {
    collector,
    send(exporter, n, sequence) {
      const recs = randomFlowRecords(n, rng, { nowMs: clock.now(), exporter });
      for (const buf of encodeV5(recs, { sysUptimeMs: 100_000, unixMs: clock.now(), sequence })) collector.handle(buf, exporter);
    },
  };
}

/** The i-th home device address (192.168.0.10 … 192.168.255.x; 240 per /24). */
export function homeIp(i: number): string {
  return `192.168.${Math.floor(i / 240)}.${(i % 240) + 10}`;
}

export interface HomeWorld {
  store: Store;
  bus: EventBus;
  clock: FakeClock;
  findings: FindingsStore;
  inventory: Inventory;
  observed: ObservedDevice[];
  scans: HostScan[];
  stop(): Promise<void>;
}

const VENDOR_OUIS = ['b8:27:eb', '00:11:32', 'f0:9f:c2', '3c:5a:b4', '00:17:88', 'a4:5e:60'];

/**
 * A real findings store and inventory over a real store in `dir`, fed `devices` devices seen
 * in flows (each with a MAC from the neighbour table), `scans` as the scanner's results, and
 * 192.168.0.1 as the default gateway; refreshed once (the first refresh is the baseline).
 */
export async function buildHomeWorld(dir: string, opts: { devices: number; nowMs: number; scans?: HostScan[] }): Promise<HomeWorld> {
  const store = await openTestStore(dir);
  const clock = new FakeClock(opts.nowMs);
  const bus = createEventBus();
  const log = createSilentLogger();
  const metrics = createMetrics();
  const findings = createFindingsStore({ store, bus, log, metrics });
  await findings.start?.();
  const observed: ObservedDevice[] = Array.from({ length: opts.devices }, (_, i) => ({
    ip: homeIp(i),
    firstSeenMs: opts.nowMs - 7 * 24 * 3_600_000,
    lastSeenMs: opts.nowMs - (i % 500) * 60_000,
    flows: 100 + i,
    bytesOut: 1000 * (i + 1),
    bytesIn: 5000 * (i + 1),
  }));
  const neigh: NeighbourEntry[] = observed.map((d, i) => ({
    ip: d.ip,
    mac: `${VENDOR_OUIS[i % VENDOR_OUIS.length]}:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
    state: 'reachable',
  }));
  const scans = opts.scans ?? [];
  const inventory = createInventory(
    { inventory_dhcp_leases: '', inventory_neighbours: true, inventory_resolve_names: false, new_device_alerts: true, new_device_learning_hours: 0, trusted_macs: [] },
    {
      bus,
      store,
      clock,
      log,
      metrics,
      findings,
      observedDevices: () => observed,
      scanResults: () => scans,
      neighbours: async () => ({ source: 'ip-json', entries: neigh }),
      leases: async () => [],
      gateways: async () => ['192.168.0.10'],
    },
  );
  await inventory.start?.();
  await inventory.refresh();
  return {
    store,
    bus,
    clock,
    findings,
    inventory,
    observed,
    scans,
    async stop() {
      await inventory.stop?.();
      await findings.stop?.();
      await store.stop();
    },
  };
}
