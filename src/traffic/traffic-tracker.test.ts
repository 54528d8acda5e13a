import { describe, expect, it } from 'vitest';
import { createMetrics } from '../core/metrics.js';
import type { Detector, Direction } from '../detect/detector.js';
import type { FlowRecord } from '../flow/types.js';
import { openDatabase } from '../store/database.js';
import { LIMITS, createTrafficTracker } from './traffic-tracker.js';

const T0 = Date.UTC(2026, 10, 23, 8, 0, 0);
const flow = (src: string, dst: string, dstPort: number, bytes: number, t = T0): FlowRecord => ({
  ipVersion: 4,
  srcAddr: src,
  dstAddr: dst,
  srcPort: 50000,
  dstPort,
  protocol: 6,
  bytes,
  packets: 3,
  tcpFlags: 0,
  startMs: t,
  endMs: t,
  exporter: '192.168.1.1',
  inputIf: 0,
  outputIf: 0,
  samplingRate: 1,
});

const cfg = { internal_networks: ['192.168.0.0/16', '10.0.0.0/8'], flow_retention_hours: 24, external_ip_retention_hours: 24 };

function recorder(): Detector & { seen: [string, Direction][] } {
  const seen: [string, Direction][] = [];
  return { name: 'rec', seen, observe: (f, d) => seen.push([`${f.srcAddr}>${f.dstAddr}`, d]), tick: () => {}, size: () => seen.length };
}

describe('traffic tracker', () => {
  it('classifies direction, counts per device and per external IP', () => {
    const det = recorder();
    const t = createTrafficTracker(cfg, { metrics: createMetrics(), detectors: [det] });
    t.ingest([
      flow('192.168.1.10', '8.8.8.8', 53, 100),
      flow('8.8.8.8', '192.168.1.10', 40000, 300),
      flow('192.168.1.10', '192.168.1.20', 445, 50),
      flow('1.1.1.1', '9.9.9.9', 80, 10),
    ]);
    expect(det.seen.map((s) => s[1])).toEqual(['outbound', 'inbound', 'internal', 'transit']);
    expect(t.totalFlows).toBe(4);
    const d = t.device('192.168.1.10');
    expect(d).toMatchObject({ flows: 2, bytesOut: 150, bytesIn: 300 });
    expect([...(d?.peers ?? [])].sort()).toEqual(['192.168.1.20', '8.8.8.8']);
    expect([...(t.device('192.168.1.20')?.servicePorts ?? [])]).toEqual([445]);
    const e = [...t.externalIps()].find((x) => x.ip === '8.8.8.8');
    expect(e).toMatchObject({ flows: 2, bytesIn: 100, bytesOut: 300 });
    expect([...(e?.devices ?? [])]).toEqual(['192.168.1.10']);
    expect([...t.externalIps()].map((x) => x.ip)).not.toContain('9.9.9.9');
  });

  it('flushes per-minute history and external IPs to SQLite, reloads them, and prunes by retention', () => {
    const { db } = openDatabase(':memory:');
    const t = createTrafficTracker(cfg, { metrics: createMetrics(), detectors: [] });
    t.ingest([flow('192.168.1.10', '8.8.8.8', 53, 100), flow('192.168.1.10', '8.8.8.8', 53, 50), flow('192.168.1.10', '8.8.4.4', 53, 10, T0 + 120_000)]);
    t.flush(db, T0);
    const rows = db.prepare('SELECT dst, flows, bytes FROM connections ORDER BY ts_ms').all();
    expect(rows).toEqual([
      { dst: '8.8.8.8', flows: 2, bytes: 150 },
      { dst: '8.8.4.4', flows: 1, bytes: 10 },
    ]);
    const t2 = createTrafficTracker(cfg, { metrics: createMetrics(), detectors: [] });
    t2.load(db);
    expect([...t2.externalIps()].map((x) => x.ip).sort()).toEqual(['8.8.4.4', '8.8.8.8']);
    expect(t2.device('192.168.1.10')?.flows).toBe(3);
    const deleted = t2.prune(db, T0 + 24 * 3_600_000 + 60_001);
    expect(deleted).toBe(1 /* the 08:00 history row */ + 1 /* 8.8.8.8, last seen > 24 h before */);
    expect([...t2.externalIps()].map((x) => x.ip)).toEqual(['8.8.4.4']);
    db.close();
  });

  it('retention 0 keeps everything', () => {
    const { db } = openDatabase(':memory:');
    const t = createTrafficTracker({ ...cfg, flow_retention_hours: 0, external_ip_retention_hours: 0 }, { metrics: createMetrics(), detectors: [] });
    t.ingest([flow('192.168.1.10', '8.8.8.8', 53, 100)]);
    t.flush(db, T0);
    expect(t.prune(db, T0 + 1e12)).toBe(0);
    db.close();
  });

  it('memory stays bounded under 200,000 spoofed external sources', () => {
    const metrics = createMetrics();
    const t = createTrafficTracker(cfg, { metrics, detectors: [] });
    const batch: FlowRecord[] = [];
    for (let i = 0; i < 200_000; i++) {
      batch.push(flow(`${20 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.1`, '192.168.1.10', 22, 60, T0 + i));
    }
    t.ingest(batch);
    expect([...t.externalIps()].length).toBeLessThanOrEqual(LIMITS.externalIps);
    expect(t.device('192.168.1.10')?.peers.size).toBeLessThanOrEqual(LIMITS.setPerDevice);
    expect(metrics.get('homesec_traffic_evictions_total', { table: 'external_ips' })).toBeGreaterThan(0);
  });

  it('IPv6 and non-canonical IPv4 text take the same steps keyed by the text', () => {
    const det = recorder();
    const t = createTrafficTracker({ ...cfg, internal_networks: [...cfg.internal_networks, 'fd00::/8'] }, { metrics: createMetrics(), detectors: [det] });
    t.ingest([
      flow('fd00::10', '2001:db8::53', 53, 100),
      flow('2001:db8::53', 'fd00::10', 40000, 300),
      flow('fd00::10', '2001:db8::53', 53, 50),
      flow('192.168.001.010', '8.8.8.8', 53, 7), // internal, but a device of its own text
    ]);
    expect(det.seen.map((s) => s[1])).toEqual(['outbound', 'inbound', 'outbound', 'outbound']);
    expect(t.device('fd00::10')).toMatchObject({ flows: 2, bytesOut: 150, bytesIn: 300 });
    expect([...(t.device('fd00::10')?.peers ?? [])]).toEqual(['2001:db8::53']);
    expect([...t.externalIps()].find((x) => x.ip === '2001:db8::53')).toMatchObject({ flows: 3, bytesIn: 150, bytesOut: 300 });
    expect(t.device('192.168.001.010')).toMatchObject({ flows: 1, bytesOut: 7 });
    expect(t.device('192.168.1.10')).toBeUndefined();
    const { db } = openDatabase(':memory:');
    t.flush(db, T0);
    expect(db.prepare('SELECT src, dst, dst_port, flows, bytes FROM connections ORDER BY id').all()).toEqual([
      { src: 'fd00::10', dst: '2001:db8::53', dst_port: 53, flows: 2, bytes: 150 },
      { src: '2001:db8::53', dst: 'fd00::10', dst_port: 40000, flows: 1, bytes: 300 },
      { src: '192.168.001.010', dst: '8.8.8.8', dst_port: 53, flows: 1, bytes: 7 },
    ]);
    db.close();
  });
});

