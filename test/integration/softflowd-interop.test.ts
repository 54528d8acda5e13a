/**
 * Interop with a real exporter and the reference collector: softflowd exports the same pcap
 * to homesec's collector and to nfcapd; homesec's flows must equal what nfdump reads back
 * (same 5-tuples, packets and bytes), and totals must equal the pcap's truth.
 * Loopback only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../src/core/clock.js';
import { createEventBus } from '../../src/core/events.js';
import { createSilentLogger } from '../../src/core/logger.js';
import { createMetrics } from '../../src/core/metrics.js';
import { configSchema } from '../../src/config/schema.js';
import { createCollector, type Collector } from '../../src/flow/collector.js';
import type { FlowRecord } from '../../src/flow/types.js';
import { freeUdpPort } from '../support/daemon.js';
import { canonical, softflowdExport, startNfcapd, type Tuple } from '../support/flow-tools.js';
import { homeFlows, packetsOf, writePcap } from '../support/pcap.js';

let dir: string;
let pcap: string;
let truth: { ipBytes: number; packets: number };
const FLOWS = 400;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-sf-'));
  pcap = path.join(dir, 'home.pcap');
  truth = writePcap(pcap, packetsOf(homeFlows(FLOWS, 7, Date.UTC(2026, 10, 23, 8, 0, 0))));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function collectWithHomesec(version: 5 | 9 | 10, extra: string[] = []): Promise<{ records: FlowRecord[]; collector: Collector }> {
  const port = await freeUdpPort();
  const bus = createEventBus();
  const records: FlowRecord[] = [];
  bus.on('flow.records', (b) => records.push(...b.records));
  const config = configSchema.parse({ bind_host: '127.0.0.1', bind_port: port });
  const collector = createCollector(config, { bus, clock: createSystemClock(), log: createSilentLogger(), metrics: createMetrics() });
  await collector.start();
  try {
    await softflowdExport(pcap, port, version, dir, extra);
    // wait until the datagrams are drained
    for (let i = 0; i < 40 && records.length < FLOWS; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 100));
  } finally {
    await collector.stop();
  }
  return { records, collector };
}

async function collectWithNfcapd(version: 5 | 9 | 10, extra: string[] = []): Promise<Tuple[]> {
  const port = await freeUdpPort();
  const nf = await startNfcapd(port, path.join(dir, `nf-${version}-${port}`));
  await softflowdExport(pcap, port, version, dir, extra);
  await new Promise((r) => setTimeout(r, 200));
  return nf.stopAndRead();
}

function tuples(records: FlowRecord[]): Tuple[] {
  return records.map((r) => ({ proto: r.protocol, src: r.srcAddr, dst: r.dstAddr, sport: r.srcPort, dport: r.dstPort, packets: r.packets, bytes: r.bytes }));
}

const cases: { name: string; version: 5 | 9 | 10; extra?: string[] }[] = [
  { name: 'NetFlow v5', version: 5 },
  { name: 'NetFlow v9', version: 9 },
  { name: 'IPFIX (uptime-relative times, IE 21/22 + 160)', version: 10 },
  { name: 'IPFIX with -A milli (IE 152/153)', version: 10, extra: ['-A', 'milli'] },
];

describe.each(cases)('softflowd → homesec vs nfcapd: $name', ({ version, extra }) => {
  it('same flows, packets and bytes as nfdump; totals equal the pcap', async () => {
    const [{ records, collector }, nf] = [await collectWithHomesec(version, extra), await collectWithNfcapd(version, extra)];
    expect(nf.length).toBe(FLOWS);
    expect(records.length).toBe(nf.length);
    expect(canonical(tuples(records))).toEqual(canonical(nf));
    expect(records.reduce((s, r) => s + r.bytes, 0)).toBe(truth.ipBytes);
    expect(records.reduce((s, r) => s + r.packets, 0)).toBe(truth.packets);
    const h = collector.health.get('127.0.0.1');
    expect(h?.records).toBe(FLOWS);
    expect(h?.sequenceGaps).toBe(0);
    expect(Object.keys(h?.drops ?? {})).toEqual([]);
    // times are absolute: start <= end, and inside the capture's time span (first packet 08:00:00 UTC)
    const captureStart = Date.UTC(2026, 10, 23, 8, 0, 0);
    for (const r of records) {
      expect(r.startMs).toBeLessThanOrEqual(r.endMs);
      expect(r.startMs, version + JSON.stringify(r)).toBeGreaterThanOrEqual(captureStart - 1000);
      expect(r.endMs).toBeLessThanOrEqual(captureStart + 70_000);
    }
  });
});
