/**
 * The JSON attributes of the homesec sensors (json_attributes_topic). Rules: pure functions
 * of a Snapshot; every sensor carries the reference's diagnostic block (device inventory
 * summary, listener health, exporter IPs, protocol versions, template counts, dropped
 * datagrams) plus its own facts (NVD Keywords: per-keyword CVE count, source and fetch time).
 * A payload never exceeds MAX_ATTRIBUTES_BYTES: Home Assistant's recorder drops ALL
 * attributes of a state above 16384 bytes (MAX_STATE_ATTRS_BYTES, counting the ones it adds
 * itself such as friendly_name and unit), so lists are cut (longest first, halving) and the
 * payload says `truncated: true` with the full counts kept beside the lists.
 */
import type { Snapshot } from './sources.js';

/** Bytes of attribute JSON per entity at most (Home Assistant's recorder limit is 16384 with its own keys). */
export const MAX_ATTRIBUTES_BYTES = 12_000;
/** Home Assistant's maximum state length (MAX_LENGTH_STATE_STATE). */
export const MAX_STATE_CHARS = 255;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Attributes = { [k: string]: Json };

/** Items listed per attribute before fitting (the fit may cut further). */
const LIST = 100;

function bytes(v: Json): number {
  return Buffer.byteLength(JSON.stringify(v), 'utf8');
}

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

interface Container {
  size: number;
  shrink: () => void;
}

/** Every array or object in `v` (to depth 3) that can still lose an item, with its size. */
function containers(v: Json, depth: number, out: Container[]): void {
  if (depth > 3 || v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    if (v.length > 0) out.push({ size: bytes(v), shrink: () => void v.splice(Math.floor(v.length / 2)) });
    for (const item of v) containers(item, depth + 1, out);
    return;
  }
  const keys = Object.keys(v);
  if (depth > 0 && keys.length > 0) {
    out.push({
      size: bytes(v),
      shrink: () => {
        for (const k of keys.slice(Math.floor(keys.length / 2))) delete v[k];
      },
    });
  }
  for (const k of keys) containers(v[k] as Json, depth + 1, out);
}

/**
 * Returns `attrs` cut to at most maxBytes of JSON: the largest list or map is halved until
 * it fits, then the largest top-level keys are dropped; `truncated: true` marks a cut.
 * `attrs` itself is not modified.
 */
export function fitAttributes(attrs: Attributes, maxBytes = MAX_ATTRIBUTES_BYTES): Attributes {
  if (bytes(attrs) <= maxBytes) return attrs;
  const out = JSON.parse(JSON.stringify(attrs)) as Attributes;
  out.truncated = true;
  for (let i = 0; i < 200 && bytes(out) > maxBytes; i++) {
    const found: Container[] = [];
    containers(out, 0, found);
    const biggest = found.sort((a, b) => b.size - a.size)[0];
    if (biggest && biggest.size > 64) {
      biggest.shrink();
      continue;
    }
    const key = Object.keys(out)
      .filter((k) => k !== 'truncated')
      .sort((a, b) => bytes(out[b] as Json) - bytes(out[a] as Json))[0];
    if (key === undefined) break;
    delete out[key];
  }
  return bytes(out) <= maxBytes ? out : { truncated: true };
}

/** The diagnostic block every sensor carries. */
export function diagnostics(s: Snapshot): Attributes {
  const out: Attributes = {};
  if (s.listener) {
    out.listener = {
      datagrams: s.listener.datagrams,
      records: s.listener.records,
      decode_errors: s.listener.decodeErrors,
      dropped: s.listener.dropped,
      kernel_drops: s.listener.kernelDrops ?? null,
      templates: s.listener.templates,
    };
  }
  if (s.exporters) {
    out.exporters = s.exporters.map((e) => e.exporter);
    out.protocol_versions = Object.fromEntries(s.exporters.map((e) => [e.exporter, [...e.versions]]));
    out.template_counts = Object.fromEntries(s.exporters.map((e) => [e.exporter, e.templates]));
    out.dropped_datagrams = Object.fromEntries(
      s.exporters.map((e) => [e.exporter, Object.values(e.drops).reduce((a, b) => a + b, 0)]),
    );
  }
  if (s.devices) {
    const byRole: Record<string, number> = {};
    for (const d of s.devices) byRole[d.role] = (byRole[d.role] ?? 0) + 1;
    out.inventory = { devices: s.devices.length, at_risk: s.devices.filter((d) => d.atRisk).length, by_role: byRole };
  }
  return out;
}

function sourcesOf(s: Snapshot, category: string): string[] {
  return [...new Set((s.findings ?? []).filter((f) => f.category === category && f.sourceIp).map((f) => f.sourceIp))].sort();
}

/** Distinct source IPs of open findings in `category` (Suspicious Sources, High Egress Sources). */
export function sourceCount(s: Snapshot, category: string): number | undefined {
  return s.findings ? sourcesOf(s, category).length : undefined;
}

function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return out;
}

/** Attributes for one sensor id (the SENSORS ids of entities.ts), diagnostics included, fitted. */
export function sensorAttributes(sensor: string, s: Snapshot): Attributes {
  const own: Attributes = {};
  switch (sensor) {
    case 'active_devices':
      if (s.devices) {
        own.device_list = s.devices.slice(0, LIST).map((d) => ({
          ip: d.ip ?? null,
          name: d.name ?? d.hostname ?? null,
          mac: d.mac ?? null,
          vendor: d.vendor ?? null,
          role: d.role,
          at_risk: d.atRisk,
        }));
      }
      break;
    case 'scanned_devices':
      if (s.scan) {
        own.last_scan = iso(s.scan.lastScanMs);
        own.scan_duration_s = s.scan.lastDurationMs === undefined ? null : Math.round(s.scan.lastDurationMs / 100) / 10;
        own.scan_interval_s = s.scan.intervalSeconds;
        own.scan_running = s.scan.running;
        own.scan_targets = s.scan.targets;
        own.open_ports = s.scan.openPorts;
        own.services = s.scan.services;
      }
      break;
    case 'open_findings':
      if (s.findings) {
        const actionable = s.findings.filter((f) => f.severity === 'high' || f.severity === 'critical');
        own.by_severity = countBy(actionable, (f) => f.severity);
        own.by_category = countBy(actionable, (f) => f.category);
        own.latest = actionable.slice(0, 10).map((f) => ({ title: f.title ?? null, severity: f.severity, category: f.category, source_ip: f.sourceIp }));
      }
      break;
    case 'vulnerability_count':
      if (s.devices) own.at_risk_devices = s.devices.filter((d) => d.atRisk).slice(0, LIST).map((d) => d.ip ?? d.id);
      break;
    case 'suspicious_sources':
      if (s.findings) own.sources = sourcesOf(s, 'suspicious_port').slice(0, LIST);
      break;
    case 'high_egress_sources':
      if (s.findings) own.sources = sourcesOf(s, 'high_egress').slice(0, LIST);
      break;
    case 'nvd_keywords':
      if (s.keywords) {
        own.keywords = Object.fromEntries(
          s.keywords.slice(0, LIST).map((k) => [k.keyword, { cves: k.cves, source: k.source, fetched: iso(k.fetchedMs) }]),
        );
        own.by_source = countBy(s.keywords, (k) => k.source);
      }
      break;
    default:
      break;
  }
  return fitAttributes({ ...own, ...diagnostics(s) });
}
