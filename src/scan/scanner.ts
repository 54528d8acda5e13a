/**
 * The active scanner component. Rules: scans only what scanTargets allows (observed internal
 * hosts, configured discovery ranges, minus exceptions) — or, when deps.fixedTargets is set
 * (`homesec demo`: its loopback lab hosts), exactly those and nothing observed in flows; one
 * cycle at a time (a trigger while a cycle runs answers "busy"); results are persisted to
 * SQLite and homesec_hosts.yaml after every cycle and reloaded at start, so the inventory is
 * populated before the first scan; stop() aborts a running cycle and waits for it. Scheduling
 * is the app's job (it calls runCycle from the scheduler); this component owns state and the
 * cycle itself.
 */
import type { Clock } from '../core/clock.js';
import { errorMessage } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { Service as Component } from '../core/lifecycle.js';
import type { Log } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { Config } from '../config/schema.js';
import type { Store } from '../store/store.js';
import { loadHosts } from '../store/state-files.js';
import { runNmap } from './nmap-backend.js';
import { mergeNmap } from './nmap-merge.js';
import { runScanCycle, type ScanCycleDeps, type ScanPhase } from './scan-cycle.js';
import { loadScans, pruneScans, saveHostsYaml, saveScan, type ScanRun } from './scan-store.js';
import { scanTargets } from './targets.js';
import type { HostScan } from './types.js';

declare module '../core/events.js' {
  interface HomesecEvents {
    'scan.completed': { summary: ScanSummary; hosts: readonly HostScan[] };
  }
}

export type ScannerConfig = Pick<
  Config,
  | 'enable_scanner'
  | 'scan_interval'
  | 'scan_exceptions'
  | 'scan_ports'
  | 'scan_discovery_ranges'
  | 'scan_max_hosts'
  | 'scan_ping'
  | 'scan_timeout_ms'
  | 'scan_retries'
  | 'scan_concurrency'
  | 'scan_host_concurrency'
  | 'scan_service_detection'
  | 'scan_service_timeout_ms'
  | 'scan_use_nmap'
  | 'scan_nmap_path'
>;

export interface ScanProgress {
  phase: ScanPhase;
  done: number;
  total: number;
}

export interface ScanSummary {
  enabled: boolean;
  running: boolean;
  progress?: ScanProgress;
  intervalSeconds: number;
  lastScanMs?: number;
  lastDurationMs?: number;
  lastTrigger?: string;
  targets: number;
  hostsFound: number;
  openPorts: number;
  services: number;
  /** Targets left out by scan_max_hosts in the last cycle. */
  skippedTargets: number;
}

export interface Scanner extends Component {
  /** Runs one cycle now over `targets` (default: the configured target list). Rejects with 'busy' when one runs. */
  runCycle(trigger: string, targets?: readonly string[], onProgress?: (p: ScanProgress) => void): Promise<HostScan[]>;
  running(): boolean;
  summary(): ScanSummary;
  hosts(): HostScan[];
  host(ip: string): HostScan | undefined;
}

export interface ScannerDeps {
  bus: EventBus;
  clock: Clock;
  log: Log;
  metrics: Metrics;
  store: Store;
  /** Internal hosts observed in flows (the traffic tracker's devices). */
  observedHosts: () => Iterable<string>;
  /**
   * When set, every cycle without explicit targets scans exactly these addresses (minus
   * scan_exceptions) and never the observed hosts or discovery ranges. Only `homesec demo`
   * sets it, to its loopback lab hosts (which scanTargets would refuse as loopback).
   */
  fixedTargets?: readonly string[];
  probes: Omit<ScanCycleDeps, 'now'> & { close?(): Promise<void> };
}

const STALE_MS = 30 * 24 * 3600 * 1000;

/** Creates the scanner; nothing runs until start() and runCycle(). */
export function createScanner(config: ScannerConfig, deps: ScannerDeps): Scanner {
  const results = new Map<string, HostScan>();
  let lastRun: ScanRun | undefined;
  let skipped = 0;
  let current: { abort: AbortController; done: Promise<unknown>; progress?: ScanProgress } | undefined;
  deps.metrics.describe('homesec_scan_cycles_total', 'counter', 'Active scan cycles completed');
  deps.metrics.describe('homesec_scan_probes_total', 'counter', 'TCP connect probes sent by the active scanner');

  const summary = (): ScanSummary => {
    let alive = 0;
    let open = 0;
    let services = 0;
    for (const h of results.values()) {
      if (!h.alive) continue;
      alive++;
      open += h.openPorts.length;
      services += h.services.length;
    }
    return {
      enabled: config.enable_scanner,
      running: current !== undefined,
      progress: current?.progress,
      intervalSeconds: config.scan_interval,
      lastScanMs: lastRun ? lastRun.startedMs + lastRun.durationMs : undefined,
      lastDurationMs: lastRun?.durationMs,
      lastTrigger: lastRun?.trigger,
      targets: lastRun?.targets ?? 0,
      hostsFound: alive,
      openPorts: open,
      services,
      skippedTargets: skipped,
    };
  };

  /** Runs nmap over the live hosts and merges its results; a failing nmap is logged, never fatal. */
  const withNmap = async (hosts: HostScan[], signal: AbortSignal): Promise<HostScan[]> => {
    const live = hosts.filter((h) => h.alive).map((h) => h.ip);
    try {
      const found = await runNmap(live, {
        path: config.scan_nmap_path,
        ports: config.scan_ports,
        serviceDetection: config.scan_service_detection,
        timeoutMs: Math.max(60_000, live.length * 30_000),
        signal,
      });
      const byIp = new Map(found.map((n) => [n.ip, n]));
      return hosts.map((h) => mergeNmap(h, byIp.get(h.ip)));
    } catch (err) {
      deps.metrics.inc('homesec_scan_nmap_errors_total');
      deps.log.warn({ err: errorMessage(err) }, 'nmap backend failed; keeping homesec results');
      return hosts;
    }
  };

  const cycle = async (trigger: string, given: readonly string[] | undefined, onProgress?: (p: ScanProgress) => void): Promise<HostScan[]> => {
    const abort = new AbortController();
    const state: NonNullable<typeof current> = { abort, done: Promise.resolve() };
    current = state;
    const t0 = deps.clock.now();
    try {
      let targets: readonly string[];
      if (given) targets = given;
      else if (deps.fixedTargets) {
        const except = new Set(config.scan_exceptions);
        targets = deps.fixedTargets.filter((ip) => !except.has(ip)).slice(0, config.scan_max_hosts);
      } else {
        const t = scanTargets({
          observed: deps.observedHosts(),
          ranges: config.scan_discovery_ranges,
          exceptions: config.scan_exceptions,
          max: config.scan_max_hosts,
        });
        targets = t.targets;
        skipped = t.skipped;
        if (t.skipped > 0) deps.log.warn({ skipped: t.skipped, max: config.scan_max_hosts }, 'scan targets over scan_max_hosts were skipped');
      }
      deps.log.info({ trigger, targets: targets.length }, 'scan started');
      let hosts = await runScanCycle(
        targets,
        {
          ports: config.scan_ports,
          timeoutMs: config.scan_timeout_ms,
          minTimeoutMs: Math.min(100, config.scan_timeout_ms),
          retries: config.scan_retries,
          concurrency: config.scan_concurrency,
          hostConcurrency: config.scan_host_concurrency,
          serviceDetection: config.scan_service_detection,
          serviceConcurrency: Math.min(128, config.scan_concurrency),
          pingConcurrency: 64,
          signal: abort.signal,
          onProgress: (phase, done, total) => {
            state.progress = { phase, done, total };
            onProgress?.(state.progress);
          },
        },
        { ...deps.probes, ping: config.scan_ping ? deps.probes.ping : undefined, now: () => deps.clock.now() },
      );
      if (config.scan_use_nmap && !abort.signal.aborted) hosts = await withNmap(hosts, abort.signal);
      const durationMs = deps.clock.now() - t0;
      for (const h of hosts) results.set(h.ip, h);
      const alive = hosts.filter((h) => h.alive);
      lastRun = {
        startedMs: t0,
        durationMs,
        trigger,
        targets: targets.length,
        alive: alive.length,
        openPorts: alive.reduce((n, h) => n + h.openPorts.length, 0),
        services: alive.reduce((n, h) => n + h.services.length, 0),
      };
      deps.metrics.inc('homesec_scan_cycles_total');
      deps.metrics.inc('homesec_scan_probes_total', undefined, targets.length * config.scan_ports.length);
      deps.metrics.set('homesec_scan_hosts_alive', alive.length);
      try {
        saveScan(deps.store.db, hosts, lastRun);
        pruneScans(deps.store.db, t0 - STALE_MS);
        saveHostsYaml(deps.store.dir, [...results.values()].filter((h) => h.alive));
      } catch (err) {
        deps.log.error({ err: errorMessage(err) }, 'could not save scan results');
      }
      deps.log.info({ trigger, targets: targets.length, alive: lastRun.alive, openPorts: lastRun.openPorts, durationMs }, 'scan finished');
      deps.bus.emit('scan.completed', { summary: summary(), hosts });
      return hosts;
    } finally {
      current = undefined;
    }
  };

  return {
    async start() {
      const { hosts, bad, lastRun: lr } = loadScans(deps.store.db);
      for (const [ip, h] of hosts) results.set(ip, h);
      lastRun = lr;
      if (bad > 0) deps.log.warn({ bad }, 'unreadable stored scan results were skipped');
      if (hosts.size === 0) {
        // First start after the reference integration: show its hosts file until our first scan.
        const { value, warnings } = loadHosts(deps.store.dir);
        for (const w of warnings) deps.log.warn(w);
        for (const [ip, rec] of value) {
          const open = Array.isArray(rec.open_ports) ? rec.open_ports.filter((p): p is number => Number.isInteger(p)) : [];
          results.set(ip, {
            ip,
            alive: rec.alive === true,
            aliveBy: 'none',
            openPorts: open,
            closedCount: 0,
            filteredCount: 0,
            services: [],
            hints: [],
            scannedAtMs: 0,
            durationMs: 0,
            ...(typeof rec.ping_ms === 'number' ? { pingMs: rec.ping_ms } : {}),
          });
        }
      }
    },
    async stop() {
      const c = current;
      if (c) {
        c.abort.abort();
        await c.done.catch(() => {});
      }
      await deps.probes.close?.();
    },
    runCycle(trigger, targets, onProgress) {
      if (current) return Promise.reject(new Error('busy: a scan is already running'));
      const p = cycle(trigger, targets, onProgress);
      // current is set synchronously inside cycle(); remember the promise for stop().
      if (current) (current as { done: Promise<unknown> }).done = p;
      return p;
    },
    running: () => current !== undefined,
    summary,
    hosts: () => [...results.values()],
    host: (ip) => results.get(ip),
  };
}
