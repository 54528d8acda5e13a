/**
 * Device identity across DHCP changes: the in-memory device table and the rules that merge
 * sightings into it. Rules:
 * - A MAC is the identity: a sighting with a MAC goes to the device that has that MAC,
 *   wherever its address now is; its address change is recorded as a new stint in the
 *   history (a device going .50 → .60 → .50 has three stints), and any other device that
 *   held the new address loses it as its current address (its history keeps it).
 * - A device known by address only (seen in flows or scans, no MAC yet) is a provisional
 *   identity of "whoever holds that address": when a MAC shows up at that address, a new MAC
 *   is attached to it, and a known MAC's device absorbs it (one device, not two).
 * - A sighting without a MAC goes to the device currently holding the address; when none
 *   does, a device that held it at or after the sighting's time (flows and scans remember old
 *   addresses) means the sighting is old news and it is ignored; otherwise a device is
 *   created.
 * - One refresh's sightings are first combined per address and per MAC (combineSightings):
 *   per address the MAC from the strongest source wins (neighbour table in a live state >
 *   DHCP lease > stale neighbour entry > Home Assistant tracker), per MAC one address is kept
 *   (strongest source, then the device's current address, then the latest), so a stale ARP
 *   entry or a lease that outlived its client never flip-flops a device's address.
 * - merge(keep, gone) unites two devices by the user's word (e.g. a phone that got a new
 *   randomised MAC): MACs, address history, names and trust are united, the current address
 *   is the one seen last, `gone` is deleted.
 * - Bounded: at most LIMITS.devices devices (new ones beyond are refused and counted, never
 *   an eviction of a known device), LIMITS.ipsPerDevice stints and LIMITS.macsPerDevice MACs
 *   per device (oldest dropped). Every change marks the device dirty for the store.
 */
import type { DeviceRecord, IpStint, NameSource, Sighting } from './types.js';
import { NAME_SOURCES } from './types.js';

export const LIMITS = { devices: 10_000, ipsPerDevice: 32, macsPerDevice: 16 };

/** A combined sighting: one address, at most one MAC, the best names. */
export interface ResolvedSighting {
  ip: string;
  mac?: string;
  hostname?: string;
  hostnameSource?: NameSource;
  name?: string;
  seenMs: number;
}

export interface ObserveResult {
  device: DeviceRecord;
  created: boolean;
  /** Set when the device moved from one address to another. */
  ipChange?: { from: string; to: string };
  /** Address-only devices absorbed into this one. */
  absorbed: number[];
}

const LIVE_STATES = new Set(['reachable', 'delay', 'probe', 'permanent', 'noarp', 'unknown']);

function strength(s: Sighting): number {
  if (!s.mac) return 0;
  if (s.source === 'neighbours') return LIVE_STATES.has(s.state ?? 'unknown') ? 4 : 2;
  if (s.source === 'dhcp') return 3;
  if (s.source === 'tracker') return 1;
  return 0;
}

const nameRank = (s: NameSource | undefined) => (s === undefined ? NAME_SOURCES.length : NAME_SOURCES.indexOf(s));

/**
 * Combines one refresh's sightings (see module rules). `currentIpOfMac` tells which address a
 * known MAC's device holds now. MAC-carrying results come first.
 */
export function combineSightings(sightings: readonly Sighting[], currentIpOfMac: (mac: string) => string | undefined): ResolvedSighting[] {
  const byIp = new Map<string, Sighting[]>();
  for (const s of sightings) {
    const list = byIp.get(s.ip);
    if (list) list.push(s);
    else byIp.set(s.ip, [s]);
  }
  const perIp: (ResolvedSighting & { strength: number })[] = [];
  for (const [ip, list] of byIp) {
    let best: Sighting | undefined;
    for (const s of list) if (s.mac && (!best || strength(s) > strength(best))) best = s;
    const mac = best?.mac;
    const r: ResolvedSighting & { strength: number } = { ip, seenMs: Math.max(...list.map((s) => s.seenMs)), strength: best ? strength(best) : 0 };
    if (mac) r.mac = mac;
    for (const s of list) {
      if (s.mac && s.mac !== mac) continue; // names of another MAC's client do not belong here
      if (s.hostname && nameRank(s.hostnameSource) < nameRank(r.hostnameSource)) {
        r.hostname = s.hostname;
        if (s.hostnameSource) r.hostnameSource = s.hostnameSource;
      }
      if (s.name && !r.name) r.name = s.name;
    }
    perIp.push(r);
  }
  // One address per MAC.
  const byMac = new Map<string, (ResolvedSighting & { strength: number })[]>();
  const out: ResolvedSighting[] = [];
  const withoutMac: ResolvedSighting[] = [];
  for (const r of perIp) {
    if (!r.mac) {
      withoutMac.push(r);
      continue;
    }
    const list = byMac.get(r.mac);
    if (list) list.push(r);
    else byMac.set(r.mac, [r]);
  }
  for (const [mac, list] of byMac) {
    const current = currentIpOfMac(mac);
    list.sort((a, b) => b.strength - a.strength || Number(b.ip === current) - Number(a.ip === current) || b.seenMs - a.seenMs || a.ip.localeCompare(b.ip));
    const { strength: _s, ...keep } = list[0] as ResolvedSighting & { strength: number };
    out.push(keep);
  }
  for (const r of withoutMac) {
    const { strength: _s, ...keep } = r as ResolvedSighting & { strength: number };
    out.push(keep);
  }
  return out;
}

/** The device table (see module rules). */
export class DeviceTable {
  private readonly byId = new Map<number, DeviceRecord>();
  private readonly macIndex = new Map<string, number>();
  private readonly ipIndex = new Map<string, number>();
  /** Address → the latest time a device that has since left it was seen there. */
  private readonly leftIndex = new Map<string, number>();
  private nextId = 1;
  private readonly dirty = new Set<number>();
  private readonly deleted = new Set<number>();
  /** Devices refused because the table was full. */
  refused = 0;

  /** Replaces the table with stored records. */
  load(records: readonly DeviceRecord[]): void {
    this.byId.clear();
    this.macIndex.clear();
    this.ipIndex.clear();
    this.leftIndex.clear();
    for (const r of records) {
      this.byId.set(r.id, r);
      for (const m of r.macs) this.macIndex.set(m.mac, r.id);
      if (r.currentIp) this.ipIndex.set(r.currentIp, r.id);
      r.ips.forEach((st, i) => {
        if (!(r.currentIp !== undefined && i === r.ips.length - 1)) this.noteLeft(st.ip, st.lastSeenMs);
      });
      this.nextId = Math.max(this.nextId, r.id + 1);
    }
  }

  get size(): number {
    return this.byId.size;
  }

  all(): IterableIterator<DeviceRecord> {
    return this.byId.values();
  }

  get(id: number): DeviceRecord | undefined {
    return this.byId.get(id);
  }

  byMac(mac: string): DeviceRecord | undefined {
    const id = this.macIndex.get(mac);
    return id === undefined ? undefined : this.byId.get(id);
  }

  byIp(ip: string): DeviceRecord | undefined {
    const id = this.ipIndex.get(ip);
    return id === undefined ? undefined : this.byId.get(id);
  }

  /** Marks a device changed (for callers that edit a record's fields). */
  touch(d: DeviceRecord): void {
    this.dirty.add(d.id);
  }

  /** Changed and deleted devices since the last call. */
  takeChanges(): { changed: DeviceRecord[]; deleted: number[] } {
    const changed = [...this.dirty].map((id) => this.byId.get(id)).filter((d): d is DeviceRecord => d !== undefined);
    const deleted = [...this.deleted];
    this.dirty.clear();
    this.deleted.clear();
    return { changed, deleted };
  }

  private noteLeft(ip: string, lastSeenMs: number): void {
    if (lastSeenMs > (this.leftIndex.get(ip) ?? -Infinity)) this.leftIndex.set(ip, lastSeenMs);
  }

  /** Records that `d` no longer holds its current address. */
  private leave(d: DeviceRecord): void {
    const last = d.ips[d.ips.length - 1];
    if (d.currentIp !== undefined && last && last.ip === d.currentIp) this.noteLeft(last.ip, last.lastSeenMs);
  }

  private create(seenMs: number, baseline: boolean): DeviceRecord | undefined {
    if (this.byId.size >= LIMITS.devices) {
      this.refused++;
      return undefined;
    }
    const d: DeviceRecord = { id: this.nextId++, ips: [], macs: [], trusted: false, baseline, firstSeenMs: seenMs, lastSeenMs: seenMs };
    this.byId.set(d.id, d);
    this.dirty.add(d.id);
    return d;
  }

  private seeMac(d: DeviceRecord, mac: string, seenMs: number): void {
    const m = d.macs.find((x) => x.mac === mac);
    if (m) {
      if (seenMs > m.lastSeenMs) m.lastSeenMs = seenMs;
    } else {
      d.macs.push({ mac, firstSeenMs: seenMs, lastSeenMs: seenMs });
      this.macIndex.set(mac, d.id);
    }
    d.macs.sort((a, b) => a.lastSeenMs - b.lastSeenMs);
    while (d.macs.length > LIMITS.macsPerDevice) {
      const old = d.macs.shift();
      if (old && this.macIndex.get(old.mac) === d.id) this.macIndex.delete(old.mac);
    }
  }

  /** Makes `ip` the device's current address (a new stint unless it is there already). */
  private moveTo(d: DeviceRecord, ip: string, seenMs: number): void {
    const last = d.ips[d.ips.length - 1];
    if (d.currentIp === ip && last && last.ip === ip) {
      if (seenMs > last.lastSeenMs) last.lastSeenMs = seenMs;
      return;
    }
    const otherId = this.ipIndex.get(ip);
    if (otherId !== undefined && otherId !== d.id) {
      const other = this.byId.get(otherId);
      if (other) {
        this.leave(other);
        delete other.currentIp;
        this.dirty.add(other.id);
      }
    }
    const from = d.currentIp;
    if (from !== undefined && this.ipIndex.get(from) === d.id) this.ipIndex.delete(from);
    this.leave(d);
    d.ips.push({ ip, firstSeenMs: seenMs, lastSeenMs: seenMs });
    if (d.ips.length > LIMITS.ipsPerDevice) d.ips.splice(0, d.ips.length - LIMITS.ipsPerDevice);
    d.currentIp = ip;
    this.ipIndex.set(ip, d.id);
  }

  private applyNames(d: DeviceRecord, s: ResolvedSighting): void {
    if (s.hostname && s.hostname !== d.hostname && nameRank(s.hostnameSource) <= nameRank(d.hostnameSource)) {
      d.hostname = s.hostname;
      if (s.hostnameSource) d.hostnameSource = s.hostnameSource;
      d.hostnameMs = s.seenMs;
    }
    if (s.name && s.name !== d.name) d.name = s.name;
  }

  /** Folds `gone` into `keep` (see module rules); returns keep. */
  private absorb(keep: DeviceRecord, gone: DeviceRecord): DeviceRecord {
    const keepCurrentMs = keep.currentIp ? (keep.ips[keep.ips.length - 1]?.lastSeenMs ?? 0) : -1;
    const goneCurrentMs = gone.currentIp ? (gone.ips[gone.ips.length - 1]?.lastSeenMs ?? 0) : -1;
    const current = goneCurrentMs > keepCurrentMs ? gone.currentIp : (keep.currentIp ?? gone.currentIp);
    if (keep.currentIp !== undefined && keep.currentIp !== current) this.leave(keep);
    if (gone.currentIp !== undefined && gone.currentIp !== current) this.leave(gone);
    for (const ip of [keep.currentIp, gone.currentIp]) {
      const owner = ip === undefined ? undefined : this.ipIndex.get(ip);
      if (ip !== undefined && (owner === keep.id || owner === gone.id)) this.ipIndex.delete(ip);
    }
    const ips: IpStint[] = [...keep.ips, ...gone.ips].sort((a, b) => a.firstSeenMs - b.firstSeenMs || a.lastSeenMs - b.lastSeenMs);
    // The current address's stint goes last.
    if (current !== undefined) {
      const idx = ips.map((s) => s.ip).lastIndexOf(current);
      if (idx >= 0) ips.push(...ips.splice(idx, 1));
    }
    keep.ips = ips.slice(-LIMITS.ipsPerDevice);
    for (const m of gone.macs) {
      this.macIndex.delete(m.mac);
      if (!keep.macs.some((x) => x.mac === m.mac)) keep.macs.push({ ...m });
      this.macIndex.set(m.mac, keep.id);
    }
    keep.macs.sort((a, b) => a.lastSeenMs - b.lastSeenMs);
    while (keep.macs.length > LIMITS.macsPerDevice) {
      const old = keep.macs.shift();
      if (old) this.macIndex.delete(old.mac);
    }
    if (current !== undefined) {
      keep.currentIp = current;
      this.ipIndex.set(current, keep.id);
    } else {
      delete keep.currentIp;
    }
    if (gone.hostname && nameRank(gone.hostnameSource) < nameRank(keep.hostnameSource)) {
      keep.hostname = gone.hostname;
      if (gone.hostnameSource) keep.hostnameSource = gone.hostnameSource;
      if (gone.hostnameMs !== undefined) keep.hostnameMs = gone.hostnameMs;
    }
    if (!keep.name && gone.name) keep.name = gone.name;
    keep.trusted = keep.trusted || gone.trusted;
    keep.baseline = keep.baseline || gone.baseline;
    keep.firstSeenMs = Math.min(keep.firstSeenMs, gone.firstSeenMs);
    keep.lastSeenMs = Math.max(keep.lastSeenMs, gone.lastSeenMs);
    this.byId.delete(gone.id);
    this.dirty.delete(gone.id);
    this.deleted.add(gone.id);
    this.dirty.add(keep.id);
    return keep;
  }

  /** Merges device `goneId` into `keepId`; undefined when either is unknown or they are the same. */
  merge(keepId: number, goneId: number): DeviceRecord | undefined {
    const keep = this.byId.get(keepId);
    const gone = this.byId.get(goneId);
    if (!keep || !gone || keep === gone) return undefined;
    return this.absorb(keep, gone);
  }

  /**
   * Applies one combined sighting (see module rules). New devices get `baseline`. Returns
   * undefined when the sighting is old news or the table is full.
   */
  observe(s: ResolvedSighting, baseline: boolean): ObserveResult | undefined {
    const holder = this.byIp(s.ip);
    let d: DeviceRecord | undefined;
    let created = false;
    let before: string | undefined;
    const absorbed: number[] = [];
    if (s.mac) {
      d = this.byMac(s.mac);
      before = d?.currentIp;
      if (!d) {
        if (holder && holder.macs.length === 0) {
          d = holder;
          before = d.currentIp;
        } else {
          d = this.create(s.seenMs, baseline);
          created = d !== undefined;
        }
        if (!d) return undefined;
      } else if (holder && holder !== d && holder.macs.length === 0) {
        absorbed.push(holder.id);
        this.absorb(d, holder);
      }
      this.seeMac(d, s.mac, s.seenMs);
    } else if (holder) {
      d = holder;
    } else {
      if ((this.leftIndex.get(s.ip) ?? -Infinity) >= s.seenMs) return undefined;
      d = this.create(s.seenMs, baseline);
      if (!d) return undefined;
      created = true;
    }
    this.moveTo(d, s.ip, s.seenMs);
    const ipChange = before !== undefined && before !== s.ip ? { from: before, to: s.ip } : undefined;
    this.applyNames(d, s);
    if (s.seenMs > d.lastSeenMs) d.lastSeenMs = s.seenMs;
    this.dirty.add(d.id);
    const result: ObserveResult = { device: d, created, absorbed };
    if (ipChange) result.ipChange = ipChange;
    return result;
  }
}
