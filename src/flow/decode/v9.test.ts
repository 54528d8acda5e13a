import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordFuzzRun } from '../../../test/support/reliability-meta.js';
import { TemplateStore } from './template-store.js';
import { dataSet, record, set, u16, v9OptionsTemplate, v9Packet, v9Templates, type Field } from './testdata/builder.js';
import { GOLDEN_CASES, SOFTFLOWD_V4 } from './testdata/golden-cases.js';
import { decodeGolden, goldenPaths } from './testdata/golden.js';
import { checkResult, runFuzz } from './testdata/fuzz.js';
import { decodeV9 } from './v9.js';

const EXP = '192.168.1.1';
const UNIX = 1_700_000_000;
const NOW = UNIX * 1000;
const UPTIME = 3_600_000;

const SIMPLE: Field[] = [[8, 4], [12, 4], [7, 2], [11, 2], [4, 1], [1, 4], [2, 4], [22, 4], [21, 4]];

function simpleRecord(src = '10.0.0.1', dst = '10.0.0.2', bytes = 100, pkts = 2): Buffer {
  return record(SIMPLE, [src, dst, 1000, 80, 6, bytes, pkts, UPTIME - 2000, UPTIME - 1000]);
}

function packet(flowsets: Buffer[], over: Partial<Parameters<typeof v9Packet>[0]> = {}): Buffer {
  return v9Packet({ count: 0, sysUptime: UPTIME, unixSecs: UNIX, sequence: 1, sourceId: 0, ...over }, flowsets);
}

function withTemplate(records: Buffer[], fields: Field[] = SIMPLE, id = 256): Buffer {
  return packet([v9Templates([{ id, fields }]), dataSet(id, records)], { count: 1 + records.length });
}

describe('decodeV9 golden files', () => {
  for (const c of GOLDEN_CASES.filter((g) => g.decoder === 'v9')) {
    it(`${c.name} decodes to the reviewed JSON`, () => {
      const { bin, json } = goldenPaths(c.name);
      const buf = readFileSync(bin);
      expect(buf.equals(c.build()), 'builder output drifted from the .bin file').toBe(true);
      expect(decodeGolden(c, buf)).toEqual(JSON.parse(readFileSync(json, 'utf8')));
    });
  }
});

describe('decodeV9', () => {
  it('decodes template + data in one packet with header fields', () => {
    const store = new TemplateStore();
    const r = decodeV9(withTemplate([simpleRecord(), simpleRecord('10.0.0.3')]), EXP, store, NOW);
    expect(r.version).toBe('v9');
    expect(r.errors).toEqual([]);
    expect(r.templatesSeen).toBe(1);
    expect(r.sequence).toBe(1);
    expect(r.domainId).toBe(0);
    expect(r.records).toHaveLength(2);
    expect(r.records[0]).toEqual({
      ipVersion: 4, srcAddr: '10.0.0.1', dstAddr: '10.0.0.2', srcPort: 1000, dstPort: 80, protocol: 6,
      bytes: 100, packets: 2, tcpFlags: 0, startMs: NOW - 2000, endMs: NOW - 1000, exporter: EXP,
      inputIf: 0, outputIf: 0, samplingRate: 1,
    });
  });

  it('uses a template learned from an earlier packet', () => {
    const store = new TemplateStore();
    decodeV9(packet([v9Templates([{ id: 256, fields: SIMPLE }])], { count: 1 }), EXP, store, NOW);
    const r = decodeV9(packet([dataSet(256, [simpleRecord()])], { count: 1 }), EXP, store, NOW + 1000);
    expect(r.errors).toEqual([]);
    expect(r.records).toHaveLength(1);
  });

  it('keeps templates apart per exporter and per source id (RFC 3954 §5.1)', () => {
    const store = new TemplateStore();
    decodeV9(packet([v9Templates([{ id: 256, fields: SIMPLE }])], { sourceId: 1 }), EXP, store, NOW);
    expect(decodeV9(packet([dataSet(256, [simpleRecord()])], { sourceId: 2 }), EXP, store, NOW).errors).toEqual(['template_missing']);
    expect(decodeV9(packet([dataSet(256, [simpleRecord()])], { sourceId: 1 }), '192.168.1.2', store, NOW).errors).toEqual([
      'template_missing',
    ]);
    expect(decodeV9(packet([dataSet(256, [simpleRecord()])], { sourceId: 1 }), EXP, store, NOW).records).toHaveLength(1);
  });

  it('counts data for an unknown template as template_missing', () => {
    const r = decodeV9(packet([dataSet(300, [simpleRecord()])], { count: 1 }), EXP, new TemplateStore(), NOW);
    expect(r.errors).toEqual(['template_missing']);
    expect(r.records).toEqual([]);
  });

  it('reads unsigned counters of any length 1..8 and OUT_BYTES/OUT_PKTS or totals as fallbacks', () => {
    const store = new TemplateStore();
    const lens = [1, 2, 3, 4, 5, 6, 7, 8];
    for (const len of lens) {
      const f: Field[] = [[8, 4], [12, 4], [1, len], [2, len]];
      const value = len >= 7 ? 2 ** 52 + 3 : 2 ** (8 * len) - 1;
      const r = decodeV9(withTemplate([record(f, ['1.2.3.4', '5.6.7.8', value, 7])], f, 300 + len), EXP, store, NOW);
      expect(r.records[0]?.bytes, `len ${len}`).toBe(value);
      expect(r.records[0]?.packets).toBe(7);
    }
    const out: Field[] = [[8, 4], [12, 4], [23, 4], [24, 4]];
    expect(decodeV9(withTemplate([record(out, ['1.2.3.4', '5.6.7.8', 900, 9])], out, 400), EXP, store, NOW).records[0]).toMatchObject({
      bytes: 900, packets: 9,
    });
    const total: Field[] = [[8, 4], [12, 4], [85, 8], [86, 8], [23, 4]];
    expect(
      decodeV9(withTemplate([record(total, ['1.2.3.4', '5.6.7.8', 800, 8, 1])], total, 401), EXP, store, NOW).records[0],
    ).toMatchObject({ bytes: 800, packets: 8 });
  });

  it('converts FIRST/LAST_SWITCHED with 32-bit wrap and a value slightly ahead of sysUptime', () => {
    const store = new TemplateStore();
    const f: Field[] = [[8, 4], [12, 4], [22, 4], [21, 4]];
    const wrapped = decodeV9(
      packet([v9Templates([{ id: 256, fields: f }]), dataSet(256, [record(f, ['1.1.1.1', '2.2.2.2', 0xffffff00, 10])])], { sysUptime: 100 }),
      EXP, store, NOW,
    );
    expect(wrapped.records[0]?.startMs).toBe(NOW - (100 + 0x100));
    expect(wrapped.records[0]?.endMs).toBe(NOW - 90);
    const ahead = decodeV9(
      packet([dataSet(256, [record(f, ['1.1.1.1', '2.2.2.2', UPTIME + 5, UPTIME + 5])])]), EXP, store, NOW,
    );
    expect(ahead.records[0]?.startMs).toBe(NOW + 5);
  });

  it('applies SAMPLING_INTERVAL from an options record to later data of that exporter/source id only', () => {
    const store = new TemplateStore();
    const opts = packet(
      [v9OptionsTemplate(260, [[1, 4]], [[34, 4]]), dataSet(260, [record([[1, 4], [34, 4]], [0, 64])]), v9Templates([{ id: 256, fields: SIMPLE }])],
      { sourceId: 5 },
    );
    expect(decodeV9(opts, EXP, store, NOW).errors).toEqual([]);
    const r = decodeV9(packet([dataSet(256, [simpleRecord()])], { sourceId: 5 }), EXP, store, NOW + 10);
    expect(r.records[0]).toMatchObject({ bytes: 6400, packets: 128, samplingRate: 64 });
    decodeV9(packet([v9Templates([{ id: 256, fields: SIMPLE }]), dataSet(256, [simpleRecord()])], { sourceId: 6 }), EXP, store, NOW);
    const other = decodeV9(packet([dataSet(256, [simpleRecord()])], { sourceId: 6 }), EXP, store, NOW);
    expect(other.records[0]).toMatchObject({ bytes: 100, samplingRate: 1 });
  });

  it('uses a per-record SAMPLING_INTERVAL field when the data template has one', () => {
    const f: Field[] = [[8, 4], [12, 4], [1, 4], [2, 4], [34, 4]];
    const r = decodeV9(withTemplate([record(f, ['1.1.1.1', '2.2.2.2', 10, 1, 1000])], f), EXP, new TemplateStore(), NOW);
    expect(r.records[0]).toMatchObject({ bytes: 10_000, packets: 1000, samplingRate: 1000 });
  });

  it('ignores padding after the last record and skips reserved FlowSet ids 2-255', () => {
    const padded = Buffer.concat([v9Templates([{ id: 256, fields: SIMPLE }]), set(2, Buffer.alloc(8)), dataSet(256, [simpleRecord()])]);
    const r = decodeV9(packet([padded], { count: 2 }), EXP, new TemplateStore(), NOW);
    expect(r.errors).toEqual([]);
    expect(r.records).toHaveLength(1);
  });

  it('reports truncated headers and foreign versions without throwing', () => {
    const store = new TemplateStore();
    expect(decodeV9(Buffer.alloc(0), EXP, store, NOW)).toMatchObject({ version: 'unknown', errors: ['truncated_header'] });
    expect(decodeV9(Buffer.from([0, 9, 0, 1]), EXP, store, NOW)).toMatchObject({ version: 'v9', errors: ['truncated_header'] });
    expect(decodeV9(Buffer.from([0, 10, ...Buffer.alloc(30)]), EXP, store, NOW)).toMatchObject({ version: 'unknown', errors: ['bad_version'] });
  });

  it('round-trips arbitrary flows through the test encoder (fast-check)', () => {
    const flow = fc.record({
      src: fc.ipV4(), dst: fc.ipV4(), sport: fc.integer({ min: 0, max: 65535 }), dport: fc.integer({ min: 0, max: 65535 }),
      proto: fc.integer({ min: 0, max: 255 }), flags: fc.integer({ min: 0, max: 255 }),
      bytes: fc.integer({ min: 0, max: 0xffffffff }), pkts: fc.integer({ min: 0, max: 0xffffffff }),
      age: fc.integer({ min: 0, max: UPTIME }), dur: fc.integer({ min: 0, max: 1000 }),
    });
    fc.assert(
      fc.property(fc.array(flow, { minLength: 1, maxLength: 30 }), (flows) => {
        const recs = flows.map((f) =>
          record(SOFTFLOWD_V4, [f.src, f.dst, UPTIME - f.age - f.dur, UPTIME - f.age, f.bytes, f.pkts, 1, 2, f.sport, f.dport, f.proto, f.flags, 4, 0]),
        );
        const r = decodeV9(withTemplate(recs, SOFTFLOWD_V4, 1024), EXP, new TemplateStore(), NOW);
        expect(r.errors).toEqual([]);
        expect(r.records.map((x) => [x.srcAddr, x.dstAddr, x.srcPort, x.dstPort, x.protocol, x.tcpFlags, x.bytes, x.packets, x.startMs, x.endMs])).toEqual(
          flows.map((f) => [f.src, f.dst, f.sport, f.dport, f.proto, f.flags, f.bytes, f.pkts, NOW - f.age - f.dur, NOW - f.age]),
        );
      }),
      { numRuns: 300, seed: 1234 },
    );
  });
});

describe('decodeV9 hostile-input catalogue', () => {
  it('catalogue #1: IPV4_SRC_ADDR of length 50 and a field of length 0xFFFF reject their templates', () => {
    const store = new TemplateStore();
    const r = decodeV9(
      packet([
        v9Templates([
          { id: 256, fields: [[8, 50], [12, 4]] },
          { id: 257, fields: [[8, 4], [12, 4], [99, 0xffff]] },
        ]),
        dataSet(256, [Buffer.alloc(54)]),
        dataSet(257, [Buffer.alloc(64)]),
      ]),
      EXP, store, NOW,
    );
    expect(r.errors).toEqual(['bad_template', 'bad_template', 'template_missing', 'template_missing']);
    expect(r.records).toEqual([]);
    expect(store.templateCount()).toBe(0);
    expect(store.stats().templatesRejected).toBe(2);
  });

  it('catalogue #3: a template whose only field is type 0 length 0, then a 1,400-byte data set: no loop, no growth', () => {
    const store = new TemplateStore();
    const big = packet([v9Templates([{ id: 256, fields: [[0, 0]] }]), dataSet(256, [Buffer.alloc(1400, 0x55)])]);
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const r = decodeV9(big, EXP, store, NOW);
    const ms = performance.now() - t0;
    expect(process.memoryUsage().heapUsed - heap0).toBeLessThan(1 << 20);
    expect(ms).toBeLessThan(50);
    expect(r.errors).toEqual(['bad_template', 'template_missing']);
    expect(r.records).toEqual([]);
    expect(store.templateCount()).toBe(0);
  });

  it('catalogue #4: records mixing zero-length and 4-byte fields decode', () => {
    const f: Field[] = [[8, 4], [80, 0], [12, 4], [81, 0], [1, 4], [2, 0], [2, 4]];
    const r = decodeV9(withTemplate([record(f, ['1.1.1.1', 0, '2.2.2.2', 0, 500, 0, 5]), record(f, ['3.3.3.3', 0, '4.4.4.4', 0, 1, 0, 1])], f), EXP, new TemplateStore(), NOW);
    expect(r.errors).toEqual([]);
    expect(r.records.map((x) => [x.srcAddr, x.dstAddr, x.bytes, x.packets])).toEqual([
      ['1.1.1.1', '2.2.2.2', 500, 5],
      ['3.3.3.3', '4.4.4.4', 1, 1],
    ]);
  });

  it('catalogue #6: set length < 4 or past the datagram, and header count 65,535 with one record', () => {
    const store = new TemplateStore();
    const tmpl = v9Templates([{ id: 256, fields: SIMPLE }]);
    const tiny = Buffer.concat([u16(256), u16(3), Buffer.alloc(8)]);
    expect(decodeV9(packet([tmpl, tiny]), EXP, store, NOW).errors).toEqual(['bad_set_length']);
    const long = dataSet(256, [simpleRecord()], { length: 400 });
    const r = decodeV9(packet([tmpl, long]), EXP, store, NOW);
    expect(r.errors).toEqual(['bad_set_length']);
    expect(r.records).toEqual([]);
    const counted = decodeV9(packet([dataSet(256, [simpleRecord()])], { count: 65535 }), EXP, store, NOW);
    expect(counted.records).toHaveLength(1);
    expect(counted.errors).toEqual(['bad_record_count']);
    // A data record cut by the end of the datagram is never read.
    const cut = packet([dataSet(256, [simpleRecord(), simpleRecord()])]).subarray(0, -5);
    const cutResult = decodeV9(cut, EXP, store, NOW);
    expect(cutResult.records).toEqual([]);
    expect(cutResult.errors).toEqual(['bad_set_length']);
  });

  it('catalogue #7: v9 options template scope/option length not a multiple of 4 is rejected', () => {
    const store = new TemplateStore();
    const r1 = decodeV9(packet([v9OptionsTemplate(260, [[1, 4]], [[34, 4]], { scopeLength: 6 })]), EXP, store, NOW);
    const r2 = decodeV9(packet([v9OptionsTemplate(261, [[1, 4]], [[34, 4]], { optionLength: 5 })]), EXP, store, NOW);
    const r3 = decodeV9(packet([v9OptionsTemplate(262, [[1, 4]], [[34, 4]], { scopeLength: 400 })]), EXP, store, NOW);
    expect([r1.errors, r2.errors, r3.errors]).toEqual([['bad_options_template'], ['bad_options_template'], ['bad_options_template']]);
    expect(store.templateCount()).toBe(0);
  });

  it('catalogue #8: data after an expired or never-sent template is template_missing', () => {
    const store = new TemplateStore({ templateTtlMs: 60_000 });
    decodeV9(packet([v9Templates([{ id: 256, fields: SIMPLE }])]), EXP, store, NOW);
    expect(decodeV9(packet([dataSet(256, [simpleRecord()])]), EXP, store, NOW + 60_001).errors).toEqual(['template_missing']);
    expect(decodeV9(packet([dataSet(999, [simpleRecord()])]), EXP, store, NOW).errors).toEqual(['template_missing']);
    expect(store.stats().templatesExpired).toBe(1);
  });

  it('catalogue #9: template 256 redefined with a new layout: only the new one is used', () => {
    const store = new TemplateStore();
    decodeV9(withTemplate([simpleRecord()]), EXP, store, NOW);
    const f2: Field[] = [[12, 4], [8, 4], [2, 4], [1, 4]];
    const r = decodeV9(withTemplate([record(f2, ['9.9.9.9', '8.8.8.8', 3, 300])], f2), EXP, store, NOW + 1);
    expect(r.errors).toEqual(['template_changed']);
    expect(r.records[0]).toMatchObject({ srcAddr: '8.8.8.8', dstAddr: '9.9.9.9', bytes: 300, packets: 3 });
    const later = decodeV9(packet([dataSet(256, [record(f2, ['9.9.9.9', '8.8.8.8', 3, 300])])]), EXP, store, NOW + 2);
    expect(later.records[0]).toMatchObject({ srcAddr: '8.8.8.8', bytes: 300 });
    expect(store.templateCount(EXP)).toBe(1);
  });

  it('catalogue #10: field count 60,000 in a 20-byte set is rejected before allocation', () => {
    const store = new TemplateStore();
    const body = Buffer.concat([u16(256), u16(60000), Buffer.alloc(12)]);
    const t0 = performance.now();
    const r = decodeV9(packet([set(0, body)]), EXP, store, NOW);
    expect(performance.now() - t0).toBeLessThan(5);
    expect(r.errors).toEqual(['bad_template']);
    expect(store.templateCount()).toBe(0);
    // A count that fits the set but exceeds maxFieldsPerTemplate is refused too.
    const small = new TemplateStore({ maxFieldsPerTemplate: 10 });
    const many: Field[] = Array.from({ length: 11 }, (_, i) => [100 + i, 1] as Field);
    expect(decodeV9(packet([v9Templates([{ id: 256, fields: many }])]), EXP, small, NOW).errors).toEqual(['template_limit']);
    expect(small.templateCount()).toBe(0);
  });

  it('catalogue #11: 500,000 mutated/random v9 datagrams: no throw, bounded templates, < 5 ms each', ({ task }) => {
    const seeds: Buffer[] = GOLDEN_CASES.filter((g) => g.decoder === 'v9').map((g) => readFileSync(goldenPaths(g.name).bin));
    seeds.push(withTemplate([simpleRecord(), simpleRecord()]));
    seeds.push(packet([v9OptionsTemplate(260, [[1, 4]], [[34, 4]]), dataSet(260, [record([[1, 4], [34, 4]], [0, 10])])]));
    const store = new TemplateStore({ maxTemplatesPerExporter: 64, maxExporters: 16, maxTotalTemplates: 512, maxTotalFields: 20_000 });
    // 500,000 per decoder: the catalogue's 10^6 mutations over v9 + IPFIX. FUZZ_CASES overrides.
    const cases = Number(process.env.FUZZ_CASES ?? 500_000);
    const rep = recordFuzzRun(task, cases, () => runFuzz(decodeV9, store, seeds, 9, cases, 0xc0ffee));
    console.log(`v9 fuzz: ${JSON.stringify(rep)}`);
    expect(rep.maxRetimedMs).toBeLessThan(5);
    expect(process.memoryUsage().rss).toBeLessThan(1024 * 1024 * 1024);
  });

  it('catalogue #12: sequence gaps, resets and duplicates only change the reported sequence', () => {
    const store = new TemplateStore();
    const seqs = [10, 11, 50, 50, 0, 1];
    const results = seqs.map((sequence) => decodeV9(packet([v9Templates([{ id: 256, fields: SIMPLE }]), dataSet(256, [simpleRecord()])], { sequence, count: 2 }), EXP, store, NOW));
    expect(results.map((r) => r.sequence)).toEqual(seqs);
    for (const r of results) {
      checkResult(r);
      expect(r.errors).toEqual([]);
      expect(r.records).toHaveLength(1);
    }
  });
});
