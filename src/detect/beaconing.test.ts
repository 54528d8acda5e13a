import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../flow/types.js';
import { IDLE_MS, MAX_PAIRS, RING_SIZE, beaconingDetector, createBeaconingDetector, scoreBeacon } from './beaconing.js';
import { EVICTIONS_METRIC } from './clock-ring.js';
import type { Detector } from './detector.js';
import { T0, flow, ipN, prng, testContext } from './test-kit.js';

const DEVICE = '192.168.1.20';
const C2 = '203.0.113.66';
const HOUR = 3600_000;

type Rng = () => number;

/** Standard normal deviate (Box-Muller). */
function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

let nextPort = 40000;
function conn(src: string, dst: string, t: number, bytes: number, extra: Partial<FlowRecord> = {}): FlowRecord {
  nextPort = nextPort >= 60999 ? 40000 : nextPort + 1;
  return flow({ srcAddr: src, dstAddr: dst, srcPort: nextPort, dstPort: 443, packets: 6, tcpFlags: 0x1b, bytes, startMs: t, endMs: t + 150, ...extra });
}

/** A beacon: one connection every periodS +- jitterS (uniform), ~300 bytes each. */
function beacon(rng: Rng, src: string, dst: string, fromMs: number, durationMs: number, periodS = 60, jitterS = 2): FlowRecord[] {
  const out: FlowRecord[] = [];
  for (let t = fromMs; t < fromMs + durationMs; t += (periodS + (rng() * 2 - 1) * jitterS) * 1000) {
    out.push(conn(src, dst, Math.round(t), 300 + Math.floor(rng() * 21) - 10));
  }
  return out;
}

/** Random traffic: Poisson arrivals (exponential gaps, mean meanS), log-normal sizes. */
function poisson(rng: Rng, src: string, dst: string, fromMs: number, durationMs: number, meanS = 60): FlowRecord[] {
  const out: FlowRecord[] = [];
  for (let t = fromMs; t < fromMs + durationMs; t += -Math.log(1 - rng()) * meanS * 1000) {
    out.push(conn(src, dst, Math.round(t), Math.round(Math.exp(7 + normal(rng)))));
  }
  return out;
}

/** A person browsing: bursts of 2-20 connections seconds apart, minutes of silence between them. */
function browsing(rng: Rng, src: string, dst: string, fromMs: number, durationMs: number): FlowRecord[] {
  const out: FlowRecord[] = [];
  let t = fromMs;
  while (t < fromMs + durationMs) {
    const burst = 2 + Math.floor(rng() * 19);
    for (let i = 0; i < burst; i++) {
      out.push(conn(src, dst, Math.round(t), Math.round(Math.exp(6.5 + 1.5 * normal(rng)))));
      t += -Math.log(1 - rng()) * 4000;
    }
    t += -Math.log(1 - rng()) * 8 * 60_000;
  }
  return out;
}

/** Feeds flows in time order, ticking every 10 s of flow time (as the app does with ingest time). */
function run(d: Detector, flows: FlowRecord[]): void {
  flows.sort((a, b) => a.startMs - b.startMs);
  let nextTick = (flows[0]?.startMs ?? T0) + 10_000;
  for (const f of flows) {
    while (f.startMs >= nextTick) {
      d.tick(nextTick);
      nextTick += 10_000;
    }
    d.observe(f, 'outbound');
  }
  d.tick(nextTick);
}

describe('beaconing detector', () => {
  it('finds a 60 s +- 2 s beacon over an hour (score >= 0.8)', () => {
    const { ctx, findings } = testContext();
    const d = createBeaconingDetector(ctx);
    run(d, beacon(prng(1), DEVICE, C2, T0, HOUR));
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({ key: `beaconing:${DEVICE}:${C2}`, category: 'beaconing', severity: 'high', sourceIp: DEVICE });
    expect(f.evidence.score as number).toBeGreaterThanOrEqual(0.8);
    expect(f.evidence.medianIntervalSeconds as number).toBeGreaterThan(58);
    expect(f.evidence.medianIntervalSeconds as number).toBeLessThan(62);
    expect(f.evidence).toMatchObject({ destination: C2, dstPort: 443, protocol: 'tcp' });
    // the full hour scores high too
    const all = beacon(prng(1), DEVICE, C2, T0, HOUR);
    expect(scoreBeacon(all.map((x) => x.startMs), all.map((x) => x.bytes), all.length)!.score).toBeGreaterThanOrEqual(0.8);
  });

  it('does not flag random (Poisson) traffic to one peer', () => {
    const { ctx, findings } = testContext();
    const d = createBeaconingDetector(ctx);
    run(d, poisson(prng(2), DEVICE, '198.51.100.10', T0, HOUR));
    expect(findings).toHaveLength(0);
    for (let seed = 1; seed <= 20; seed++) {
      const fl = poisson(prng(seed), DEVICE, '198.51.100.10', T0, HOUR);
      expect(scoreBeacon(fl.map((x) => x.startMs), fl.map((x) => x.bytes), fl.length)!.score).toBeLessThan(0.8);
    }
  });

  it('flags only the beacon when the same device also browses another site', () => {
    const { ctx, findings } = testContext();
    const d = createBeaconingDetector(ctx);
    const rng = prng(3);
    run(d, [...beacon(rng, DEVICE, C2, T0, 2 * HOUR), ...browsing(rng, DEVICE, '198.51.100.20', T0, 6 * HOUR)]);
    expect(findings.map((f) => f.key)).toEqual([`beaconing:${DEVICE}:${C2}`, `beaconing:${DEVICE}:${C2}`]);
    for (let seed = 1; seed <= 20; seed++) {
      const fl = browsing(prng(seed), DEVICE, '198.51.100.20', T0, 6 * HOUR).slice(-RING_SIZE);
      expect(scoreBeacon(fl.map((x) => x.startMs), fl.map((x) => x.bytes), fl.length)!.score).toBeLessThan(0.8);
    }
  });

  it('scores only in tick(), and needs beacon_min_connections connections', () => {
    const { ctx, findings } = testContext({ beacon_min_connections: 8 });
    const d = createBeaconingDetector(ctx);
    const flows = beacon(prng(4), DEVICE, C2, T0, HOUR).slice(0, 8);
    for (const f of flows.slice(0, 7)) d.observe(f, 'outbound');
    d.tick(T0 + HOUR);
    expect(findings).toHaveLength(0);
    d.observe(flows[7]!, 'outbound');
    expect(findings).toHaveLength(0);
    d.tick(T0 + HOUR + 10_000);
    expect(findings).toHaveLength(1);
  });

  it('reports a continuing beacon at most once per hour of flow time', () => {
    const { ctx, findings } = testContext();
    const d = beaconingDetector(ctx);
    run(d, beacon(prng(5), DEVICE, C2, T0, 3 * HOUR));
    expect(findings).toHaveLength(3);
    const at = findings.map((f) => f.atMs);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(HOUR);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(HOUR);
  });

  it('keeps the last RING_SIZE connections of a pair', () => {
    const { ctx, findings } = testContext();
    const d = createBeaconingDetector(ctx);
    const flows = beacon(prng(6), DEVICE, C2, T0, 20 * HOUR, 60, 1);
    for (const f of flows) d.observe(f, 'outbound');
    d.tick(T0 + 20 * HOUR);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.evidence.connections).toBe(RING_SIZE);
    expect(findings[0]!.evidence.lastSeenMs).toBe(flows[flows.length - 1]!.startMs);
  });

  it('ignores DNS and NTP, inbound and internal flows', () => {
    const { ctx, findings } = testContext();
    const d = createBeaconingDetector(ctx);
    for (const f of beacon(prng(7), DEVICE, '198.51.100.53', T0, HOUR)) {
      d.observe({ ...f, dstPort: 53, protocol: 17 }, 'outbound');
      d.observe({ ...f, dstAddr: '198.51.100.123', dstPort: 123, protocol: 17 }, 'outbound');
      d.observe({ ...f, srcAddr: C2, dstAddr: DEVICE }, 'inbound');
      d.observe({ ...f, dstAddr: '192.168.1.1' }, 'internal');
    }
    d.tick(T0 + HOUR);
    expect(findings).toHaveLength(0);
    expect(d.size()).toBe(0);
  });

  it('treats active-timeout splits of one long connection as one connection', () => {
    const { ctx, findings } = testContext();
    const d = createBeaconingDetector(ctx);
    // one TLS session exported every 60 s (active timeout): same ports, each record starts where the last ended
    for (let i = 0; i < 60; i++) {
      const s = T0 + i * 60_000;
      d.observe(flow({ srcAddr: DEVICE, dstAddr: C2, srcPort: 50001, dstPort: 443, bytes: 5000, packets: 20, startMs: s + 100, endMs: s + 60_000 }), 'outbound');
    }
    d.tick(T0 + HOUR);
    expect(findings).toHaveLength(0);
    expect(d.size()).toBe(1);
  });

  it('keeps memory bounded under 100,000 distinct pairs and counts evictions', () => {
    const { ctx, metrics } = testContext();
    const d = createBeaconingDetector(ctx);
    for (let i = 0; i < 100_000; i++) d.observe(conn(i % 2 ? DEVICE : ipN(i), ipN(i, 203), T0 + i, 100), 'outbound');
    expect(d.size()).toBe(MAX_PAIRS);
    d.tick(T0 + 100_000);
    expect(metrics.get(EVICTIONS_METRIC, { detector: 'beaconing' })).toBe(100_000 - MAX_PAIRS);
  });

  it('a beaconing pair survives a flood of one-shot pairs', () => {
    const { ctx, findings } = testContext();
    const d = createBeaconingDetector(ctx, { maxPairs: 500 });
    const flows = beacon(prng(8), DEVICE, C2, T0, HOUR);
    for (let i = 0; i < 20_000; i++) flows.push(conn(ipN(i), ipN(i, 203), T0 + Math.floor((i * HOUR) / 20_000), 100));
    run(d, flows);
    expect(d.size()).toBeLessThanOrEqual(500);
    expect(findings.map((f) => f.key)).toEqual([`beaconing:${DEVICE}:${C2}`]);
  });

  it('drops pairs idle for IDLE_MS of ingest time', () => {
    const { ctx } = testContext();
    const d = createBeaconingDetector(ctx);
    d.tick(T0);
    d.observe(conn(DEVICE, C2, T0, 100), 'outbound');
    d.tick(T0 + IDLE_MS);
    expect(d.size()).toBe(1);
    d.tick(T0 + IDLE_MS + 1);
    expect(d.size()).toBe(0);
  });
});

describe('scoreBeacon', () => {
  it('scores a perfect beacon 1', () => {
    const ts = Array.from({ length: 50 }, (_, i) => T0 + i * 30_000);
    const s = scoreBeacon(ts, new Array(50).fill(512), 50)!;
    expect(s).toMatchObject({ score: 1, tsScore: 1, dsScore: 1, connections: 50, medianIntervalSeconds: 30, intervalMadSeconds: 0 });
  });

  it('needs three non-zero intervals; sub-second repeats are one connection', () => {
    expect(scoreBeacon([T0, T0 + 60_000, T0 + 120_000], [1, 1, 1], 3)).toBeUndefined();
    expect(scoreBeacon([T0, T0 + 10, T0 + 20, T0 + 60_000, T0 + 60_010, T0 + 120_000], [1, 1, 1, 1, 1, 1], 6)).toBeUndefined();
    expect(scoreBeacon([T0 + 180_000, T0, T0 + 120_000, T0 + 60_000], [9, 9, 9, 9], 4)?.connections).toBe(4);
  });

  it('penalises skewed intervals (Bowley) and dispersion (MAD / median)', () => {
    // intervals: mostly 60 s with a long right tail
    const gaps = [60, 60, 61, 62, 64, 70, 90, 150, 300, 600, 60, 61];
    const ts = [T0];
    for (const g of gaps) ts.push(ts[ts.length - 1]! + g * 1000);
    const s = scoreBeacon(ts, ts.map(() => 400), ts.length)!;
    expect(s.tsSkew).toBeGreaterThan(0);
    expect(s.tsSkewScore).toBeLessThan(1);
    expect(s.connScore).toBeLessThan(0.5);
    expect(s.score).toBeLessThan(0.8);
  });

});

describe('beaconing detector: pairs keyed by text', () => {
  it('finds the same beacon between IPv6 addresses, and keeps a pair written in non-canonical IPv4 text apart (text-keyed pairs)', () => {
    const find = (src: string, dst: string) => {
      const { ctx, findings } = testContext();
      const d = createBeaconingDetector(ctx);
      run(d, beacon(prng(1), src, dst, T0, HOUR));
      return findings.map((f) => ({ key: f.key, score: f.evidence.score }));
    };
    const v4 = find(DEVICE, C2);
    expect(find('2001:db8::20', '2001:db8:ff::66')).toEqual([{ key: 'beaconing:2001:db8::20:2001:db8:ff::66', score: v4[0]?.score }]);
    // one detector, both spellings: two pairs, each with its own connections
    const { ctx, findings } = testContext();
    const d = createBeaconingDetector(ctx);
    run(d, [...beacon(prng(1), DEVICE, C2, T0, HOUR), ...beacon(prng(1), DEVICE, '203.0.113.066', T0, HOUR)]);
    expect(findings.map((f) => f.key).sort()).toEqual([`beaconing:${DEVICE}:${C2}`, `beaconing:${DEVICE}:203.0.113.066`].sort());
    expect(d.size()).toBe(2);
  });
});

