/**
 * NetFlow v9 encoder tests against RFC 3954: packet header and FlowSet structure, exact
 * template bytes, padding, size limit, sequence numbering, and field values checked with an
 * independent decoder (node-netflowv9).
 *
 * Rules: these tests must not depend on src/flow/decode/v9.ts (that decoder is validated by
 * round-trip.test.ts using this encoder), so structure is walked here from the RFC directly.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { encodeV9, type V9EncodeOptions } from './v9.js';
import { mulberry32, randomFlowRecords } from './random-records.js';
import { parseIpv6 } from '../ip-text.js';

const require = createRequire(import.meta.url);
const NetFlowV9 = require('node-netflowv9') as { prototype: Record<string, (...a: unknown[]) => unknown> };
const nftypes = require('node-netflowv9/js/nf9/nftypes') as { nfTypes: object; nfScope: object };

type NfFlow = Record<string, number | string>;
/** A node-netflowv9 decoding context without its UDP socket. */
function nfDecoder(): (b: Buffer) => { header: Record<string, number>; flows: NfFlow[] } {
  const ctx = { templates: {}, nfTypes: nftypes.nfTypes, nfScope: nftypes.nfScope,
    nfInfoTemplates: NetFlowV9.prototype.nfInfoTemplates };
  return (b) => NetFlowV9.prototype.nf9PktDecode!.call(ctx, b, { address: '192.0.2.9', port: 2055 }) as {
    header: Record<string, number>; flows: NfFlow[] };
}

interface FlowSet { id: number; start: number; length: number }

/** Walks the FlowSets of a packet (RFC 3954 5.1-5.3), asserting lengths tile the packet. */
function flowSets(b: Buffer): FlowSet[] {
  const sets: FlowSet[] = [];
  let off = 20;
  while (off < b.length) {
    const id = b.readUInt16BE(off);
    const length = b.readUInt16BE(off + 2);
    expect(length).toBeGreaterThanOrEqual(4);
    expect(length % 4).toBe(0);
    sets.push({ id, start: off, length });
    off += length;
  }
  expect(off).toBe(b.length);
  return sets;
}

const OPTS: V9EncodeOptions = { sysUptimeMs: 500_000_000, unixMs: 1_700_000_000_900, sequence: 41, sourceId: 7,
  includeTemplate: true };

describe('encodeV9', () => {
  it('writes the RFC 3954 header and the exact softflowd-like template FlowSet', () => {
    const recs = randomFlowRecords(3, mulberry32(1));
    const b = encodeV9(recs, OPTS)[0]!;
    expect(b.readUInt16BE(0)).toBe(9);
    expect(b.readUInt16BE(2)).toBe(2 + 3); // 2 template records + 3 data records
    expect(b.readUInt32BE(4)).toBe(500_000_000);
    expect(b.readUInt32BE(8)).toBe(1_700_000_000);
    expect(b.readUInt32BE(12)).toBe(41);
    expect(b.readUInt32BE(16)).toBe(7);
    const [tpl] = flowSets(b);
    expect(tpl).toEqual({ id: 0, start: 20, length: 108 });
    // template id, field count 12, then (type, length) pairs [RFC 3954 5.2].
    const v4 = '0400000c' +
      ['0008', '0004', '000c', '0004', '0007', '0002', '000b', '0002', '0004', '0001', '0006', '0001', '0001', '0004',
        '0002', '0004', '0015', '0004', '0016', '0004', '000a', '0004', '000e', '0004'].join('');
    const v6 = '0800000c' +
      ['001b', '0010', '001c', '0010', '0007', '0002', '000b', '0002', '0004', '0001', '0006', '0001', '0001', '0004',
        '0002', '0004', '0015', '0004', '0016', '0004', '000a', '0004', '000e', '0004'].join('');
    expect(b.subarray(24, 128).toString('hex')).toBe(v4 + v6);
  });

  it('pads data FlowSets to 4 bytes with zeros, one FlowSet per run of one family, order kept', () => {
    const recs = randomFlowRecords(12, mulberry32(2), { ipv6Share: 0.5 });
    const [b] = encodeV9(recs, OPTS);
    const sets = flowSets(b!).slice(1);
    let k = 0;
    for (const s of sets) {
      const v = s.id === 1024 ? 4 : 6;
      expect([1024, 2048]).toContain(s.id);
      const rl = v === 4 ? 38 : 62;
      const n = Math.floor((s.length - 4) / rl);
      const pad = s.length - 4 - n * rl;
      expect(pad).toBeLessThan(4);
      expect(b!.subarray(s.start + 4 + n * rl, s.start + s.length).equals(Buffer.alloc(pad))).toBe(true);
      for (let i = 0; i < n; i++) expect(recs[k++]!.ipVersion).toBe(v);
    }
    expect(k).toBe(recs.length);
  });

  it('keeps packets within maxDatagramSize and numbers them consecutively', () => {
    const recs = randomFlowRecords(500, mulberry32(3), { ipv6Share: 0.3 });
    for (const includeTemplate of [true, false]) {
      const bufs = encodeV9(recs, { ...OPTS, includeTemplate });
      let total = 0;
      bufs.forEach((b, i) => {
        expect(b.length).toBeLessThanOrEqual(1400);
        expect(b.readUInt32BE(12)).toBe(41 + i);
        const sets = flowSets(b);
        expect(sets.some((s) => s.id === 0)).toBe(includeTemplate);
        total += b.readUInt16BE(2) - (includeTemplate ? 2 : 0);
      });
      expect(total).toBe(500);
    }
  });

  it('agrees with an independent decoder (node-netflowv9) on every field', () => {
    const recs = randomFlowRecords(300, mulberry32(4), { ipv6Share: 0.4, maxIfIndex: 2 ** 31 });
    const bufs = encodeV9(recs, { ...OPTS, includeTemplate: false });
    const decode = nfDecoder();
    decode(encodeV9([], OPTS)[0]!); // templates only
    const flows = bufs.flatMap((b) => decode(b).flows);
    expect(flows).toHaveLength(recs.length);
    const unixSecs = Math.floor(OPTS.unixMs / 1000);
    flows.forEach((f, i) => {
      const r = recs[i]!;
      if (r.ipVersion === 4) {
        expect(f).toMatchObject({ ipv4_src_addr: r.srcAddr, ipv4_dst_addr: r.dstAddr });
      } else {
        expect(f.ipv6_src_addr).toBe(parseIpv6(r.srcAddr)!.toString('hex'));
        expect(f.ipv6_dst_addr).toBe(parseIpv6(r.dstAddr)!.toString('hex'));
      }
      expect(f).toMatchObject({ l4_src_port: r.srcPort, l4_dst_port: r.dstPort, protocol: r.protocol,
        tcp_flags: r.tcpFlags, in_bytes: r.bytes, in_pkts: r.packets, input_snmp: r.inputIf,
        output_snmp: r.outputIf });
      // RFC 3954 section 8: FIRST/LAST_SWITCHED are sysUptime ms; absolute per integration facts.
      expect(unixSecs * 1000 - (OPTS.sysUptimeMs - (f.first_switched as number))).toBe(r.startMs);
      expect(unixSecs * 1000 - (OPTS.sysUptimeMs - (f.last_switched as number))).toBe(r.endMs);
    });
  });

  it('emits a template-only packet for no records, nothing without templates', () => {
    const [b] = encodeV9([], OPTS);
    expect(b!.length).toBe(20 + 108);
    expect(b!.readUInt16BE(2)).toBe(2);
    expect(encodeV9([], { ...OPTS, includeTemplate: false })).toEqual([]);
  });

  it('honours templateId and rejects ids below 256', () => {
    const [b] = encodeV9(randomFlowRecords(1, mulberry32(5), { ipv6Share: 1 }), { ...OPTS, templateId: 300 });
    const sets = flowSets(b!);
    expect(b!.readUInt16BE(24)).toBe(300);
    expect(sets[1]!.id).toBe(1324);
    expect(() => encodeV9([], { ...OPTS, templateId: 255 })).toThrow(RangeError);
  });
});
