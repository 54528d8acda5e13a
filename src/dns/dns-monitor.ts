/**
 * The DNS monitoring component: createDnsMonitor(config, deps) ties the configured source
 * (sources/registry.ts), the DNS detectors (detect/registry.ts) and the statistics together.
 *
 * Rules:
 * - createDnsMonitor does no work. start() restores device profiles and statistics from
 *   SQLite (migration 7, migration-sql.ts) and the source's read position from `kv`,
 *   subscribes to `flow.records` (outside-resolver detection works even with dns_source
 *   'none'), starts the source and polls it every dns_poll_seconds. Polls never overlap
 *   (the next is armed when one ends). stop() cancels the timer, waits for a poll in
 *   flight, stops the source (Pi-hole logout) and saves what changed.
 * - Each polled batch: every DnsQuery goes to the statistics and every detector with its
 *   name parts (names.ts), then the batch is emitted as `dns.queries` (in chunks of at most
 *   EVENT_CHUNK records); detectors tick after every poll. Profiles and statistics are
 *   saved every SAVE_EVERY_MS of clock time and at stop, in one transaction.
 * - The host of dns_url, when it is an IP address, counts as a local resolver (it forwards
 *   upstream by design) in addition to dns_local_resolvers.
 * - Nothing a source or detector does can stop the loop: errors are counted
 *   (homesec_dns_errors_total) and logged once per state change, never with secrets (the
 *   source status carries only typed error text). Source state changes (ok → error →
 *   ok) are logged once each.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import { errorMessage } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { Service } from '../core/lifecycle.js';
import type { Log } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { FindingReport } from '../findings/types.js';
import type { FlowRecord } from '../flow/types.js';
import type { Db } from '../store/database.js';
import type { BatchKeys } from '../traffic/batch-keys.js';
import { canonicalIp } from '../intel/ip.js';
import { kvGet, kvSet } from '../store/kv.js';
import type { DnsDetector } from './detect/dns-detector.js';
import { DNS_DETECTORS } from './detect/registry.js';
import type { NewDomainDetector } from './detect/new-domain.js';
import type { DnsConfig } from './dns-config.js';
import { nameParts } from './names.js';
import { createSource } from './sources/registry.js';
import type { CursorStore } from './sources/source-kit.js';
import { createDnsStats, type DnsDeviceStats, type DnsHomeStats } from './stats.js';
import type { DnsQuery, DnsSource, DnsSourceKind, DnsSourceStatus } from './types.js';

declare module '../core/events.js' {
  interface HomesecEvents {
    /** A batch of DNS queries read from the configured source. */
    'dns.queries': { source: DnsSourceKind; queries: DnsQuery[] };
  }
}

export const EVENT_CHUNK = 1000;
export const SAVE_EVERY_MS = 60_000;

export interface DnsMonitorDeps {
  bus: EventBus;
  findings: { report(r: FindingReport): unknown };
  store: { readonly db: Db };
  clock: Clock;
  metrics: Metrics;
  log: Pick<Log, 'info' | 'warn' | 'error'>;
  /** Threat-feed lookup of one exact name (intel: `(n) => intel.matcher().matchDomain(n)`). */
  threatMatch?: (name: string) => readonly string[] | undefined;
  /** The role a person gave a device (homesec_roles.yaml). */
  roleOf?: (ip: string) => string | undefined;
  /** The traffic tracker's numbers for a flow batch, for the flow detectors (see traffic/batch-keys.ts). */
  flowKeys?: (records: readonly FlowRecord[]) => BatchKeys | undefined;
  /** Replaces the configured source (tests). */
  source?: DnsSource;
}

/** The DNS section of a host in the Hosts view. */
export interface DnsHostSection {
  ip: string;
  source: DnsSourceKind;
  stats: DnsDeviceStats | undefined;
  newDomains: { count: number; learning: boolean; known: number; recent: { domain: string; atMs: number }[] };
}

export interface DnsMonitor extends Service {
  /** Home-wide statistics, or one device's (undefined when the device made no query). */
  stats(): DnsHomeStats;
  stats(ip: string): DnsDeviceStats | undefined;
  /** The source's health (no secrets), or kind 'none'. */
  sourceStatus(): DnsSourceStatus;
  /** The Hosts view's DNS section for one device. */
  hostSection(ip: string): DnsHostSection;
  /** Polls the source now (joins a poll in flight); resolves with the number of queries read. */
  pollNow(): Promise<number>;
}

/** dns_local_resolvers plus the host of dns_url when it is an IP address (the Pi-hole / AdGuard itself). */
export function localResolvers(config: Pick<DnsConfig, 'dns_local_resolvers' | 'dns_url' | 'dns_source'>): string[] {
  const out = new Set(config.dns_local_resolvers);
  if (config.dns_source !== 'none') {
    try {
      const host = new URL(config.dns_url).hostname.replace(/^\[|\]$/g, '');
      const ip = canonicalIp(host);
      if (ip) out.add(ip);
    } catch {
      /* not a URL: nothing to add */
    }
  }
  return [...out];
}

const NONE_STATUS: DnsSourceStatus = { kind: 'none', state: 'idle', polls: 0, queries: 0, badRecords: 0, errors: 0, counters: {} };

/** Builds the monitor; nothing runs until start(). */
export function createDnsMonitor(config: DnsConfig, deps: DnsMonitorDeps): DnsMonitor {
  const { clock, metrics, log } = deps;
  const ctx = {
    config: { ...config, dns_local_resolvers: localResolvers(config) },
    metrics,
    report: (f: FindingReport) => {
      metrics.inc('homesec_dns_findings_total', { category: f.category });
      deps.findings.report(f);
    },
    ...(deps.threatMatch ? { threatMatch: deps.threatMatch } : {}),
    ...(deps.roleOf ? { roleOf: deps.roleOf } : {}),
  };
  const detectors: DnsDetector[] = DNS_DETECTORS.map((d) => d.create(ctx));
  const newDomains = detectors.find((d) => d.name === 'dns_new_domain') as NewDomainDetector;
  const flowDetectors = detectors.filter((d) => d.observeFlows);
  const stats = createDnsStats(clock.now());
  let source: DnsSource | undefined;
  let running = false;
  let timer: TimerHandle | undefined;
  let inFlight: Promise<number> | undefined;
  let offFlows: (() => void) | undefined;
  let lastState: string | undefined;
  let lastSaveMs = 0;
  let tablesMissing = false;

  const failure = (where: string, err: unknown) => {
    metrics.inc('homesec_dns_errors_total', { where });
    log.error({ where, err: errorMessage(err) }, 'dns monitor error');
  };

  const kvCursor = (kind: DnsSourceKind): CursorStore => ({
    load: () => {
      try {
        return kvGet(deps.store.db, `dns.cursor.${kind}`);
      } catch {
        return undefined;
      }
    },
    save: (v) => {
      try {
        kvSet(deps.store.db, `dns.cursor.${kind}`, v, clock.now());
      } catch (err) {
        failure('cursor', err);
      }
    },
  });

  const load = () => {
    const db = deps.store.db;
    try {
      for (const r of db.prepare('SELECT ip, first_seen_ms FROM dns_devices').iterate() as Iterable<{ ip: string; first_seen_ms: number }>) {
        newDomains.seed({ device: r.ip, domain: '', firstSeenMs: r.first_seen_ms });
      }
      for (const r of db.prepare('SELECT ip, domain, first_seen_ms FROM dns_device_domains').iterate() as Iterable<{ ip: string; domain: string; first_seen_ms: number }>) {
        newDomains.seed({ device: r.ip, domain: r.domain, firstSeenMs: r.first_seen_ms });
      }
      for (const r of db.prepare('SELECT ip, data FROM dns_stats').iterate() as Iterable<{ ip: string; data: string }>) {
        try {
          stats.importDevice(r.ip, JSON.parse(r.data));
        } catch {
          /* a damaged row only costs its statistics */
        }
      }
      newDomains.drainChanges();
      stats.drainDirty();
    } catch (err) {
      tablesMissing = true;
      log.warn({ err: errorMessage(err) }, 'dns tables missing (migration 7); profiles and statistics are kept in memory only');
    }
  };

  const save = () => {
    lastSaveMs = clock.now();
    const changes = newDomains.drainChanges();
    const dirty = stats.drainDirty();
    if (tablesMissing || (changes.length === 0 && dirty.length === 0)) return;
    const db = deps.store.db;
    try {
      const dev = db.prepare('INSERT INTO dns_devices (ip, first_seen_ms) VALUES (?, ?) ON CONFLICT(ip) DO UPDATE SET first_seen_ms = MIN(first_seen_ms, excluded.first_seen_ms)');
      const dom = db.prepare('INSERT OR IGNORE INTO dns_device_domains (ip, domain, first_seen_ms) VALUES (?, ?, ?)');
      const st = db.prepare('INSERT INTO dns_stats (ip, data, updated_ms) VALUES (?, ?, ?) ON CONFLICT(ip) DO UPDATE SET data = excluded.data, updated_ms = excluded.updated_ms');
      const now = clock.now();
      db.transaction(() => {
        for (const c of changes) {
          if (c.domain === '') dev.run(c.device, c.firstSeenMs);
          else dom.run(c.device, c.domain, c.firstSeenMs);
        }
        for (const ip of dirty) {
          const data = stats.exportDevice(ip);
          if (data !== undefined) st.run(ip, JSON.stringify(data), now);
        }
      })();
    } catch (err) {
      failure('save', err);
    }
  };

  const process = (queries: DnsQuery[]) => {
    for (const q of queries) {
      const parts = nameParts(q.name);
      stats.observe(q, parts);
      for (const d of detectors) {
        try {
          d.observe(q, parts);
        } catch (err) {
          failure(`detector:${d.name}`, err);
        }
      }
    }
    metrics.inc('homesec_dns_queries_total', { source: config.dns_source }, queries.length);
    metrics.inc('homesec_dns_blocked_total', {}, queries.reduce((n, q) => n + (q.blocked ? 1 : 0), 0));
    for (let i = 0; i < queries.length; i += EVENT_CHUNK) deps.bus.emit('dns.queries', { source: config.dns_source, queries: queries.slice(i, i + EVENT_CHUNK) });
  };

  const pollOnce = async (): Promise<number> => {
    if (!source) return 0;
    let queries: DnsQuery[] = [];
    try {
      queries = await source.poll();
      process(queries);
      const now = clock.now();
      for (const d of detectors) d.tick(now);
      if (now - lastSaveMs >= SAVE_EVERY_MS) save();
    } catch (err) {
      failure('poll', err);
    }
    const st = source.status();
    metrics.set('homesec_dns_source_up', st.state === 'ok' ? 1 : 0, { source: st.kind });
    if (st.state !== lastState) {
      if (st.state === 'ok') log.info({ source: st.kind }, 'dns source ok');
      else if (st.state !== 'idle') log.warn({ source: st.kind, state: st.state, error: st.lastError }, 'dns source not ok');
      lastState = st.state;
    }
    return queries.length;
  };

  const pollNow = (): Promise<number> => {
    inFlight ??= pollOnce().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  const arm = () => {
    if (!running) return;
    timer = clock.setTimeout(() => {
      timer = undefined;
      void pollNow().finally(arm);
    }, config.dns_poll_seconds * 1000);
  };

  function statsOf(): DnsHomeStats;
  function statsOf(ip: string): DnsDeviceStats | undefined;
  function statsOf(ip?: string): DnsHomeStats | DnsDeviceStats | undefined {
    return ip === undefined ? stats.home() : stats.device(ip);
  }

  return {
    stats: statsOf,
    sourceStatus: () => source?.status() ?? { ...NONE_STATUS, counters: {} },
    hostSection: (ip) => ({ ip, source: config.dns_source, stats: stats.device(ip), newDomains: newDomains.newDomains(ip) }),
    pollNow,
    async start() {
      load();
      lastSaveMs = clock.now();
      if (flowDetectors.length > 0) {
        offFlows = deps.bus.on('flow.records', (batch) => {
          const keys = deps.flowKeys?.(batch.records);
          for (const d of flowDetectors) {
            try {
              d.observeFlows?.(batch.records, keys);
            } catch (err) {
              failure(`detector:${d.name}`, err);
            }
          }
        });
      }
      source = deps.source ?? createSource(config, { clock, cursor: kvCursor(config.dns_source) });
      if (!source) return;
      await source.start();
      running = true;
      arm();
    },
    async stop() {
      running = false;
      if (timer) clock.clearTimeout(timer);
      timer = undefined;
      offFlows?.();
      offFlows = undefined;
      await inFlight?.catch(() => undefined);
      try {
        await source?.stop();
      } catch (err) {
        failure('stop', err);
      }
      save();
    },
  };
}
