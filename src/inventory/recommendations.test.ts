import { describe, expect, it } from 'vitest';
import { findExposures } from './exposure-rules.js';
import { FLOW_STALE_MS, MAX_DEVICES, buildRecommendations, type RecommendationState } from './recommendations.js';
import type { Device } from './types.js';

const NOW = Date.UTC(2026, 0, 1);

const device = (id: number, over: Partial<Device> = {}): Device => ({
  id,
  ip: `192.168.1.${id}`,
  ips: [],
  macs: [],
  randomizedMac: false,
  role: 'desktop',
  roleSource: 'inferred',
  inferredRole: 'desktop',
  roleConfidence: 50,
  roleReasons: [],
  trusted: false,
  baseline: true,
  firstSeenMs: NOW,
  lastSeenMs: NOW,
  atRisk: false,
  riskReasons: [],
  vulnerabilities: { total: 0, high: 0, critical: 0, kev: 0 },
  openPorts: [],
  services: [],
  possibleDuplicates: [],
  ...over,
});

const healthy = (): RecommendationState => ({
  nowMs: NOW,
  flowsTotal: 10,
  lastFlowMs: NOW - 1000,
  scanner: { enabled: true, lastScanMs: NOW - 1000, intervalSeconds: 300 },
  threatIntelEnabled: true,
  apiKeys: { nvd: true, virustotal: false, abuseipdb: true, shodan: false, ipinfo: false },
  dnsSourceConfigured: true,
  openActionableFindings: 0,
  devices: [device(1)],
  exposures: new Map(),
  neighbourSource: 'ip-json',
  leasesConfigured: false,
});

const ids = (s: RecommendationState) => buildRecommendations(s).map((r) => r.id);

describe('recommendations', () => {
  it('a healthy, small network gets none', () => {
    expect(buildRecommendations(healthy())).toEqual([]);
  });

  it('telemetry gaps appear and disappear with the state', () => {
    expect(ids({ ...healthy(), flowsTotal: 0 })).toEqual(['no-flows']);
    expect(ids({ ...healthy(), lastFlowMs: NOW - FLOW_STALE_MS - 1 })).toEqual(['flows-stopped']);
    expect(ids({ ...healthy(), scanner: { enabled: true, lastScanMs: NOW - 3 * 300_000 - 1, intervalSeconds: 300 } })).toEqual(['scanner-stale']);
    expect(ids({ ...healthy(), scanner: { enabled: false, intervalSeconds: 300 } })).toEqual(['scanner-off']);
    expect(ids({ ...healthy(), threatIntelEnabled: false })).toEqual(['intel-off']);
    expect(ids({ ...healthy(), apiKeys: { nvd: false, virustotal: false, abuseipdb: false, shodan: false, ipinfo: false } })).toEqual(['nvd-key', 'intel-keys']);
    expect(ids({ ...healthy(), dnsSourceConfigured: false })).toEqual(['dns-source']);
    expect(ids({ ...healthy(), neighbourSource: 'error' })).toEqual(['mac-source']);
    expect(ids({ ...healthy(), neighbourSource: 'error', leasesConfigured: true })).toEqual([]);
  });

  it('orders by priority: KEV patching first, then exposures and outdated software', () => {
    const cam = device(40, { role: 'camera', openPorts: [23, 80], vulnerabilities: { total: 1, high: 0, critical: 1, kev: 1 } });
    const nas = device(10, { role: 'nas', vulnerabilities: { total: 2, high: 2, critical: 0, kev: 0 } });
    const s: RecommendationState = {
      ...healthy(),
      openActionableFindings: 3,
      devices: [cam, nas, device(1)],
      exposures: new Map([[40, findExposures({ openPorts: [23, 80], services: [] })]]),
    };
    const recs = buildRecommendations(s);
    expect(recs.map((r) => [r.id, r.priority])).toEqual([
      ['patch-kev', 'critical'],
      ['exposure-telnet', 'high'],
      ['outdated-software', 'high'],
      ['review-findings', 'high'],
      ['default-credentials', 'medium'],
    ]);
    expect(recs[3]?.title).toBe('Review 3 open high/critical findings');
    expect(recs[1]).toMatchObject({ title: 'Telnet open on 1 device', deviceCount: 1, devices: [{ id: 40, ip: '192.168.1.40', label: 'device (192.168.1.40)' }] });
  });

  it('device lists are capped, counts exact', () => {
    const many = Array.from({ length: MAX_DEVICES + 5 }, (_, i) => device(i + 2, { role: 'unknown' }));
    const rec = buildRecommendations({ ...healthy(), devices: many }).find((r) => r.id === 'unknown-devices');
    expect(rec?.deviceCount).toBe(MAX_DEVICES + 5);
    expect(rec?.devices).toHaveLength(MAX_DEVICES);
    expect(rec?.title).toBe(`Identify ${MAX_DEVICES + 5} unknown devices`);
  });

  it('segmentation advice needs several IoT devices next to personal ones', () => {
    const iot = [device(2, { role: 'camera' }), device(3, { role: 'iot' }), device(4, { role: 'tv' })];
    expect(ids({ ...healthy(), devices: iot })).toEqual([]);
    expect(ids({ ...healthy(), devices: [...iot, device(5, { role: 'mobile' })] })).toEqual(['segment-iot']);
  });
});
