/**
 * Enrichment scheduling: which external IP to ask which provider about, when. Rules:
 * - Only "enrichable" (public) addresses are ever sent to a provider or resolver (ip.ts).
 * - The queue offers IPs most important first (queue.ts); each enabled provider takes the
 *   next IP it has no fresh answer for (enrichment-cache.ts, TTL enrichment_ttl_minutes).
 * - Per provider: at most one queued request in flight, requests spaced by its rate limit
 *   (registry.ts), each counted against the daily budget BEFORE it is sent (budget.ts; an
 *   exhausted budget waits for local midnight). A 429 blocks the provider for Retry-After
 *   (default 60 s; doubling from 60 s up to an hour while 429s repeat, whichever is longer)
 *   plus up to 10% jitter; auth failures pause it for authPauseMs; three failures in a row
 *   (5xx, timeout, network, oversize, malformed) back off exponentially from 30 s to an
 *   hour, with jitter. Every failure is counted by kind and logged at most once per provider
 *   and kind per 10 minutes, with a safe detail only (never a URL, header or key).
 * - Reverse DNS runs from the same queue with bounded concurrency; each answer is passed to
 *   `onName`.
 * - lookupNow(ip) (on demand) answers from fresh cache entries and asks providers for the
 *   rest, within budget and rate limit: it waits for the provider's next slot up to
 *   onDemandMaxWaitMs, else reports the provider as skipped.
 * - Timers come from the injected clock; nothing here throws out of a timer or promise
 *   (unexpected errors are counted and logged).
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import { errorMessage } from '../core/errors.js';
import type { Log } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { Db } from '../store/database.js';
import { createBudgets, nextLocalMidnight, type Budgets } from './budget.js';
import { createEnrichmentCache, type CachedAnswer, type EnrichmentCache } from './enrichment-cache.js';
import type { IntelError, IntelErrorKind } from './http.js';
import { isEnrichable } from './ip.js';
import { createEnrichQueue, type Candidate } from './queue.js';
import type { ReverseDns, ReverseDnsStats } from './rdns.js';
import { createProviders, type BuiltProvider, type ProviderConfig } from './registry.js';
import type { ProviderData, ProviderName } from './types.js';

export interface EnrichmentOptions {
  baseUrls?: Partial<Record<ProviderName, string>>;
  minIntervalMs?: Partial<Record<ProviderName, number>>;
  requestTimeoutMs: number;
  maxResponseBytes: number;
  ttlMs: number;
  queueSize: number;
  errorRetryMs: number;
  authPauseMs: number;
  rdnsConcurrency: number;
  onDemandMaxWaitMs: number;
  random: () => number;
}

export interface EnrichmentDeps {
  clock: Clock;
  log: Pick<Log, 'info' | 'warn' | 'error'>;
  metrics: Metrics;
  /** Reverse DNS (absent when enable_dns_resolution is off). */
  rdns?: ReverseDns;
  /** Told every reverse-DNS answer. */
  onName?: (ip: string, name: string | null) => void;
}

export type ProviderView =
  | { status: 'fresh' | 'stale'; fetchedMs: number; data: ProviderData; error?: IntelError }
  | { status: 'error'; error: IntelError }
  | { status: 'skipped'; reason: string; fetchedMs?: number; data?: ProviderData }
  | { status: 'disabled' };

export interface ProviderStats {
  name: ProviderName;
  enabled: boolean;
  budget: number;
  used: number;
  left: number;
  requests: number;
  errors: Partial<Record<IntelErrorKind, number>>;
  /** Rate limited, paused or backing off until then. */
  blockedUntilMs?: number;
  lastError?: IntelError;
}

export interface Enrichment {
  /** Opens budgets and cache on db and starts dispatching. */
  start(db: Db): void;
  /** Stops dispatching, aborts requests in flight and waits for them. */
  stop(): Promise<void>;
  /** Replaces the queue's candidates and dispatches. */
  setCandidates(list: Iterable<Candidate>): void;
  /** Enriches ip before the rest (e.g. a blacklist hit); ignored for non-enrichable addresses. */
  urgent(ip: string): void;
  /** On-demand: every provider's view of ip, asking the ones without a fresh answer. */
  lookupNow(ip: string): Promise<Record<ProviderName, ProviderView>>;
  /** On-demand reverse DNS (cached when fresh); undefined when rDNS is off. */
  resolveName(ip: string): Promise<string | null | undefined>;
  /** The last answer of a provider (fresh or stale). */
  answer<N extends ProviderName>(ip: string, provider: N): CachedAnswer<N> | undefined;
  providerStats(): ProviderStats[];
  queueStats(): { length: number; dropped: number };
  cacheEntries(): number;
  rdnsStats(): ReverseDnsStats | undefined;
  /** Deletes stored answers fetched before cutoffMs. */
  prune(cutoffMs: number): number;
  /** Resolves when no provider or rDNS request is in flight. */
  idle(): Promise<void>;
}

interface ProviderState {
  built: BuiltProvider;
  name: ProviderName;
  minIntervalMs: number;
  nextSlotMs: number;
  blockedUntilMs: number;
  failuresInRow: number;
  rateLimitedInRow: number;
  queuedInFlight: number;
  requests: number;
  errors: Partial<Record<IntelErrorKind, number>>;
  lastError?: IntelError;
  lastLogMs: Partial<Record<IntelErrorKind, number>>;
}

const BACKOFF_AFTER = 3;
const BACKOFF_BASE_MS = 30_000;
const RATE_LIMIT_BASE_MS = 60_000;
const BACKOFF_MAX_MS = 3_600_000;
const LOG_EVERY_MS = 600_000;
const CACHE_MAX_ENTRIES = 100_000;

/** Builds the scheduler over the registry's providers; nothing runs until start(). */
export function createEnrichment(config: ProviderConfig, opts: EnrichmentOptions, deps: EnrichmentDeps): Enrichment {
  const { clock, rdns } = deps;
  const built = createProviders(config, { baseUrls: opts.baseUrls, timeoutMs: opts.requestTimeoutMs, maxBytes: opts.maxResponseBytes }, { clock });
  const states: ProviderState[] = built.map((b) => ({
    built: b,
    name: b.spec.name,
    minIntervalMs: opts.minIntervalMs?.[b.spec.name] ?? b.spec.minIntervalMs,
    nextSlotMs: 0,
    blockedUntilMs: 0,
    failuresInRow: 0,
    rateLimitedInRow: 0,
    queuedInFlight: 0,
    requests: 0,
    errors: {},
    lastLogMs: {},
  }));
  const queue = createEnrichQueue(opts.queueSize);
  const inflight = new Map<string, Promise<void>>();
  let budgets: Budgets | undefined;
  let cache: EnrichmentCache | undefined;
  let running = false;
  let ac = new AbortController();
  let wakeTimer: TimerHandle | undefined;
  let wakeAt = Infinity;

  const need = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('enrichment used before start()');
    return v;
  };

  /** A bug or a store failure: counted and logged, never an unhandled rejection. */
  const unexpected = (err: unknown) => {
    deps.metrics.inc('homesec_intel_internal_errors_total');
    deps.log.error({ err: errorMessage(err) }, 'intel internal error');
  };

  const track = (key: string, p: Promise<void>) => {
    inflight.set(key, p);
    void p
      .finally(() => {
        if (inflight.get(key) === p) inflight.delete(key);
      })
      .catch(unexpected);
  };

  const jitter = (ms: number) => Math.round(ms * (1 + opts.random() * 0.1));

  const noteFailure = (s: ProviderState, ip: string, e: IntelError) => {
    const now = clock.now();
    s.errors[e.kind] = (s.errors[e.kind] ?? 0) + 1;
    s.lastError = e;
    deps.metrics.inc('homesec_intel_errors_total', { provider: s.name, kind: e.kind });
    if (e.kind === 'aborted') return;
    need(cache).putError(ip, s.name, { error: e, atMs: now });
    if (e.kind === 'rate_limited') {
      s.rateLimitedInRow++;
      const wait = Math.max(e.retryAfterMs ?? 0, Math.min(RATE_LIMIT_BASE_MS * 2 ** (s.rateLimitedInRow - 1), BACKOFF_MAX_MS));
      s.blockedUntilMs = Math.max(s.blockedUntilMs, now + jitter(wait));
    } else if (e.kind === 'auth') {
      s.blockedUntilMs = Math.max(s.blockedUntilMs, now + opts.authPauseMs);
    } else if (e.kind !== 'bad_request') {
      s.failuresInRow++;
      if (s.failuresInRow >= BACKOFF_AFTER) {
        const delay = Math.min(BACKOFF_BASE_MS * 2 ** (s.failuresInRow - BACKOFF_AFTER), BACKOFF_MAX_MS);
        s.blockedUntilMs = Math.max(s.blockedUntilMs, now + jitter(delay));
      }
    }
    const last = s.lastLogMs[e.kind];
    if (last === undefined || now - last >= LOG_EVERY_MS) {
      s.lastLogMs[e.kind] = now;
      const blocked = s.blockedUntilMs > now ? { paused_s: Math.round((s.blockedUntilMs - now) / 1000) } : {};
      deps.log.warn({ provider: s.name, kind: e.kind, detail: e.detail, ...blocked }, 'intel provider request failed');
    }
  };

  /** Sends one request (the caller has charged the budget); joins one in flight for the same IP. */
  const request = (s: ProviderState, ip: string): Promise<void> => {
    const key = `${s.name}|${ip}`;
    const existing = inflight.get(key);
    if (existing) return existing;
    const p = (async () => {
      try {
        s.requests++;
        deps.metrics.inc('homesec_intel_requests_total', { provider: s.name });
        deps.metrics.set('homesec_intel_budget_left', need(budgets).left(s.name), { provider: s.name });
        const r = await s.built.provider.lookup(ip, ac.signal);
        if (r.ok) {
          s.failuresInRow = 0;
          s.rateLimitedInRow = 0;
          need(cache).putAnswer(ip, { provider: s.name, data: r.value, fetchedMs: clock.now() });
        } else noteFailure(s, ip, r.error);
      } catch (err) {
        unexpected(err);
      }
    })();
    track(key, p);
    return p;
  };

  const needsProvider = (s: ProviderState, now: number) => (ip: string) =>
    !inflight.has(`${s.name}|${ip}`) && !need(cache).isFresh(ip, s.name, now);

  function schedulePump(delayMs: number): void {
    if (!running || !Number.isFinite(delayMs)) return;
    const at = clock.now() + Math.max(0, delayMs);
    if (wakeTimer && wakeAt <= at) return;
    if (wakeTimer) clock.clearTimeout(wakeTimer);
    wakeAt = at;
    wakeTimer = clock.setTimeout(() => {
      wakeTimer = undefined;
      wakeAt = Infinity;
      try {
        pump();
      } catch (err) {
        unexpected(err);
      }
    }, Math.max(0, delayMs));
  }

  function pump(): void {
    if (!running) return;
    const now = clock.now();
    let wake = Infinity;
    for (const s of states) {
      if (!s.built.enabled || s.queuedInFlight > 0) continue;
      const ready = Math.max(s.blockedUntilMs, s.nextSlotMs);
      if (now < ready) {
        wake = Math.min(wake, ready);
        continue;
      }
      const ip = queue.next(s.name, needsProvider(s, now));
      if (ip === undefined) continue;
      if (!need(budgets).tryConsume(s.name)) {
        deps.metrics.set('homesec_intel_budget_left', 0, { provider: s.name });
        wake = Math.min(wake, nextLocalMidnight(now));
        continue;
      }
      s.nextSlotMs = now + s.minIntervalMs;
      s.queuedInFlight++;
      void request(s, ip)
        .finally(() => {
          s.queuedInFlight--;
          pump();
        })
        .catch(unexpected);
    }
    while (rdns && rdns.inFlight() < opts.rdnsConcurrency) {
      const ip = queue.next('rdns', (x) => rdns.needs(x, now));
      if (ip === undefined) break;
      const p = rdns
        .resolve(ip)
        .then((name) => {
          deps.onName?.(ip, name);
          pump();
        })
        .catch(unexpected);
      track(`rdns|${ip}`, p);
    }
    schedulePump(wake - now);
  }

  const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));

  const view = (ip: string, s: ProviderState): ProviderView => {
    const c = need(cache);
    const a = c.get(ip, s.name);
    const err = c.lastError(ip, s.name)?.error;
    if (a) {
      const status = clock.now() - a.fetchedMs < opts.ttlMs ? 'fresh' : 'stale';
      return err ? { status, fetchedMs: a.fetchedMs, data: a.data, error: err } : { status, fetchedMs: a.fetchedMs, data: a.data };
    }
    return err ? { status: 'error', error: err } : { status: 'skipped', reason: 'not looked up yet' };
  };

  const onDemand = async (ip: string, s: ProviderState): Promise<ProviderView> => {
    if (!s.built.enabled) return { status: 'disabled' };
    const now = clock.now();
    const a = need(cache).get(ip, s.name);
    if (a && now - a.fetchedMs < opts.ttlMs) return view(ip, s);
    const skipped = (reason: string): ProviderView => (a ? { status: 'skipped', reason, fetchedMs: a.fetchedMs, data: a.data } : { status: 'skipped', reason });
    if (now < s.blockedUntilMs) return skipped(`provider paused for ${Math.ceil((s.blockedUntilMs - now) / 1000)} s`);
    const wait = Math.max(0, s.nextSlotMs - now);
    if (wait > opts.onDemandMaxWaitMs) return skipped('rate limit: try again shortly');
    if (!inflight.has(`${s.name}|${ip}`)) {
      if (!need(budgets).tryConsume(s.name)) return skipped('daily budget used up');
      s.nextSlotMs = Math.max(now, s.nextSlotMs) + s.minIntervalMs;
      if (wait > 0) await sleep(wait);
      if (!running) return skipped('stopping');
    }
    await request(s, ip);
    return view(ip, s);
  };

  return {
    start(db) {
      const limits = Object.fromEntries(states.map((s) => [s.name, s.built.enabled ? s.built.budget : 0]));
      budgets = createBudgets(limits, { db, clock });
      cache = createEnrichmentCache({ ttlMs: opts.ttlMs, errorRetryMs: opts.errorRetryMs, maxEntries: CACHE_MAX_ENTRIES }, { db });
      ac = new AbortController();
      running = true;
      for (const s of states) deps.metrics.set('homesec_intel_budget_left', budgets.left(s.name), { provider: s.name });
      deps.log.info({ providers: states.filter((s) => s.built.enabled).map((s) => s.name), rdns: rdns !== undefined }, 'intel enrichment started');
    },
    async stop() {
      running = false;
      if (wakeTimer) clock.clearTimeout(wakeTimer);
      wakeTimer = undefined;
      wakeAt = Infinity;
      ac.abort();
      await Promise.allSettled([...inflight.values()]);
    },
    setCandidates(list) {
      queue.setCandidates([...list].filter((c) => isEnrichable(c.ip)));
      pump();
    },
    urgent(ip) {
      if (isEnrichable(ip) && queue.urgent(ip)) schedulePump(0);
    },
    async lookupNow(ip) {
      const enrichable = isEnrichable(ip);
      const views = await Promise.all(
        states.map(async (s): Promise<[ProviderName, ProviderView]> => [
          s.name,
          !s.built.enabled ? { status: 'disabled' } : enrichable ? await onDemand(ip, s) : { status: 'skipped', reason: 'not a public address' },
        ]),
      );
      return Object.fromEntries(views) as Record<ProviderName, ProviderView>;
    },
    async resolveName(ip) {
      if (!rdns || !isEnrichable(ip)) return undefined;
      const cached = rdns.peek(ip);
      if (!rdns.needs(ip, clock.now()) && cached !== undefined) return cached;
      const name = await rdns.resolve(ip);
      deps.onName?.(ip, name);
      return name;
    },
    answer: ((ip: string, provider: ProviderName) => cache?.get(ip, provider)) as Enrichment['answer'],
    providerStats() {
      const now = clock.now();
      return states.map((s) => ({
        name: s.name,
        enabled: s.built.enabled,
        budget: s.built.budget,
        used: budgets?.used(s.name) ?? 0,
        left: budgets?.left(s.name) ?? (s.built.enabled ? s.built.budget : 0),
        requests: s.requests,
        errors: { ...s.errors },
        ...(s.blockedUntilMs > now ? { blockedUntilMs: s.blockedUntilMs } : {}),
        ...(s.lastError ? { lastError: s.lastError } : {}),
      }));
    },
    queueStats: () => ({ length: queue.length(), dropped: queue.dropped() }),
    cacheEntries: () => cache?.size() ?? 0,
    rdnsStats: () => rdns?.stats(),
    prune: (cutoffMs) => need(cache).prune(cutoffMs),
    async idle() {
      for (;;) {
        if (inflight.size === 0) {
          // a completion dispatches the next request a few microtasks later
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (inflight.size === 0) return;
        }
        await Promise.allSettled([...inflight.values()]);
      }
    },
  };
}
