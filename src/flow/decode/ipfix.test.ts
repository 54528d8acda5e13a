import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordFuzzRun } from '../../../test/support/reliability-meta.js';
import { decodeIpfix } from './ipfix.js';
import { TemplateStore } from './template-store.js';
import {
  dataSet,
  ipfixMessage,
  ipfixOptionsTemplates,
  ipfixTemplates,
  ipfixWithdrawals,
  record,
  set,
  u16,
  u8,
  type Field,
} from './testdata/builder.js';
import { GOLDEN_CASES } from './testdata/golden-cases.js';
import { decodeGolden, goldenPaths } from './testdata/golden.js';
import { checkResult, runFuzz } from './testdata/fuzz.js';

const EXP = '10.0.0.1';
const UNIX = 1_700_000_000;
const NOW = UNIX * 1000;

const V4: Field[] = [[8, 4], [12, 4], [7, 2], [11, 2], [4, 1], [1, 8], [2, 8], [152, 8], [153, 8]];

function v4Record(src = '10.1.1.1', dst = '10.2.2.2', bytes = 1000, pkts = 3): Buffer {
  return record(V4, [src, dst, 4000, 443, 6, bytes, pkts, NOW - 3000, NOW - 1000]);
}

function msg(sets: Buffer[], over: { domainId?: number; sequence?: number; length?: number; exportTime?: number } = {}): Buffer {
  return ipfixMessage({ exportTime: UNIX, sequence: 1, domainId: 1, ...over }, sets);
}

describe('decodeIpfix golden files', () => {
  for (const c of GOLDEN_CASES.filter((g) => g.decoder === 'ipfix')) {
    it(`${c.name} decodes to the reviewed JSON`, () => {
      const { bin, json } = goldenPaths(c.name);
      const buf = readFileSync(bin);
      expect(buf.equals(c.build()), 'builder output drifted from the .bin file').toBe(true);
      expect(decodeGolden(c, buf)).toEqual(JSON.parse(readFileSync(json, 'utf8')));
    });
  }
});

describe('decodeIpfix', () => {
  it('decodes a template and data set with header fields', () => {
    const r = decodeIpfix(msg([ipfixTemplates([{ id: 256, fields: V4 }]), dataSet(256, [v4Record(), v4Record('10.1.1.2')])], { sequence: 99, domainId: 4 }), EXP, new TemplateStore(), NOW);
    expect(r).toMatchObject({ version: 'ipfix', errors: [], templatesSeen: 1, sequence: 99, domainId: 4 });
    expect(r.records[0]).toEqual({
      ipVersion: 4, srcAddr: '10.1.1.1', dstAddr: '10.2.2.2', srcPort: 4000, dstPort: 443, protocol: 6, bytes: 1000,
      packets: 3, tcpFlags: 0, startMs: NOW - 3000, endMs: NOW - 1000, exporter: EXP, inputIf: 0, outputIf: 0, samplingRate: 1,
    });
    expect(r.records[1]?.srcAddr).toBe('10.1.1.2');
  });

  it('skips enterprise-specific fields by length, including variable-length ones (RFC 7011 §3.2)', () => {
    const f: Field[] = [[8, 4], [1, 4, 9], [12, 4], [300, 0xffff, 29305], [2, 4, 29305], [1, 4], [2, 4]];
    const r = decodeIpfix(
      msg([ipfixTemplates([{ id: 256, fields: f }]), dataSet(256, [record(f, ['1.1.1.1', 777, '2.2.2.2', Buffer.alloc(3, 7), 888, 50, 5])])]),
      EXP, new TemplateStore(), NOW,
    );
    expect(r.errors).toEqual([]);
    expect(r.records[0]).toMatchObject({ srcAddr: '1.1.1.1', dstAddr: '2.2.2.2', bytes: 50, packets: 5 });
  });

  it('decodes variable-length fields of length 0, 254, 255 (long form) and 1000 (RFC 7011 §7)', () => {
    const f: Field[] = [[8, 4], [82, 0xffff], [12, 4], [1, 4]];
    const store = new TemplateStore();
    const lens = [0, 254, 255, 1000];
    const recs = lens.map((n, i) => record(f, ['1.1.1.1', Buffer.alloc(n, 0x61), '2.2.2.2', i]));
    // 255 must use the 3-octet form; also a short value written in the 3-octet form.
    expect(recs[2]!.subarray(4, 7)).toEqual(Buffer.from([255, 0, 255]));
    const longFormShort = Buffer.concat([record([[8, 4]], ['1.1.1.1']), Buffer.from([255, 0, 2, 0x61, 0x62]), record([[12, 4], [1, 4]], ['2.2.2.2', 9])]);
    const r = decodeIpfix(msg([ipfixTemplates([{ id: 256, fields: f }]), dataSet(256, [...recs, longFormShort])]), EXP, store, NOW);
    expect(r.errors).toEqual([]);
    expect(r.records.map((x) => x.bytes)).toEqual([0, 1, 2, 3, 9]);
    expect(r.records.every((x) => x.dstAddr === '2.2.2.2')).toBe(true);
  });

  it('prefers millisecond times, then seconds, then uptime anchored on systemInitTimeMilliseconds', () => {
    const store = new TemplateStore();
    const both: Field[] = [[8, 4], [12, 4], [150, 4], [151, 4], [152, 8], [153, 8]];
    const r1 = decodeIpfix(msg([ipfixTemplates([{ id: 256, fields: both }]), dataSet(256, [record(both, ['1.1.1.1', '2.2.2.2', UNIX - 100, UNIX - 50, NOW - 7, NOW - 3])])]), EXP, store, NOW);
    expect(r1.records[0]).toMatchObject({ startMs: NOW - 7, endMs: NOW - 3 });
    const secs: Field[] = [[8, 4], [12, 4], [22, 4], [21, 4], [150, 4], [151, 4]];
    const r2 = decodeIpfix(msg([ipfixTemplates([{ id: 257, fields: secs }]), dataSet(257, [record(secs, ['1.1.1.1', '2.2.2.2', 5, 6, UNIX - 100, UNIX - 50])])]), EXP, store, NOW);
    expect(r2.records[0]).toMatchObject({ startMs: NOW - 100_000, endMs: NOW - 50_000 });
  });

  it('anchors flowStart/EndSysUpTime on IE 160 from options data (softflowd default), else falls back to export time', () => {
    const store = new TemplateStore();
    const up: Field[] = [[8, 4], [12, 4], [22, 4], [21, 4], [1, 4], [2, 4]];
    const tmpl = ipfixTemplates([{ id: 1024, fields: up }]);
    const data = dataSet(1024, [record(up, ['1.1.1.1', '2.2.2.2', 10_000, 20_000, 1, 1])]);
    const noInit = decodeIpfix(msg([tmpl, data]), EXP, store, NOW);
    expect(noInit.records[0]).toMatchObject({ startMs: NOW, endMs: NOW });
    const opt: Field[] = [[143, 4], [160, 8]];
    const init = NOW - 3_600_000;
    const withInit = decodeIpfix(
      msg([ipfixOptionsTemplates([{ id: 256, scopeCount: 1, fields: opt }]), dataSet(256, [record(opt, [1, init])]), data]),
      EXP, store, NOW,
    );
    expect(withInit.errors).toEqual([]);
    expect(withInit.records[0]).toMatchObject({ startMs: init + 10_000, endMs: init + 20_000 });
    // Remembered for later messages of the same exporter + domain, not for other domains.
    expect(decodeIpfix(msg([data]), EXP, store, NOW).records[0]?.startMs).toBe(init + 10_000);
    decodeIpfix(msg([tmpl], { domainId: 2 }), EXP, store, NOW);
    expect(decodeIpfix(msg([data], { domainId: 2 }), EXP, store, NOW).records[0]?.startMs).toBe(NOW);
  });

  it('handles flowStart/EndSysUpTime after the unsigned32 uptime wrapped (device up > 49.7 days)', () => {
    const store = new TemplateStore();
    const up: Field[] = [[8, 4], [12, 4], [22, 4], [21, 4]];
    const opt: Field[] = [[143, 4], [160, 8]];
    const init = NOW - (2 ** 32 + 5000); // uptime at export: 2^32 + 5 s
    const r = decodeIpfix(
      msg([
        ipfixOptionsTemplates([{ id: 256, scopeCount: 1, fields: opt }]), dataSet(256, [record(opt, [1, init])]),
        ipfixTemplates([{ id: 300, fields: up }]), dataSet(300, [record(up, ['1.1.1.1', '2.2.2.2', 2 ** 32 - 1000, 4000])]),
      ]),
      EXP, store, NOW,
    );
    expect(r.records[0]).toMatchObject({ startMs: NOW - 6000, endMs: NOW - 1000 });
  });

  it('converts micro- and nanosecond NTP timestamps (RFC 7011 §6.1.9, §6.1.10)', () => {
    const f: Field[] = [[8, 4], [12, 4], [156, 8], [157, 8]];
    const ntp = (s: number, frac: number): bigint => (BigInt(s + 2_208_988_800) << 32n) | BigInt(Math.floor(frac * 2 ** 32));
    const r = decodeIpfix(msg([ipfixTemplates([{ id: 256, fields: f }]), dataSet(256, [record(f, ['1.1.1.1', '2.2.2.2', ntp(UNIX, 0.001), ntp(UNIX + 1, 0.999)])])]), EXP, new TemplateStore(), NOW);
    expect(r.records[0]).toMatchObject({ startMs: NOW + 1, endMs: NOW + 1999 });
  });

  it('applies PSAMP (305/306) and samplingInterval (34) options data to later data', () => {
    const store = new TemplateStore();
    const psamp: Field[] = [[143, 4], [305, 4], [306, 4]];
    decodeIpfix(msg([ipfixOptionsTemplates([{ id: 260, scopeCount: 1, fields: psamp }]), dataSet(260, [record(psamp, [1, 2, 8])]), ipfixTemplates([{ id: 256, fields: V4 }])]), EXP, store, NOW);
    expect(decodeIpfix(msg([dataSet(256, [v4Record()])]), EXP, store, NOW).records[0]).toMatchObject({ samplingRate: 5, bytes: 5000, packets: 15 });
    const si: Field[] = [[149, 4], [34, 4]];
    decodeIpfix(msg([ipfixOptionsTemplates([{ id: 261, scopeCount: 1, fields: si }]), dataSet(261, [record(si, [1, 100])])]), EXP, store, NOW);
    expect(decodeIpfix(msg([dataSet(256, [v4Record()])]), EXP, store, NOW).records[0]).toMatchObject({ samplingRate: 100, bytes: 100_000 });
  });

  it('reports header length disagreements and decodes the common part', () => {
    const store = new TemplateStore();
    const good = msg([ipfixTemplates([{ id: 256, fields: V4 }]), dataSet(256, [v4Record()])]);
    const longer = Buffer.concat([good, Buffer.alloc(8)]);
    expect(decodeIpfix(longer, EXP, store, NOW)).toMatchObject({ errors: ['bad_length'], records: [{}] });
    const claimedShort = Buffer.from(good);
    claimedShort.writeUInt16BE(12, 2);
    expect(decodeIpfix(claimedShort, EXP, store, NOW)).toMatchObject({ errors: ['bad_length'], records: [] });
    expect(decodeIpfix(Buffer.from([0, 10, 0]), EXP, store, NOW)).toMatchObject({ version: 'ipfix', errors: ['truncated_header'] });
    expect(decodeIpfix(Buffer.from([0, 9, ...Buffer.alloc(30)]), EXP, store, NOW)).toMatchObject({ version: 'unknown', errors: ['bad_version'] });
  });

  it('rejects templates with reserved ids, known fields of variable or wrong length, and options scope count 0', () => {
    const store = new TemplateStore();
    const r = decodeIpfix(
      msg([
        ipfixTemplates([
          { id: 255, fields: V4 },
          { id: 256, fields: [[8, 0xffff], [12, 4]] },
          { id: 257, fields: [[27, 4], [28, 16]] },
          { id: 258, fields: [[7, 4], [8, 4]] },
          { id: 259, fields: [[154, 4], [8, 4]] },
        ]),
        ipfixOptionsTemplates([{ id: 260, scopeCount: 0, fields: [[34, 4]] }]),
      ]),
      EXP, store, NOW,
    );
    expect(r.errors).toEqual(['bad_template', 'bad_template', 'bad_template', 'bad_template', 'bad_template', 'bad_options_template']);
    expect(store.templateCount()).toBe(0);
  });

  it('round-trips arbitrary IPv6 flows through the test encoder (fast-check)', () => {
    const f: Field[] = [[27, 16], [28, 16], [7, 2], [11, 2], [4, 1], [85, 8], [86, 8], [152, 8], [153, 8], [82, 0xffff]];
    const flow = fc.record({
      src: fc.ipV6(), dst: fc.ipV6(), sport: fc.integer({ min: 0, max: 65535 }), dport: fc.integer({ min: 0, max: 65535 }),
      proto: fc.integer({ min: 0, max: 255 }), bytes: fc.maxSafeNat(), pkts: fc.integer({ min: 0, max: 2 ** 40 }),
      start: fc.integer({ min: 0, max: 2 ** 45 }), dur: fc.integer({ min: 0, max: 10_000_000 }), name: fc.uint8Array({ maxLength: 300 }),
    });
    fc.assert(
      fc.property(fc.array(flow, { minLength: 1, maxLength: 5 }), (flows) => {
        const recs = flows.map((x) => record(f, [x.src, x.dst, x.sport, x.dport, x.proto, BigInt(x.bytes), x.pkts, x.start, x.start + x.dur, Buffer.from(x.name)]));
        const r = decodeIpfix(msg([ipfixTemplates([{ id: 256, fields: f }]), dataSet(256, recs)]), EXP, new TemplateStore(), NOW);
        expect(r.errors).toEqual([]);
        expect(r.records.map((x) => [x.srcPort, x.dstPort, x.protocol, x.bytes, x.packets, x.startMs, x.endMs])).toEqual(
          flows.map((x) => [x.sport, x.dport, x.proto, x.bytes, x.pkts, x.start, x.start + x.dur]),
        );
        // Addresses re-parse to the same bytes.
        r.records.forEach((x, i) => {
          expect(record([[27, 16]], [x.srcAddr]).equals(record([[27, 16]], [flows[i]!.src]))).toBe(true);
        });
      }),
      { numRuns: 200, seed: 4321 },
    );
  });
});

describe('decodeIpfix hostile-input catalogue', () => {
  it('catalogue #2: a template with field count 0, then data sets using it: rejected at once', () => {
    const store = new TemplateStore();
    const r = decodeIpfix(msg([ipfixWithdrawals(2, [256]), dataSet(256, [Buffer.alloc(1000)]), dataSet(256, [Buffer.alloc(200)])]), EXP, store, NOW);
    expect(r.errors).toEqual(['template_missing', 'template_missing']);
    expect(r.records).toEqual([]);
    expect(r.templatesSeen).toBe(0);
    expect(store.templateCount()).toBe(0);
  });

  it('catalogue #3: a template whose only field is type 0 length 0, then a 1,400-byte data set: no loop, no growth', () => {
    const store = new TemplateStore();
    const big = msg([ipfixTemplates([{ id: 256, fields: [[0, 0]] }]), dataSet(256, [Buffer.alloc(1400, 0x33)])]);
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const r = decodeIpfix(big, EXP, store, NOW);
    expect(performance.now() - t0).toBeLessThan(50);
    expect(process.memoryUsage().heapUsed - heap0).toBeLessThan(1 << 20);
    expect(r.errors).toEqual(['bad_template', 'template_missing']);
    expect(store.templateCount()).toBe(0);
  });

  it('catalogue #5: variable-length prefix 0xFF with a 16-bit length past the end is rejected; 0 and 255 decode', () => {
    const store = new TemplateStore();
    const f: Field[] = [[8, 4], [82, 0xffff], [12, 4]];
    decodeIpfix(msg([ipfixTemplates([{ id: 256, fields: f }])]), EXP, store, NOW);
    const ok = record(f, ['1.1.1.1', Buffer.alloc(0), '2.2.2.2']);
    const hostile = Buffer.concat([record([[8, 4]], ['3.3.3.3']), u8(255), u16(60000), Buffer.alloc(8)]);
    const r = decodeIpfix(msg([dataSet(256, [ok, hostile], { pad: false })]), EXP, store, NOW);
    expect(r.errors).toEqual(['bad_field_length']);
    expect(r.records.map((x) => x.srcAddr)).toEqual(['1.1.1.1']);
    // A short length running past the set; a fixed field cut after a long-form value.
    const over = Buffer.concat([record([[8, 4]], ['3.3.3.3']), u8(200), Buffer.alloc(10)]);
    expect(decodeIpfix(msg([dataSet(256, [over], { pad: false })]), EXP, store, NOW).errors).toEqual(['bad_field_length']);
    const cutFixed = Buffer.concat([record([[8, 4]], ['3.3.3.3']), u8(255), u16(3), Buffer.alloc(4)]);
    expect(decodeIpfix(msg([dataSet(256, [cutFixed], { pad: false })]), EXP, store, NOW).errors).toEqual(['truncated_record']);
    const r255 = decodeIpfix(msg([dataSet(256, [record(f, ['4.4.4.4', Buffer.alloc(255), '5.5.5.5'])])]), EXP, store, NOW);
    expect(r255.errors).toEqual([]);
    expect(r255.records[0]).toMatchObject({ srcAddr: '4.4.4.4', dstAddr: '5.5.5.5' });
  });

  it('catalogue #6: set length < 4 or past the message stops decoding without over-read', () => {
    const store = new TemplateStore();
    const tmpl = ipfixTemplates([{ id: 256, fields: V4 }]);
    expect(decodeIpfix(msg([tmpl, Buffer.concat([u16(256), u16(2), Buffer.alloc(8)])]), EXP, store, NOW).errors).toEqual(['bad_set_length']);
    const r = decodeIpfix(msg([tmpl, dataSet(256, [v4Record()], { length: 9000 })]), EXP, store, NOW);
    expect(r.errors).toEqual(['bad_set_length']);
    expect(r.records).toEqual([]);
    // Truncated datagram whose header still claims the full length.
    const full = msg([dataSet(256, [v4Record(), v4Record()])]);
    const cut = decodeIpfix(full.subarray(0, full.length - 10), EXP, store, NOW);
    expect(cut.errors).toEqual(['bad_length', 'bad_set_length']);
  });

  it('catalogue #7: options template whose scope count exceeds the field count is rejected', () => {
    const store = new TemplateStore();
    const r = decodeIpfix(
      msg([ipfixOptionsTemplates([{ id: 256, scopeCount: 3, fields: [[149, 4], [34, 4]] }, { id: 257, scopeCount: 1, fields: [[149, 4], [34, 4]] }])]),
      EXP, store, NOW,
    );
    expect(r.errors).toEqual(['bad_options_template']);
    expect(store.templateCount()).toBe(1);
    expect(decodeIpfix(msg([dataSet(256, [Buffer.alloc(8)])]), EXP, store, NOW).errors).toEqual(['template_missing']);
  });

  it('catalogue #8: withdrawal of unknown ids, withdraw-all, repeated withdrawals: no crash, later data is template_missing', () => {
    const store = new TemplateStore();
    const opt: Field[] = [[149, 4], [34, 4]];
    decodeIpfix(
      msg([ipfixTemplates([{ id: 256, fields: V4 }, { id: 257, fields: V4 }]), ipfixOptionsTemplates([{ id: 258, scopeCount: 1, fields: opt }])]),
      EXP, store, NOW,
    );
    expect(store.templateCount()).toBe(3);
    const w = decodeIpfix(msg([ipfixWithdrawals(2, [999, 256, 256, 258])]), EXP, store, NOW);
    expect(w.errors).toEqual([]);
    expect(store.templateCount()).toBe(2); // 258 is an options template: not withdrawn from a Template Set
    expect(decodeIpfix(msg([dataSet(256, [v4Record()])]), EXP, store, NOW).errors).toEqual(['template_missing']);
    decodeIpfix(msg([ipfixWithdrawals(2, [2, 2])]), EXP, store, NOW);
    expect(store.templateCount()).toBe(1);
    decodeIpfix(msg([ipfixWithdrawals(3, [3, 3, 258, 12345])]), EXP, store, NOW);
    expect(store.templateCount()).toBe(0);
    expect(decodeIpfix(msg([dataSet(257, [v4Record()]), dataSet(258, [Buffer.alloc(8)])]), EXP, store, NOW).errors).toEqual([
      'template_missing', 'template_missing',
    ]);
    // Withdrawals for an exporter that never sent anything.
    expect(decodeIpfix(msg([ipfixWithdrawals(2, [2, 256]), ipfixWithdrawals(3, [3])]), '10.99.0.1', store, NOW).errors).toEqual([]);
  });

  it('catalogue #9: template 256 redefined with a new layout: only the new one is used', () => {
    const store = new TemplateStore();
    decodeIpfix(msg([ipfixTemplates([{ id: 256, fields: V4 }])]), EXP, store, NOW);
    const f2: Field[] = [[12, 4], [8, 4], [2, 4], [1, 4]];
    const r = decodeIpfix(msg([ipfixTemplates([{ id: 256, fields: f2 }]), dataSet(256, [record(f2, ['9.9.9.9', '8.8.8.8', 3, 300])])]), EXP, store, NOW);
    expect(r.errors).toEqual(['template_changed']);
    expect(r.records[0]).toMatchObject({ srcAddr: '8.8.8.8', dstAddr: '9.9.9.9', bytes: 300, packets: 3 });
    expect(store.templateCount()).toBe(1);
  });

  it('catalogue #10: field count 60,000 in a 20-byte set, and enterprise specs cut short, are rejected before allocation', () => {
    const store = new TemplateStore();
    const t0 = performance.now();
    const r = decodeIpfix(msg([set(2, Buffer.concat([u16(256), u16(60000), Buffer.alloc(12)]))]), EXP, store, NOW);
    expect(performance.now() - t0).toBeLessThan(5);
    expect(r.errors).toEqual(['bad_template']);
    // Two specs claimed; the second has the enterprise bit but its PEN is missing.
    const cut = Buffer.concat([u16(256), u16(2), u16(8), u16(4), u16(0x8000 | 5), u16(4)]);
    expect(decodeIpfix(msg([set(2, cut, { pad: false })]), EXP, store, NOW).errors).toEqual(['bad_template']);
    expect(decodeIpfix(msg([set(3, Buffer.concat([u16(256), u16(60000), u16(1), Buffer.alloc(10)]))]), EXP, store, NOW).errors).toEqual([
      'bad_options_template',
    ]);
    expect(store.templateCount()).toBe(0);
  });

  it('catalogue #11: 500,000 mutated/random IPFIX messages: no throw, bounded templates, < 5 ms each', ({ task }) => {
    const seeds: Buffer[] = GOLDEN_CASES.filter((g) => g.decoder === 'ipfix').map((g) => readFileSync(goldenPaths(g.name).bin));
    seeds.push(msg([ipfixTemplates([{ id: 256, fields: V4 }]), dataSet(256, [v4Record(), v4Record()])]));
    seeds.push(msg([ipfixWithdrawals(2, [2, 256]), ipfixWithdrawals(3, [3])]));
    const f: Field[] = [[8, 4], [82, 0xffff], [12, 4], [1, 4, 9]];
    seeds.push(msg([ipfixTemplates([{ id: 300, fields: f }]), dataSet(300, [record(f, ['1.1.1.1', Buffer.alloc(300), '2.2.2.2', 1])])]));
    const store = new TemplateStore({ maxTemplatesPerExporter: 64, maxExporters: 16, maxTotalTemplates: 512, maxTotalFields: 20_000 });
    // 500,000 per decoder: the catalogue's 10^6 mutations over v9 + IPFIX. FUZZ_CASES overrides.
    const cases = Number(process.env.FUZZ_CASES ?? 500_000);
    const rep = recordFuzzRun(task, cases, () => runFuzz(decodeIpfix, store, seeds, 10, cases, 0xbadc0de));
    console.log(`ipfix fuzz: ${JSON.stringify(rep)}`);
    expect(rep.maxRetimedMs).toBeLessThan(5);
    expect(process.memoryUsage().rss).toBeLessThan(1024 * 1024 * 1024);
  });

  it('catalogue #12: sequence gaps, resets and duplicates only change the reported sequence', () => {
    const store = new TemplateStore();
    const seqs = [100, 101, 5000, 5000, 0, 4294967295];
    const results = seqs.map((sequence) => decodeIpfix(msg([ipfixTemplates([{ id: 256, fields: V4 }]), dataSet(256, [v4Record()])], { sequence }), EXP, store, NOW));
    expect(results.map((r) => r.sequence)).toEqual(seqs);
    for (const r of results) {
      checkResult(r);
      expect(r.errors).toEqual([]);
      expect(r.records).toHaveLength(1);
    }
  });
});
