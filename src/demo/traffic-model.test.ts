/**
 * The demo's traffic model: slices join without gaps or repeats, and the real detectors,
 * fed the scenario the way the daemon feeds them (traffic tracker, tick every 10 s), raise
 * exactly the story findings — no finding for the devices that only behave normally.
 */
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../core/metrics.js';
import { DETECTORS } from '../detect/registry.js';
import type { FindingReport } from '../findings/types.js';
import { parseFeed } from '../intel/feeds/parse.js';
import { createTrafficTracker } from '../traffic/traffic-tracker.js';
import { demoConfig } from './demo-config.js';
import { ACTIVITIES, BLOCKLIST_TEXT, HISTORY_SECONDS, PEERS } from './scenario.js';
import { flowsBetween, storiesBetween } from './traffic-model.js';

const START = Date.UTC(2026, 2, 14, 19, 0, 7);
const OPTS = { startMs: START, seed: 7, exporter: '127.0.0.1' };
const config = demoConfig({ dataDir: '/nonexistent', intelUrl: 'http://127.0.0.1:9', leasesFile: '', webHost: '127.0.0.1', webPort: 8088, bindPort: 2055 });

/** Runs the scenario from the start of history to `untilS` through the detectors in 5 s slices, ticking every 10 s. */
function replay(untilS: number): { findings: FindingReport[]; records: number } {
  const findings: FindingReport[] = [];
  const metrics = createMetrics();
  const detectors = DETECTORS.map((d) => d.create({ config, metrics, report: (f) => findings.push(f) }));
  const traffic = createTrafficTracker(config, { metrics, detectors });
  let records = 0;
  for (let t = START - HISTORY_SECONDS * 1000; t < START + untilS * 1000; t += 5000) {
    const slice = flowsBetween(ACTIVITIES, OPTS, t, t + 5000);
    records += slice.length;
    traffic.ingest(slice);
    if ((t / 5000) % 2 === 0) traffic.tick(t + 5000);
  }
  traffic.tick(START + untilS * 1000 + 10_000);
  return { findings, records };
}

describe('demo traffic model', () => {
  it('gives the same records in one piece as in 5 s slices (history plus a live minute)', () => {
    const from = START - HISTORY_SECONDS * 1000;
    const to = START + 60_000;
    const whole = flowsBetween(ACTIVITIES, OPTS, from, to);
    const sliced = [];
    for (let t = from; t < to; t += 5000) sliced.push(...flowsBetween(ACTIVITIES, OPTS, t, t + 5000));
    const key = (r: (typeof whole)[number]) => `${r.endMs}|${r.srcAddr}:${r.srcPort}>${r.dstAddr}:${r.dstPort}/${r.protocol}|${r.bytes}`;
    expect(sliced.map(key).sort()).toEqual(whole.map(key).sort());
    expect(whole.length).toBeGreaterThan(1000);
    for (const r of whole) {
      expect(r.endMs).toBeGreaterThanOrEqual(r.startMs);
      expect(r.bytes).toBeLessThan(2 ** 32);
      expect(r.packets).toBeGreaterThan(0);
    }
  });

  it('raises exactly the story findings from the real detectors within the first minute', () => {
    const { findings } = replay(60);
    const got = [...new Set(findings.map((f) => `${f.category} ${f.sourceIp}`))].sort();
    expect(got).toEqual(['beaconing 192.168.1.31', 'high_egress 127.0.0.20', 'port_scan 192.168.1.77', 'suspicious_port 192.168.1.41']);
    const beacon = findings.find((f) => f.category === 'beaconing');
    expect(beacon?.evidence?.destination).toBe(PEERS.beaconC2);
    const scan = findings.find((f) => f.category === 'port_scan');
    expect(scan?.evidence).toMatchObject({ variant: 'vertical', lastTarget: '192.168.1.1', uniqueHosts: 1 });
  });

  it('stays quiet for normal traffic: nothing but the beacon in the recorded history', () => {
    const { findings } = replay(0);
    expect(findings.map((f) => f.category)).toEqual(['beaconing']);
  });

  it('the blocklist lists the C2 the kids laptop reaches, and the live stories are told in order', () => {
    const feed = parseFeed(BLOCKLIST_TEXT, 'demo');
    expect(feed.ips).toContain(PEERS.listedC2);
    const c2 = flowsBetween(ACTIVITIES, OPTS, START, START + 60_000).filter((r) => r.dstAddr === PEERS.listedC2);
    expect(c2.length).toBeGreaterThan(0);
    expect(c2.every((r) => r.srcAddr === '192.168.1.14')).toBe(true);
    expect(storiesBetween(ACTIVITIES, START, START, START + 60_000)).toEqual([
      expect.stringMatching(/kids-laptop/),
      expect.stringMatching(/tapo-plug-desk/),
      expect.stringMatching(/diskstation/),
      expect.stringMatching(/kali joins/),
      expect.stringMatching(/port-scans/),
    ]);
  });
});
