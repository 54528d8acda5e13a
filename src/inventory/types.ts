/**
 * Inventory types: what is stored about a device (DeviceRecord: its identity across DHCP
 * changes) and what is shown (Device: the record plus everything derived from the latest
 * scan, flows, vendor registry, vulnerabilities and role rules). Rules: every string that came
 * from the network (hostnames, tracker names, vendor names, banners) is already plain and
 * bounded here (names.ts, oui.ts, scanner sanitising) and is escaped again wherever shown;
 * records are plain JSON-serialisable data.
 */
import type { Severity } from '../findings/types.js';
import type { Role } from '../store/state-files.js';

/** Where a device's hostname came from, strongest first. */
export const NAME_SOURCES = ['tracker', 'dhcp', 'mdns', 'rdns'] as const;
export type NameSource = (typeof NAME_SOURCES)[number];

/** One stretch of time a device held an address. */
export interface IpStint {
  ip: string;
  firstSeenMs: number;
  lastSeenMs: number;
}

export interface MacSeen {
  mac: string;
  firstSeenMs: number;
  lastSeenMs: number;
}

/** The stored identity of one device. */
export interface DeviceRecord {
  id: number;
  /** Where the device is now; undefined when another device took its last address. */
  currentIp?: string;
  /** Address history, oldest first (the last stint is the current one when currentIp is set). */
  ips: IpStint[];
  /** Every MAC the device was seen with, most recently seen last. */
  macs: MacSeen[];
  hostname?: string;
  hostnameSource?: NameSource;
  hostnameMs?: number;
  /** Display name from a Home Assistant device tracker. */
  name?: string;
  /** Marked trusted by the user (config trusted_macs adds more at view time). */
  trusted: boolean;
  /** First seen during the learning window: part of the baseline, never a new-device finding. */
  baseline: boolean;
  firstSeenMs: number;
  lastSeenMs: number;
}

/** What one source said about one address in one refresh. */
export interface Sighting {
  ip: string;
  mac?: string;
  hostname?: string;
  hostnameSource?: NameSource;
  name?: string;
  /** When the source last saw it (flows and scans carry their own time; tables are "now"). */
  seenMs: number;
  source: 'flows' | 'scan' | 'neighbours' | 'dhcp' | 'tracker';
  /** For neighbour entries: the NUD state (stale entries are weaker evidence). */
  state?: string;
}

/** A Home Assistant device tracker (router source): attributes ip, mac, host_name and the friendly name. */
export interface TrackerEntry {
  ip?: string;
  mac?: string;
  hostName?: string;
  name?: string;
}

/** Traffic the flows show for a device (the traffic tracker's DeviceStats has these fields). */
export interface ObservedDevice {
  ip: string;
  firstSeenMs: number;
  lastSeenMs: number;
  flows: number;
  bytesOut: number;
  bytesIn: number;
  servicePorts?: Iterable<number>;
}

export interface ServiceSummary {
  port: number;
  name: string;
  product?: string;
  version?: string;
}

/** The device as the API, dashboard and Home Assistant show it. */
export interface Device {
  id: number;
  /** Current address. */
  ip?: string;
  /** Address history, oldest first. */
  ips: IpStint[];
  /** Most recently seen MAC. */
  mac?: string;
  macs: string[];
  /** The current MAC is locally administered (private/randomised): vendor unknown, may change. */
  randomizedMac: boolean;
  /** Set for hypervisor/container MACs, e.g. "QEMU/KVM virtual NIC". */
  virtualNic?: string;
  vendor?: string;
  hostname?: string;
  hostnameSource?: NameSource;
  name?: string;
  role: Role;
  roleSource: 'override' | 'inferred';
  /** What the rules say, even when overridden. */
  inferredRole: Role;
  roleConfidence: number;
  roleReasons: string[];
  trusted: boolean;
  trustSource?: 'user' | 'config';
  /** Learnt during the learning window (no new-device finding). */
  baseline: boolean;
  firstSeenMs: number;
  lastSeenMs: number;
  atRisk: boolean;
  riskLevel?: Severity;
  riskReasons: string[];
  vulnerabilities: { total: number; high: number; critical: number; kev: number };
  openPorts: number[];
  services: ServiceSummary[];
  os?: string;
  traffic?: { flows: number; bytesOut: number; bytesIn: number; lastSeenMs: number };
  /** Other devices that may be this one (same hostname, randomised MACs): candidates for merge(). */
  possibleDuplicates: number[];
}

/** Payload of the inventory's bus events. */
export interface DeviceEvent {
  device: Device;
}
