import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../flow/types.js';
import { EVICTIONS_METRIC } from './clock-ring.js';
import { MAX_PEERS, MAX_SOURCES, createSuspiciousPortDetector, suspiciousPortDetector } from './suspicious-port.js';
import { T0, flow, ipN, testContext } from './test-kit.js';

const DEVICE = '192.168.1.20';

function out(dstPort: number, t: number, extra: Partial<FlowRecord> = {}): FlowRecord {
  return flow({ srcAddr: DEVICE, dstAddr: '203.0.113.5', srcPort: 50123, dstPort, packets: 3, bytes: 180, startMs: t, endMs: t, ...extra });
}

describe('suspicious-port detector', () => {
  it('reports an outbound SMB connection once, at the next tick, as high', () => {
    const { ctx, findings } = testContext();
    const d = createSuspiciousPortDetector(ctx);
    d.observe(out(445, T0), 'outbound');
    expect(findings).toHaveLength(0); // evaluated in tick()
    d.tick(T0 + 10_000);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      key: `suspicious_port:${DEVICE}`,
      category: 'suspicious_port',
      severity: 'high',
      sourceIp: DEVICE,
      atMs: T0,
      evidence: { ports: [445], peers: ['203.0.113.5:445/tcp'], flows: 1, windowSeconds: 300 },
    });
    expect(findings[0]!.detail).toContain('SMB');
  });

  it('reports at most once per key per window, and again in a later window', () => {
    const { ctx, findings } = testContext({ scan_window_seconds: 300 });
    const d = suspiciousPortDetector(ctx);
    for (let i = 0; i < 30; i++) {
      d.observe(out(i % 2 ? 23 : 2323, T0 + i * 9_000), 'outbound');
      d.tick(T0 + i * 9_000 + 1);
    }
    expect(findings).toHaveLength(1); // 30 hits within 261 s
    d.observe(out(23, T0 + 300_000), 'outbound');
    d.tick(T0 + 300_001);
    expect(findings).toHaveLength(2);
    expect(findings[1]!.evidence.flows).toBe(1);
    expect(findings[0]!.evidence.ports).toEqual([2323]); // reported at the first tick of the window
  });

  it('rates remote-access ports medium, unless a high port is hit in the same window', () => {
    const { ctx, findings } = testContext();
    const d = createSuspiciousPortDetector(ctx);
    d.observe(out(3389, T0), 'outbound');
    d.observe(out(5900, T0, { srcAddr: '192.168.1.21' }), 'outbound');
    d.observe(out(3389, T0, { srcAddr: '192.168.1.22' }), 'outbound');
    d.observe(out(4444, T0 + 1, { srcAddr: '192.168.1.22' }), 'outbound');
    d.tick(T0 + 10_000);
    const sev = Object.fromEntries(findings.map((f) => [f.sourceIp, f.severity]));
    expect(sev).toEqual({ [DEVICE]: 'medium', '192.168.1.21': 'medium', '192.168.1.22': 'high' });
  });

  it('keeps a bounded sample of distinct peers', () => {
    const { ctx, findings } = testContext();
    const d = createSuspiciousPortDetector(ctx);
    for (let i = 0; i < 50; i++) {
      d.observe(out(445, T0 + i, { dstAddr: `203.0.113.${i}` }), 'outbound');
      d.observe(out(445, T0 + i, { dstAddr: `203.0.113.${i}` }), 'outbound'); // duplicates
    }
    d.observe(out(5555, T0 + 100, { dstAddr: '2001:db8::5' }), 'outbound');
    d.tick(T0 + 10_000);
    const ev = findings[0]!.evidence;
    expect(ev.peers).toHaveLength(MAX_PEERS);
    expect(ev.peersTruncated).toBe(true);
    expect(ev.flows).toBe(101);
    expect(ev.ports).toEqual([445, 5555]);
  });

  it('ignores inbound/internal flows, other ports, answers from local services and port-less protocols', () => {
    const { ctx, findings } = testContext();
    const d = createSuspiciousPortDetector(ctx);
    d.observe(out(445, T0, { srcAddr: '203.0.113.5', dstAddr: DEVICE }), 'inbound');
    d.observe(out(445, T0, { dstAddr: '192.168.1.2' }), 'internal');
    d.observe(out(443, T0), 'outbound');
    d.observe(out(4444, T0, { srcPort: 443 }), 'outbound'); // local HTTPS server answering a client on port 4444
    d.observe(out(2323, T0, { protocol: 1, srcPort: 0 }), 'outbound'); // ICMP type 9 code 19
    d.tick(T0 + 10_000);
    expect(findings).toHaveLength(0);
    expect(d.size()).toBe(0);
  });

  it('uses the configured port list', () => {
    const { ctx, findings } = testContext({ suspicious_ports: '8888' });
    const d = createSuspiciousPortDetector(ctx);
    d.observe(out(445, T0), 'outbound');
    d.observe(out(8888, T0), 'outbound');
    d.tick(T0 + 10_000);
    expect(findings.map((f) => f.evidence.ports)).toEqual([[8888]]);
    expect(findings[0]!.severity).toBe('high');
  });

  it('keeps memory bounded under 100,000 spoofed internal sources and counts evictions', () => {
    const { ctx, metrics } = testContext();
    const d = createSuspiciousPortDetector(ctx);
    for (let i = 0; i < 100_000; i++) d.observe(out(445, T0 + i, { srcAddr: ipN(i) }), 'outbound');
    expect(d.size()).toBe(MAX_SOURCES);
    d.tick(T0 + 100_000);
    expect(metrics.get(EVICTIONS_METRIC, { detector: 'suspicious_port' })).toBe(100_000 - MAX_SOURCES);
  });

  it('drops sources idle for two windows of ingest time', () => {
    const { ctx } = testContext({ scan_window_seconds: 60 });
    const d = createSuspiciousPortDetector(ctx);
    d.observe(out(445, T0), 'outbound');
    d.tick(T0);
    d.tick(T0 + 120_000);
    expect(d.size()).toBe(1);
    d.tick(T0 + 130_000);
    expect(d.size()).toBe(0);
  });
});
