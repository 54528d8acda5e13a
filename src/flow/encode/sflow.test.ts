/**
 * sFlow v5 encoder tests: round trip through decodeSflow (compact and expanded samples, VLAN
 * tag + extended_switch, IPv4 and IPv6 agents), datagram structure, size limit, sequence
 * numbers and the sampled IPv4 header checksum.
 *
 * Rules: seeded random records shaped for sFlow (packets = sampling rate, bytes = frame length
 * times rate, start = end = receive time), so the round trip must be exact.
 */
import { describe, expect, it } from 'vitest';
import { encodeSflow, type SflowEncodeOptions } from './sflow.js';
import { decodeSflow } from '../decode/sflow.js';
import { mulberry32, randomFlowRecords } from './random-records.js';
import type { FlowRecord } from '../types.js';

const NOW = 1_700_000_000_000;

function roundTrip(recs: FlowRecord[], opts: SflowEncodeOptions): { bufs: Buffer[]; out: FlowRecord[] } {
  const bufs = encodeSflow(recs, opts);
  const out = bufs.flatMap((b) => {
    const r = decodeSflow(b, 'unused', NOW);
    expect(r.errors).toEqual([]);
    return r.records;
  });
  return { bufs, out };
}

describe('encodeSflow', () => {
  const variants: [string, Partial<SflowEncodeOptions>, string][] = [
    ['compact, IPv4 agent', {}, '10.0.0.1'],
    ['expanded, IPv6 agent, VLAN', { expanded: true, vlanId: 101 }, '2001:db8::a'],
    ['compact, VLAN', { vlanId: 7 }, '10.0.0.2'],
  ];
  for (const [name, extra, agent] of variants) {
    it(`${name}: round-trips every field`, () => {
      const recs = randomFlowRecords(300, mulberry32(name.length), { ipv6Share: 0.4, sflow: true, samplingRate: 400,
        nowMs: NOW, exporter: agent, maxIfIndex: extra.expanded ? 2 ** 32 - 1 : 0x3ffffffe });
      const { bufs, out } = roundTrip(recs, { agentAddress: agent, sequence: 10, uptimeMs: 99_000, subAgentId: 2,
        ...extra });
      expect(out).toEqual(recs);
      bufs.forEach((b, i) => {
        expect(b.length).toBeLessThanOrEqual(1400);
        const r = decodeSflow(b, 'unused', NOW);
        expect(r.sequence).toBe(10 + i);
        expect(r.domainId).toBe(2);
      });
    });
  }

  it('lays out the datagram header and a compact flow sample as the spec says', () => {
    const [rec] = randomFlowRecords(1, mulberry32(9), { sflow: true, samplingRate: 1, nowMs: NOW });
    const r = { ...rec!, protocol: 6, srcPort: 1, dstPort: 2, inputIf: 3, outputIf: 4, bytes: 1514 };
    const b = encodeSflow([r], { agentAddress: '10.1.2.3', sequence: 5, uptimeMs: 2 ** 32 + 7, sampleSequence: 33 })[0]!;
    expect(b.subarray(0, 28).toString('hex')).toBe(
      '00000005' + '00000001' + '0a010203' + '00000000' + '00000005' + '00000007' + '00000001');
    expect(b.readUInt32BE(28)).toBe(1); // enterprise 0, flow_sample
    expect(b.readUInt32BE(32)).toBe(b.length - 36); // sample length
    expect(b.readUInt32BE(36)).toBe(33); // sample sequence
    expect(b.readUInt32BE(40)).toBe(3); // source id: class 0, index = input ifIndex
    expect(b.readUInt32BE(44)).toBe(1); // sampling rate
    expect(b.readUInt32BE(56)).toBe(3); // input
    expect(b.readUInt32BE(60)).toBe(4); // output
    expect(b.readUInt32BE(64)).toBe(1); // one flow record
    expect(b.readUInt32BE(68)).toBe(1); // sampled_header
    expect(b.readUInt32BE(76)).toBe(1); // header_protocol Ethernet
    expect(b.readUInt32BE(80)).toBe(1514); // frame_length
    expect(b.readUInt32BE(84)).toBe(4); // stripped FCS
    expect(b.readUInt32BE(88)).toBe(14 + (r.ipVersion === 4 ? 20 : 40) + 20);
  });

  it('writes a valid IPv4 header checksum in the sampled header', () => {
    const recs = randomFlowRecords(20, mulberry32(10), { sflow: true, samplingRate: 3, nowMs: NOW });
    const b = encodeSflow(recs, { agentAddress: '10.0.0.1', sequence: 1, uptimeMs: 1 })[0]!;
    // First sample's header bytes start after datagram (28) + sample (8 + 32) + record (8 + 16) headers.
    const ip = 28 + 40 + 24 + 14;
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += b.readUInt16BE(ip + i);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    expect(sum).toBe(0xffff);
  });

  it('returns [] for no records and throws RangeError on a bad agent address', () => {
    expect(encodeSflow([], { agentAddress: '10.0.0.1', sequence: 0, uptimeMs: 0 })).toEqual([]);
    expect(() => encodeSflow([], { agentAddress: 'agent-1', sequence: 0, uptimeMs: 0 })).toThrow(RangeError);
  });
});
