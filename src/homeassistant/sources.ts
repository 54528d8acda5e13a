/**
 * What the Home Assistant link reads from the rest of homesec, and the snapshot it takes.
 * Rules: the link gets narrow accessor functions (injected by src/app.ts), never the
 * components; a snapshot calls each accessor once, and an accessor that throws or returns
 * something unusable leaves its part of the snapshot undefined (shown in Home Assistant as
 * "unknown") and is counted, never breaking the others. Every string a snapshot keeps came
 * from the network at some point (hostnames, vendors, finding titles, keywords) and is
 * sanitised and bounded here, once, with sanitizeText.
 */
import { sanitizeText } from '../scan/service/sanitize.js';
import type { Severity } from '../findings/types.js';

/** A device as the inventory shows it (only what Home Assistant needs). */
export interface InventoryDeviceView {
  id: number | string;
  ip?: string;
  mac?: string;
  vendor?: string;
  hostname?: string;
  /** A person's name for it (tracker friendly name, user label), when known. */
  name?: string;
  role: string;
  atRisk: boolean;
  /** Last time it was seen (flows, scan, neighbours); a device_tracker shows not_home after 15 min without. */
  lastSeenMs?: number;
}

/** A finding, as far as the sensors need it. */
export interface FindingView {
  category: string;
  sourceIp: string;
  severity: Severity;
  dismissed: boolean;
  title?: string;
  lastSeenMs?: number;
}

/** One NVD search keyword (the NVD Keywords sensor). */
export interface NvdKeywordView {
  keyword: string;
  cves: number;
  source: string;
  fetchedMs?: number;
}

export interface ListenerView {
  datagrams: number;
  records: number;
  decodeErrors: number;
  dropped: number;
  kernelDrops?: number | undefined;
  templates: number;
}

export interface ExporterSummary {
  exporter: string;
  versions: readonly string[];
  templates: number;
  drops: Record<string, number>;
}

export interface ScanView {
  hostsFound: number;
  running: boolean;
  intervalSeconds: number;
  lastScanMs?: number;
  lastDurationMs?: number;
  targets: number;
  openPorts: number;
  services: number;
}

/** The accessors; optional ones belong to capabilities that may be off or not built. */
export interface HomeAssistantSources {
  /** Flow records ingested over restarts (traffic tracker's totalFlows). */
  totalFlows: () => number;
  /** Internal devices observed in flows. */
  activeDevices: () => number;
  /** Count of open high/critical findings (findings.openActionableCount()). */
  openFindings: () => number;
  /** Findings (dismissed ones may be included; they are not counted). */
  findings: () => readonly FindingView[];
  scanSummary?: () => ScanView;
  collectorStats?: () => ListenerView;
  /** Most recently seen exporters first, at most `limit`. */
  exporters?: (limit: number) => readonly ExporterSummary[];
  vulnCount?: () => number;
  nvdKeywords?: () => readonly NvdKeywordView[];
  devices?: () => readonly InventoryDeviceView[];
}

/** Cleaned device (all strings sanitised and bounded; the id as text). */
export interface DeviceFacts extends Omit<InventoryDeviceView, 'id'> {
  id: string;
}

export interface Snapshot {
  atMs: number;
  totalFlows?: number;
  activeDevices?: number;
  openFindings?: number;
  vulnCount?: number;
  scan?: ScanView;
  listener?: ListenerView;
  exporters?: ExporterSummary[];
  /** Open (not dismissed) findings, newest first, at most MAX_FINDINGS. */
  findings?: FindingView[];
  keywords?: NvdKeywordView[];
  devices?: DeviceFacts[];
  /** Accessors that threw or answered nonsense in this snapshot. */
  failed: string[];
}

/** Items kept per list in a snapshot (the attributes keep fewer). */
export const MAX_DEVICES = 4096;
export const MAX_FINDINGS = 2000;
export const MAX_KEYWORDS = 500;
export const MAX_EXPORTERS = 20;

const TEXT = 128;

/** Sanitised, bounded text; undefined for absent or empty input. */
export function cleanText(v: unknown, max = TEXT): string | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const s = sanitizeText(String(v).trim(), max);
  return s === '' ? undefined : s;
}

function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined;
}

function device(d: InventoryDeviceView): DeviceFacts | undefined {
  const id = cleanText(d.id, 64);
  if (id === undefined) return undefined;
  return {
    id,
    ip: cleanText(d.ip, 45),
    mac: cleanText(d.mac, 17)?.toLowerCase(),
    vendor: cleanText(d.vendor, 64),
    hostname: cleanText(d.hostname, 64),
    name: cleanText(d.name, 64),
    role: cleanText(d.role, 32) ?? 'unknown',
    atRisk: d.atRisk === true,
    lastSeenMs: count(d.lastSeenMs),
  };
}

/** Reads every accessor once (see module rules). */
export function takeSnapshot(src: HomeAssistantSources, atMs: number): Snapshot {
  const failed: string[] = [];
  const read = <T>(name: string, fn: (() => T) | undefined, check: (v: T) => boolean = () => true): T | undefined => {
    if (!fn) return undefined;
    try {
      const v = fn();
      if (check(v)) return v;
    } catch {
      /* counted below */
    }
    failed.push(name);
    return undefined;
  };
  const isCount = (v: unknown) => count(v) !== undefined;
  const isList = (v: unknown) => Array.isArray(v);
  const snap: Snapshot = { atMs, failed };
  snap.totalFlows = count(read('totalFlows', src.totalFlows, isCount));
  snap.activeDevices = count(read('activeDevices', src.activeDevices, isCount));
  snap.openFindings = count(read('openFindings', src.openFindings, isCount));
  snap.vulnCount = count(read('vulnCount', src.vulnCount, isCount));
  const scan = read('scanSummary', src.scanSummary, (v) => typeof v === 'object' && v !== null);
  if (scan) snap.scan = { ...scan };
  const listener = read('collectorStats', src.collectorStats, (v) => typeof v === 'object' && v !== null);
  if (listener) snap.listener = { ...listener };
  const exporters = read('exporters', src.exporters ? () => src.exporters!(MAX_EXPORTERS) : undefined, isList);
  if (exporters) {
    snap.exporters = exporters.slice(0, MAX_EXPORTERS).flatMap((e) => {
      const exporter = cleanText(e?.exporter, 45);
      if (!exporter) return [];
      const drops: Record<string, number> = {};
      for (const [k, v] of Object.entries(e.drops ?? {}).slice(0, 16)) {
        const key = cleanText(k, 32);
        const n = count(v);
        if (key && n !== undefined) drops[key] = n;
      }
      const versions = (Array.isArray(e.versions) ? e.versions : []).slice(0, 8).flatMap((v) => cleanText(v, 16) ?? []);
      return [{ exporter, versions, templates: count(e.templates) ?? 0, drops }];
    });
  }
  const findings = read('findings', src.findings, isList);
  if (findings) {
    snap.findings = findings
      .filter((f) => f && !f.dismissed)
      .slice(0, MAX_FINDINGS)
      .map((f) => ({
        category: cleanText(f.category, 32) ?? 'unknown',
        sourceIp: cleanText(f.sourceIp, 45) ?? '',
        severity: f.severity,
        dismissed: false,
        title: cleanText(f.title, 120),
        lastSeenMs: count(f.lastSeenMs),
      }));
  }
  const keywords = read('nvdKeywords', src.nvdKeywords, isList);
  if (keywords) {
    snap.keywords = keywords.slice(0, MAX_KEYWORDS).flatMap((k) => {
      const keyword = cleanText(k?.keyword, 64);
      return keyword ? [{ keyword, cves: count(k.cves) ?? 0, source: cleanText(k.source, 24) ?? 'unknown', fetchedMs: count(k.fetchedMs) }] : [];
    });
  }
  const devices = read('devices', src.devices, isList);
  if (devices) snap.devices = devices.slice(0, MAX_DEVICES).flatMap((d) => (d ? (device(d) ?? []) : []));
  return snap;
}
