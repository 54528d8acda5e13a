import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diagnostics, fitAttributes, MAX_ATTRIBUTES_BYTES, sensorAttributes, type Attributes } from './attributes.js';
import { takeSnapshot } from './sources.js';
import { finding, sampleWorld, sourcesOf } from './test-kit.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const size = (a: unknown) => Buffer.byteLength(JSON.stringify(a));

describe('fitAttributes', () => {
  it('returns small attributes unchanged (same object, no truncated mark)', () => {
    const a = { x: 1, list: [1, 2, 3] };
    expect(fitAttributes(a, 1000)).toBe(a);
  });

  it('always fits the limit, marks a cut, and never invents keys', () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.integer(), fc.string({ maxLength: 200 }), fc.boolean(), fc.constant(null), tie('arr'), tie('obj')),
      arr: fc.array(tie('value'), { maxLength: 60 }),
      obj: fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), tie('value'), { maxKeys: 30 }),
    }));
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), json.value, { maxKeys: 20 }), fc.integer({ min: 50, max: 4000 }), (input, max) => {
        const before = JSON.stringify(input);
        const out = fitAttributes(input as Attributes, max);
        expect(size(out)).toBeLessThanOrEqual(max);
        expect(JSON.stringify(input)).toBe(before);
        if (size(input) > max) expect(out.truncated).toBe(true);
        for (const k of Object.keys(out)) if (k !== 'truncated') expect(Object.keys(input)).toContain(k);
      }),
      { numRuns: 200 },
    );
  });

  it('cuts the longest list first and keeps the small facts', () => {
    const out = fitAttributes({ count: 5000, device_list: Array.from({ length: 5000 }, (_, i) => ({ ip: `10.0.${i >> 8}.${i & 255}` })) }, 2000);
    expect(out.count).toBe(5000);
    expect(out.truncated).toBe(true);
    expect((out.device_list as unknown[]).length).toBeGreaterThan(10);
    expect(size(out)).toBeLessThanOrEqual(2000);
  });
});

describe('sensor attributes', () => {
  it('every sensor carries the diagnostic block: listener health, exporter IPs, protocol versions, template counts, dropped datagrams, inventory', () => {
    const snap = takeSnapshot(sourcesOf(sampleWorld()), NOW);
    const d = diagnostics(snap);
    expect(d).toEqual({
      listener: { datagrams: 100, records: 900, decode_errors: 1, dropped: 2, kernel_drops: 0, templates: 7 },
      exporters: ['192.168.1.1', '192.168.1.2'],
      protocol_versions: { '192.168.1.1': ['v9'], '192.168.1.2': ['ipfix', 'v5'] },
      template_counts: { '192.168.1.1': 5, '192.168.1.2': 2 },
      dropped_datagrams: { '192.168.1.1': 1, '192.168.1.2': 0 },
      inventory: { devices: 3, at_risk: 1, by_role: { nas: 1, phone: 1, unknown: 1 } },
    });
    for (const id of ['total_flows', 'open_findings', 'nvd_keywords']) expect(sensorAttributes(id, snap)).toMatchObject(d);
  });

  it('NVD Keywords lists per-keyword CVE count, source and fetch time', () => {
    const a = sensorAttributes('nvd_keywords', takeSnapshot(sourcesOf(sampleWorld()), NOW));
    expect(a.keywords).toEqual({
      OpenSSH: { cves: 12, source: 'custom', fetched: '2026-01-01T00:00:00.000Z' },
      nginx: { cves: 3, source: 'fingerprint', fetched: '2026-01-02T00:00:00.000Z' },
    });
    expect(a.by_source).toEqual({ custom: 1, fingerprint: 1 });
  });

  it('suspicious and high-egress sources are the distinct IPs of open findings of that category', () => {
    const w = sampleWorld();
    w.findings = [
      finding({ key: 'suspicious_port:10.0.0.5:23', category: 'suspicious_port', sourceIp: '10.0.0.5', severity: 'medium' }),
      finding({ key: 'suspicious_port:10.0.0.5:445', category: 'suspicious_port', sourceIp: '10.0.0.5', severity: 'high' }),
      finding({ key: 'suspicious_port:10.0.0.6:23', category: 'suspicious_port', sourceIp: '10.0.0.6', severity: 'medium', dismissed: true }),
      finding({ key: 'high_egress:10.0.0.7', category: 'high_egress', sourceIp: '10.0.0.7', severity: 'medium' }),
    ];
    const snap = takeSnapshot(sourcesOf(w), NOW);
    expect(sensorAttributes('suspicious_sources', snap).sources).toEqual(['10.0.0.5']);
    expect(sensorAttributes('high_egress_sources', snap).sources).toEqual(['10.0.0.7']);
    const open = sensorAttributes('open_findings', snap);
    expect(open.by_severity).toEqual({ high: 1 });
  });

  it('a source that throws leaves only its part unknown', () => {
    const src = sourcesOf(sampleWorld());
    src.exporters = () => {
      throw new Error('boom');
    };
    const snap = takeSnapshot(src, NOW);
    expect(snap.failed).toEqual(['exporters']);
    expect(snap.totalFlows).toBe(1234);
    expect(diagnostics(snap).exporters).toBeUndefined();
  });

  it('thousands of devices and keywords stay under Home Assistant\'s attribute limit', () => {
    const w = sampleWorld();
    w.devices = Array.from({ length: 4000 }, (_, i) => ({ id: i, ip: `10.1.${i >> 8}.${i & 255}`, hostname: 'h'.repeat(60), vendor: 'v'.repeat(60), role: `role${i % 40}`, atRisk: i % 3 === 0 }));
    w.keywords = Array.from({ length: 400 }, (_, i) => ({ keyword: `keyword-${i}-${'k'.repeat(40)}`, cves: i, source: 'banner' }));
    const snap = takeSnapshot(sourcesOf(w), NOW);
    for (const id of ['active_devices', 'vulnerability_count', 'nvd_keywords']) {
      const a = sensorAttributes(id, snap);
      expect(size(a)).toBeLessThanOrEqual(MAX_ATTRIBUTES_BYTES);
      expect(a.listener).toBeDefined();
    }
  });
});
