/**
 * sFlow v5 decoder tests: golden datagrams, structure edge cases and hostile input
 * (hostile-input catalogue items 6 and 10: truncation, sample count 0xFFFFFFFF, nested
 * lengths past the end).
 *
 * Rules: goldens come from testdata/gen-golden.ts; other datagrams are laid out by hand here
 * with the Bytes builder so each test shows exactly which field is hostile.
 */
import { describe, expect, it } from 'vitest';
import { decodeSflow } from './sflow.js';
import { GOLDEN_SFLOW, loadGolden } from './testdata/golden-v5-sflow.js';
import { Bytes, ETH_MACS, ipv4Header, struct } from './testdata/bytes.js';

const NOW = 1_700_000_000_000;

/** Datagram header with an IPv4 agent and the given samples. */
function datagram(samples: Buffer[], count = samples.length): Buffer {
  const b = new Bytes().u32(5).u32(1).ip4('10.9.8.7').u32(1).u32(42).u32(1000).u32(count);
  for (const s of samples) b.raw(s);
  return b.build();
}

/** Compact flow_sample with the given flow records. */
function flowSample(records: Buffer[], rate = 10, count = records.length, input = 3, output = 4): Buffer {
  const b = new Bytes().u32(1).u32(3).u32(rate).u32(0).u32(0).u32(input).u32(output).u32(count);
  for (const r of records) b.raw(r);
  return struct(0, 1, b.build());
}

/** sampled_header record (format 1) around `frame`. */
function headerRecord(frame: Buffer, protocol = 1, frameLength = 100): Buffer {
  return struct(0, 1, new Bytes().u32(protocol).u32(frameLength).u32(4).opaque(frame).build());
}

function udpFrame(tags: number[] = []): Buffer {
  const b = new Bytes().raw(ETH_MACS);
  for (const t of tags) b.u16(0x8100).u16(t);
  return b.u16(0x0800).raw(ipv4Header(17, '192.168.0.2', '192.168.0.3', 28)).u16(1000).u16(2000).u16(8).u16(0)
    .build();
}

describe('decodeSflow golden datagrams', () => {
  for (const name of GOLDEN_SFLOW) {
    it(`decodes ${name} exactly`, () => {
      const g = loadGolden(name);
      expect(decodeSflow(g.buf, g.exporter, g.nowMs)).toEqual(g.expected);
    });
  }
});

describe('decodeSflow structure', () => {
  it('uses the fallback exporter when the agent address type is 0 (unknown)', () => {
    const b = new Bytes().u32(5).u32(0).u32(0).u32(9).u32(0).u32(1).raw(flowSample([headerRecord(udpFrame())]))
      .build();
    const r = decodeSflow(b, '198.51.100.9', NOW);
    expect(r.errors).toEqual([]);
    expect(r.records).toHaveLength(1);
    expect(r.records[0]!.exporter).toBe('198.51.100.9');
    expect(r.sequence).toBe(9);
  });

  it('decodes a UDP packet behind one and two VLAN tags', () => {
    for (const tags of [[10], [10, 20]]) {
      const r = decodeSflow(datagram([flowSample([headerRecord(udpFrame(tags))])]), 'x', NOW);
      expect(r.errors).toEqual([]);
      expect(r.records[0]).toMatchObject({ srcAddr: '192.168.0.2', dstAddr: '192.168.0.3', srcPort: 1000,
        dstPort: 2000, protocol: 17, bytes: 1000, packets: 10, samplingRate: 10, exporter: '10.9.8.7',
        inputIf: 3, outputIf: 4, startMs: NOW, endMs: NOW });
    }
  });

  it('gives up on more than four VLAN tags with truncated_record', () => {
    const r = decodeSflow(datagram([flowSample([headerRecord(udpFrame([1, 2, 3, 4, 5]))])]), 'x', NOW);
    expect(r.records).toEqual([]);
    expect(r.errors).toEqual(['truncated_record']);
  });

  it('reports an unsupported header protocol', () => {
    const r = decodeSflow(datagram([flowSample([headerRecord(udpFrame(), 7)])]), 'x', NOW);
    expect(r.records).toEqual([]);
    expect(r.errors).toEqual(['unsupported_sample']);
  });

  it('skips enterprise flow records and counter samples silently', () => {
    const counters = struct(0, 2, Buffer.alloc(24));
    const expandedCounters = struct(0, 4, Buffer.alloc(12));
    const vendor = struct(8, 1, Buffer.alloc(8));
    const r = decodeSflow(
      datagram([counters, flowSample([vendor, headerRecord(udpFrame())]), expandedCounters]),
      'x',
      NOW,
    );
    expect(r.errors).toEqual([]);
    expect(r.records).toHaveLength(1);
  });

  it('maps compact interface words that name no single ifIndex to 0', () => {
    const cases: [number, number, number, number][] = [
      [(1 << 30) | 3, (2 << 30) | 5, 0, 0], // discarded (reason 3), multiple (5 interfaces)
      [0x3fffffff, 9, 0, 9], // "no interface" sentinel
      [0x3ffffffe, 0, 0x3ffffffe, 0],
    ];
    for (const [input, output, inIf, outIf] of cases) {
      const r = decodeSflow(datagram([flowSample([headerRecord(udpFrame())], 10, 1, input, output)]), 'x', NOW);
      expect(r.records[0]).toMatchObject({ inputIf: inIf, outputIf: outIf });
    }
  });

  it('treats a sampling rate of 0 as 1', () => {
    const r = decodeSflow(datagram([flowSample([headerRecord(udpFrame())], 0)]), 'x', NOW);
    expect(r.records[0]).toMatchObject({ packets: 1, bytes: 100, samplingRate: 1 });
  });

  it('reads ICMP type/code into dstPort', () => {
    const frame = new Bytes().raw(ETH_MACS).u16(0x0800).raw(ipv4Header(1, '10.0.0.1', '10.0.0.2', 28)).u8(8).u8(0)
      .u16(0).u32(0).build();
    const r = decodeSflow(datagram([flowSample([headerRecord(frame)])]), 'x', NOW);
    expect(r.records[0]).toMatchObject({ protocol: 1, srcPort: 0, dstPort: 0x0800 });
  });

  it('keeps the IP part when the transport header was not captured', () => {
    const frame = new Bytes().raw(ETH_MACS).u16(0x0800).raw(ipv4Header(6, '10.0.0.1', '10.0.0.2', 60)).u16(80)
      .build();
    const r = decodeSflow(datagram([flowSample([headerRecord(frame)])]), 'x', NOW);
    expect(r.errors).toEqual([]);
    expect(r.records[0]).toMatchObject({ protocol: 6, srcPort: 0, dstPort: 0, tcpFlags: 0 });
  });

  it('rejects an unknown agent address type', () => {
    const b = new Bytes().u32(5).u32(3).u32(0).u32(0).u32(0).u32(0).u32(0).build();
    expect(decodeSflow(b, 'x', NOW).errors).toEqual(['bad_address_type']);
  });

  it('rejects other sFlow versions', () => {
    const b = new Bytes().u32(4).u32(1).u32(0).u32(0).u32(0).u32(0).u32(0).build();
    expect(decodeSflow(b, 'x', NOW)).toEqual({ version: 'unknown', records: [], errors: ['bad_version'],
      templatesSeen: 0 });
  });
});

describe('decodeSflow hostile input', () => {
  it('sample count 0xFFFFFFFF is rejected before any work', () => {
    const b = datagram([flowSample([headerRecord(udpFrame())])], 0xffffffff);
    const t0 = performance.now();
    const r = decodeSflow(b, 'x', NOW);
    expect(performance.now() - t0).toBeLessThan(50);
    expect(r.records).toEqual([]);
    expect(r.errors).toEqual(['bad_record_count']);
  });

  it('flow record count 0xFFFFFFFF inside a sample is rejected', () => {
    const r = decodeSflow(datagram([flowSample([headerRecord(udpFrame())], 10, 0xffffffff)]), 'x', NOW);
    expect(r.records).toEqual([]);
    expect(r.errors).toEqual(['bad_record_count']);
  });

  it('sample length past the end stops decoding but keeps earlier samples', () => {
    const good = flowSample([headerRecord(udpFrame())]);
    const bad = Buffer.from(good);
    bad.writeUInt32BE(0xfffffff0, 4);
    const r = decodeSflow(datagram([good, bad]), 'x', NOW);
    expect(r.records).toHaveLength(1);
    expect(r.errors).toEqual(['bad_length']);
  });

  it('flow record length past the sample end is rejected', () => {
    const rec = Buffer.from(headerRecord(udpFrame()));
    rec.writeUInt32BE(0x7fffffff, 4);
    const r = decodeSflow(datagram([flowSample([rec])]), 'x', NOW);
    expect(r.records).toEqual([]);
    expect(r.errors).toEqual(['bad_length']);
  });

  it('header length past the record end is rejected', () => {
    const rec = Buffer.from(headerRecord(udpFrame()));
    rec.writeUInt32BE(0xffffffff, 8 + 12);
    const r = decodeSflow(datagram([flowSample([rec])]), 'x', NOW);
    expect(r.records).toEqual([]);
    expect(r.errors).toEqual(['bad_length']);
  });

  it('a flow sample shorter than its fixed part is bad_sample', () => {
    const r = decodeSflow(datagram([struct(0, 1, Buffer.alloc(28)), struct(0, 3, Buffer.alloc(40))]), 'x', NOW);
    expect(r.errors).toEqual(['bad_sample', 'bad_sample']);
  });

  it('IPv6 extension headers pointing past the capture end yield no ports, no throw', () => {
    const ip6 = new Bytes().u32(0x60000000).u16(8).u8(0).u8(64).raw(Buffer.alloc(32, 1)).u8(6).u8(255).build();
    const r = decodeSflow(datagram([flowSample([headerRecord(ip6, 12)])]), 'x', NOW);
    expect(r.records[0]).toMatchObject({ ipVersion: 6, srcPort: 0, dstPort: 0 });
  });

  for (const name of GOLDEN_SFLOW) {
    it(`${name}: truncation at every byte offset never throws and returns a prefix of the records`, () => {
      const g = loadGolden(name);
      for (let cut = 0; cut < g.buf.length; cut++) {
        const r = decodeSflow(g.buf.subarray(0, cut), g.exporter, g.nowMs);
        expect(r.records).toEqual(g.expected.records.slice(0, r.records.length));
        if (cut < g.buf.length) expect(r.errors.length).toBeGreaterThan(0);
      }
    });
  }
});
