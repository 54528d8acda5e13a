/**
 * Seeds and fakes for the dashboard API's tests and benchmark (no production code imports
 * it; excluded from the build). Rules: rows are written with the same SQL shapes the traffic
 * tracker and the intel cache write, into a real SQLite database; addresses are from the
 * documentation ranges (192.168.0.0/16 inside, 198.51.100.0/24, 203.0.113.0/24 and 100.64+
 * style synthetic space outside) and are never contacted.
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

/** The i-th synthetic external address (distinct for i < 16 million; never a private range). */
export function externalIp(i: number): string {
  return `${100 + ((i >> 16) % 100)}.${(i >> 8) & 255}.${i & 255}.${7 + (i % 200)}`;
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
