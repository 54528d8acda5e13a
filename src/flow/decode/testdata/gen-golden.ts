/**
 * Generates the golden NetFlow v5 and sFlow v5 datagrams in this directory (*.bin) and the
 * decode results they must produce (*.json).
 *
 * Rules: the bytes are laid out field by field from the format specifications, independently
 * of src/flow/encode, and the expected results are computed here from the same literal field
 * values (not by running the decoders), so the golden tests check the decoders against the
 * specification. Run once with `npx tsx src/flow/decode/testdata/gen-golden.ts`; review the
 * hexdump and JSON by eye before committing. Output is deterministic.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DecodeResult, FlowRecord } from '../../types.js';
import { Bytes, ETH_MACS, ipv4Header, struct } from './bytes.js';

const HERE = dirname(fileURLToPath(import.meta.url));

function write(name: string, datagram: Buffer, exporter: string, nowMs: number, expected: DecodeResult): void {
  writeFileSync(join(HERE, `${name}.bin`), datagram);
  writeFileSync(join(HERE, `${name}.json`), JSON.stringify({ exporter, nowMs, expected }, null, 2) + '\n');
  console.log(`${name}.bin: ${datagram.length} bytes\n${datagram.toString('hex').replace(/(.{64})/g, '$1\n')}\n`);
}

function rec(partial: Partial<FlowRecord> & Pick<FlowRecord, 'srcAddr' | 'dstAddr'>): FlowRecord {
  const defaults: FlowRecord = {
    ipVersion: 4, srcAddr: '', dstAddr: '', srcPort: 0, dstPort: 0, protocol: 0, bytes: 0, packets: 0, tcpFlags: 0,
    startMs: 0, endMs: 0, exporter: '', inputIf: 0, outputIf: 0, samplingRate: 1,
  };
  return Object.assign(defaults, partial);
}

// ---------------------------------------------------------------- NetFlow v5, unsampled
{
  const uptime = 360_000_000;
  const secs = 1_700_000_000;
  const nsecs = 250_000_000;
  const exportMs = secs * 1000 + 250;
  const exporter = '192.0.2.1';
  interface V5In { src: string; dst: string; hop: string; inIf: number; outIf: number; pkts: number; bytes: number;
    firstAge: number; lastAge: number; sport: number; dport: number; flags: number; proto: number; tos: number }
  const rows: V5In[] = [
    { src: '192.168.1.10', dst: '93.184.216.34', hop: '192.168.1.1', inIf: 2, outIf: 3, pkts: 10, bytes: 5230,
      firstAge: 65_000, lastAge: 1_000, sport: 51514, dport: 443, flags: 0x1b, proto: 6, tos: 0 },
    { src: '192.168.1.10', dst: '1.1.1.1', hop: '192.168.1.1', inIf: 2, outIf: 3, pkts: 1, bytes: 74,
      firstAge: 500, lastAge: 500, sport: 53001, dport: 53, flags: 0, proto: 17, tos: 0 },
    { src: '10.0.0.5', dst: '8.8.8.8', hop: '0.0.0.0', inIf: 4, outIf: 3, pkts: 4, bytes: 336,
      firstAge: 3_000, lastAge: 0, sport: 0, dport: 0x0800, flags: 0, proto: 1, tos: 0xb8 },
  ];
  const b = new Bytes().u16(5).u16(rows.length).u32(uptime).u32(secs).u32(nsecs).u32(1234).u8(1).u8(7).u16(0);
  for (const r of rows) {
    b.ip4(r.src).ip4(r.dst).ip4(r.hop).u16(r.inIf).u16(r.outIf).u32(r.pkts).u32(r.bytes)
      .u32(uptime - r.firstAge).u32(uptime - r.lastAge).u16(r.sport).u16(r.dport).u8(0).u8(r.flags).u8(r.proto)
      .u8(r.tos).u16(64500).u16(15169).u8(24).u8(0).u16(0);
  }
  write('v5-basic', b.build(), exporter, 0, {
    version: 'v5',
    records: rows.map((r) => rec({
      srcAddr: r.src, dstAddr: r.dst, srcPort: r.sport, dstPort: r.dport, protocol: r.proto, bytes: r.bytes,
      packets: r.pkts, tcpFlags: r.flags, startMs: exportMs - r.firstAge, endMs: exportMs - r.lastAge, exporter,
      inputIf: r.inIf, outputIf: r.outIf, samplingRate: 1,
    })),
    errors: [],
    sequence: 1234,
    domainId: (1 << 8) | 7,
    templatesSeen: 0,
  });
}

// ---------------------------------------------------------------- NetFlow v5, sampled, uptime wrapped
{
  const uptime = 5_000; // the 32-bit ms counter wrapped 5 s ago
  const secs = 1_700_000_100;
  const exportMs = secs * 1000; // nsecs 0
  const exporter = '192.0.2.2';
  const interval = 100;
  const b = new Bytes().u16(5).u16(2).u32(uptime).u32(secs).u32(0).u32(0xfffffff0).u8(0).u8(0)
    .u16((1 << 14) | interval);
  // Record 1: started 4096 ms before the wrap, i.e. 9096 ms before export; ended 1000 ms ago.
  b.ip4('172.16.0.9').ip4('203.0.113.7').ip4('0.0.0.0').u16(1).u16(2).u32(3).u32(180)
    .u32(0xfffff000).u32(4_000).u16(443).u16(50000).u8(0).u8(0x10).u8(6).u8(0).u16(0).u16(0).u8(0).u8(0).u16(0);
  // Record 2: extreme values.
  b.ip4('255.255.255.255').ip4('0.0.0.0').ip4('0.0.0.0').u16(65535).u16(65535).u32(0xffffffff).u32(0xffffffff)
    .u32(uptime).u32(uptime).u16(65535).u16(0).u8(0).u8(0xff).u8(255).u8(0).u16(0).u16(0).u8(0).u8(0).u16(0);
  write('v5-sampled-wrap', b.build(), exporter, 0, {
    version: 'v5',
    records: [
      rec({ srcAddr: '172.16.0.9', dstAddr: '203.0.113.7', srcPort: 443, dstPort: 50000, protocol: 6,
        bytes: 180 * interval, packets: 3 * interval, tcpFlags: 0x10, startMs: exportMs - 9_096,
        endMs: exportMs - 1_000, exporter, inputIf: 1, outputIf: 2, samplingRate: interval }),
      rec({ srcAddr: '255.255.255.255', dstAddr: '0.0.0.0', srcPort: 65535, dstPort: 0, protocol: 255,
        bytes: 0xffffffff * interval, packets: 0xffffffff * interval, tcpFlags: 0xff, startMs: exportMs,
        endMs: exportMs, exporter, inputIf: 65535, outputIf: 65535, samplingRate: interval }),
    ],
    errors: [],
    sequence: 0xfffffff0,
    domainId: 0,
    templatesSeen: 0,
  });
}

// ---------------------------------------------------------------- sFlow v5, IPv4 agent, mixed samples
{
  const nowMs = 1_700_000_000_000;
  const agent = '10.0.0.254';
  const samples: Buffer[] = [];

  // S1: flow_sample, extended_switch + Ethernet/IPv4/TCP header.
  const tcp = new Bytes().u16(40000).u16(22).u32(1).u32(2).u8(0x50).u8(0x18).u16(501).u16(0).u16(0).build();
  const frame1 = new Bytes().raw(ETH_MACS).u16(0x0800).raw(ipv4Header(6, '192.168.1.20', '140.82.112.3', 1500))
    .raw(tcp).build();
  const hdr1 = new Bytes().u32(1).u32(1518).u32(4).opaque(frame1).build();
  const sw = new Bytes().u32(10).u32(0).u32(10).u32(0).build();
  samples.push(struct(0, 1, new Bytes().u32(1).u32(5).u32(512).u32(512_000).u32(0).u32(5).u32(7).u32(2)
    .raw(struct(0, 1001, sw)).raw(struct(0, 1, hdr1)).build()));

  // S2: counters_sample (format 2), skipped by its length.
  samples.push(struct(0, 2, new Bytes().u32(9).u32(5).u32(0).build()));

  // S3: expanded_flow_sample, ifIndex >= 2^24, enterprise record first, then 802.1Q + IPv6/UDP.
  const udp = new Bytes().u16(5353).u16(53).u16(60).u16(0).build();
  const ip6 = new Bytes().u32(0x60000000).u16(60).u8(17).u8(64)
    .ip6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]).ip6([0x2001, 0xdb8, 0, 1, 0, 0, 0, 0x53]).build();
  const frame3 = new Bytes().raw(ETH_MACS).u16(0x8100).u16(20).u16(0x86dd).raw(ip6).raw(udp).build();
  const hdr3 = new Bytes().u32(1).u32(122).u32(4).opaque(frame3).build();
  samples.push(struct(0, 3, new Bytes().u32(2).u32(0).u32(1_000_000).u32(1024).u32(2048).u32(0)
    .u32(0).u32(1_000_000).u32(0).u32(1_000_001).u32(2)
    .raw(struct(4413, 5, Buffer.alloc(8, 0xee))).raw(struct(0, 1, hdr3)).build()));

  // S4: flow_sample with only a sampled_ipv4 record (format 3): NTP.
  const sip4 = new Bytes().u32(76).u32(17).ip4('10.1.1.1').ip4('10.1.1.2').u32(123).u32(123).u32(0).u32(0).build();
  samples.push(struct(0, 1, new Bytes().u32(3).u32(6).u32(256).u32(768).u32(0).u32(6).u32(0x3fffffff).u32(1)
    .raw(struct(0, 3, sip4)).build()));

  // S5: an enterprise (9) sample, skipped.
  samples.push(struct(9, 1, Buffer.alloc(16, 0xab)));

  // S6: flow_sample carrying an ARP frame: no flow, no error.
  const arp = new Bytes().raw(ETH_MACS).u16(0x0806).raw(Buffer.alloc(28, 1)).build();
  samples.push(struct(0, 1, new Bytes().u32(4).u32(5).u32(512).u32(0).u32(0).u32(5).u32(0).u32(1)
    .raw(struct(0, 1, new Bytes().u32(1).u32(64).u32(4).opaque(arp).build())).build()));

  const b = new Bytes().u32(5).u32(1).ip4(agent).u32(3).u32(77).u32(123_456).u32(samples.length);
  for (const s of samples) b.raw(s);
  write('sflow-basic', b.build(), '198.51.100.1', nowMs, {
    version: 'sflow5',
    records: [
      rec({ srcAddr: '192.168.1.20', dstAddr: '140.82.112.3', srcPort: 40000, dstPort: 22, protocol: 6,
        bytes: 1518 * 512, packets: 512, tcpFlags: 0x18, startMs: nowMs, endMs: nowMs, exporter: agent,
        inputIf: 5, outputIf: 7, samplingRate: 512 }),
      rec({ ipVersion: 6, srcAddr: '2001:db8::1', dstAddr: '2001:db8:0:1::53', srcPort: 5353, dstPort: 53,
        protocol: 17, bytes: 122 * 1024, packets: 1024, startMs: nowMs, endMs: nowMs, exporter: agent,
        inputIf: 1_000_000, outputIf: 1_000_001, samplingRate: 1024 }),
      rec({ srcAddr: '10.1.1.1', dstAddr: '10.1.1.2', srcPort: 123, dstPort: 123, protocol: 17, bytes: 76 * 256,
        packets: 256, startMs: nowMs, endMs: nowMs, exporter: agent, inputIf: 6, outputIf: 0, // 0x3fffffff: none
        samplingRate: 256 }),
    ],
    errors: [],
    sequence: 77,
    domainId: 3,
    templatesSeen: 0,
  });
}

// ---------------------------------------------------------------- sFlow v5, IPv6 agent, raw IP headers
{
  const nowMs = 1_700_000_500_000;
  const agent = '2001:db8:ffff::1';
  // S1: header_protocol 12 (IPv6) with a hop-by-hop extension header before TCP.
  const hbh = new Bytes().u8(6).u8(0).raw([1, 4, 0, 0, 0, 0]).build();
  const tcp = new Bytes().u16(443).u16(51000).u32(7).u32(8).u8(0x50).u8(0x12).u16(65535).u16(0).u16(0).build();
  const ip6 = new Bytes().u32(0x60000000).u16(hbh.length + tcp.length).u8(0).u8(64)
    .ip6([0xfe80, 0, 0, 0, 0x0211, 0x22ff, 0xfe33, 0x4455]).ip6([0x2606, 0x4700, 0, 0, 0, 0, 0x6810, 0x84e5]).build();
  const pkt1 = Buffer.concat([ip6, hbh, tcp]);
  const s1 = struct(0, 1, new Bytes().u32(10).u32(2).u32(1).u32(10).u32(0).u32(2).u32(1).u32(1)
    .raw(struct(0, 1, new Bytes().u32(12).u32(80).u32(0).opaque(pkt1).build())).build());
  // S2: header_protocol 11 (IPv4), a non-first UDP fragment: no ports.
  const pkt2 = Buffer.concat([ipv4Header(17, '198.51.100.7', '192.168.1.30', 548, 0x00b9), Buffer.alloc(8, 0x55)]);
  const s2 = struct(0, 1, new Bytes().u32(11).u32(2).u32(2000).u32(0).u32(0).u32(1).u32(2).u32(1)
    .raw(struct(0, 1, new Bytes().u32(11).u32(548).u32(0).opaque(pkt2).build())).build());
  const b = new Bytes().u32(5).u32(2).ip6([0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 1]).u32(0).u32(1).u32(99).u32(2)
    .raw(s1).raw(s2);
  write('sflow-v6-agent', b.build(), '198.51.100.2', nowMs, {
    version: 'sflow5',
    records: [
      rec({ ipVersion: 6, srcAddr: 'fe80::211:22ff:fe33:4455', dstAddr: '2606:4700::6810:84e5', srcPort: 443,
        dstPort: 51000, protocol: 6, bytes: 80, packets: 1, tcpFlags: 0x12, startMs: nowMs, endMs: nowMs,
        exporter: agent, inputIf: 2, outputIf: 1, samplingRate: 1 }),
      rec({ srcAddr: '198.51.100.7', dstAddr: '192.168.1.30', protocol: 17, bytes: 548 * 2000, packets: 2000,
        startMs: nowMs, endMs: nowMs, exporter: agent, inputIf: 1, outputIf: 2, samplingRate: 2000 }),
    ],
    errors: [],
    sequence: 1,
    domainId: 0,
    templatesSeen: 0,
  });
}
