import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../flow/types.js';
import { EVICTIONS_METRIC } from './clock-ring.js';
import { MAX_SOURCES, createHighEgressDetector, formatBytes, highEgressDetector } from './high-egress.js';
import { T0, flow, ipN, testContext } from './test-kit.js';

const DEVICE = '192.168.1.20';
const MB = 1_000_000;

function upload(bytes: number, t: number, extra: Partial<FlowRecord> = {}): FlowRecord {
  return flow({ srcAddr: DEVICE, dstAddr: '203.0.113.5', srcPort: 50000, dstPort: 443, bytes, packets: Math.ceil(bytes / 1400), tcpFlags: 0x1b, startMs: t - 1000, endMs: t, ...extra });
}

describe('high-egress detector', () => {
  it('raises one medium finding when a device exceeds the threshold within an interval', () => {
    const { ctx, findings } = testContext({ high_egress_threshold: 50 * MB, high_egress_interval_seconds: 300 });
    const d = createHighEgressDetector(ctx);
    for (let i = 0; i < 60; i++) d.observe(upload(1 * MB, T0 + i * 1000), 'outbound');
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({ key: `high_egress:${DEVICE}`, category: 'high_egress', severity: 'medium', sourceIp: DEVICE });
    expect(f.evidence).toMatchObject({ bytes: 51 * MB, thresholdBytes: 50 * MB, intervalSeconds: 300, topPeers: [{ ip: '203.0.113.5', bytes: 51 * MB }] });
    expect(f.title).toContain('51.0 MB');
  });

  it('does not raise under the threshold, nor for the same volume split across two intervals', () => {
    const { ctx, findings } = testContext({ high_egress_threshold: 50 * MB, high_egress_interval_seconds: 300 });
    const d = createHighEgressDetector(ctx);
    d.observe(upload(50 * MB, T0 + 10_000), 'outbound'); // exactly the threshold: not above it
    expect(findings).toHaveLength(0);
    const d2 = createHighEgressDetector(ctx);
    // T0 is aligned to 300 s: 30 MB at the end of one interval, 30 MB at the start of the next
    d2.observe(upload(30 * MB, T0 + 299_000), 'outbound');
    d2.observe(upload(30 * MB, T0 + 301_000), 'outbound');
    expect(findings).toHaveLength(0);
  });

  it('reports once per interval and again in a later interval', () => {
    const { ctx, findings } = testContext({ high_egress_threshold: 10 * MB, high_egress_interval_seconds: 60 });
    const d = highEgressDetector(ctx);
    for (let s = 0; s < 180; s++) d.observe(upload(1 * MB, T0 + s * 1000 + 500), 'outbound');
    expect(findings).toHaveLength(3);
    expect(new Set(findings.map((f) => f.evidence.intervalStartMs)).size).toBe(3);
  });

  it("a later interval's evidence counts only that interval's peers (and flows after a report in the same interval)", () => {
    const { ctx, findings } = testContext({ high_egress_threshold: 10 * MB, high_egress_interval_seconds: 60 });
    const d = createHighEgressDetector(ctx);
    d.observe(upload(11 * MB, T0 + 1000, { dstAddr: '198.51.100.1' }), 'outbound');
    // after the report, more to other peers in the same interval
    for (let i = 0; i < 20; i++) d.observe(upload(1 * MB, T0 + 2000 + i, { dstAddr: `203.0.113.${i + 10}` }), 'outbound');
    d.observe(upload(6 * MB, T0 + 61_000, { dstAddr: '198.51.100.2' }), 'outbound');
    d.observe(upload(5 * MB, T0 + 62_000, { dstAddr: '2001:db8::5' }), 'outbound');
    expect(findings).toHaveLength(2);
    expect(findings[0]!.evidence).toMatchObject({ bytes: 11 * MB, flows: 1, topPeers: [{ ip: '198.51.100.1', bytes: 11 * MB }], peersApproximate: false });
    expect(findings[1]!.evidence).toMatchObject({
      bytes: 11 * MB,
      flows: 2,
      topPeers: [
        { ip: '198.51.100.2', bytes: 6 * MB },
        { ip: '2001:db8::5', bytes: 5 * MB },
      ],
      peersApproximate: false,
    });
  });

  it('ignores inbound, internal and transit traffic', () => {
    const { ctx, findings } = testContext({ high_egress_threshold: 1 * MB });
    const d = createHighEgressDetector(ctx);
    d.observe(upload(100 * MB, T0, { srcAddr: '203.0.113.5', dstAddr: DEVICE }), 'inbound');
    d.observe(upload(100 * MB, T0, { dstAddr: '192.168.1.2' }), 'internal');
    d.observe(upload(100 * MB, T0, { srcAddr: '198.51.100.1' }), 'transit');
    expect(findings).toHaveLength(0);
    expect(d.size()).toBe(0);
  });

  it('lists at most five top peers, heaviest first', () => {
    const { ctx, findings } = testContext({ high_egress_threshold: 20 * MB, high_egress_interval_seconds: 300 });
    const d = createHighEgressDetector(ctx);
    for (let i = 0; i < 12; i++) d.observe(upload(100_000, T0 + i, { dstAddr: `203.0.113.${i + 10}` }), 'outbound');
    d.observe(upload(12 * MB, T0 + 100, { dstAddr: '198.51.100.1' }), 'outbound');
    d.observe(upload(9 * MB, T0 + 200, { dstAddr: '198.51.100.2' }), 'outbound');
    expect(findings).toHaveLength(1);
    const peers = findings[0]!.evidence.topPeers as { ip: string; bytes: number }[];
    expect(peers).toHaveLength(5);
    expect(peers.slice(0, 2).map((p) => p.ip)).toEqual(['198.51.100.1', '198.51.100.2']);
    expect(findings[0]!.evidence.peersApproximate).toBe(true);
  });

  it('keeps memory bounded under 100,000 spoofed internal sources and counts evictions', () => {
    const { ctx, metrics } = testContext();
    const d = createHighEgressDetector(ctx);
    for (let i = 0; i < 100_000; i++) d.observe(upload(100, T0 + i, { srcAddr: ipN(i) }), 'outbound');
    expect(d.size()).toBe(MAX_SOURCES);
    d.tick(T0 + 100_000);
    expect(metrics.get(EVICTIONS_METRIC, { detector: 'high_egress' })).toBe(100_000 - MAX_SOURCES);
  });

  it('drops sources idle for two intervals of ingest time', () => {
    const { ctx } = testContext({ high_egress_interval_seconds: 60 });
    const d = createHighEgressDetector(ctx);
    d.tick(T0);
    d.observe(upload(100, T0), 'outbound');
    d.tick(T0 + 120_000);
    expect(d.size()).toBe(1);
    d.tick(T0 + 120_001);
    expect(d.size()).toBe(0);
  });

  it('formats byte counts', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(52_400_000)).toBe('52.4 MB');
  });
});
