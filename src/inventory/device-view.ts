/**
 * Building the Device view from a stored record plus what was derived at the last refresh.
 * Rules: pure; the role override (homesec_roles.yaml, keyed by the current address) wins over
 * the inferred role and is applied at view time, so setRole() takes effect at once; "unknown"
 * is never an override (it clears one). Trust is the user's flag or a MAC listed in config
 * trusted_macs. Services are summarised (port, name, product, version), at most MAX_SERVICES.
 * Possible duplicates: other devices with the same hostname when at least one of the two
 * uses a randomised MAC (a phone that changed its private address), at most MAX_DUPLICATES.
 */
import type { HostScan } from '../scan/types.js';
import type { Role } from '../store/state-files.js';
import type { Exposure } from './exposure-rules.js';
import { isRandomizedMac, virtualMacLabel } from './mac.js';
import type { RiskSummary } from './risk.js';
import type { RoleGuess } from './role-inference.js';
import type { Device, DeviceRecord, ObservedDevice, ServiceSummary } from './types.js';

export const MAX_SERVICES = 32;
export const MAX_DUPLICATES = 8;

/** What a refresh derived for one device. */
export interface Derived {
  guess: RoleGuess;
  exposures: Exposure[];
  risk: RiskSummary;
  scan?: HostScan;
  traffic?: ObservedDevice;
}

export interface ViewContext {
  roles: ReadonlyMap<string, Role>;
  trustedMacs: ReadonlySet<string>;
  vendorOf(mac: string): string | undefined;
  duplicates(d: DeviceRecord): number[];
}

const NO_RISK: RiskSummary = { atRisk: false, reasons: [], vulnerabilities: { total: 0, high: 0, critical: 0, kev: 0 } };
const NO_GUESS: RoleGuess = { role: 'unknown', confidence: 0, reasons: ['not analysed yet'] };

/** The Device view of `r` (see module rules). */
export function buildDevice(r: DeviceRecord, derived: Derived | undefined, ctx: ViewContext): Device {
  const mac = r.macs[r.macs.length - 1]?.mac;
  const guess = derived?.guess ?? NO_GUESS;
  const override = r.currentIp !== undefined ? ctx.roles.get(r.currentIp) : undefined;
  const risk = derived?.risk ?? NO_RISK;
  const configTrusted = r.macs.some((m) => ctx.trustedMacs.has(m.mac));
  const scan = derived?.scan;
  const services: ServiceSummary[] = (scan?.services ?? []).slice(0, MAX_SERVICES).map((s) => {
    const x: ServiceSummary = { port: s.port, name: s.name };
    if (s.productName ?? s.product) x.product = s.productName ?? s.product;
    if (s.version) x.version = s.version;
    return x;
  });
  const d: Device = {
    id: r.id,
    ips: r.ips.map((s) => ({ ...s })),
    macs: r.macs.map((m) => m.mac),
    randomizedMac: mac !== undefined && isRandomizedMac(mac),
    role: override && override !== 'unknown' ? override : guess.role,
    roleSource: override && override !== 'unknown' ? 'override' : 'inferred',
    inferredRole: guess.role,
    roleConfidence: override && override !== 'unknown' ? 100 : guess.confidence,
    roleReasons: override && override !== 'unknown' ? [`set by the user (homesec_roles.yaml); rules say ${guess.role}`, ...guess.reasons] : guess.reasons,
    trusted: r.trusted || configTrusted,
    baseline: r.baseline,
    firstSeenMs: r.firstSeenMs,
    lastSeenMs: r.lastSeenMs,
    atRisk: risk.atRisk,
    riskReasons: risk.reasons,
    vulnerabilities: risk.vulnerabilities,
    openPorts: scan?.alive ? [...scan.openPorts] : [],
    services,
    possibleDuplicates: ctx.duplicates(r),
  };
  if (r.currentIp) d.ip = r.currentIp;
  if (mac) {
    d.mac = mac;
    const vendor = ctx.vendorOf(mac);
    if (vendor) d.vendor = vendor;
    const virtual = virtualMacLabel(mac);
    if (virtual) d.virtualNic = virtual;
  }
  if (r.hostname) d.hostname = r.hostname;
  if (r.hostnameSource) d.hostnameSource = r.hostnameSource;
  if (r.name) d.name = r.name;
  if (r.trusted) d.trustSource = 'user';
  else if (configTrusted) d.trustSource = 'config';
  if (risk.level) d.riskLevel = risk.level;
  if (scan?.os && scan.os.family !== 'unknown') d.os = scan.os.detail ? `${scan.os.family} (${scan.os.detail})` : scan.os.family;
  const t = derived?.traffic;
  if (t) d.traffic = { flows: t.flows, bytesOut: t.bytesOut, bytesIn: t.bytesIn, lastSeenMs: t.lastSeenMs };
  return d;
}

/** Index of possible duplicates over all records (see module rules). */
export function duplicateIndex(records: Iterable<DeviceRecord>): (d: DeviceRecord) => number[] {
  const byName = new Map<string, DeviceRecord[]>();
  for (const r of records) {
    if (!r.hostname) continue;
    const k = r.hostname.toLowerCase();
    const list = byName.get(k);
    if (list) list.push(r);
    else byName.set(k, [r]);
  }
  const randomized = (r: DeviceRecord) => r.macs.some((m) => isRandomizedMac(m.mac));
  return (d) => {
    if (!d.hostname) return [];
    const peers = byName.get(d.hostname.toLowerCase()) ?? [];
    return peers
      .filter((p) => p.id !== d.id && (randomized(p) || randomized(d)))
      .map((p) => p.id)
      .slice(0, MAX_DUPLICATES);
  };
}
