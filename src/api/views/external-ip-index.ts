/**
 * The External IPs view's index: every row of the `external_ips` table joined with the
 * stored provider answers (`intel_enrichment`), the blacklist feeds and the threat rating,
 * held in memory so that paging, sorting, prefix search and the "flagged" filter answer in
 * a few milliseconds with 100,000 addresses. Rules:
 * - Reads only SQLite and in-memory intel state; never asks a provider.
 * - Freshness: a full read at first use and every `fullEveryMs` (in chunks, yielding to the
 *   event loop between them, then swapped in whole); in between, at most every
 *   `refreshEveryMs`, only rows whose last_seen_ms moved past the previous watermark (minus
 *   `slackMs`) and answers fetched since the last one (both indexed), and rows past the
 *   retention cutoff are dropped as the traffic tracker deletes them. A new feed matcher
 *   re-rates every row in memory. Reverse-DNS names (and names a feed lists) are picked up
 *   for changed rows and at the next full read.
 * - Each sort order is built once (a sort) and then maintained: rows changed by a refresh are
 *   merged back in at their new places; the flagged rows of an order are kept with it. Ties
 *   break by address so pages are stable. Search is one substring test per row on a
 *   precomputed lower-case text (prefix of any field or organisation word).
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
  /** Rows read between two yields during a full read. */
  chunkRows: number;
}

export const EXTERNAL_INDEX_DEFAULTS: ExternalIpIndexOptions = {
  refreshEveryMs: 2000,
  fullEveryMs: 60 * 60_000,
  slackMs: 120_000,
  retentionMs: 0,
  maxRows: 200_000,
  chunkRows: 10_000,
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
  /** Lower-cased search text: "\n" before the address, country, name, organisation and the organisation from each later word on. */
  search: string;
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
  /** Brings the index up to date when due (see module rules); joins a full read in flight. Await it before reading. */
  refresh(): Promise<void>;
  /** One page of what the last refresh read. */
  page(q: PageQuery): { total: number; items: ExternalIp[]; generatedMs: number };
  get(ip: string): IndexedIp | undefined;
  /** A row for an address outside the traffic table (looked up only), rated from `e`. */
  standalone(ip: string, e: Enrichment): IndexedIp;
  /** Addresses known and how many are flagged. */
  counts(): { known: number; flagged: number };
  /** Forces a full read at the next refresh (tests, after a bulk change). */
  invalidate(): void;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

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
  /** Per sort key: the rows in descending order as last built, and the rows changed since (re-placed by a merge). */
  const orders = new Map<ExternalIpSort, { order: IndexedIp[]; pending: Set<IndexedIp>; flagged?: IndexedIp[] }>();
  const changedRow = (r: IndexedIp) => {
    for (const c of orders.values()) c.pending.add(r);
    blob = undefined;
  };
  /** Every row's search text in one flat string (rows[k] from starts[k]); built on the first search after a change. */
  let blob: { text: string; starts: Int32Array; rows: IndexedIp[] } | undefined;
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
    const org = r.org?.toLowerCase() ?? '';
    const words = org.split(' ');
    const suffixes = words.slice(1).map((_, i) => words.slice(i + 1).join(' '));
    // join() builds a flat string; concatenation would leave a rope that every search walks.
    r.search = ['', r.ip, r.country?.toLowerCase() ?? '', r.rdns?.toLowerCase() ?? '', org, ...suffixes].join('\n');
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
    search: '',
  });

  const EXT_COLUMNS = 'ip, first_seen_ms, last_seen_ms, bytes_in, bytes_out, flows, json_array_length(devices) AS devices';

  /** Reads both tables in chunks of chunkRows (yielding between them) into new maps, then swaps them in. */
  const full = async (db: Db, now: number): Promise<void> => {
    const nextEnrich = new Map<string, Enrichment>();
    let maxFetched = 0;
    const enrSt = db.prepare('SELECT rowid AS rid, ip, provider, fetched_ms, data FROM intel_enrichment WHERE rowid > ? ORDER BY rowid LIMIT ?');
    for (let from = 0; ; ) {
      const batch = enrSt.all(from, o.chunkRows) as (EnrRow & { rid: number })[];
      for (const e of batch) {
        let en = nextEnrich.get(e.ip);
        if (!en) nextEnrich.set(e.ip, (en = { fetched: {} }));
        addAnswer(en, e.provider, e.fetched_ms, e.data);
        if (e.fetched_ms > maxFetched) maxFetched = e.fetched_ms;
        from = e.rid;
      }
      if (batch.length < o.chunkRows) break;
      await yieldToLoop();
    }
    const next = new Map<string, IndexedIp>();
    let maxSeen = 0;
    const cutoff = o.retentionMs > 0 ? now - o.retentionMs : Number.MIN_SAFE_INTEGER;
    const extSt = db.prepare(`SELECT rowid AS rid, ${EXT_COLUMNS} FROM external_ips WHERE rowid > ? AND last_seen_ms >= ? ORDER BY rowid LIMIT ?`);
    for (let from = 0; next.size < o.maxRows; ) {
      const batch = extSt.all(from, cutoff, Math.min(o.chunkRows, o.maxRows - next.size)) as (ExtRow & { rid: number })[];
      for (const x of batch) {
        const r = fromRow(x);
        derive(r, nextEnrich.get(r.ip));
        next.set(r.ip, r);
        if (x.last_seen_ms > maxSeen) maxSeen = x.last_seen_ms;
        from = x.rid;
      }
      if (batch.length < o.chunkRows) break;
      await yieldToLoop();
    }
    enrich = nextEnrich;
    rows = next;
    orders.clear();
    blob = undefined;
    seenWatermark = maxSeen;
    enrichWatermark = maxFetched;
    lastFullMs = now;
    matcherRef = deps.intel?.matcher();
  };

  const incremental = (db: Db, now: number): void => {
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
        const added = fromRow(x);
        rows.set(x.ip, added);
        changedRow(added);
      }
      touched.add(x.ip);
      if (x.last_seen_ms > seenWatermark) seenWatermark = x.last_seen_ms;
    }
    for (const ip of touched) {
      const r = rows.get(ip);
      if (r) {
        derive(r);
        changedRow(r);
      }
    }
    if (o.retentionMs > 0) {
      const cutoff = now - o.retentionMs;
      for (const [ip, r] of rows) {
        if (r.lastSeenMs < cutoff) {
          rows.delete(ip);
          changedRow(r);
        }
      }
    }
    const m = deps.intel?.matcher();
    if (m !== matcherRef) {
      matcherRef = m;
      for (const r of rows.values()) derive(r);
      orders.clear();
      blob = undefined;
    }
  };

  let inflight: Promise<void> | undefined;
  const refresh = (): Promise<void> => {
    if (inflight) return inflight;
    const now = deps.now();
    if (lastRefreshMs !== -Infinity && now - lastRefreshMs < o.refreshEveryMs) return Promise.resolve();
    const db = deps.db();
    const done = () => {
      lastRefreshMs = now;
      generatedMs = now;
    };
    if (now - lastFullMs >= o.fullEveryMs) {
      inflight = full(db, now)
        .then(done)
        .finally(() => {
          inflight = undefined;
        });
      return inflight;
    }
    incremental(db, now);
    done();
    return Promise.resolve();
  };

  const keyOf: Record<ExternalIpSort, (r: IndexedIp) => number> = {
    last_seen: (r) => r.lastSeenMs,
    bytes: (r) => r.bytesIn + r.bytesOut,
    rating: (r) => r.rating.score,
    devices: (r) => r.devices,
  };
  /** Descending key; ties: rating by last seen; then address. */
  const comparator = (sort: ExternalIpSort) => {
    const key = keyOf[sort];
    return (a: IndexedIp, b: IndexedIp): number =>
      key(b) - key(a) || (sort === 'rating' ? b.lastSeenMs - a.lastSeenMs : 0) || (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0);
  };

  /**
   * The rows in descending order of `sort`. Built by one sort the first time (about 30 ms for
   * 100,000 rows), then kept: rows changed since are taken out and merged back in at their new
   * places (O(rows + changed·log changed)), unless most rows changed.
   */
  const orderOf = (sort: ExternalIpSort): IndexedIp[] => {
    const cmp = comparator(sort);
    let c = orders.get(sort);
    if (!c) {
      c = { order: [...rows.values()].sort(cmp), pending: new Set() };
      orders.set(sort, c);
      return c.order;
    }
    if (c.pending.size === 0) return c.order;
    if (c.pending.size > rows.size / 4) {
      c.order = [...rows.values()].sort(cmp);
    } else {
      const moved = [...c.pending].filter((r) => rows.get(r.ip) === r).sort(cmp);
      const merged: IndexedIp[] = [];
      let m = 0;
      for (const r of c.order) {
        if (c.pending.has(r)) continue;
        while (m < moved.length && cmp(moved[m] as IndexedIp, r) < 0) merged.push(moved[m++] as IndexedIp);
        merged.push(r);
      }
      while (m < moved.length) merged.push(moved[m++] as IndexedIp);
      c.order = merged;
    }
    c.pending.clear();
    c.flagged = undefined;
    return c.order;
  };

  /** The flagged rows in the order of `sort` (a few per cent of the rows), kept with that order. */
  const flaggedOf = (sort: ExternalIpSort): IndexedIp[] => {
    const order = orderOf(sort);
    const c = orders.get(sort) as { flagged?: IndexedIp[] };
    return (c.flagged ??= order.filter((r) => r.flagged));
  };

  /**
   * The rows whose search text contains "\n" + needle: one indexOf scan over the flat text
   * (a scan of 100,000 row objects in a large heap costs ~10x more in cache misses).
   */
  const searchRows = (needle: string): Set<IndexedIp> => {
    if (!blob) {
      const list = [...rows.values()];
      const starts = new Int32Array(list.length + 1);
      for (let k = 0; k < list.length; k++) starts[k + 1] = (starts[k] as number) + (list[k] as IndexedIp).search.length;
      blob = { text: list.map((r) => r.search).join(''), starts, rows: list };
    }
    const { text, starts, rows: list } = blob;
    const q = `\n${needle}`;
    const found = new Set<IndexedIp>();
    for (let pos = text.indexOf(q); pos !== -1; ) {
      let lo = 0;
      let hi = list.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((starts[mid] as number) <= pos) lo = mid;
        else hi = mid - 1;
      }
      const end = starts[lo + 1] as number;
      if (pos + q.length <= end) found.add(list[lo] as IndexedIp);
      pos = text.indexOf(q, Math.max(pos + 1, end));
    }
    return found;
  };

  return {
    refresh,
    invalidate() {
      lastFullMs = -Infinity;
      lastRefreshMs = -Infinity;
    },
    get: (ip) => rows.get(ip),
    standalone(ip, e) {
      const r = fromRow({ ip, first_seen_ms: 0, last_seen_ms: 0, bytes_in: 0, bytes_out: 0, flows: 0, devices: 0 });
      derive(r, e);
      return r;
    },
    counts() {
      return { known: rows.size, flagged: flaggedOf('last_seen').length };
    },
    page(query) {
      const order = query.flagged ? flaggedOf(query.sort) : orderOf(query.sort);
      const limit = Math.max(0, Math.min(MAX_PAGE, query.limit));
      const offset = Math.max(0, query.offset);
      const needle = query.q?.trim().toLowerCase();
      const n = order.length;
      const at = (i: number) => order[query.order === 'desc' ? i : n - 1 - i] as IndexedIp;
      const items: ExternalIp[] = [];
      if (!needle) {
        for (let i = offset; i < Math.min(n, offset + limit); i++) items.push(toExternalIp(at(i)));
        return { total: n, items, generatedMs };
      }
      const found = searchRows(needle);
      const hits = query.flagged ? [...found].filter((r) => r.flagged) : [...found];
      if (hits.length * 4 < n) {
        // Few matches: sort them rather than walk the whole order.
        const cmp = comparator(query.sort);
        hits.sort(query.order === 'desc' ? cmp : (x, y) => cmp(y, x));
        for (let i = offset; i < Math.min(hits.length, offset + limit); i++) items.push(toExternalIp(hits[i] as IndexedIp));
        return { total: hits.length, items, generatedMs };
      }
      // Many matches: walk the order only until the page is full (the total is already known).
      const total = hits.length;
      for (let i = 0, seen = 0; i < n && items.length < limit; i++) {
        const r = at(i);
        if (!found.has(r)) continue;
        if (seen++ >= offset) items.push(toExternalIp(r));
      }
      return { total, items, generatedMs };
    },
  };
}
