/**
 * Per-device traffic knowledge. Rules: every flow is classified once (internal/external by
 * CIDR) and then (1) counted per internal device (flows, bytes in/out, peers, ports,
 * first/last seen), (2) counted per external peer (first/last seen, bytes, which devices
 * talk to it — the table the intel issue enriches), (3) aggregated into connection history
 * rows per (source, destination, port, protocol) between flushes (about every 10 s), and (4) handed to every detector. Memory is bounded: devices,
 * external IPs, per-device peer/port sets and the history buffer each have a cap (oldest
 * evicted, evictions counted). flush() writes history and dirty external IPs to SQLite in
 * one transaction; prune() applies flow_retention_hours and external_ip_retention_hours
 * (0 = keep forever).
 *
 * Shape (ingest() runs once per flow at up to millions of flows/s): each address text is
 * turned into a number once per flow (`ipv4Key`; -1 for anything but canonical IPv4), and
 * that number is the key everywhere on the hot path: classification, the device and
 * external-IP indexes (IntMap beside the Maps that own the entries and their recency
 * order), the history table (history-table.ts) and the detectors (FlowKeys). Text that is
 * not canonical IPv4 (IPv6) takes the same steps keyed by the string. A batch goes in two
 * passes: the numbers and direction of every flow (a tight loop), then the counting and the
 * detectors, flow by flow in order. (A pass in between that read every row the batch would
 * update, so that their cache misses overlap, was measured slower: 0.62-0.64 against
 * 0.55-0.57 µs per flow.) The sets of a device
 * or external IP change only when a flow opens a new history row: a connection already in
 * this window has already put its peer, port and device there. The numbers and directions of
 * the last batch stay readable (keysOf, batch-keys.ts) for the `flow.records` listeners that
 * run after the tracker's.
 */
import type { Config } from '../config/schema.js';
import type { Metrics } from '../core/metrics.js';
import type { Detector, Direction, FlowKeys } from '../detect/detector.js';
import { IntMap } from '../detect/int-map.js';
import { ipv4Key } from '../flow/ip-text.js';
import type { FlowRecord } from '../flow/types.js';
import type { Db } from '../store/database.js';
import { kvGet, kvSet } from '../store/kv.js';
import { BatchKeys, DIR, fillBatchKeys } from './batch-keys.js';
import { createClassifier } from './classifier.js';
import { ExternalTable, type ExternalIpEntry } from './external-table.js';
import { HistoryTable } from './history-table.js';

const TOTAL_FLOWS_KEY = 'traffic.total_flows';

export const LIMITS = {
  devices: 65_536,
  externalIps: 100_000,
  setPerDevice: 256,
  devicesPerExternal: 64,
  historyRows: 200_000,
};

export interface DeviceStats {
  ip: string;
  /** Flow time of the last re-insertion (recency bookkeeping). */
  movedMs: number;
  firstSeenMs: number;
  lastSeenMs: number;
  flows: number;
  bytesOut: number;
  bytesIn: number;
  packetsOut: number;
  packetsIn: number;
  /** Peers (bounded set). */
  peers: Set<string>;
  /** Destination ports this device connected to (bounded). */
  dstPorts: Set<number>;
  /** Ports on this device that others connected to (bounded). */
  servicePorts: Set<number>;
}

/** An external peer's counters (read from the external-IP table's row; see external-table.ts). */
export type ExternalIpStats = ExternalIpEntry;

export interface TrafficTracker {
  /** Processes a batch of records (the collector's hot path). */
  ingest(records: readonly FlowRecord[]): void;
  /**
   * The addresses as numbers and the directions ingest() worked out for `records`, when that
   * very array is the last batch ingest() finished; else undefined. Valid until the next ingest().
   */
  keysOf(records: readonly FlowRecord[]): BatchKeys | undefined;
  /** Total flow records ingested, over restarts (the reference's Total Flows sensor). */
  readonly totalFlows: number;
  devices(): IterableIterator<DeviceStats>;
  device(ip: string): DeviceStats | undefined;
  externalIps(): IterableIterator<ExternalIpStats>;
  /** Writes buffered history, dirty external IPs, devices and the flow total (at nowMs); returns rows written. */
  flush(db: Db, nowMs: number): number;
  /** Deletes history and external IPs past retention; returns rows deleted. */
  prune(db: Db, nowMs: number): number;
  /** Loads external IP table and device counters persisted by an earlier run. */
  load(db: Db): void;
  /** Runs every detector's tick. */
  tick(nowMs: number): void;
}

function addBounded<T>(set: Set<T>, v: T, max: number): void {
  if (set.size < max || set.has(v)) set.add(v);
}

/**
 * Evicts `fraction` of a map's entries in insertion order (and their numeric index entries).
 * Entries are re-inserted when touched after a while (see touch()), so insertion order
 * approximates least-recently-seen without sorting on the hot path.
 */
function evictOldest<V>(map: Map<string, V>, index: IntMap<V>, fraction: number): number {
  const n = Math.max(1, Math.floor(map.size * fraction));
  let removed = 0;
  for (const k of map.keys()) {
    if (removed >= n) break;
    map.delete(k);
    const num = ipv4Key(k);
    if (num >= 0) index.delete(num);
    removed++;
  }
  return removed;
}

/** Re-inserts an entry last moved more than a minute (of flow time) ago, keeping insertion order close to recency. */
function touch<V extends { movedMs: number }>(map: Map<string, V>, key: string, v: V, t: number): void {
  if (t - v.movedMs > 60_000) {
    v.movedMs = t;
    map.delete(key);
    map.set(key, v);
  }
}

/** Creates a tracker for the config's internal networks feeding `detectors`. */
export function createTrafficTracker(
  config: Pick<Config, 'internal_networks' | 'flow_retention_hours' | 'external_ip_retention_hours'>,
  deps: { metrics: Metrics; detectors: readonly Detector[] },
): TrafficTracker {
  const classifier = createClassifier(config.internal_networks);
  // The Maps own the entries and their recency order; the IntMaps find IPv4 ones by number.
  const devices = new Map<string, DeviceStats>();
  const devicesByNum = new IntMap<DeviceStats>();
  const externals = new ExternalTable(LIMITS.externalIps);
  const history = new HistoryTable(LIMITS.historyRows);
  const detectors = deps.detectors;
  /** The current flow's keys, handed to every detector (one object, rewritten per flow). */
  const keys: FlowKeys = { src: -1, dst: -1 };
  /** The last batch's keys (keysOf), and that batch once ingest() has finished it. */
  const batchKeys = new BatchKeys();
  let keyedBatch: readonly FlowRecord[] | undefined;
  let totalFlows = 0;


  const device = (ip: string, num: number, t: number): DeviceStats => {
    let d = num >= 0 ? devicesByNum.get(num) : devices.get(ip);
    if (!d) {
      if (devices.size >= LIMITS.devices) deps.metrics.inc('homesec_traffic_evictions_total', { table: 'devices' }, evictOldest(devices, devicesByNum, 0.1));
      d = { ip, movedMs: t, firstSeenMs: t, lastSeenMs: t, flows: 0, bytesOut: 0, bytesIn: 0, packetsOut: 0, packetsIn: 0, peers: new Set(), dstPorts: new Set(), servicePorts: new Set() };
      devices.set(ip, d);
      if (num >= 0) devicesByNum.set(num, 0, d);
    }
    if (t > d.lastSeenMs) d.lastSeenMs = t;
    if (t < d.firstSeenMs) d.firstSeenMs = t;
    touch(devices, ip, d, t);
    return d;
  };

  /** The external-IP table's row for ip (added when new), counted for one flow. */
  const external = (ip: string, num: number, t: number, bytes: number, toPeer: boolean): number => {
    let row = externals.find(ip, num);
    if (row < 0) {
      if (externals.size >= LIMITS.externalIps) {
        deps.metrics.inc('homesec_traffic_evictions_total', { table: 'external_ips' }, externals.evictOldest(0.1));
      }
      row = externals.add(ip, num, { firstSeenMs: t, lastSeenMs: t, bytesIn: 0, bytesOut: 0, flows: 0, dirty: true }, t);
    }
    externals.count(row, t, bytes, toPeer);
    return row;
  };

  return {
    get totalFlows() {
      return totalFlows;
    },
    ingest(records) {
      keyedBatch = undefined;
      const n = records.length;
      // 1. every flow's address numbers and direction
      fillBatchKeys(records, classifier, batchKeys);
      const bSrc = batchKeys.src;
      const bDst = batchKeys.dst;
      const bDir = batchKeys.dir;
      // 2. count, and hand each flow to the detectors
      for (let i = 0; i < n; i++) {
        const r = records[i] as FlowRecord;
        totalFlows++;
        const t = r.endMs;
        const src = r.srcAddr;
        const dst = r.dstAddr;
        const sk = bSrc[i] as number;
        const dk = bDst[i] as number;
        const code = bDir[i] as number;
        const srcIn = code === DIR.outbound || code === DIR.internal;
        const dstIn = code === DIR.inbound || code === DIR.internal;
        // A connection already in this window's history has already put its peer, port and
        // device into the bounded sets: only counters change (the common, hot case).
        const fresh = srcIn || dstIn ? history.add(src, sk, dst, dk, r.dstPort, r.protocol, t, r.bytes, r.packets) : false;
        let dir: Direction;
        if (srcIn) {
          const d = device(src, sk, t);
          d.flows++;
          d.bytesOut += r.bytes;
          d.packetsOut += r.packets;
          if (fresh) {
            addBounded(d.peers, dst, LIMITS.setPerDevice);
            addBounded(d.dstPorts, r.dstPort, LIMITS.setPerDevice);
          }
          if (dstIn) {
            dir = 'internal';
            const d2 = device(dst, dk, t);
            d2.bytesIn += r.bytes;
            d2.packetsIn += r.packets;
            if (fresh) addBounded(d2.servicePorts, r.dstPort, LIMITS.setPerDevice);
          } else {
            dir = 'outbound';
            const row = external(dst, dk, t, r.bytes, true);
            if (fresh) addBounded(externals.entry(row).devices, src, LIMITS.devicesPerExternal);
          }
        } else if (dstIn) {
          dir = 'inbound';
          const d = device(dst, dk, t);
          d.bytesIn += r.bytes;
          d.packetsIn += r.packets;
          if (fresh) {
            addBounded(d.peers, src, LIMITS.setPerDevice);
            addBounded(d.servicePorts, r.dstPort, LIMITS.setPerDevice);
          }
          const row = external(src, sk, t, r.bytes, false);
          if (fresh) addBounded(externals.entry(row).devices, dst, LIMITS.devicesPerExternal);
        } else {
          dir = 'transit';
        }
        keys.src = sk;
        keys.dst = dk;
        for (let j = 0; j < detectors.length; j++) (detectors[j] as Detector).observe(r, dir, keys);
      }
      keyedBatch = records;
    },
    keysOf: (records) => (records === keyedBatch ? batchKeys : undefined),
    devices: () => devices.values(),
    device: (ip) => devices.get(ip),
    externalIps: () => externals.values(),
    flush(db, nowMs) {
      const rows = history.rows;
      const historyDropped = history.takeDropped();
      if (historyDropped > 0) deps.metrics.inc('homesec_traffic_history_dropped_total', {}, historyDropped);
      const dirty = [...externals.values()].filter((e) => e.dirty);
      const devs = [...devices.values()];
      try {
        const insertHist = db.prepare(
          'INSERT INTO connections (ts_ms, src, dst, dst_port, protocol, flows, bytes, packets) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        );
        const upsertExt = db.prepare(
          `INSERT INTO external_ips (ip, first_seen_ms, last_seen_ms, bytes_in, bytes_out, flows, devices) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(ip) DO UPDATE SET last_seen_ms = excluded.last_seen_ms, bytes_in = excluded.bytes_in,
             bytes_out = excluded.bytes_out, flows = excluded.flows, devices = excluded.devices`,
        );
        const upsertDev = db.prepare(
          `INSERT INTO devices (ip, first_seen_ms, last_seen_ms, flows, bytes_out, bytes_in) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT(ip) DO UPDATE SET last_seen_ms = excluded.last_seen_ms, flows = excluded.flows,
             bytes_out = excluded.bytes_out, bytes_in = excluded.bytes_in`,
        );
        db.transaction(() => {
          history.forEach((h) => insertHist.run(h.tsMs, h.src, h.dst, h.dstPort, h.protocol, h.flows, h.bytes, h.packets));
          for (const e of dirty) {
            upsertExt.run(e.ip, e.firstSeenMs, e.lastSeenMs, e.bytesIn, e.bytesOut, e.flows, JSON.stringify([...e.devices]));
            e.dirty = false;
          }
          for (const d of devs) upsertDev.run(d.ip, d.firstSeenMs, d.lastSeenMs, d.flows, d.bytesOut, d.bytesIn);
        })();
      } finally {
        history.clear(); // the window is over whether or not it could be written
      }
      kvSet(db, TOTAL_FLOWS_KEY, totalFlows, nowMs);
      return rows + dirty.length;
    },
    prune(db, nowMs) {
      let deleted = 0;
      if (config.flow_retention_hours > 0) {
        deleted += db.prepare('DELETE FROM connections WHERE ts_ms < ?').run(nowMs - config.flow_retention_hours * 3_600_000).changes;
      }
      if (config.external_ip_retention_hours > 0) {
        const cutoff = nowMs - config.external_ip_retention_hours * 3_600_000;
        deleted += db.prepare('DELETE FROM external_ips WHERE last_seen_ms < ?').run(cutoff).changes;
        externals.removeSeenBefore(cutoff);
      }
      return deleted;
    },
    load(db) {
      totalFlows = kvGet<number>(db, TOTAL_FLOWS_KEY) ?? 0;
      if (!Number.isFinite(totalFlows) || totalFlows < 0) totalFlows = 0;
      const ext = db.prepare('SELECT * FROM external_ips ORDER BY last_seen_ms DESC LIMIT ?').all(LIMITS.externalIps) as {
        ip: string;
        first_seen_ms: number;
        last_seen_ms: number;
        bytes_in: number;
        bytes_out: number;
        flows: number;
        devices: string;
      }[];
      for (const r of ext) {
        let devs: string[] = [];
        try {
          devs = (JSON.parse(r.devices) as unknown[]).filter((x): x is string => typeof x === 'string').slice(0, LIMITS.devicesPerExternal);
        } catch {
          /* keep empty */
        }
        const num = ipv4Key(r.ip);
        if (externals.find(r.ip, num) >= 0 || externals.size >= LIMITS.externalIps) continue;
        const row = externals.add(r.ip, num, { firstSeenMs: r.first_seen_ms, lastSeenMs: r.last_seen_ms, bytesIn: r.bytes_in, bytesOut: r.bytes_out, flows: r.flows, dirty: false }, r.last_seen_ms);
        for (const d of devs) externals.entry(row).devices.add(d);
      }
      const devs = db.prepare('SELECT * FROM devices ORDER BY last_seen_ms DESC LIMIT ?').all(LIMITS.devices) as {
        ip: string;
        first_seen_ms: number;
        last_seen_ms: number;
        flows: number;
        bytes_out: number;
        bytes_in: number;
      }[];
      for (const r of devs) {
        const d: DeviceStats = { ip: r.ip, movedMs: r.last_seen_ms, firstSeenMs: r.first_seen_ms, lastSeenMs: r.last_seen_ms, flows: r.flows, bytesOut: r.bytes_out, bytesIn: r.bytes_in, packetsOut: 0, packetsIn: 0, peers: new Set(), dstPorts: new Set(), servicePorts: new Set() };
        devices.set(r.ip, d);
        const num = ipv4Key(r.ip);
        if (num >= 0) devicesByNum.set(num, 0, d);
      }
    },
    tick(nowMs) {
      for (const d of detectors) d.tick(nowMs);
    },
  };
}
