/**
 * Per-device DNS statistics for the dashboard and the Hosts view: queries, blocked share,
 * NXDOMAIN count, query types and the top domains (all and blocked), per device and for the
 * whole home.
 *
 * Rules: domains are counted by registrable domain (names.ts; the full name for local and
 * non-hostname names, which are shown escaped by the views); top lists use bounded
 * Space-Saving counters (top-k.ts), query types at most MAX_TYPES per device, devices at
 * most maxDevices (least recently seen dropped, counted). Counts are cumulative since
 * `sinceMs` and survive restarts (exportDevice/importDevice, persisted by the monitor).
 */
import type { NameParts } from './names.js';
import { TopK } from './top-k.js';
import type { DnsQuery } from './types.js';
import type { DnsDeviceStats, DnsStatsResponse } from '../api/contract.js';

/** Top entries shown per list. */
export const TOP_N = 10;
const DEVICE_COUNTERS = 64;
const HOME_COUNTERS = 512;
const MAX_TYPES = 16;

// The shapes the API serves are defined once, in the API contract (web/ reads them there).
export type { DnsDeviceStats, DomainCount } from '../api/contract.js';
/** Home-wide statistics: the answer of GET /api/dns/stats. */
export type DnsHomeStats = DnsStatsResponse;

interface Device {
  queries: number;
  blocked: number;
  nxdomain: number;
  firstSeenMs: number;
  lastSeenMs: number;
  types: Map<string, number>;
  domains: TopK;
  blockedDomains: TopK;
}

export interface DnsStats {
  observe(q: DnsQuery, parts: NameParts): void;
  device(ip: string): DnsDeviceStats | undefined;
  home(): DnsHomeStats;
  /** Plain form of one device, for persistence. */
  exportDevice(ip: string): unknown;
  importDevice(ip: string, data: unknown): void;
  /** Devices changed since the previous call. */
  drainDirty(): string[];
  readonly dropped: number;
}

const share = (blocked: number, queries: number) => (queries > 0 ? Math.round((blocked / queries) * 10_000) / 10_000 : 0);
const toCounts = (t: TopK) => t.top(TOP_N).map((e) => ({ domain: e.key, count: e.count }));

/** Creates empty statistics starting at sinceMs. */
export function createDnsStats(sinceMs: number, maxDevices = 2000): DnsStats {
  const devices = new Map<string, Device>();
  const home = { queries: 0, blocked: 0, domains: new TopK(HOME_COUNTERS), blockedDomains: new TopK(HOME_COUNTERS) };
  let dirty = new Set<string>();
  let dropped = 0;

  const blank = (atMs: number): Device => ({
    queries: 0,
    blocked: 0,
    nxdomain: 0,
    firstSeenMs: atMs,
    lastSeenMs: atMs,
    types: new Map(),
    domains: new TopK(DEVICE_COUNTERS),
    blockedDomains: new TopK(DEVICE_COUNTERS),
  });

  const get = (ip: string, atMs: number): Device => {
    let d = devices.get(ip);
    if (d) {
      devices.delete(ip);
      devices.set(ip, d);
      return d;
    }
    if (devices.size >= maxDevices) {
      const oldest = devices.keys().next();
      if (!oldest.done) {
        devices.delete(oldest.value);
        dropped++;
      }
    }
    d = blank(atMs);
    devices.set(ip, d);
    return d;
  };

  return {
    get dropped() {
      return dropped;
    },
    observe(q, parts) {
      const d = get(q.client, q.timeMs);
      const domain = parts.registrable ?? q.name;
      d.queries++;
      home.queries++;
      d.lastSeenMs = Math.max(d.lastSeenMs, q.timeMs);
      d.firstSeenMs = Math.min(d.firstSeenMs, q.timeMs);
      if (q.rcode === 'NXDOMAIN') d.nxdomain++;
      if (d.types.has(q.type) || d.types.size < MAX_TYPES) d.types.set(q.type, (d.types.get(q.type) ?? 0) + 1);
      d.domains.add(domain);
      home.domains.add(domain);
      if (q.blocked) {
        d.blocked++;
        home.blocked++;
        d.blockedDomains.add(domain);
        home.blockedDomains.add(domain);
      }
      dirty.add(q.client);
    },
    device(ip) {
      const d = devices.get(ip);
      if (!d) return undefined;
      return {
        ip,
        queries: d.queries,
        blocked: d.blocked,
        blockedShare: share(d.blocked, d.queries),
        nxdomain: d.nxdomain,
        firstSeenMs: d.firstSeenMs,
        lastSeenMs: d.lastSeenMs,
        types: Object.fromEntries(d.types),
        topDomains: toCounts(d.domains),
        topBlocked: toCounts(d.blockedDomains),
      };
    },
    home() {
      const top = [...devices]
        .sort((a, b) => b[1].queries - a[1].queries)
        .slice(0, TOP_N)
        .map(([ip, d]) => ({ ip, queries: d.queries, blockedShare: share(d.blocked, d.queries) }));
      return {
        sinceMs,
        queries: home.queries,
        blocked: home.blocked,
        blockedShare: share(home.blocked, home.queries),
        devices: devices.size,
        topDomains: toCounts(home.domains),
        topBlocked: toCounts(home.blockedDomains),
        topDevices: top,
      };
    },
    exportDevice(ip) {
      const d = devices.get(ip);
      if (!d) return undefined;
      return { q: d.queries, b: d.blocked, nx: d.nxdomain, f: d.firstSeenMs, l: d.lastSeenMs, t: [...d.types], d: d.domains.toJSON(), bd: d.blockedDomains.toJSON() };
    },
    importDevice(ip, data) {
      const r = data as Record<string, unknown> | null;
      if (!r || typeof r !== 'object') return;
      const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0);
      const d = get(ip, num(r.f));
      d.queries = num(r.q);
      d.blocked = Math.min(num(r.b), d.queries);
      d.nxdomain = num(r.nx);
      d.firstSeenMs = num(r.f);
      d.lastSeenMs = num(r.l);
      d.types = new Map(Array.isArray(r.t) ? (r.t as unknown[]).filter((e): e is [string, number] => Array.isArray(e) && typeof e[0] === 'string' && e[0].length <= 16 && typeof e[1] === 'number').slice(0, MAX_TYPES) : []);
      d.domains = TopK.from(DEVICE_COUNTERS, r.d);
      d.blockedDomains = TopK.from(DEVICE_COUNTERS, r.bd);
      home.queries += d.queries;
      home.blocked += d.blocked;
      for (const e of d.domains.top(DEVICE_COUNTERS)) home.domains.add(e.key, e.count);
      for (const e of d.blockedDomains.top(DEVICE_COUNTERS)) home.blockedDomains.add(e.key, e.count);
    },
    drainDirty() {
      const out = [...dirty];
      dirty = new Set();
      return out;
    },
  };
}
