/**
 * Benchmark input: a fixed, realistic set of datagrams per protocol, built with homesec's
 * encoders from seeded random records (deterministic across runs). One datagram per chunk
 * of records (30 for v5/v9, 28 for IPFIX, about 1.2-1.4 KB each); v9/IPFIX datagrams carry
 * their templates in the first datagram and every 20th after it, as exporters refresh them.
 */
import { decodeDatagram } from '../src/flow/decode/index.js';
import { TemplateStore } from '../src/flow/decode/template-store.js';
import { encodeIpfix, encodeV5, encodeV9 } from '../src/flow/encode/index.js';
import { mulberry32, randomFlowRecords } from '../src/flow/encode/random-records.js';

export type BenchProto = 'v5' | 'v9' | 'ipfix';

export interface DatagramSet {
  proto: BenchProto;
  datagrams: { buf: Buffer; flows: number }[];
  /** Records in the whole set. */
  flows: number;
}

export const BENCH_NOW_MS = Date.UTC(2026, 10, 23, 8, 0, 0);

/**
 * Home-network records: 50 devices in 192.168.1.0/24 and 5,000 external peers; 75% of flows
 * outbound, 20% inbound, 5% between devices. Services follow a home mix (HTTPS 55%, DNS 15%,
 * HTTP 8%, QUIC 5%, NTP 3%, MQTT-TLS 2%, any port 12%); client ports, sizes and times come
 * from randomFlowRecords.
 */
export function homeRecords(n: number, seed = 1) {
  const rng = mulberry32(seed);
  const records = randomFlowRecords(n, rng, { nowMs: BENCH_NOW_MS, exporter: '127.0.0.1' });
  const device = () => `192.168.1.${10 + Math.floor(rng() * 50)}`;
  const peer = () => {
    const k = Math.floor(rng() * 5000);
    return `${23 + (k % 180)}.${(k * 7) % 256}.${(k * 13) % 256}.${1 + (k % 250)}`;
  };
  const service = (): [number, number] => {
    const y = rng();
    if (y < 0.55) return [443, 6];
    if (y < 0.7) return [53, 17];
    if (y < 0.78) return [80, 6];
    if (y < 0.83) return [443, 17];
    if (y < 0.86) return [123, 17];
    if (y < 0.88) return [8883, 6];
    return [1 + Math.floor(rng() * 65535), rng() < 0.7 ? 6 : 17];
  };
  for (const r of records) {
    [r.dstPort, r.protocol] = service();
    const x = rng();
    if (x < 0.75) [r.srcAddr, r.dstAddr] = [device(), peer()];
    else if (x < 0.95) [r.srcAddr, r.dstAddr] = [peer(), device()];
    else [r.srcAddr, r.dstAddr] = [device(), device()];
  }
  return records;
}

/** The datagrams for one protocol, about n records. */
export function benchDatagrams(proto: BenchProto, n = 60_000): DatagramSet {
  const records = homeRecords(n);
  const chunk = proto === 'ipfix' ? 28 : 30;
  const bufs: Buffer[] = [];
  for (let off = 0, k = 0; off < records.length; off += chunk, k++) {
    const part = records.slice(off, off + chunk);
    const includeTemplate = k % 20 === 0;
    if (proto === 'v5') bufs.push(...encodeV5(part, { sysUptimeMs: 3_600_000, unixMs: BENCH_NOW_MS, sequence: off }));
    else if (proto === 'v9') bufs.push(...encodeV9(part, { sysUptimeMs: 3_600_000, unixMs: BENCH_NOW_MS, sequence: k, sourceId: 1, includeTemplate }));
    else bufs.push(...encodeIpfix(part, { exportTimeSec: BENCH_NOW_MS / 1000, sequence: off, domainId: 1, includeTemplate, timestamps: 'milli' }));
  }
  // count the data records of each datagram by decoding it once, in order
  const store = new TemplateStore();
  const datagrams = bufs.map((buf) => ({ buf, flows: decodeDatagram(buf, '127.0.0.1', store, BENCH_NOW_MS).records.length }));
  return { proto, datagrams, flows: datagrams.reduce((s, d) => s + d.flows, 0) };
}
