/**
 * IPFIX encoder tests against RFC 7011: message header, Set structure, Template and Options
 * Template Records, sequence numbering, size limit, and every field value, read back by a
 * minimal template-driven reader written here from the RFC.
 *
 * Rules: independent of src/flow/decode/ipfix.ts (validated by round-trip.test.ts with this
 * encoder). The reader only supports what an IPFIX collector needs for these messages: fixed-
 * length IANA fields, Set IDs 2, 3 and >= 256.
 */
import { describe, expect, it } from 'vitest';
import { encodeIpfix, type IpfixEncodeOptions } from './ipfix.js';
import { mulberry32, randomFlowRecords } from './random-records.js';
import { ipv4ToText, ipv6ToText } from '../ip-text.js';
import type { FlowRecord } from '../types.js';

interface Template { fields: [number, number][]; scopeCount: number }
interface Message {
  length: number; exportTime: number; sequence: number; domain: number;
  setIds: number[];
  templates: Map<number, Template>;
  /** Data records as IE id -> raw bytes, in order, with the template id. */
  data: { tid: number; values: Map<number, Buffer> }[];
}

/** Reads one IPFIX message [RFC 7011 3.1, 3.3, 3.4]; templates persist in `known`. */
function readMessage(b: Buffer, known: Map<number, Template>): Message {
  expect(b.readUInt16BE(0)).toBe(10);
  const msg: Message = { length: b.readUInt16BE(2), exportTime: b.readUInt32BE(4), sequence: b.readUInt32BE(8),
    domain: b.readUInt32BE(12), setIds: [], templates: new Map(), data: [] };
  expect(msg.length).toBe(b.length);
  let off = 16;
  while (off < b.length) {
    const setId = b.readUInt16BE(off);
    const setLen = b.readUInt16BE(off + 2);
    expect(setLen).toBeGreaterThanOrEqual(4);
    expect(off + setLen).toBeLessThanOrEqual(b.length);
    msg.setIds.push(setId);
    const end = off + setLen;
    let p = off + 4;
    if (setId === 2 || setId === 3) {
      while (end - p >= 4) {
        const tid = b.readUInt16BE(p);
        const count = b.readUInt16BE(p + 2);
        let scopeCount = 0;
        p += 4;
        if (setId === 3) {
          scopeCount = b.readUInt16BE(p);
          p += 2;
          expect(scopeCount).toBeGreaterThan(0); // RFC 7011 3.4.2.2: MUST NOT be zero
        }
        const fields: [number, number][] = [];
        for (let i = 0; i < count; i++) {
          const ie = b.readUInt16BE(p);
          expect(ie & 0x8000).toBe(0); // IANA IEs only: no enterprise bit
          fields.push([ie, b.readUInt16BE(p + 2)]);
          p += 4;
        }
        const t = { fields, scopeCount };
        msg.templates.set(tid, t);
        known.set(tid, t);
      }
    } else {
      expect(setId).toBeGreaterThanOrEqual(256);
      const t = known.get(setId);
      expect(t).toBeDefined();
      const recLen = t!.fields.reduce((a, [, l]) => a + l, 0);
      while (end - p >= recLen) {
        const values = new Map<number, Buffer>();
        for (const [ie, l] of t!.fields) {
          values.set(ie, b.subarray(p, p + l));
          p += l;
        }
        msg.data.push({ tid: setId, values });
      }
    }
    expect(end - p).toBe(0); // the encoder inserts no padding
    off = end;
  }
  return msg;
}

function uint(b: Buffer | undefined): number {
  let v = 0;
  for (const x of b!) v = v * 256 + x;
  return v;
}

/** FlowRecord from a data record, per the IE definitions (RFC 7012 / IANA registry). */
function toRecord(values: Map<number, Buffer>, initMs: number): FlowRecord {
  const v6 = values.has(27);
  const start = values.has(152) ? uint(values.get(152)) : initMs + uint(values.get(22));
  const end = values.has(153) ? uint(values.get(153)) : initMs + uint(values.get(21));
  return {
    ipVersion: v6 ? 6 : 4,
    srcAddr: v6 ? ipv6ToText(values.get(27)!, 0) : ipv4ToText(values.get(8)!, 0),
    dstAddr: v6 ? ipv6ToText(values.get(28)!, 0) : ipv4ToText(values.get(12)!, 0),
    srcPort: uint(values.get(7)),
    dstPort: uint(values.get(11)),
    protocol: uint(values.get(4)),
    bytes: uint(values.get(1)),
    packets: uint(values.get(2)),
    tcpFlags: uint(values.get(6)),
    startMs: start,
    endMs: end,
    exporter: '192.0.2.1',
    inputIf: uint(values.get(10)),
    outputIf: uint(values.get(14)),
    samplingRate: 1,
  };
}

const BASE: IpfixEncodeOptions = { exportTimeSec: 1_700_000_001, sequence: 1000, domainId: 77, includeTemplate: true,
  timestamps: 'milli' };

describe('encodeIpfix', () => {
  for (const timestamps of ['milli', 'uptime'] as const) {
    it(`${timestamps}: every field reads back, sequence counts Data Records, size <= 1400`, () => {
      const recs = randomFlowRecords(400, mulberry32(timestamps === 'milli' ? 1 : 2), { ipv6Share: 0.35,
        maxIfIndex: 2 ** 32 - 1 });
      const bufs = encodeIpfix(recs, { ...BASE, timestamps });
      const known = new Map<number, Template>();
      const out: FlowRecord[] = [];
      let expectedSeq = 1000;
      let initMs = NaN;
      for (const b of bufs) {
        expect(b.length).toBeLessThanOrEqual(1400);
        const m = readMessage(b, known);
        expect(m).toMatchObject({ exportTime: 1_700_000_001, domain: 77, sequence: expectedSeq });
        expectedSeq += m.data.length; // options records are Data Records too [3.1]
        expect(m.setIds[0]).toBe(2);
        if (timestamps === 'uptime') expect(m.setIds.slice(1, 3)).toEqual([3, 1024 + 2048]);
        for (const d of m.data) {
          if (d.tid === 3072) {
            expect(uint(d.values.get(143))).toBe(77);
            initMs = uint(d.values.get(160));
            continue;
          }
          out.push(toRecord(d.values, initMs));
        }
      }
      expect(out).toEqual(recs);
      if (timestamps === 'uptime') expect(initMs).toBe(Math.min(...recs.map((r) => r.startMs)));
    });
  }

  it('writes the Template Records exactly (RFC 7011 3.4.1) and the options template (3.4.2.2)', () => {
    const known = new Map<number, Template>();
    const milli = readMessage(encodeIpfix([], BASE)[0]!, known);
    expect(milli.templates.get(1024)!.fields).toEqual([[8, 4], [12, 4], [7, 2], [11, 2], [4, 1], [6, 1], [1, 8],
      [2, 8], [152, 8], [153, 8], [10, 4], [14, 4]]);
    expect(milli.templates.get(2048)!.fields.slice(0, 2)).toEqual([[27, 16], [28, 16]]);
    expect(milli.setIds).toEqual([2]);
    const up = readMessage(encodeIpfix([], { ...BASE, timestamps: 'uptime', systemInitTimeMs: 1_600_000_000_000 })[0]!,
      known);
    expect(up.templates.get(1024)!.fields.slice(8, 10)).toEqual([[22, 4], [21, 4]]);
    expect(up.templates.get(3072)).toEqual({ scopeCount: 1, fields: [[143, 4], [160, 8], [305, 4], [306, 4], [304, 2]] });
    expect(uint(up.data[0]!.values.get(160))).toBe(1_600_000_000_000);
    expect(up.sequence).toBe(1000);
  });

  it('without templates the messages carry data sets only', () => {
    const recs = randomFlowRecords(5, mulberry32(3));
    const known = new Map<number, Template>();
    readMessage(encodeIpfix([], BASE)[0]!, known);
    const m = readMessage(encodeIpfix(recs, { ...BASE, includeTemplate: false })[0]!, known);
    expect(m.setIds).toEqual([1024]);
    expect(m.data.map((d) => toRecord(d.values, 0))).toEqual(recs);
    expect(encodeIpfix([], { ...BASE, includeTemplate: false })).toEqual([]);
  });

  it('wraps the sequence number modulo 2^32', () => {
    const recs = randomFlowRecords(60, mulberry32(4));
    const bufs = encodeIpfix(recs, { ...BASE, sequence: 2 ** 32 - 5, includeTemplate: false });
    expect(bufs.length).toBeGreaterThan(1);
    const firstCount = (bufs[0]!.length - 16 - 4) / 54;
    expect(bufs[1]!.readUInt32BE(8)).toBe((2 ** 32 - 5 + firstCount) % 2 ** 32);
  });
});
