/**
 * The Overview and collector views. Rules: built from the components' in-memory state and
 * the External IPs index (no provider, no network); counts follow the contract's
 * definitions (active = seen in the last 24 h, new = first seen in the last 24 h and not
 * part of the learnt baseline, suspicious sources = distinct addresses behind open scan,
 * suspicious-port, beaconing, blacklist and DNS findings); at most 10 recent findings.
 */
import type { CollectorHealth, Finding, KeywordChip, OverviewResponse, OverviewStats, Severity } from '../contract.js';
import type { ExternalIpIndex } from './external-ip-index.js';
import type { CollectorSource, DashboardSources } from './sources.js';

export const DAY_MS = 24 * 3_600_000;
export const RECENT_FINDINGS = 10;
const SUSPICIOUS = new Set(['port_scan', 'suspicious_port', 'beaconing', 'blacklist', 'dns']);

/** The collector health part of the overview and /api/collector: listener, totals, drops by reason, the most recently seen exporters (at most exporterLimit). */
export function collectorHealth(c: CollectorSource, exporterLimit: number): CollectorHealth {
  const s = c.stats();
  const all = c.health.all();
  const dropsByReason: Record<string, number> = {};
  let lastDatagramMs: number | undefined;
  for (const h of all) {
    for (const [reason, n] of Object.entries(h.drops)) dropsByReason[reason] = (dropsByReason[reason] ?? 0) + (n ?? 0);
    if (lastDatagramMs === undefined || h.lastSeenMs > lastDatagramMs) lastDatagramMs = h.lastSeenMs;
  }
  const addr = c.address;
  return {
    listening: addr !== undefined,
    ...(addr ? { address: addr.address, port: addr.port } : {}),
    datagrams: s.datagrams,
    records: s.records,
    decodeErrors: s.decodeErrors,
    dropped: s.dropped,
    dropsByReason,
    ...(s.kernelDrops !== undefined ? { kernelDrops: s.kernelDrops } : {}),
    ...(s.receiveBuffer !== undefined ? { receiveBuffer: s.receiveBuffer } : {}),
    templates: s.templates,
    ...(lastDatagramMs !== undefined ? { lastDatagramMs } : {}),
    exporterCount: all.length,
    exporters: c.exporters(exporterLimit).map((e) => ({
      ip: e.exporter,
      versions: e.versions,
      templates: e.templates,
      datagrams: e.datagrams,
      records: e.records,
      bytes: e.bytes,
      drops: e.drops,
      sequenceGaps: e.sequenceGaps,
      firstSeenMs: e.firstSeenMs,
      lastSeenMs: e.lastSeenMs,
    })),
  };
}

function findingStats(open: readonly Finding[]): Pick<OverviewStats, 'openFindings' | 'openActionable' | 'suspiciousSources' | 'highEgressSources'> {
  const openFindings: Record<Severity, number> = { info: 0, low: 0, medium: 0, high: 0, critical: 0 };
  const suspicious = new Set<string>();
  const egress = new Set<string>();
  for (const f of open) {
    openFindings[f.severity]++;
    if (SUSPICIOUS.has(f.category)) suspicious.add(f.sourceIp);
    if (f.category === 'high_egress') egress.add(f.sourceIp);
  }
  return { openFindings, openActionable: openFindings.high + openFindings.critical, suspiciousSources: suspicious.size, highEgressSources: egress.size };
}

/** GET /api/overview (see module rules); the keyword chips come from the caller (cached there). */
export function buildOverview(s: DashboardSources, externals: ExternalIpIndex, nvdKeywords: KeywordChip[]): OverviewResponse {
  const now = s.now();
  const devices = s.inventory.devices();
  const scannedIps = new Set(s.scanner.hosts().map((h) => h.ip));
  let active = 0;
  let scanned = 0;
  let atRisk = 0;
  let fresh = 0;
  for (const d of devices) {
    if (now - d.lastSeenMs <= DAY_MS) active++;
    if (d.ip && scannedIps.has(d.ip)) scanned++;
    if (d.atRisk) atRisk++;
    if (!d.baseline && now - d.firstSeenMs <= DAY_MS) fresh++;
  }
  const open = s.findings.list();
  let vulnerabilities: OverviewStats['vulnerabilities'];
  if (s.vuln) {
    const v = { critical: 0, high: 0, medium: 0, low: 0, possible: 0, kev: 0, hostsAtRisk: 0, cves: s.vuln.stats().cves };
    for (const h of s.vuln.results()) {
      v.critical += h.counts.critical;
      v.high += h.counts.high;
      v.medium += h.counts.medium;
      v.low += h.counts.low;
      v.possible += h.possible;
      v.kev += h.kev;
      if (h.atRisk) v.hostsAtRisk++;
    }
    vulnerabilities = v;
  }
  return {
    generatedMs: now,
    demo: s.demo,
    stats: {
      devices: { total: devices.length, active, scanned, atRisk, new: fresh },
      flowsTotal: s.flowsTotal(),
      ...findingStats(open),
      ...(vulnerabilities ? { vulnerabilities } : {}),
      externalIps: externals.counts(),
    },
    scan: s.scanner.summary(),
    collector: collectorHealth(s.collector, 10),
    recentFindings: open.slice(0, RECENT_FINDINGS),
    nvdKeywords,
    features: s.features,
  };
}
