/**
 * Device-tracker enrichment: Home Assistant's device_tracker entities reduced to what the
 * inventory merges (IP, MAC, hostname, friendly name). Rules: pure; every value came from
 * the network (a router's DHCP table, a phone's hostname) and is validated or sanitised —
 * an address must parse as an IP, a MAC as six octets (normalised to lower-case aa:bb:..),
 * names are sanitised and bounded; a tracker with neither IP nor MAC says nothing the
 * inventory can use and is left out, as are homesec's own per-device trackers
 * (`managed_by: homesec`), which would otherwise feed homesec its own guesses. At most
 * MAX_TRACKERS are returned, sorted by entity id, so the same states give the same list.
 */
import ipaddr from 'ipaddr.js';
import { parseIp } from '../config/fields.js';
import { cleanText } from './sources.js';

export interface TrackerInfo {
  entityId: string;
  ip?: string;
  mac?: string;
  hostname?: string;
  friendlyName?: string;
}

/** Trackers returned at most. */
export const MAX_TRACKERS = 4096;

interface EntityLike {
  state?: unknown;
  attributes?: unknown;
}

/** Lower-case colon form of a MAC (aa:bb:cc:dd:ee:ff, AA-BB-.., aabb.ccdd.eeff), or undefined. */
export function normaliseMac(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length > 20) return undefined;
  const hex = v.trim().toLowerCase();
  let digits: string | undefined;
  if (/^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/.test(hex)) digits = hex.replace(/[:-]/g, '');
  else if (/^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/.test(hex)) digits = hex.replace(/\./g, '');
  if (!digits || digits === '000000000000' || digits === 'ffffffffffff') return undefined;
  return digits.match(/../g)!.join(':');
}

function ip(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length > 45 || !ipaddr.isValid(v.trim())) return undefined;
  try {
    return parseIp(v);
  } catch {
    return undefined;
  }
}

const ENTITY_ID = /^device_tracker\.[a-z0-9_]{1,200}$/;

/** The usable trackers among a map of entity id → state (see module rules). */
export function trackersFrom(entities: Readonly<Record<string, EntityLike | undefined>>): TrackerInfo[] {
  const out: TrackerInfo[] = [];
  for (const entityId of Object.keys(entities).sort()) {
    if (out.length >= MAX_TRACKERS) break;
    if (!entityId.startsWith('device_tracker.') || !ENTITY_ID.test(entityId)) continue;
    const raw = entities[entityId]?.attributes;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) continue;
    const a = raw as Record<string, unknown>;
    if (a.managed_by === 'homesec') continue;
    const t: TrackerInfo = { entityId };
    const addr = ip(a.ip) ?? ip(a.ip_address);
    const mac = normaliseMac(a.mac) ?? normaliseMac(a.mac_address);
    if (!addr && !mac) continue;
    if (addr) t.ip = addr;
    if (mac) t.mac = mac;
    const hostname = cleanText(a.host_name, 253) ?? cleanText(a.hostname, 253);
    if (hostname) t.hostname = hostname;
    const friendly = cleanText(a.friendly_name, 128);
    if (friendly) t.friendlyName = friendly;
    out.push(t);
  }
  return out;
}
