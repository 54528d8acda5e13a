/**
 * The threat-intelligence service: one createIntel(config, deps) component tying together
 * enrichment (providers, budgets, cache, queue, reverse DNS: enrichment.ts), the blacklist
 * feeds (feeds/), the flow-side blacklist watch (blacklist-watch.ts) and the threat rating
 * (rating.ts).
 *
 * Rules:
 * - createIntel does no work. start() loads the last good feed copies (no network), starts
 *   the watch and enrichment, then refreshes the feeds in the background (never blocking
 *   start-up) when due (at once, unless every feed was confirmed within feedRefreshMs before
 *   a restart) and every feedRefreshMs after; it re-syncs the enrichment queue from the
 *   external IP table every syncIntervalMs. stop() cancels timers and aborts requests.
 * - Queue priority: listed by a feed (its address, or its reverse-DNS name), then talked to
 *   by more devices, then more bytes; a blacklist hit between syncs is enriched first.
 * - A reverse-DNS name that a feed lists flags its IP (nameHit, memoised per IP, bounded,
 *   cleared when the feeds change) for the watch, the queue and the rating.
 * - lookup(ip) is the API's on-demand lookup (see enrichment.ts for budgets and pacing);
 *   rating(ip) uses only what is cached. prune(now) applies external_ip_retention_hours
 *   (0 = keep forever) to stored answers; the traffic tracker prunes the external IP table.
 */
import type { Config } from '../config/schema.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import { HomesecError, errorMessage } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { Service } from '../core/lifecycle.js';
import type { Log } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { FindingReport } from '../findings/types.js';
import type { FlowRecord } from '../flow/types.js';
import type { Db } from '../store/database.js';
import type { BatchKeys } from '../traffic/batch-keys.js';
import { createBlacklistWatch, type BlacklistWatch, type BlacklistWatchStats } from './blacklist-watch.js';
import { createEnrichment, type ProviderStats, type ProviderView } from './enrichment.js';
import { createFeedSet, type FeedSet, type FeedStatus } from './feeds/feed-set.js';
import { MAX_FEEDS, type FeedMatcher } from './feeds/matcher.js';
import type { FeedLimits } from './feeds/parse.js';
import { canonicalIp, isEnrichable } from './ip.js';
import type { Candidate } from './queue.js';
import { rateIp, type ThreatRating } from './rating.js';
import { createReverseDns, createSystemResolver, type ReverseDnsStats, type ReverseResolver } from './rdns.js';
import type { ProviderConfig } from './registry.js';
import type { ProviderName } from './types.js';

export type { ProviderStats, ProviderView } from './enrichment.js';

export type IntelConfig = ProviderConfig &
  Pick<Config, 'internal_networks' | 'external_ip_retention_hours' | 'enable_dns_resolution' | 'blacklist_urls' | 'enrichment_ttl_minutes'>;

export interface IntelOptions {
  /** Provider base URLs (tests point them at loopback). */
  baseUrls?: Partial<Record<ProviderName, string>>;
  /** Overrides of the registry's spacing between requests. */
  minIntervalMs?: Partial<Record<ProviderName, number>>;
  requestTimeoutMs?: number;
  maxResponseBytes?: number;
  feedRefreshMs?: number;
  feedTimeoutMs?: number;
  feedMaxBytes?: number;
  feedLimits?: FeedLimits;
  syncIntervalMs?: number;
  queueSize?: number;
  errorRetryMs?: number;
  authPauseMs?: number;
  rdnsTimeoutMs?: number;
  rdnsConcurrency?: number;
  onDemandMaxWaitMs?: number;
  /** Random source in [0,1) for jitter. */
  random?: () => number;
}

export const INTEL_DEFAULTS = {
  requestTimeoutMs: 10_000,
  maxResponseBytes: 1024 * 1024,
  feedRefreshMs: 3_600_000,
  feedTimeoutMs: 60_000,
  feedMaxBytes: 32 * 1024 * 1024,
  syncIntervalMs: 30_000,
  queueSize: 10_000,
  errorRetryMs: 15 * 60_000,
  authPauseMs: 3_600_000,
  rdnsTimeoutMs: 3000,
  rdnsConcurrency: 4,
  onDemandMaxWaitMs: 20_000,
} as const;

/** What the external IP table offers (traffic-tracker's ExternalIpStats fits). */
export interface ExternalIpView {
  ip: string;
  devices: ReadonlySet<string> | number;
  bytesIn: number;
  bytesOut: number;
}

export interface IntelDeps {
  store: { readonly db: Db };
  bus: EventBus;
  findings: { report(r: FindingReport): unknown };
  clock: Clock;
  log: Pick<Log, 'info' | 'warn' | 'error'>;
  metrics: Metrics;
  externalIps: () => Iterable<ExternalIpView>;
  /** The traffic tracker's numbers for a flow batch, for the blacklist watch (see blacklist-watch.ts). */
  flowKeys?: (records: readonly FlowRecord[]) => BatchKeys | undefined;
  /** Reverse resolver (default: node:dns Resolver on the system's servers). */
  resolver?: ReverseResolver;
}

export interface IpReport {
  ip: string;
  /** False for private/special addresses, which are never sent to providers. */
  enrichable: boolean;
  /** Reverse-DNS name (null: none; undefined: not resolved / disabled). */
  hostname: string | null | undefined;
  blacklists: readonly string[];
  listedName?: { name: string; feeds: readonly string[] };
  providers: Record<ProviderName, ProviderView>;
  rating: ThreatRating;
}

export interface IntelStats {
  providers: ProviderStats[];
  queue: { length: number; dropped: number };
  cacheEntries: number;
  rdns: ReverseDnsStats | undefined;
  feeds: FeedStatus[];
  blacklist: BlacklistWatchStats;
}

export interface Intel extends Service {
  /** On-demand lookup of one IP (the API's); throws INVALID_ARGUMENT for non-addresses. */
  lookup(ip: string): Promise<IpReport>;
  /** The current rating from what is cached (no network). */
  rating(ip: string): ThreatRating;
  /** The reverse-DNS name already known for ip (no lookup; undefined: not resolved or rDNS off). */
  peekName(ip: string): string | null | undefined;
  /** The feeds listing ip's known reverse-DNS name (no lookup), as the rating sees it. */
  listedName(ip: string): { name: string; feeds: readonly string[] } | undefined;
  /** Per-provider budget left, errors, queue, feeds, blacklist hits (for /health and Home Assistant). */
  stats(): IntelStats;
  /** Refreshes the feeds now (joins a refresh in flight). */
  refreshFeeds(): Promise<void>;
  /** Re-reads the external IP table into the queue and dispatches. */
  sync(): void;
  /** Applies external_ip_retention_hours to stored answers; returns rows deleted. */
  prune(nowMs: number): number;
  /** Resolves when no provider or rDNS request is in flight. */
  idle(): Promise<void>;
  /** The current feed matcher. */
  matcher(): FeedMatcher;
  readonly watch: BlacklistWatch;
}

const NAME_HITS_MAX = 50_000;

/** Builds the intel service; nothing runs until start(). */
export function createIntel(config: IntelConfig, deps: IntelDeps, options: IntelOptions = {}): Intel {
  const o = { ...INTEL_DEFAULTS, ...options };
  const clock = deps.clock;
  const ttlMs = config.enrichment_ttl_minutes * 60_000;
  const rdns = config.enable_dns_resolution
    ? createReverseDns(
        { timeoutMs: o.rdnsTimeoutMs, ttlMs, negativeTtlMs: Math.min(ttlMs, 30 * 60_000), maxEntries: 50_000 },
        { resolver: deps.resolver ?? createSystemResolver(Math.min(2000, o.rdnsTimeoutMs)), clock },
      )
    : undefined;
  const nameHits = new Map<string, { name: string; feeds: readonly string[] } | null>();
  let feeds: FeedSet | undefined;
  let running = false;
  let syncTimer: TimerHandle | undefined;
  let feedTimer: TimerHandle | undefined;

  const need = <T>(v: T | undefined): T => {
    if (v === undefined) throw new HomesecError('START_FAILED', 'intel used before start()');
    return v;
  };
  const currentMatcher = () => need(feeds).matcher();
  const unexpected = (err: unknown) => {
    deps.metrics.inc('homesec_intel_internal_errors_total');
    deps.log.error({ err: errorMessage(err) }, 'intel internal error');
  };

  /** The feeds listing ip's reverse-DNS name, memoised (see module rules). */
  const nameHit = (ip: string) => {
    if (!rdns) return undefined;
    const memo = nameHits.get(ip);
    if (memo !== undefined) return memo ?? undefined;
    const name = rdns.peek(ip);
    if (name === undefined) return undefined; // not resolved yet: do not memoise
    const listed = name ? feeds?.matcher().matchDomain(name) : undefined;
    const v = name && listed ? { name, feeds: listed } : null;
    if (nameHits.size >= NAME_HITS_MAX) nameHits.clear();
    nameHits.set(ip, v);
    return v ?? undefined;
  };

  const enrichment = createEnrichment(
    config,
    {
      baseUrls: o.baseUrls,
      minIntervalMs: o.minIntervalMs,
      requestTimeoutMs: o.requestTimeoutMs,
      maxResponseBytes: o.maxResponseBytes,
      ttlMs,
      queueSize: o.queueSize,
      errorRetryMs: o.errorRetryMs,
      authPauseMs: o.authPauseMs,
      rdnsConcurrency: o.rdnsConcurrency,
      onDemandMaxWaitMs: o.onDemandMaxWaitMs,
      random: o.random ?? Math.random,
    },
    {
      clock,
      log: deps.log,
      metrics: deps.metrics,
      ...(rdns ? { rdns } : {}),
      onName: (ip, name) => {
        nameHits.delete(ip);
        watch.forget(ip);
        if (name && nameHit(ip)) enrichment.urgent(ip);
      },
    },
  );

  const watch = createBlacklistWatch(config, {
    bus: deps.bus,
    findings: deps.findings,
    matcher: currentMatcher,
    nameHit,
    onHit: (ip) => enrichment.urgent(ip),
    flowKeys: deps.flowKeys,
    clock,
    metrics: deps.metrics,
  });

  const sync = () => {
    if (!running) return;
    const m = currentMatcher();
    const list: Candidate[] = [];
    for (const e of deps.externalIps()) {
      list.push({
        ip: e.ip,
        flagged: m.matchIp(e.ip) !== undefined || nameHit(e.ip) !== undefined,
        devices: typeof e.devices === 'number' ? e.devices : e.devices.size,
        bytes: e.bytesIn + e.bytesOut,
      });
    }
    enrichment.setCandidates(list);
  };

  const armSync = () => {
    syncTimer = clock.setTimeout(() => {
      try {
        sync();
      } catch (err) {
        unexpected(err);
      }
      if (running) armSync();
    }, o.syncIntervalMs);
  };

  const refreshFeeds = async () => {
    const f = need(feeds);
    const results = await f.refresh();
    nameHits.clear();
    watch.forget();
    for (const r of results) {
      deps.metrics.inc('homesec_intel_feed_refreshes_total', { feed: r.name, outcome: r.outcome });
      if (r.outcome === 'failed') deps.log.warn({ feed: r.name, error: r.error }, 'blacklist feed refresh failed; keeping the last good copy');
    }
    for (const st of f.status()) {
      deps.metrics.set('homesec_intel_feed_entries', st.entries.ips + st.entries.cidrs + st.entries.domains, { feed: st.name });
    }
    sync();
  };

  const armFeeds = (delayMs: number) => {
    feedTimer = clock.setTimeout(() => {
      void refreshFeeds()
        .catch(unexpected)
        .finally(() => {
          if (running) armFeeds(o.feedRefreshMs);
        });
    }, delayMs);
  };

  const rating = (ip: string): ThreatRating =>
    rateIp({
      blacklists: currentMatcher().matchIp(ip),
      listedName: nameHit(ip),
      virustotal: enrichment.answer(ip, 'virustotal')?.data,
      abuseipdb: enrichment.answer(ip, 'abuseipdb')?.data,
      shodan: enrichment.answer(ip, 'shodan')?.data,
    });

  return {
    watch,
    matcher: currentMatcher,
    rating: (ip) => rating(canonicalIp(ip) ?? ip),
    peekName: (ip) => rdns?.peek(ip),
    listedName: (ip) => (feeds ? nameHit(ip) : undefined),
    sync,
    refreshFeeds,
    async lookup(raw) {
      const ip = canonicalIp(String(raw).trim());
      if (!ip) throw new HomesecError('INVALID_ARGUMENT', 'not an IP address');
      if (!running) throw new HomesecError('START_FAILED', 'intel is not running');
      const hostname = await enrichment.resolveName(ip);
      const providers = await enrichment.lookupNow(ip);
      const listedName = nameHit(ip);
      return {
        ip,
        enrichable: isEnrichable(ip),
        hostname,
        blacklists: currentMatcher().matchIp(ip) ?? [],
        ...(listedName ? { listedName } : {}),
        providers,
        rating: rating(ip),
      };
    },
    stats: () => ({
      providers: enrichment.providerStats(),
      queue: enrichment.queueStats(),
      cacheEntries: enrichment.cacheEntries(),
      rdns: enrichment.rdnsStats(),
      feeds: feeds?.status() ?? [],
      blacklist: watch.stats(),
    }),
    prune(nowMs) {
      if (config.external_ip_retention_hours === 0) return 0;
      return enrichment.prune(nowMs - config.external_ip_retention_hours * 3_600_000);
    },
    idle: () => enrichment.idle(),
    async start() {
      const db = deps.store.db;
      feeds = createFeedSet(
        config.blacklist_urls,
        { timeoutMs: o.feedTimeoutMs, maxBytes: o.feedMaxBytes, ...(o.feedLimits ? { limits: o.feedLimits } : {}) },
        { db, clock },
      );
      feeds.load();
      enrichment.start(db);
      running = true;
      await watch.start();
      if (config.blacklist_urls.length > MAX_FEEDS) {
        deps.log.warn({ configured: config.blacklist_urls.length, used: MAX_FEEDS }, 'too many blacklist_urls; the rest are ignored');
      }
      if (config.blacklist_urls.length > 0) armFeeds(Math.max(0, feeds.nextDueMs(o.feedRefreshMs) - clock.now()));
      armSync();
      sync();
    },
    async stop() {
      running = false;
      for (const t of [syncTimer, feedTimer]) if (t) clock.clearTimeout(t);
      syncTimer = feedTimer = undefined;
      feeds?.abort();
      await watch.stop();
      await enrichment.stop();
    },
  };
}
