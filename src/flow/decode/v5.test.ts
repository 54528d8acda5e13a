/**
 * NetFlow v5 decoder tests: golden datagrams, header edge cases and hostile input
 * (hostile-input catalogue items 6 and 12: truncation, count 65,535 with one record).
 *
 * Rules: goldens come from testdata/gen-golden.ts (spec-derived, not decoder-derived).
 */
import { describe, expect, it } from 'vitest';
import { decodeV5 } from './v5.js';
import { GOLDEN_V5, loadGolden } from './testdata/golden-v5-sflow.js';

describe('decodeV5 golden datagrams', () => {
  for (const name of GOLDEN_V5) {
    it(`decodes ${name} exactly`, () => {
      const g = loadGolden(name);
      expect(decodeV5(g.buf, g.exporter)).toEqual(g.expected);
    });
  }
});

describe('decodeV5 header handling', () => {
  const g = loadGolden('v5-basic');

  it('rejects a wrong version as unknown / bad_version', () => {
    const b = Buffer.from(g.buf);
    b.writeUInt16BE(7, 0);
    expect(decodeV5(b, 'x')).toEqual({ version: 'unknown', records: [], errors: ['bad_version'], templatesSeen: 0 });
  });

  it('reports truncated_header for empty and 1-byte buffers', () => {
    expect(decodeV5(Buffer.alloc(0), 'x').errors).toEqual(['truncated_header']);
    expect(decodeV5(Buffer.from([0]), 'x').errors).toEqual(['truncated_header']);
  });

  it('flags count 0 and decodes nothing', () => {
    const b = Buffer.from(g.buf);
    b.writeUInt16BE(0, 2);
    const r = decodeV5(b, 'x');
    expect(r.records).toEqual([]);
    expect(r.errors).toEqual(['bad_record_count']);
  });

  it('ignores trailing bytes after the declared records', () => {
    const b = Buffer.concat([g.buf, Buffer.alloc(47, 0xaa)]);
    expect(decodeV5(b, g.exporter)).toEqual(g.expected);
  });

  it('decodes only `count` records when more are present', () => {
    const b = Buffer.from(g.buf);
    b.writeUInt16BE(2, 2);
    const r = decodeV5(b, g.exporter);
    expect(r.records).toEqual(g.expected.records.slice(0, 2));
    expect(r.errors).toEqual([]);
  });

  it('treats a sampling interval of 0 with mode bits set as unsampled', () => {
    const b = Buffer.from(g.buf);
    b.writeUInt16BE(0xc000, 22);
    const r = decodeV5(b, g.exporter);
    expect(r.records.map((x) => x.samplingRate)).toEqual([1, 1, 1]);
    expect(r.records[0]!.bytes).toBe(5230);
  });

  it('tolerates unix_nsecs >= 1e9 without throwing', () => {
    const b = Buffer.from(g.buf);
    b.writeUInt32BE(0xffffffff, 12);
    const r = decodeV5(b, g.exporter);
    expect(r.records).toHaveLength(3);
    expect(Number.isFinite(r.records[0]!.startMs)).toBe(true);
  });

  it('handles a flow that started slightly after sysUptime (clock skew) as a small negative age', () => {
    const b = Buffer.from(g.buf);
    const uptime = b.readUInt32BE(4);
    b.writeUInt32BE(uptime + 20, 24 + 24); // First 20 ms "in the future"
    const r = decodeV5(b, g.exporter);
    const exportMs = 1_700_000_000_250;
    expect(r.records[0]!.startMs).toBe(exportMs + 20);
  });
});

describe('decodeV5 hostile input', () => {
  for (const name of GOLDEN_V5) {
    it(`${name}: truncation at every byte offset never throws and keeps whole records`, () => {
      const g = loadGolden(name);
      for (let cut = 0; cut < g.buf.length; cut++) {
        const r = decodeV5(g.buf.subarray(0, cut), g.exporter);
        if (cut < 2) {
          expect(r.errors).toEqual(['truncated_header']);
          expect(r.version).toBe('unknown');
        } else if (cut < 24) {
          expect(r).toEqual({ version: 'v5', records: [], errors: ['truncated_header'], templatesSeen: 0 });
        } else {
          const whole = Math.floor((cut - 24) / 48);
          expect(r.records).toEqual(g.expected.records.slice(0, whole));
          expect(r.errors).toEqual(['truncated_record']);
        }
      }
    });
  }

  it('count 65,535 with one record: decodes the one record and stops at the buffer end', () => {
    const g = loadGolden('v5-basic');
    const b = Buffer.from(g.buf.subarray(0, 24 + 48));
    b.writeUInt16BE(65535, 2);
    const r = decodeV5(b, g.exporter);
    expect(r.records).toEqual(g.expected.records.slice(0, 1));
    expect(r.errors).toEqual(['bad_record_count', 'truncated_record']);
  });

  it('count 31 (above the v5 maximum) is flagged but the present records decode', () => {
    const g = loadGolden('v5-basic');
    const rec = g.buf.subarray(24, 72);
    const b = Buffer.concat([g.buf.subarray(0, 24), ...Array.from({ length: 31 }, () => rec)]);
    b.writeUInt16BE(31, 2);
    const r = decodeV5(b, g.exporter);
    expect(r.records).toHaveLength(31);
    expect(r.errors).toEqual(['bad_record_count']);
  });

  it('a sequence reset or duplicate only changes the reported sequence', () => {
    const g = loadGolden('v5-basic');
    const b = Buffer.from(g.buf);
    b.writeUInt32BE(0, 16);
    const r = decodeV5(b, g.exporter);
    expect(r.sequence).toBe(0);
    expect(r.records).toEqual(g.expected.records);
    expect(decodeV5(b, g.exporter)).toEqual(r);
  });
});
