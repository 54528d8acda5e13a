/**
 * The composition root: the ONLY place that wires components together. Rules: createApp
 * builds every component from config plus named dependencies and does no I/O; start()
 * starts them in the order listed (store first, HTTP last) and stop() stops them in
 * reverse, each bounded in time. Components learn about each other only through `deps`
 * handed to them here and through the event bus.
 */
import { announceFirstRunPassword, forgetFirstRunPassword } from './api/auth/first-run.js';
import { createDashboardStatic } from './api/dashboard-static.js';
import { createLiveEvents } from './api/live-events.js';
import { createDashboardViews, dashboardRoutes } from './api/routes/dashboard-routes.js';
import { dnsRoutes } from './api/routes/dns-routes.js';
import type { DashboardSources } from './api/views/sources.js';
import { createClassifier } from './traffic/classifier.js';
import { findingsRoutes } from './api/routes/findings-routes.js';
import { inventoryRoutes } from './api/routes/inventory-routes.js';
import { vulnRoutes } from './api/routes/vuln-routes.js';
import { intelRoutes } from './api/routes/intel-routes.js';
import { scanRoutes } from './api/routes/scan-routes.js';
import { createApiServer, type ApiServer } from './api/server.js';
import type { Config } from './config/schema.js';
import { createSystemClock, type Clock } from './core/clock.js';
import { guardOwnEndpoint } from './core/self-guard.js';
import { createEventBus, type EventBus } from './core/events.js';
import { startAll, stopAll, type NamedComponent } from './core/lifecycle.js';
import type { Log } from './core/logger.js';
import { createMetrics, type Metrics } from './core/metrics.js';
import { createScheduler, type Scheduler } from './core/scheduler.js';
import { DETECTORS } from './detect/registry.js';
import { createFindingsStore, type FindingsStore } from './findings/findings-store.js';
import { createCollector, type Collector } from './flow/collector.js';
import { createIntel, type Intel } from './intel/intel.js';
import { createNotifier, type Notifier } from './notify/notifier.js';
import { notifyRoutes } from './notify/routes.js';
import { createBlocker, type Blocker } from './block/blocker.js';
import { blockRoutes } from './block/routes.js';
import { createDnsMonitor, type DnsMonitor } from './dns/dns-monitor.js';
import { createHomeAssistant, type HomeAssistant } from './homeassistant/home-assistant.js';
import { createVulnService, type VulnOptions, type VulnService } from './vuln/vuln-service.js';
import { createInventory, type Inventory } from './inventory/inventory.js';
import { loadRoles } from './store/state-files.js';
import type { TelemetryContext } from './inventory/recommendations.js';
import { createScanProbes } from './scan/scan-probes.js';
import { createScanner, type Scanner } from './scan/scanner.js';
import { createStore, type Store } from './store/store.js';
import { createTrafficTracker, type TrafficTracker } from './traffic/traffic-tracker.js';

export interface AppDeps {
  log: Log;
  /** homesec's version (Home Assistant device block). */
  version?: string;
  /** Environment (the add-on's SUPERVISOR_TOKEN). */
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  metrics?: Metrics;
  /** Set only by `homesec demo` (src/demo/). */
  demo?: DemoWiring;
}

/** What `homesec demo` changes in the wiring (its config does the rest: demo: true, loopback URLs, no name lookups). */
export interface DemoWiring {
  /** The loopback hosts running the demo's lab services: the scanner's only targets, accepted as inventory devices. */
  labHosts: readonly string[];
  /** The scenario's default gateway (instead of this machine's routes). */
  gateways: readonly string[];
  /** Vulnerability-service timing (the demo's loopback NVD fixture has no rate limit). */
  vuln?: VulnOptions;
}

export interface App {
  readonly config: Config;
  readonly bus: EventBus;
  readonly metrics: Metrics;
  readonly store: Store;
  readonly scheduler: Scheduler;
  readonly collector: Collector;
  readonly traffic: TrafficTracker;
  readonly findings: FindingsStore;
  readonly scanner: Scanner;
  readonly notifier: Notifier;
  /** Automated response (blocking; idle unless block_enable). */
  readonly blocker: Blocker;
  readonly inventory: Inventory;
  readonly dns: DnsMonitor;
  readonly homeAssistant: HomeAssistant;
  /** Vulnerability matching (undefined when enable_nvd is false). */
  readonly vuln: VulnService | undefined;
  /** Threat intel (undefined when enable_threat_intel is false). */
  readonly intel: Intel | undefined;
  readonly api: ApiServer | undefined;
  /** Names of the components in start order. */
  readonly componentNames: string[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Builds the whole daemon; nothing runs until start(). */
export function createApp(config: Config, deps: AppDeps): App {
  const log = deps.log;
  const clock = deps.clock ?? createSystemClock();
  const metrics = deps.metrics ?? createMetrics();
  const bus = createEventBus((event, err) => {
    metrics.inc('homesec_listener_errors_total', { event });
    log.error({ event, err: err instanceof Error ? err.message : String(err) }, 'event listener failed');
  });
  const store = createStore(config, { log: log.child({ component: 'store' }) });
  const scheduler = createScheduler({ clock, log: log.child({ component: 'scheduler' }), metrics });
  const startedAt = clock.now();

  const findings = createFindingsStore({ store, bus, log: log.child({ component: 'findings' }), metrics });
  const detectors = DETECTORS.map((d) => d.create({ config, metrics, report: (f) => findings.report(f) }));
  const traffic = createTrafficTracker(config, { metrics, detectors });
  const collector = createCollector(config, { bus, clock, log: log.child({ component: 'collector' }), metrics, store });
  // The first flow.records listener: the blacklist watch and the DNS monitor, subscribed at
  // their start(), read the numbers it worked out for the batch (traffic.keysOf).
  bus.on('flow.records', (batch) => traffic.ingest(batch.records));

  // Traffic: loaded at start, flushed (history + external IPs) and detectors ticked every 10 s.
  const trafficComponent = {
    async start() {
      traffic.load(store.db);
    },
    async stop() {
      traffic.flush(store.db, clock.now());
    },
  };
  scheduler.every('traffic-flush', { intervalMs: 10_000, jitter: 0 }, async () => {
    traffic.tick(clock.now());
    traffic.flush(store.db, clock.now());
  });
  scheduler.every('retention', { intervalMs: 60 * 60 * 1000, jitter: 0.1, initialDelayMs: 60_000 }, async () => {
    const deleted = traffic.prune(store.db, clock.now()) + (intel?.prune(clock.now()) ?? 0);
    metrics.inc('homesec_retention_deleted_total', {}, deleted);
    store.checkpoint();
  });

  // Notifications: findings → policy (severity, dedupe, quiet hours, rate limits) → SQLite outbox → channels.
  // The Home Assistant link is created below; the notify channel calls it only after start.
  const haLinked = config.ha_url !== '' || deps.env?.SUPERVISOR_TOKEN !== undefined;
  const notifier = createNotifier(config, {
    bus,
    store,
    findings,
    clock,
    metrics,
    log: log.child({ component: 'notify' }),
    ...(haLinked ? { callService: (d: string, sv: string, data: Record<string, unknown>) => homeAssistant.callService(d, sv, data) } : {}),
  });

  // Automated response: findings → policy → safety guards → expiring blocks on nftables/OPNsense/MikroTik/Pi-hole/blocklist URL.
  const blocker = createBlocker(config, { store, bus, findings, clock, metrics, log: log.child({ component: 'block' }) });

  // Threat intel: providers, rDNS, blacklist feeds; findings for flows to listed addresses.
  const intel = config.enable_threat_intel
    ? createIntel(
        config,
        { store, bus, findings, clock, metrics, log: log.child({ component: 'intel' }), externalIps: () => traffic.externalIps(), flowKeys: (records) => traffic.keysOf(records) },
        { feedRefreshMs: config.blacklist_refresh_minutes * 60_000 },
      )
    : undefined;

  // DNS monitoring: query-log source, DNS detectors, per-device statistics; flows feed the outside-resolver detector.
  let roles: ReadonlyMap<string, string> | undefined;
  const dns = createDnsMonitor(config, {
    bus,
    findings,
    store,
    clock,
    metrics,
    log: log.child({ component: 'dns' }),
    ...(intel
      ? {
          threatMatch: (name: string) => {
            try {
              return intel.matcher().matchDomain(name);
            } catch {
              return undefined;
            }
          },
        }
      : {}),
    roleOf: (ip: string) => (roles ??= loadRoles(store.dir).value).get(ip),
    flowKeys: (records) => traffic.keysOf(records),
  });

  // Active scanner: first cycle a minute after start (flows name the hosts), then every scan_interval.
  const scanner = createScanner(config, {
    bus,
    clock,
    log: log.child({ component: 'scanner' }),
    metrics,
    store,
    observedHosts: () => [...traffic.devices()].map((d) => d.ip),
    ...(deps.demo ? { fixedTargets: deps.demo.labHosts } : {}),
    probes: createScanProbes({ serviceTimeoutMs: config.scan_service_timeout_ms, pingWaitSeconds: 1 }),
  });
  if (config.enable_scanner) {
    scheduler.every('scan', { intervalMs: config.scan_interval * 1000, jitter: 0.05, initialDelayMs: 60_000 }, async () => {
      await scanner.runCycle('schedule');
    });
  }

  // Vulnerabilities: NVD CVEs and CISA KEV for the products the scanner found.
  const vuln = config.enable_nvd
    ? createVulnService(config, { store, bus, findings, clock, metrics, log: log.child({ component: 'vuln' }), inventory: () => scanner.hosts() }, deps.demo?.vuln)
    : undefined;

  // Inventory: device identity (MAC/IP/hostname), roles, exposures, new devices, recommendations.
  const inventory = createInventory(config, {
    bus,
    store,
    clock,
    metrics,
    findings,
    log: log.child({ component: 'inventory' }),
    observedDevices: () => traffic.devices(),
    scanResults: () => scanner.hosts(),
    ...(deps.demo ? { loopbackHosts: new Set(deps.demo.labHosts), gateways: async () => [...(deps.demo?.gateways ?? [])] } : {}),
    trackers: () => homeAssistant.trackers().map((t) => ({ ip: t.ip, mac: t.mac, hostName: t.hostname, name: t.friendlyName })),
    ...(vuln
      ? {
          vulnerabilities: (ip: string) =>
            vuln.results(ip).flatMap((h) =>
              h.services.flatMap((sv) =>
                sv.affected
                  .filter((m) => m.severity !== 'unknown' && m.severity !== 'none' && !m.backported)
                  .map((m) => ({ cveId: m.cve, severity: m.severity as 'low' | 'medium' | 'high' | 'critical', kev: m.kev })),
              ),
            ),
        }
      : {}),
  });
  scheduler.every('inventory', { intervalMs: config.inventory_refresh_seconds * 1000, jitter: 0.05, initialDelayMs: 15_000 }, async () => {
    await inventory.refresh();
    findings.reloadDismissed();
  });
  const telemetry = (): TelemetryContext => ({
    flowsTotal: traffic.totalFlows,
    lastFlowMs: collector.exporters(1)[0]?.lastSeenMs,
    scanner: { enabled: config.enable_scanner, lastScanMs: scanner.summary().lastScanMs, intervalSeconds: config.scan_interval },
    threatIntelEnabled: config.enable_threat_intel,
    openActionableFindings: findings.openActionableCount(),
    apiKeys: {
      nvd: config.nvd_api_key !== '',
      virustotal: config.virustotal_api_key !== '',
      abuseipdb: config.abuseipdb_api_key !== '',
      shodan: config.shodan_api_key !== '',
      ipinfo: config.ipinfo_token !== '',
    },
  });

  // Home Assistant: MQTT discovery entities, buttons, finding events; WebSocket device-tracker enrichment.
  const homeAssistant = createHomeAssistant(config, {
    bus,
    clock,
    metrics,
    log: log.child({ component: 'homeassistant' }),
    version: deps.version ?? '0.0.0',
    totalFlows: () => traffic.totalFlows,
    activeDevices: () => {
      let n = 0;
      for (const _d of traffic.devices()) n++;
      return n;
    },
    openFindings: () => findings.openActionableCount(),
    findings: () => findings.list(),
    scanSummary: () => scanner.summary(),
    collectorStats: () => collector.stats(),
    exporters: (n) => collector.exporters(n),
    triggerScan: config.enable_scanner
      ? async () => {
          if (!scanner.running()) await scanner.runCycle('homeassistant');
        }
      : undefined,
    devices: () =>
      inventory.devices().map((d) => ({ id: d.id, ip: d.ip, mac: d.mac, vendor: d.vendor, hostname: d.hostname, name: d.name, role: d.role, atRisk: d.atRisk, lastSeenMs: d.lastSeenMs })),
    ...(vuln
      ? {
          vulnCount: () => vuln.results().reduce((n, h) => n + h.counts.critical + h.counts.high + h.counts.medium + h.counts.low, 0),
          nvdKeywords: () => vuln.keywords(),
          nvdRefresh: () => vuln.refresh(),
        }
      : {}),
    onTrackers: () => void inventory.refresh().catch(() => {}),
    refreshEvents: ['scan.completed', 'device.new', 'device.updated', 'vuln.updated'],
    supervisor: deps.env?.SUPERVISOR_TOKEN ? { token: deps.env.SUPERVISOR_TOKEN } : undefined,
  });

  // Dashboard views (read lazily per request) and live updates for the page.
  const classifier = createClassifier(config.internal_networks);
  const dashboard: DashboardSources = {
    now: () => clock.now(),
    db: () => store.db,
    demo: config.demo,
    features: { scanner: config.enable_scanner, threatIntel: intel !== undefined, nvd: vuln !== undefined, auth: config.web_auth },
    externalRetentionMs: config.external_ip_retention_hours * 3_600_000,
    enrichmentTtlMs: config.enrichment_ttl_minutes * 60_000,
    isInternal: (ip) => classifier.isInternal(ip),
    inventory,
    findings,
    scanner,
    collector,
    flowsTotal: () => traffic.totalFlows,
    ...(vuln ? { vuln } : {}),
    ...(intel ? { intel } : {}),
  };
  const dashboardViews = createDashboardViews(dashboard);
  bus.on('vuln.updated', () => dashboardViews.vulnChanged());
  const liveEvents = createLiveEvents({
    bus,
    clock,
    watch: [
      { topic: 'flows', value: () => traffic.totalFlows },
      { topic: 'collector', value: () => collector.stats().datagrams },
      ...(intel ? [{ topic: 'intel' as const, value: () => intel.stats().providers.reduce((n, p) => n + p.requests, 0) + intel.stats().blacklist.hits }] : []),
    ],
  });

  const api = config.enable_webui
    ? createApiServer(config, {
        log: log.child({ component: 'api' }),
        metrics,
        auth: {
          enabled: config.web_auth,
          trustIngress: config.web_trust_ingress,
          sessionIdleMs: Math.min(2, config.web_session_hours) * 3_600_000,
          sessionMaxAgeMs: config.web_session_hours * 3_600_000,
          loginPerMinute: config.web_login_per_minute,
          db: () => store.db,
          now: () => clock.now(),
          onLogin: () => forgetFirstRunPassword(store.dir),
        },
        health: () => ({
          uptime_s: Math.round((clock.now() - startedAt) / 1000),
          flows_total: traffic.totalFlows,
          collector: collector.stats(),
          exporters: collector.exporters(20),
          open_findings: findings.openActionableCount(),
          scan: scanner.summary(),
          intel: intel?.stats() ?? 'disabled',
          notify: notifier.status(),
          inventory: inventory.stats(),
          homeassistant: homeAssistant.status(),
          vuln: vuln?.stats() ?? 'disabled',
          dns: { source: dns.sourceStatus(), queries: dns.stats().queries, blocked_share: dns.stats().blockedShare },
          block: blockHealth(blocker),
        }),
        routes: [
          dnsRoutes(dns),
          dashboardRoutes(dashboard, dashboardViews),
          (app) => liveEvents.routes(app),
          (app) => createDashboardStatic().routes(app),
          inventoryRoutes(inventory, telemetry, { bus, now: () => clock.now() }),
          vulnRoutes(vuln, log.child({ component: 'api' }), bus), notifyRoutes(notifier), blockRoutes(blocker), findingsRoutes(findings, bus), scanRoutes(scanner, log.child({ component: 'api' })), intelRoutes(intel)],
      })
    : undefined;

  // SSRF guard (core/self-guard.ts): from the first start on, user-supplied URLs may not reach our own API.
  let liftGuard: (() => void) | undefined;
  const ssrfGuard = {
    async start() {
      if (api && !config.allow_self_requests) liftGuard = guardOwnEndpoint({ host: config.web_host, port: config.web_port });
    },
    async stop() {
      liftGuard?.();
      liftGuard = undefined;
    },
  };

  const components: NamedComponent[] = [
    { name: 'ssrf-guard', component: ssrfGuard },
    { name: 'store', component: store },
    { name: 'findings', component: findings },
    { name: 'notify', component: notifier },
    { name: 'block', component: blocker },
    { name: 'traffic', component: trafficComponent },
    ...(intel ? [{ name: 'intel', component: intel }] : []),
    { name: 'dns', component: dns },
    { name: 'scanner', component: scanner },
    ...(vuln ? [{ name: 'vuln', component: vuln }] : []),
    { name: 'inventory', component: inventory },
    { name: 'collector', component: collector },
    { name: 'scheduler', component: scheduler },
    { name: 'homeassistant', component: homeAssistant },
    ...(api
      ? [
          // The first-run password is created (and shown once) before the HTTP port opens.
          { name: 'auth', component: { start: async () => void (await announceFirstRunPassword(store.db, store.dir, clock.now())) } },
          { name: 'api', component: api },
        ]
      : []),
  ];

  return {
    config,
    bus,
    metrics,
    store,
    scheduler,
    collector,
    traffic,
    findings,
    scanner,
    notifier,
    blocker,
    inventory,
    dns,
    homeAssistant,
    vuln,
    intel,
    api,
    componentNames: components.map((c) => c.name),
    async start() {
      await startAll(components, log);
    },
    async stop() {
      await stopAll(components, log, 1500);
    },
  };
}

export interface ScanApp {
  readonly store: Store;
  readonly scanner: Scanner;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The wiring of `homesec scan`: the store and the scanner only (no listener, no HTTP). Hosts
 * observed in flows come from the devices table a daemon run saved.
 */
export function createScanApp(config: Config, deps: AppDeps): ScanApp {
  const log = deps.log;
  const clock = deps.clock ?? createSystemClock();
  const metrics = deps.metrics ?? createMetrics();
  const bus = createEventBus();
  const store = createStore(config, { log: log.child({ component: 'store' }) });
  const scanner = createScanner(config, {
    bus,
    clock,
    log: log.child({ component: 'scanner' }),
    metrics,
    store,
    observedHosts: () => (store.db.prepare('SELECT ip FROM devices ORDER BY last_seen_ms DESC').pluck().all() as string[]),
    probes: createScanProbes({ serviceTimeoutMs: config.scan_service_timeout_ms, pingWaitSeconds: 1 }),
  });
  const components: NamedComponent[] = [
    { name: 'store', component: store },
    { name: 'scanner', component: scanner },
  ];
  return {
    store,
    scanner,
    start: () => startAll(components, log),
    stop: () => stopAll(components, log, 1500),
  };
}

/** /health's blocking summary (public: state and counts only, no values or reasons). */
function blockHealth(blocker: Blocker): { enabled: boolean; dry_run: boolean; paused: boolean; active: number } {
  const s = blocker.status();
  return { enabled: s.enabled, dry_run: s.dryRun, paused: s.paused !== null, active: s.active };
}
