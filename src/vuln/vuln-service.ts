/**
 * The vulnerability-intelligence service: one createVulnService(config, deps) component tying
 * together the NVD client, the SQLite cache, the CISA KEV catalog and the matcher.
 *
 * Rules:
 * - createVulnService does no work. start() loads the cached CVEs and KEV copy (no network),
 *   builds the index and matches the scanner's current inventory (no findings yet: they are
 *   raised when scans complete), then prefetches in the background after initialDelayMs and
 *   every prefetchIntervalMs; the KEV catalog is downloaded when its copy is older than
 *   kev_refresh_hours (24 h), retried after kevRetryMs on failure. stop() cancels timers and
 *   aborts requests in flight.
 * - Prefetch (service-aware): the configured keywords plus the products detected on the
 *   network (prefetch-plan.ts); only searches missing from the cache or older than
 *   nvd_ttl_hours are sent, one at a time through the rate-limited client; a search is cached
 *   only complete (nvd-client.ts); a failed search waits errorRetryMs; when NVD keeps
 *   throttling (403/429 after the retries) the pass stops and resumes at the next one.
 * - 'scan.completed' re-matches the inventory, reports every confirmed match as a finding
 *   (vuln-findings.ts) and starts a prefetch pass for products seen for the first time. New
 *   CVE data (a prefetch, a KEV refresh) re-matches and reports only matches that are new or
 *   changed severity.
 * - refresh() is the nvd_refresh service: it drops the NVD cache, refetches the KEV catalog
 *   and every search, then rebuilds from what was fetched.
 * - Secrets: the API key only reaches the client's request header; logs, stats and errors
 *   carry error kinds and sanitised details only.
 * - stats().timings are CPU durations (performance.now), for diagnostics only; every behaviour
 *   (TTL, retries, schedules) runs on the injected Clock.
 */
import type { Config } from '../config/schema.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import { errorMessage, HomesecError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { Service } from '../core/lifecycle.js';
import type { Log } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { FindingReport, Severity } from '../findings/types.js';
import type { HostScan } from '../scan/types.js';
import type { Db } from '../store/database.js';
import { hostContexts, type Candidate } from './candidates.js';
import { createCveCache, type CveCache, type KevMeta } from './cve-cache.js';
import { fetchKevCatalog, KEV_URL } from './kev-client.js';
import { buildIndex, matchInventory, type CompileCache, type MatchIndex } from './match-index.js';
import { createNvdClient, queryKey, type NvdClient, type NvdClientOptions, type NvdClientStats } from './nvd-client.js';
import { planPrefetch, type PrefetchItem } from './prefetch-plan.js';
import type { CveRecord, HostVulns, KeywordSource, KevEntry } from './types.js';
import { findingsForHost } from './vuln-findings.js';

declare module '../core/events.js' {
  interface HomesecEvents {
    /** Vulnerability results changed (after a scan, a prefetch or a KEV refresh). */
    'vuln.updated': { hosts: number; atRisk: readonly string[]; affected: number; possible: number };
  }
}

export type VulnConfig = Pick<Config, 'nvd_api_key' | 'nvd_api_url' | 'nvd_ttl_hours' | 'nvd_min_year' | 'nvd_keywords'> &
  Partial<{ kev_url: string; kev_refresh_hours: number }>;

export interface VulnOptions {
  /** Client overrides (tests: small pages, fast retries). */
  nvd?: Partial<Omit<NvdClientOptions, 'baseUrl' | 'apiKey'>>;
  initialDelayMs?: number;
  prefetchIntervalMs?: number;
  errorRetryMs?: number;
  kevRetryMs?: number;
  kevTimeoutMs?: number;
  /** Minimum time between re-matches while a prefetch pass is still fetching. */
  rematchEveryMs?: number;
}

export const VULN_DEFAULTS = {
  initialDelayMs: 30_000,
  prefetchIntervalMs: 15 * 60_000,
  errorRetryMs: 30 * 60_000,
  kevRetryMs: 60 * 60_000,
  kevTimeoutMs: 60_000,
  rematchEveryMs: 30_000,
} as const;

export interface VulnDeps {
  store: { readonly db: Db };
  bus: EventBus;
  findings: { report(r: FindingReport): unknown };
  clock: Clock;
  log: Pick<Log, 'info' | 'warn' | 'error'>;
  metrics: Metrics;
  /** The scanner's current inventory (scanner.hosts()). */
  inventory: () => Iterable<HostScan>;
}

/** The NVD Keywords sensor: one searched name with its CVE count, source and fetch time. */
export interface KeywordInfo {
  keyword: string;
  source: KeywordSource;
  /** CVEs cached for it (all its searches together). */
  cves: number;
  /** When its oldest search was fetched; undefined until every search is cached. */
  fetchedMs?: number;
  searches: number;
  /** Searches not cached yet (or failed). */
  pending: number;
  /** The last failure of one of its searches (kind and sanitised detail). */
  error?: string;
}

export interface PrefetchSummary {
  planned: number;
  fetched: number;
  failed: number;
  skippedFresh: number;
  stoppedEarly: boolean;
}

export interface VulnStats {
  cves: number;
  indexed: number;
  tooOld: number;
  searches: number;
  badRows: number;
  nvd: NvdClientStats;
  kev: { entries: number; fetchedMs?: number; catalogVersion?: string; matched: number; lastError?: string };
  prefetch: { running: boolean; lastRunMs?: number; last?: PrefetchSummary };
  results: { hosts: number; atRisk: number; affected: number; possible: number };
  timings: { indexMs: number; matchMs: number };
}

export interface VulnService extends Service {
  /** Results of every host with a match, or of one host ([] when it has none). */
  results(ip?: string): HostVulns[];
  /** IPs of hosts at risk (confirmed high/critical CVE without back-port hint). */
  atRisk(): string[];
  /** The NVD Keywords sensor view. */
  keywords(): KeywordInfo[];
  /** nvd_refresh: drop the NVD cache and refetch everything (KEV too). */
  refresh(): Promise<PrefetchSummary>;
  /** Runs a prefetch pass now (joins one in flight). */
  prefetch(): Promise<PrefetchSummary>;
  /** Downloads the KEV catalog now. */
  refreshKev(): Promise<boolean>;
  stats(): VulnStats;
  /** True while an NVD or KEV request is in flight (tests wait for false before moving a fake clock). */
  busy(): boolean;
}

const MAX_REPORTED_KEYS = 200_000;

/** Builds the service; nothing runs until start(). */
export function createVulnService(config: VulnConfig, deps: VulnDeps, options: VulnOptions = {}): VulnService {
  const o = { ...VULN_DEFAULTS, ...options };
  const clock = deps.clock;
  const ttlMs = config.nvd_ttl_hours * 3_600_000;
  const kevRefreshMs = (config.kev_refresh_hours ?? 24) * 3_600_000;
  const client: NvdClient = createNvdClient(
    { ...o.nvd, baseUrl: config.nvd_api_url, ...(config.nvd_api_key ? { apiKey: config.nvd_api_key } : {}) },
    { clock, metrics: deps.metrics },
  );
  let cache: CveCache | undefined;
  const records = new Map<string, CveRecord>();
  const compileCache: CompileCache = new Map();
  let index: MatchIndex = buildIndex([], { minYear: config.nvd_min_year }, compileCache);
  let kev = new Map<string, KevEntry>();
  let kevMeta: KevMeta | undefined;
  let kevError: string | undefined;
  let kevInFlight = false;
  let results = new Map<string, HostVulns>();
  const failures = new Map<string, { atMs: number; error: string }>();
  const reported = new Map<string, Severity>();
  let running = false;
  let abort = new AbortController();
  let prefetchTimer: TimerHandle | undefined;
  let kevTimer: TimerHandle | undefined;
  let prefetching: Promise<PrefetchSummary> | undefined;
  let again = false;
  let lastRunMs: number | undefined;
  let lastSummary: PrefetchSummary | undefined;
  let badRows = 0;
  let timings = { indexMs: 0, matchMs: 0 };
  const unsubscribe: (() => void)[] = [];

  deps.metrics.describe('homesec_vuln_nvd_requests_total', 'counter', 'Requests sent to the NVD CVE API (retries included)');
  deps.metrics.describe('homesec_vuln_cves_cached', 'gauge', 'CVE records in the NVD cache');
  deps.metrics.describe('homesec_vuln_hosts_at_risk', 'gauge', 'Hosts with a confirmed high or critical CVE');

  const unexpected = (err: unknown) => {
    deps.metrics.inc('homesec_vuln_internal_errors_total');
    deps.log.error({ err: errorMessage(err) }, 'vulnerability service internal error');
  };

  const rebuild = () => {
    const t0 = performance.now();
    index = buildIndex(records.values(), { minYear: config.nvd_min_year }, compileCache);
    timings = { ...timings, indexMs: Math.round(performance.now() - t0) };
    deps.metrics.set('homesec_vuln_cves_cached', records.size);
  };

  const reloadFromCache = () => {
    if (!cache) return;
    const loaded = cache.records();
    badRows = loaded.bad;
    records.clear();
    for (const r of loaded.records) records.set(r.id, r);
    rebuild();
  };

  /** Re-matches the inventory; reports every finding ('scan') or only new/changed ones ('data'). */
  const rematch = (mode: 'scan' | 'data' | 'silent') => {
    const t0 = performance.now();
    const hosts = matchInventory(index, deps.inventory(), { kev: (id) => kev.get(id) });
    timings = { ...timings, matchMs: Math.round(performance.now() - t0) };
    results = new Map(hosts.map((h) => [h.ip, h]));
    const atRisk = hosts.filter((h) => h.atRisk).map((h) => h.ip);
    let affected = 0;
    let possible = 0;
    for (const h of hosts) for (const s of h.services) {
      affected += s.affected.length;
      possible += s.possible.length;
    }
    deps.metrics.set('homesec_vuln_hosts_at_risk', atRisk.length);
    deps.metrics.set('homesec_vuln_matches', affected, { status: 'affected' });
    deps.metrics.set('homesec_vuln_matches', possible, { status: 'possible' });
    if (mode !== 'silent') {
      const now = clock.now();
      if (reported.size > MAX_REPORTED_KEYS) reported.clear();
      for (const h of hosts) {
        for (const f of findingsForHost(h, now)) {
          if (mode === 'data' && reported.get(f.key) === f.severity) continue;
          reported.set(f.key, f.severity);
          deps.findings.report(f);
        }
      }
    }
    deps.bus.emit('vuln.updated', { hosts: hosts.length, atRisk, affected, possible });
  };

  const detectedCandidates = (): Candidate[] => {
    const out: Candidate[] = [];
    for (const h of deps.inventory()) if (h.alive) for (const ctx of hostContexts(h)) out.push(...ctx.candidates);
    return out;
  };

  const plan = (): PrefetchItem[] => planPrefetch(config.nvd_keywords, detectedCandidates());

  const pass = async (): Promise<PrefetchSummary> => {
    const summary: PrefetchSummary = { planned: 0, fetched: 0, failed: 0, skippedFresh: 0, stoppedEarly: false };
    const c = cache;
    if (!c || !running) return summary;
    const signal = abort.signal;
    let dirty = false;
    let lastRematch = clock.now();
    outer: for (const item of plan()) {
      for (const q of item.queries) {
        summary.planned++;
        const key = queryKey(q);
        const now = clock.now();
        const cached = c.query(key);
        if (cached && now - cached.fetchedMs < ttlMs) {
          summary.skippedFresh++;
          continue;
        }
        const failed = failures.get(key);
        if (failed && now - failed.atMs < o.errorRetryMs) continue;
        const r = await client.fetch(q, signal);
        if (!running || signal.aborted) {
          summary.stoppedEarly = true;
          break outer;
        }
        if (r.ok) {
          c.storeQuery(key, r.value.records, r.value.totalResults, clock.now());
          for (const rec of r.value.records) records.set(rec.id, rec);
          failures.delete(key);
          summary.fetched++;
          dirty = true;
          if (clock.now() - lastRematch >= o.rematchEveryMs) {
            rebuild();
            rematch('data');
            lastRematch = clock.now();
          }
          continue;
        }
        summary.failed++;
        const error = `${r.error.kind}: ${r.error.detail}`;
        failures.set(key, { atMs: clock.now(), error });
        deps.log.warn({ keyword: item.label, error: r.error.kind, detail: r.error.detail }, 'NVD search failed; kept the cached result (if any)');
        if (r.error.kind === 'rate_limited' || r.error.status === 403) {
          summary.stoppedEarly = true;
          break outer;
        }
      }
    }
    if (dirty) {
      reloadFromCache();
      rematch('data');
    }
    lastRunMs = clock.now();
    lastSummary = summary;
    if (summary.fetched > 0 || summary.failed > 0) deps.log.info({ ...summary }, 'NVD prefetch pass done');
    return summary;
  };

  const prefetch = (): Promise<PrefetchSummary> => {
    if (prefetching) {
      again = true;
      return prefetching;
    }
    const run = (async () => {
      const s = await pass();
      while (again && running && !abort.signal.aborted) {
        again = false;
        const next = await pass();
        s.planned = Math.max(s.planned, next.planned);
        s.fetched += next.fetched;
        s.failed += next.failed;
        s.skippedFresh = next.skippedFresh;
        s.stoppedEarly ||= next.stoppedEarly;
      }
      lastSummary = s;
      return s;
    })();
    prefetching = run.finally(() => {
      prefetching = undefined;
      again = false;
    });
    return prefetching;
  };

  const armPrefetch = (delayMs: number) => {
    if (prefetchTimer) clock.clearTimeout(prefetchTimer);
    prefetchTimer = clock.setTimeout(() => {
      prefetchTimer = undefined;
      void prefetch()
        .catch(unexpected)
        .finally(() => {
          if (running && !prefetchTimer) armPrefetch(o.prefetchIntervalMs);
        });
    }, delayMs);
  };

  const refreshKev = async (): Promise<boolean> => {
    const c = cache;
    if (!c) return false;
    kevInFlight = true;
    let r;
    try {
      r = await fetchKevCatalog({ url: config.kev_url ?? KEV_URL, timeoutMs: o.kevTimeoutMs, clock, signal: abort.signal });
    } finally {
      kevInFlight = false;
    }
    if (!running) return false;
    if (!r.ok) {
      if (r.error.kind !== 'aborted') {
        kevError = `${r.error.kind}: ${r.error.detail}`;
        deps.metrics.inc('homesec_vuln_kev_errors_total', { kind: r.error.kind });
        deps.log.warn({ error: r.error.kind, detail: r.error.detail }, 'KEV catalog download failed; keeping the last good copy');
      }
      return false;
    }
    kevError = undefined;
    const meta: KevMeta = {
      fetchedMs: clock.now(),
      entries: r.value.entries.length,
      ...(r.value.catalogVersion ? { catalogVersion: r.value.catalogVersion } : {}),
      ...(r.value.dateReleased ? { dateReleased: r.value.dateReleased } : {}),
    };
    c.storeKev(r.value.entries, meta);
    kev = new Map(r.value.entries.map((e) => [e.cveID, e]));
    kevMeta = meta;
    deps.metrics.set('homesec_vuln_kev_entries', kev.size);
    rematch('data');
    return true;
  };

  const armKev = (delayMs: number) => {
    if (kevTimer) clock.clearTimeout(kevTimer);
    kevTimer = clock.setTimeout(() => {
      kevTimer = undefined;
      void refreshKev()
        .then((ok) => {
          if (running && !kevTimer) armKev(ok ? kevRefreshMs : o.kevRetryMs);
        })
        .catch((err) => {
          unexpected(err);
          if (running && !kevTimer) armKev(o.kevRetryMs);
        });
    }, delayMs);
  };

  const keywords = (): KeywordInfo[] => {
    const c = cache;
    if (!c) return [];
    return plan().map((item) => {
      const ids = new Set<string>();
      let oldest: number | undefined;
      let pending = 0;
      let error: string | undefined;
      for (const q of item.queries) {
        const key = queryKey(q);
        const cached = c.query(key);
        if (!cached) {
          pending++;
          error ??= failures.get(key)?.error;
          continue;
        }
        for (const id of c.idsFor(key)) ids.add(id);
        oldest = oldest === undefined ? cached.fetchedMs : Math.min(oldest, cached.fetchedMs);
      }
      return {
        keyword: item.label,
        source: item.source,
        cves: ids.size,
        ...(pending === 0 && oldest !== undefined ? { fetchedMs: oldest } : {}),
        searches: item.queries.length,
        pending,
        ...(error ? { error } : {}),
      };
    });
  };

  return {
    async start() {
      cache = createCveCache(deps.store.db);
      reloadFromCache();
      const k = cache.loadKev();
      kev = new Map(k.entries.map((e) => [e.cveID, e]));
      kevMeta = k.meta;
      badRows += k.bad;
      running = true;
      abort = new AbortController();
      unsubscribe.push(
        deps.bus.on('scan.completed', () => {
          if (!running) return;
          try {
            rematch('scan');
          } catch (err) {
            unexpected(err);
          }
          void prefetch().catch(unexpected);
        }),
      );
      rematch('silent');
      const kevDue = kevMeta ? Math.max(0, kevMeta.fetchedMs + kevRefreshMs - clock.now()) : 0;
      armKev(Math.max(kevDue, o.initialDelayMs));
      armPrefetch(o.initialDelayMs);
      deps.log.info({ cves: records.size, indexed: index.size, kev: kev.size }, 'vulnerability cache loaded');
    },
    async stop() {
      running = false;
      for (const u of unsubscribe.splice(0)) u();
      for (const t of [prefetchTimer, kevTimer]) if (t) clock.clearTimeout(t);
      prefetchTimer = kevTimer = undefined;
      abort.abort();
      await prefetching?.catch(() => {});
    },
    results(ip) {
      if (ip === undefined) return [...results.values()];
      const r = results.get(ip);
      return r ? [r] : [];
    },
    atRisk: () => [...results.values()].filter((h) => h.atRisk).map((h) => h.ip),
    keywords,
    prefetch,
    refreshKev,
    async refresh() {
      if (!cache) throw new HomesecError('START_FAILED', 'vulnerability service used before start()');
      abort.abort();
      await prefetching?.catch(() => {});
      abort = new AbortController();
      cache.flush();
      failures.clear();
      await refreshKev().catch(unexpected);
      const summary = await prefetch();
      reloadFromCache();
      rematch('data');
      return summary;
    },
    stats() {
      let affected = 0;
      let possible = 0;
      const kevMatched = new Set<string>();
      for (const h of results.values()) {
        for (const s of h.services) {
          affected += s.affected.length;
          possible += s.possible.length;
          for (const m of s.affected) if (m.kev) kevMatched.add(m.cve);
        }
      }
      return {
        cves: records.size,
        indexed: index.size,
        tooOld: index.tooOld,
        searches: cache?.queries().length ?? 0,
        badRows,
        nvd: client.stats(),
        kev: {
          entries: kev.size,
          matched: kevMatched.size,
          ...(kevMeta ? { fetchedMs: kevMeta.fetchedMs } : {}),
          ...(kevMeta?.catalogVersion ? { catalogVersion: kevMeta.catalogVersion } : {}),
          ...(kevError ? { lastError: kevError } : {}),
        },
        prefetch: { running: prefetching !== undefined, ...(lastRunMs !== undefined ? { lastRunMs } : {}), ...(lastSummary ? { last: lastSummary } : {}) },
        results: { hosts: results.size, atRisk: [...results.values()].filter((h) => h.atRisk).length, affected, possible },
        timings,
      };
    },
    busy: () => client.inFlight() > 0 || kevInFlight,
  };
}
