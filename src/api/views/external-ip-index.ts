/**
 * The External IPs view's index: every row of the `external_ips` table joined with the
 * stored provider answers (`intel_enrichment`), the blacklist feeds and the threat rating,
 * held in memory so that paging, sorting, prefix search and the "flagged" filter answer in
 * a few milliseconds with 100,000 addresses. Rules:
 * - Reads only SQLite and in-memory intel state; never asks a provider.
 * - Freshness: a full read at first use and every `fullEveryMs`; in between, at most every
 *   `refreshEveryMs`, only rows whose last_seen_ms moved past the previous watermark (minus
 *   `slackMs`) and answers fetched since the last one (both indexed), and rows past the
 *   retention cutoff are dropped as the traffic tracker deletes them. A new feed matcher
 *   re-rates every row in memory. Reverse-DNS names (and names a feed lists) are picked up
 *   for changed rows and at the next full read.
 * - Sort orders (and the flagged rows in each order) are computed once per data version and
 *   sort key, then reused; ties break by address so pages are stable.
 * - Bounded: at most `maxRows` addresses (the tracker keeps 100,000); pages at most 500.
 */
import type { ExternalIp, ExternalIpSort, ThreatRating } from '../contract.js';
import type { Db } from '../../store/database.js';
import { rateIp } from '../../intel/rating.js';
import type { AbuseIpDbData, IpInfoData, ProviderName, ShodanData, VirusTotalData } from '../../intel/types.js';

export const EXTERNAL_SORTS = ['last_seen', 'bytes', 'rating', 'devices'] as const satisfies readonly ExternalIpSort[];
export const MAX_PAGE = 500;

/** What the index needs from threat intel (absent when enable_threat_intel is off). */
export interface IntelView {
  matcher(): { matchIp(ip: string): readonly string[] | undefined };
  peekName(ip: string): string | null | undefined;
  listedName(ip: string): { name: string; feeds: readonly string[] } | undefined;
}

export interface ExternalIpIndexOptions {
  refreshEveryMs: number;
  fullEveryMs: number;
  slackMs: number;
  /** external_ip_retention_hours in ms (0 = forever). */
  retentionMs: number;
  maxRows: number;
}

export const EXTERNAL_INDEX_DEFAULTS: ExternalIpIndexOptions = {
  refreshEveryMs: 2000,
  fullEveryMs: 10 * 60_000,
  slackMs: 120_000,
  retentionMs: 0,
  maxRows: 200_000,
};

export interface ExternalIpIndexDeps {
  db: () => Db;
  now: () => number;
  intel?: IntelView;
}

/** Stored provider answers of one address. */
export interface Enrichment {
  ipinfo?: IpInfoData;
  virustotal?: VirusTotalData;
  abuseipdb?: AbuseIpDbData;
  shodan?: ShodanData;
  fetched: Partial<Record<ProviderName, number>>;
}

/** One indexed address (internal; `toExternalIp` gives the contract shape). */
export interface IndexedIp {
  ip: string;
  firstSeenMs: number;
  lastSeenMs: number;
  bytesIn: number;
  bytesOut: number;
  flows: number;
  devices: number;
  enr?: Enrichment;
  rdns?: string | null;
  blacklists: readonly string[];
  rating: ThreatRating;
  flagged: boolean;
  country?: string;
  org?: string;
  /** Lower-cased search fields. */
  sOrg: string;
  sCountry: string;
  sRdns: string;
}

export interface PageQuery {
  limit: number;
  offset: number;
  sort: ExternalIpSort;
  order: 'asc' | 'desc';
  /** Prefix of the address, country, reverse-DNS name, or of the organisation or one of its words. */
  q?: string;
  flagged?: boolean;
}

export interface ExternalIpIndex {
  /** Brings the index up to date when due (see module rules); cheap when not. */
  refresh(): void;
  page(q: PageQuery): { total: number; items: ExternalIp[]; generatedMs: number };
  get(ip: string): IndexedIp | undefined;
  /** A row for an address outside the traffic table (looked up only), rated from `e`. */
  standalone(ip: string, e: Enrichment): IndexedIp;
  /** Addresses known and how many are flagged. */
  counts(): { known: number; flagged: number };
  /** Forces a full read at the next refresh (tests, after a bulk change). */
  invalidate(): void;
}

const UNKNOWN: ThreatRating = Object.freeze({ level: 'unknown', score: 0, reasons: [] }) as unknown as ThreatRating;
const NONE: readonly string[] = Object.freeze([]);

interface ExtRow {
  ip: string;
  first_seen_ms: number;
  last_seen_ms: number;
  bytes_in: number;
  bytes_out: number;
  flows: number;
  devices: number | null;
}

interface EnrRow {
  ip: string;
  provider: string;
  fetched_ms: number;
  data: string;
}

/** Parses one stored provider answer into `e` (unreadable rows are skipped). */
export function addAnswer(e: Enrichment, provider: string, fetchedMs: number, data: string): void {
  if (provider !== 'ipinfo' && provider !== 'virustotal' && provider !== 'abuseipdb' && provider !== 'shodan') return;
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return;
  (e as unknown as Record<string, unknown>)[provider] = v;
  e.fetched[provider] = fetchedMs;
}

/** The contract shape of an indexed address. */
export function toExternalIp(r: IndexedIp): ExternalIp {
  const vt = r.enr?.virustotal;
  const ab = r.enr?.abuseipdb;
  const fetched = r.enr ? Object.values(r.enr.fetched) : [];
  return {
    ip: r.ip,
    firstSeenMs: r.firstSeenMs,
    lastSeenMs: r.lastSeenMs,
    bytesIn: r.bytesIn,
    bytesOut: r.bytesOut,
    bytes: r.bytesIn + r.bytesOut,
    flows: r.flows,
    devices: r.devices,
    ...(r.country ? { country: r.country } : {}),
    ...(r.org ? { org: r.org } : {}),
    ...(r.rdns !== undefined ? { rdns: r.rdns } : {}),
    rating: r.rating,
    ...(vt ? { virustotal: { malicious: vt.malicious, suspicious: vt.suspicious, harmless: vt.harmless, undetected: vt.undetected } } : {}),
    ...(ab
      ? { abuseipdb: { score: ab.abuseConfidenceScore, reports: ab.totalReports, isTor: ab.isTor, ...(ab.usageType ? { usageType: ab.usageType } : {}) } }
      : {}),
    blacklists: [...r.blacklists],
    flagged: r.flagged,
    ...(fetched.length > 0 ? { enrichedMs: Math.max(...fetched) } : {}),
  };
}

/** Creates the index; it reads nothing until the first refresh(). */
export function createExternalIpIndex(deps: ExternalIpIndexDeps, options: Partial<ExternalIpIndexOptions> = {}): ExternalIpIndex {
  const o = { ...EXTERNAL_INDEX_DEFAULTS, ...options };
  let rows = new Map<string, IndexedIp>();
  let enrich = new Map<string, Enrichment>();
  let list: IndexedIp[] = [];
  let version = 0;
  let listVersion = -1;
  const orders = new Map<ExternalIpSort, { version: number; order: Uint32Array }>();
  let flaggedCount = 0;
  let lastFullMs = -Infinity;
  let lastRefreshMs = -Infinity;
  let seenWatermark = 0;
  let enrichWatermark = 0;
  let matcherRef: unknown;
  let generatedMs = 0;

  /** Derives rating, names and search fields of r from its enrichment, the feeds and rDNS. */
  const derive = (r: IndexedIp, e: Enrichment | undefined = enrich.get(r.ip)): void => {
    r.enr = e;
    const intel = deps.intel;
    const bl = intel?.matcher().matchIp(r.ip);
    const listedName = intel?.listedName(r.ip);
    const name = intel?.peekName(r.ip);
    r.rdns = name !== undefined ? name : e?.ipinfo?.hostname;
    r.blacklists = bl || listedName ? [...(bl ?? []), ...(listedName?.feeds ?? [])] : NONE;
    r.rating =
      bl || listedName || e?.virustotal || e?.abuseipdb || e?.shodan
        ? rateIp({ blacklists: bl, listedName, virustotal: e?.virustotal, abuseipdb: e?.abuseipdb, shodan: e?.shodan })
        : UNKNOWN;
    r.flagged = r.blacklists.length > 0 || r.rating.level === 'medium' || r.rating.level === 'high';
    r.country = e?.ipinfo?.country ?? e?.abuseipdb?.countryCode ?? e?.virustotal?.country;
    r.org = e?.ipinfo?.org ?? e?.virustotal?.asOwner ?? e?.abuseipdb?.isp;
    r.sOrg = r.org?.toLowerCase() ?? '';
    r.sCountry = r.country?.toLowerCase() ?? '';
    r.sRdns = r.rdns?.toLowerCase() ?? '';
  };

  const fromRow = (x: ExtRow): IndexedIp => ({
    ip: x.ip,
    firstSeenMs: x.first_seen_ms,
    lastSeenMs: x.last_seen_ms,
    bytesIn: x.bytes_in,
    bytesOut: x.bytes_out,
    flows: x.flows,
    devices: x.devices ?? 0,
    blacklists: NONE,
    rating: UNKNOWN,
    flagged: false,
    sOrg: '',
    sCountry: '',
    sRdns: '',
  });

  const EXT_COLUMNS = 'ip, first_seen_ms, last_seen_ms, bytes_in, bytes_out, flows, json_array_length(devices) AS devices';

  const full = (db: Db, now: number): void => {
    const nextEnrich = new Map<string, Enrichment>();
    let maxFetched = 0;
    for (const e of db.prepare('SELECT ip, provider, fetched_ms, data FROM intel_enrichment').iterate() as IterableIterator<EnrRow>) {
      let en = nextEnrich.get(e.ip);
      if (!en) nextEnrich.set(e.ip, (en = { fetched: {} }));
      addAnswer(en, e.provider, e.fetched_ms, e.data);
      if (e.fetched_ms > maxFetched) maxFetched = e.fetched_ms;
    }
    enrich = nextEnrich;
    const next = new Map<string, IndexedIp>();
    let maxSeen = 0;
    const cutoff = o.retentionMs > 0 ? now - o.retentionMs : Number.MIN_SAFE_INTEGER;
    const ext = db.prepare(`SELECT ${EXT_COLUMNS} FROM external_ips WHERE last_seen_ms >= ? ORDER BY last_seen_ms DESC LIMIT ?`).all(cutoff, o.maxRows) as ExtRow[];
    for (const x of ext) {
      const r = fromRow(x);
      derive(r);
      next.set(r.ip, r);
      if (x.last_seen_ms > maxSeen) maxSeen = x.last_seen_ms;
    }
    rows = next;
    seenWatermark = maxSeen;
    enrichWatermark = maxFetched;
    lastFullMs = now;
    matcherRef = deps.intel?.matcher();
  };

  const incremental = (db: Db, now: number): boolean => {
    let changed = false;
    const touched = new Set<string>();
    const answers = db.prepare('SELECT ip, provider, fetched_ms, data FROM intel_enrichment WHERE fetched_ms > ?').all(enrichWatermark) as EnrRow[];
    for (const e of answers) {
      let en = enrich.get(e.ip);
      if (!en) enrich.set(e.ip, (en = { fetched: {} }));
      addAnswer(en, e.provider, e.fetched_ms, e.data);
      if (e.fetched_ms > enrichWatermark) enrichWatermark = e.fetched_ms;
      touched.add(e.ip);
    }
    const ext = db.prepare(`SELECT ${EXT_COLUMNS} FROM external_ips WHERE last_seen_ms >= ?`).all(seenWatermark - o.slackMs) as ExtRow[];
    for (const x of ext) {
      const r = rows.get(x.ip);
      if (r && r.lastSeenMs === x.last_seen_ms && r.bytesIn === x.bytes_in && r.bytesOut === x.bytes_out && r.flows === x.flows && r.devices === (x.devices ?? 0)) continue;
      if (r) {
        r.lastSeenMs = x.last_seen_ms;
        r.bytesIn = x.bytes_in;
        r.bytesOut = x.bytes_out;
        r.flows = x.flows;
        r.devices = x.devices ?? 0;
      } else if (rows.size < o.maxRows) {
        rows.set(x.ip, fromRow(x));
      }
      touched.add(x.ip);
      if (x.last_seen_ms > seenWatermark) seenWatermark = x.last_seen_ms;
      changed = true;
    }
    for (const ip of touched) {
      const r = rows.get(ip);
      if (r) {
        derive(r);
        changed = true;
      }
    }
    if (o.retentionMs > 0) {
      const cutoff = now - o.retentionMs;
      for (const [ip, r] of rows) {
        if (r.lastSeenMs < cutoff) {
          rows.delete(ip);
          changed = true;
        }
      }
    }
    const m = deps.intel?.matcher();
    if (m !== matcherRef) {
      matcherRef = m;
      for (const r of rows.values()) derive(r);
      changed = true;
    }
    return changed;
  };

  const refresh = (): void => {
    const now = deps.now();
    if (now - lastRefreshMs < o.refreshEveryMs && lastRefreshMs !== -Infinity) return;
    const db = deps.db();
    let changed = true;
    if (now - lastFullMs >= o.fullEveryMs) full(db, now);
    else changed = incremental(db, now);
    lastRefreshMs = now;
    generatedMs = now;
    if (changed) version++;
  };

  const ensureList = (): IndexedIp[] => {
    if (listVersion !== version) {
      list = [...rows.values()];
      flaggedCount = 0;
      for (const r of list) if (r.flagged) flaggedCount++;
      listVersion = version;
    }
    return list;
  };

  const byIp = (a: IndexedIp, b: IndexedIp) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0);
  const keyOf: Record<ExternalIpSort, (r: IndexedIp) => number> = {
    last_seen: (r) => r.lastSeenMs,
    bytes: (r) => r.bytesIn + r.bytesOut,
    rating: (r) => r.rating.score,
    devices: (r) => r.devices,
  };

  /** Row indices in descending key order (ties: rating by last seen, then address). */
  const orderOf = (sort: ExternalIpSort): Uint32Array => {
    const l = ensureList();
    const cached = orders.get(sort);
    if (cached && cached.version === version) return cached.order;
    const key = keyOf[sort];
    const keys = new Float64Array(l.length);
    const second = new Float64Array(l.length);
    for (let i = 0; i < l.length; i++) {
      const r = l[i] as IndexedIp;
      keys[i] = key(r);
      second[i] = sort === 'rating' ? r.lastSeenMs : 0;
    }
    const idx = new Uint32Array(l.length);
    for (let i = 0; i < idx.length; i++) idx[i] = i;
    const order = idx.sort(
      (a, b) => (keys[b] as number) - (keys[a] as number) || (second[b] as number) - (second[a] as number) || byIp(l[a] as IndexedIp, l[b] as IndexedIp),
    );
    orders.set(sort, { version, order });
    return order;
  };

  /** The flagged rows' indices in descending key order (a few per cent of the rows), cached like orderOf. */
  const flaggedOrders = new Map<ExternalIpSort, { version: number; order: Uint32Array }>();
  const flaggedOrderOf = (sort: ExternalIpSort): Uint32Array => {
    const cached = flaggedOrders.get(sort);
    if (cached && cached.version === version) return cached.order;
    const l = ensureList();
    const order = orderOf(sort).filter((i) => (l[i] as IndexedIp).flagged);
    flaggedOrders.set(sort, { version, order });
    return order;
  };

  const matches = (r: IndexedIp, q: string | undefined, flagged: boolean | undefined): boolean => {
    if (flagged && !r.flagged) return false;
    if (!q) return true;
    return r.ip.startsWith(q) || r.sCountry.startsWith(q) || r.sRdns.startsWith(q) || r.sOrg.startsWith(q) || r.sOrg.includes(` ${q}`);
  };

  return {
    refresh,
    invalidate() {
      lastFullMs = -Infinity;
      lastRefreshMs = -Infinity;
    },
    get(ip) {
      refresh();
      return rows.get(ip);
    },
    standalone(ip, e) {
      const r = fromRow({ ip, first_seen_ms: 0, last_seen_ms: 0, bytes_in: 0, bytes_out: 0, flows: 0, devices: 0 });
      derive(r, e);
      return r;
    },
    counts() {
      refresh();
      ensureList();
      return { known: rows.size, flagged: flaggedCount };
    },
    page(query) {
      refresh();
      const l = ensureList();
      const order = query.flagged ? flaggedOrderOf(query.sort) : orderOf(query.sort);
      const limit = Math.max(0, Math.min(MAX_PAGE, query.limit));
      const offset = Math.max(0, query.offset);
      const q = query.q?.trim().toLowerCase() || undefined;
      const n = order.length;
      const at = (i: number) => l[order[query.order === 'desc' ? i : n - 1 - i] as number] as IndexedIp;
      const items: ExternalIp[] = [];
      if (!q) {
        for (let i = offset; i < Math.min(n, offset + limit); i++) items.push(toExternalIp(at(i)));
        return { total: n, items, generatedMs };
      }
      let total = 0;
      for (let i = 0; i < n; i++) {
        const r = at(i);
        if (!matches(r, q, query.flagged)) continue;
        if (total >= offset && items.length < limit) items.push(toExternalIp(r));
        total++;
      }
      return { total, items, generatedMs };
    },
  };
}
