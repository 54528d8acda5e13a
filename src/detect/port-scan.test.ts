import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../flow/types.js';
import { EVICTIONS_METRIC } from './clock-ring.js';
import { MAX_SOURCES, createPortScanDetector, isProbe, portScanDetector } from './port-scan.js';
import { T0, flow, ipN, testContext } from './test-kit.js';

const SCANNER = '192.168.1.66';
const TARGET = '192.168.1.10';

/** A SYN probe from src to dst:port at time t (nmap -sS style: fixed source port). */
function probe(src: string, dst: string, port: number, t: number, extra: Partial<FlowRecord> = {}): FlowRecord {
  return flow({ srcAddr: src, dstAddr: dst, srcPort: 51000, dstPort: port, startMs: t, endMs: t, ...extra });
}

describe('port-scan detector', () => {
  it('raises exactly one finding for a 1000-port scan, naming the source', () => {
    const { ctx, findings } = testContext();
    const d = createPortScanDetector(ctx);
    for (let p = 1; p <= 1000; p++) d.observe(probe(SCANNER, TARGET, p, T0 + p * 5), 'internal');
    d.tick(T0 + 10_000);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({ key: `port_scan:${SCANNER}`, category: 'port_scan', severity: 'high', sourceIp: SCANNER });
    expect(f.evidence).toMatchObject({ variant: 'vertical', uniquePorts: 20, uniqueHosts: 1, lastTarget: TARGET, threshold: 20 });
    expect(f.title).toContain(SCANNER);
    expect(f.detail).not.toMatch(/[<>]/);
  });

  it('does not raise for 19 ports (threshold 20)', () => {
    const { ctx, findings } = testContext({ scan_port_threshold: 20 });
    const d = createPortScanDetector(ctx);
    for (let p = 1; p <= 19; p++) d.observe(probe(SCANNER, TARGET, p, T0 + p), 'internal');
    // repeats of the same ports do not add up
    for (let p = 1; p <= 19; p++) d.observe(probe(SCANNER, TARGET, p, T0 + 100 + p), 'internal');
    expect(findings).toHaveLength(0);
    d.observe(probe(SCANNER, TARGET, 20, T0 + 200), 'internal');
    expect(findings).toHaveLength(1);
  });

  it('raises one finding per scanning source', () => {
    const { ctx, findings } = testContext();
    const d = createPortScanDetector(ctx);
    for (let p = 1; p <= 500; p++) {
      d.observe(probe('192.168.1.66', TARGET, p, T0 + p), 'internal');
      d.observe(probe('198.51.100.7', TARGET, p, T0 + p), 'inbound');
    }
    expect(findings.map((f) => f.sourceIp).sort()).toEqual(['192.168.1.66', '198.51.100.7']);
    expect(findings.find((f) => f.sourceIp === '198.51.100.7')?.evidence.direction).toBe('inbound');
  });

  it('does not raise for a slow scan spread beyond the window', () => {
    const { ctx, findings } = testContext({ scan_window_seconds: 300, scan_port_threshold: 20 });
    const d = createPortScanDetector(ctx);
    // 200 ports, one every 20 s: at most 16 in any 300 s window
    for (let p = 1; p <= 200; p++) {
      const t = T0 + p * 20_000;
      d.observe(probe(SCANNER, TARGET, p, t), 'internal');
      d.tick(t);
    }
    expect(findings).toHaveLength(0);
  });

  it('raises again only after the window passes and a new burst starts', () => {
    const { ctx, findings } = testContext({ scan_window_seconds: 300 });
    const d = createPortScanDetector(ctx);
    for (let p = 1; p <= 100; p++) d.observe(probe(SCANNER, TARGET, p, T0 + p * 100), 'internal');
    expect(findings).toHaveLength(1);
    const firstAt = findings[0]!.atMs;
    // more of the same scan inside the window: still one finding
    for (let p = 101; p <= 1000; p++) d.observe(probe(SCANNER, TARGET, p, firstAt + 1000 + (p - 100) * 100), 'internal');
    expect(findings).toHaveLength(1);
    // a new burst after the window
    const later = firstAt + 301_000;
    for (let p = 2000; p < 2020; p++) d.observe(probe(SCANNER, TARGET, p, later + p), 'internal');
    expect(findings).toHaveLength(2);
    expect(findings[1]!.key).toBe(findings[0]!.key);
  });

  it('detects a TCP connect scan (nmap -sT: SYN or SYN+RST, 1-2 packets, new source port each probe)', () => {
    const { ctx, findings } = testContext();
    const d = createPortScanDetector(ctx);
    for (let p = 1; p <= 1000; p++) {
      const open = p % 50 === 0;
      d.observe(
        flow({ srcAddr: SCANNER, dstAddr: TARGET, srcPort: 40000 + p, dstPort: p, packets: open ? 2 : 1, tcpFlags: open ? 0x06 : 0x02, startMs: T0 + p }),
        'internal',
      );
    }
    expect(findings).toHaveLength(1);
    expect(findings[0]!.sourceIp).toBe(SCANNER);
  });

  it('does not blame the answering side: refusals, DNS answers, a high-port service', () => {
    const { ctx, findings } = testContext();
    const d = createPortScanDetector(ctx);
    for (let i = 0; i < 500; i++) {
      const t = T0 + i * 100;
      // the scanned host's RST/ACK refusals to the connect scanner's ephemeral ports
      d.observe(flow({ srcAddr: TARGET, dstAddr: SCANNER, srcPort: 1 + i, dstPort: 40000 + i, tcpFlags: 0x14, startMs: t }), 'internal');
      // ... and SYN/ACKs from its open ports
      d.observe(flow({ srcAddr: TARGET, dstAddr: SCANNER, srcPort: 20000 + i, dstPort: 45000 + i, tcpFlags: 0x12, startMs: t }), 'internal');
      // a resolver answering many clients / queries (UDP, 1 packet each)
      d.observe(flow({ srcAddr: '192.168.1.2', dstAddr: `192.168.1.${100 + (i % 50)}`, protocol: 17, tcpFlags: 0, srcPort: 53, dstPort: 32768 + i, startMs: t }), 'internal');
      d.observe(flow({ srcAddr: '8.8.8.8', dstAddr: '192.168.1.30', protocol: 17, tcpFlags: 0, srcPort: 53, dstPort: 1024 + i, startMs: t }), 'inbound');
      // a service on a high port answering short requests
      d.observe(flow({ srcAddr: '192.168.1.5', dstAddr: '192.168.1.31', protocol: 17, tcpFlags: 0, srcPort: 8123, dstPort: 50000 + i, startMs: t }), 'internal');
      // NetBIOS name queries (137 -> 137) to many hosts
      d.observe(flow({ srcAddr: '192.168.1.40', dstAddr: `192.168.1.${i % 250}`, protocol: 17, tcpFlags: 0, srcPort: 137, dstPort: 137, startMs: t }), 'internal');
    }
    expect(findings).toHaveLength(0);
  });

  it('ignores real conversations (many packets) and outbound / transit flows', () => {
    const { ctx, findings } = testContext();
    const d = createPortScanDetector(ctx);
    for (let p = 1; p <= 200; p++) {
      d.observe(probe(SCANNER, TARGET, p, T0 + p, { packets: 40, tcpFlags: 0x1b }), 'internal');
      d.observe(probe(SCANNER, '203.0.113.9', p, T0 + p), 'outbound');
      d.observe(probe('203.0.113.8', '203.0.113.9', p, T0 + p), 'transit');
      d.observe(probe(SCANNER, TARGET, p, T0 + p, { protocol: 1, tcpFlags: 0 }), 'internal');
    }
    expect(findings).toHaveLength(0);
  });

  it('raises a sweep for one port across many hosts', () => {
    const { ctx, findings } = testContext();
    const d = createPortScanDetector(ctx);
    for (let h = 1; h <= 254; h++) d.observe(probe(SCANNER, `192.168.1.${h}`, 23, T0 + h * 10), 'internal');
    expect(findings).toHaveLength(1);
    expect(findings[0]!.evidence).toMatchObject({ variant: 'sweep', uniquePorts: 1, uniqueHosts: 20 });
    expect(findings[0]!.title).toMatch(/sweep/i);
  });

  it('counts sampled probes by their pre-sampling packet count', () => {
    const { ctx, findings } = testContext();
    const d = createPortScanDetector(ctx);
    for (let p = 1; p <= 30; p++) d.observe(probe(SCANNER, TARGET, p, T0 + p, { packets: 100, samplingRate: 100 }), 'internal');
    expect(findings).toHaveLength(1);
    expect(isProbe(flow({ packets: 500, samplingRate: 100 }))).toBe(false);
  });

  it('keeps memory bounded under 100,000 spoofed sources and counts evictions', () => {
    const { ctx, metrics } = testContext();
    const d = createPortScanDetector(ctx);
    expect(d.capacity).toBe(MAX_SOURCES);
    for (let i = 0; i < 100_000; i++) {
      d.observe(probe(ipN(i, 198), TARGET, 1 + (i % 1000), T0 + i), 'inbound');
      if (i % 997 === 0) expect(d.size()).toBeLessThanOrEqual(MAX_SOURCES);
    }
    d.tick(T0 + 100_000);
    expect(d.size()).toBe(MAX_SOURCES);
    expect(metrics.get(EVICTIONS_METRIC, { detector: 'port_scan' })).toBe(100_000 - MAX_SOURCES);
  });

  it('a scanner that keeps probing survives a spoofed-source flood (CLOCK eviction)', () => {
    const { ctx, findings } = testContext({ scan_port_threshold: 200 });
    const d = createPortScanDetector(ctx, { maxSources: 1000 });
    for (let i = 0; i < 50_000; i++) {
      d.observe(probe(ipN(i, 198), TARGET, 80, T0 + i), 'inbound');
      if (i % 100 === 0) d.observe(probe(SCANNER, TARGET, 1 + i / 100, T0 + i), 'internal');
    }
    expect(d.size()).toBeLessThanOrEqual(1000);
    expect(findings.map((f) => f.sourceIp)).toEqual([SCANNER]);
  });

  it('lowers the source cap so huge thresholds stay within the table budget', () => {
    const { ctx } = testContext({ scan_port_threshold: 65535 });
    const d = createPortScanDetector(ctx);
    expect(d.capacity).toBe(16);
    for (let i = 0; i < 1000; i++) d.observe(probe(ipN(i), TARGET, 1 + i, T0 + i), 'internal');
    expect(d.size()).toBe(16);
  });

  it('drops sources idle for two windows of ingest time', () => {
    const { ctx } = testContext({ scan_window_seconds: 60 });
    const d = portScanDetector(ctx);
    d.tick(T0);
    d.observe(probe(SCANNER, TARGET, 1, T0), 'internal');
    d.tick(T0 + 60_000);
    expect(d.size()).toBe(1);
    d.tick(T0 + 121_000);
    expect(d.size()).toBe(0);
  });

  it('keeps sources seen before the first tick until they are actually idle', () => {
    const { ctx } = testContext({ scan_window_seconds: 60 });
    const d = portScanDetector(ctx);
    d.observe(probe(SCANNER, TARGET, 1, T0 - 86_400_000), 'internal'); // exporter clock a day behind
    d.tick(T0);
    expect(d.size()).toBe(1);
    d.tick(T0 + 121_000);
    expect(d.size()).toBe(0);
  });
});
