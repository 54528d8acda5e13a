/**
 * NetFlow v5 encoder tests: round trip through decodeV5, datagram splitting, header fields,
 * sampling, uptime wrap, and a cross-check against an independent decoder (node-netflowv9).
 *
 * Rules: seeded random records (reproducible); the independent decoder guards against the
 * encoder and decoder sharing one misunderstanding of the format.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { encodeV5 } from './v5.js';
import { decodeV5 } from '../decode/v5.js';
import { mulberry32, randomFlowRecords } from './random-records.js';
import type { FlowRecord } from '../types.js';

const EXPORTER = '192.0.2.55';

interface Nf5Flow {
  ipv4_src_addr: string; ipv4_dst_addr: string; input_snmp: number; output_snmp: number; in_pkts: number;
  in_bytes: number; first_switched: number; last_switched: number; ipv4_src_port: number; ipv4_dst_port: number;
  tcp_flags: number; protocol: number;
}
interface Nf5Packet {
  header: { version: number; count: number; uptime: number; seconds: number; nseconds: number; sequence: number;
    engine_type: number; engine_id: number; sampling_interval: number };
  flows: Nf5Flow[];
}
const require = createRequire(import.meta.url);
const nf5PktDecode = require('node-netflowv9/js/nf5/nf5decode') as (msg: Buffer, rinfo: object) => Nf5Packet;

function decodeAll(bufs: Buffer[]): FlowRecord[] {
  return bufs.flatMap((b) => {
    const r = decodeV5(b, EXPORTER);
    expect(r.errors).toEqual([]);
    return r.records;
  });
}

describe('encodeV5', () => {
  it('round-trips IPv4 records through decodeV5, 30 per datagram, skipping IPv6', () => {
    const recs = randomFlowRecords(95, mulberry32(1), { exporter: EXPORTER, ipv6Share: 0.2 });
    const v4 = recs.filter((r) => r.ipVersion === 4);
    const bufs = encodeV5(recs, { sysUptimeMs: 86_400_000, unixMs: 1_700_000_000_000, sequence: 1000 });
    expect(bufs).toHaveLength(Math.ceil(v4.length / 30));
    let seq = 1000;
    for (const b of bufs) {
      const count = b.readUInt16BE(2);
      expect(count).toBeLessThanOrEqual(30);
      expect(b.length).toBe(24 + 48 * count);
      expect(b.readUInt32BE(16)).toBe(seq);
      seq += count;
    }
    expect(decodeAll(bufs)).toEqual(v4);
  });

  it('round-trips across a 32-bit sysUptime wrap and a millisecond export time', () => {
    const recs = randomFlowRecords(40, mulberry32(2), { exporter: EXPORTER, nowMs: 1_700_000_000_777 });
    // uptime wrapped 3 s ago: flows that started before the wrap have First near 2^32.
    const bufs = encodeV5(recs, { sysUptimeMs: 2 ** 32 + 3000, unixMs: 1_700_000_000_777, sequence: 0 });
    expect(bufs[0]!.readUInt32BE(4)).toBe(3000);
    expect(bufs[0]!.readUInt32BE(12)).toBe(777_000_000);
    expect(decodeAll(bufs)).toEqual(recs);
  });

  it('writes sampled counts and the sampling header; the decoder scales them back', () => {
    const recs = randomFlowRecords(30, mulberry32(3), { exporter: EXPORTER, samplingRate: 64 });
    const bufs = encodeV5(recs, { sysUptimeMs: 10_000_000, unixMs: 1_700_000_000_000, sequence: 5,
      samplingInterval: 64, engineId: 9, engineType: 2 });
    const b = bufs[0]!;
    expect(b.readUInt16BE(22)).toBe((1 << 14) | 64);
    expect(b[20]).toBe(2);
    expect(b[21]).toBe(9);
    expect(b.readUInt32BE(24 + 16)).toBe(recs[0]!.packets / 64);
    const r = decodeV5(b, EXPORTER);
    expect(r.domainId).toBe((2 << 8) | 9);
    expect(r.records).toEqual(recs);
  });

  it('agrees with an independent decoder (node-netflowv9) on every field', () => {
    const recs = randomFlowRecords(60, mulberry32(4), { exporter: EXPORTER });
    const opts = { sysUptimeMs: 123_456_789, unixMs: 1_700_000_100_250, sequence: 77, engineId: 3 };
    const bufs = encodeV5(recs, opts);
    const flows = bufs.flatMap((b) => {
      const p = nf5PktDecode(b, {});
      expect(p.header).toMatchObject({ version: 5, uptime: 123_456_789, seconds: 1_700_000_100,
        nseconds: 250_000_000, engine_id: 3, sampling_interval: 0 });
      return p.flows;
    });
    expect(flows).toHaveLength(recs.length);
    flows.forEach((f, i) => {
      const r = recs[i]!;
      expect(f).toMatchObject({ ipv4_src_addr: r.srcAddr, ipv4_dst_addr: r.dstAddr, ipv4_src_port: r.srcPort,
        ipv4_dst_port: r.dstPort, protocol: r.protocol, tcp_flags: r.tcpFlags, in_bytes: r.bytes,
        in_pkts: r.packets, input_snmp: r.inputIf, output_snmp: r.outputIf });
      expect(1_700_000_100_250 - (123_456_789 - f.first_switched)).toBe(r.startMs);
      expect(1_700_000_100_250 - (123_456_789 - f.last_switched)).toBe(r.endMs);
    });
  });

  it('clamps counters and interfaces that do not fit, and zeroes unused fields', () => {
    const [r] = randomFlowRecords(1, mulberry32(5), { exporter: EXPORTER });
    const big = { ...r!, ipVersion: 4 as const, srcAddr: '1.2.3.4', bytes: 2 ** 40, packets: 2 ** 33, inputIf: 70_000 };
    const b = encodeV5([big], { sysUptimeMs: 1e6, unixMs: 1.7e12, sequence: 0 })[0]!;
    expect(b.readUInt32BE(24 + 20)).toBe(0xffffffff);
    expect(b.readUInt32BE(24 + 16)).toBe(0xffffffff);
    expect(b.readUInt16BE(24 + 12)).toBe(0xffff);
    expect(b.readUInt32BE(24 + 8)).toBe(0); // next hop
    expect(b.subarray(24 + 39, 24 + 48).equals(Buffer.alloc(9))).toBe(true); // tos, AS, masks, pad
  });

  it('returns [] without IPv4 records and throws RangeError on bad address text', () => {
    expect(encodeV5([], { sysUptimeMs: 0, unixMs: 0, sequence: 0 })).toEqual([]);
    const [r] = randomFlowRecords(1, mulberry32(6));
    expect(() => encodeV5([{ ...r!, ipVersion: 4, srcAddr: '1.2.3' }], { sysUptimeMs: 0, unixMs: 0, sequence: 0 }))
      .toThrow(RangeError);
  });
});
