/**
 * `homesec demo`: the real daemon (createApp) on a throwaway data directory, fed a recorded
 * home network and scanning real services on loopback, so every view and finding type shows
 * up within a minute without a router, a network or the internet.
 *
 * Rules:
 * - Nothing but loopback is contacted: the config (demo-config.ts) points every outside
 *   service at the demo intel server on 127.0.0.1 and turns lookups of demo addresses off;
 *   the wiring (AppDeps.demo) makes the lab hosts the scanner's only targets; the loopback
 *   fence (loopback-guard.ts) refuses anything else this process tries, and logs it.
 * - Order: lab services and intel server → daemon → blocklist loaded → the recorded history
 *   (HISTORY_SECONDS) sent at once → first inventory build (the known devices are its
 *   baseline) → first scan → live slices every `sliceMs`, with the scenario's stories logged as
 *   they happen and joining devices written to the lease file.
 * - Everything it logs carries `demo: true`. The first-run password is never logged; the CLI
 *   prints it on standard error with the dashboard address.
 * - stop() ends the live loop, stops the daemon, the servers and the fence, and removes the
 *   data directory unless `keep` is set or the caller chose the directory. Every wait is
 *   bounded.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { INITIAL_PASSWORD_FILE } from '../api/auth/first-run.js';
import { createApp, type App } from '../app.js';
import type { Config } from '../config/schema.js';
import { errorMessage } from '../core/errors.js';
import type { Log } from '../core/logger.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import { demoConfig } from './demo-config.js';
import { createFlowFeeder, type FlowFeeder } from './flow-feeder.js';
import { startIntelServer, type IntelServer } from './intel-server.js';
import { startLabServices, type LabServices } from './lab-services.js';
import { installLoopbackGuard, type LoopbackGuard } from './loopback-guard.js';
import { ACTIVITIES, DEVICES, GATEWAY, HISTORY_SECONDS, LAB_SERVICES, type DemoDevice } from './scenario.js';
import { flowsBetween, storiesBetween } from './traffic-model.js';

export interface DemoOptions {
  log: Log;
  version: string;
  webHost: string;
  webPort: number;
  /** UDP port of the flow listener (default: a free one). */
  bindPort?: number;
  /** Data directory (default: a new temporary one, removed at stop). */
  dataDir?: string;
  /** Keep the data directory at stop. */
  keep?: boolean;
  logLevel?: Config['log_level'];
  logFormat?: Config['log_format'];
  /** Live slice length, ms (default 5000). */
  sliceMs?: number;
  seed?: number;
}

export interface Demo {
  app: App;
  /** Dashboard URL. */
  url: string;
  /** The first-run password (undefined when the data directory already had one). */
  password: string | undefined;
  dataDir: string;
  /** The flow listener's port. */
  bindPort: number;
  lab: LabServices;
  intel: IntelServer;
  /** Connections the loopback fence refused. */
  refused(): number;
  stop(): Promise<void>;
}

export const LEASES_FILE = 'dnsmasq.leases';
const WAIT_INGEST_MS = 10_000;

/** A free UDP port on 127.0.0.1 (bound and released). */
async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => resolve());
  });
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** dnsmasq lease lines (expiry in 12 h) for the devices on the network at `nowMs`. */
export function leaseFile(devices: readonly DemoDevice[], startMs: number, nowMs: number): string {
  const expiry = Math.floor(nowMs / 1000) + 12 * 3600;
  return devices
    .filter((d) => d.joinsAt === undefined || startMs + d.joinsAt * 1000 <= nowMs)
    .map((d) => `${expiry} ${d.mac} ${d.ip} ${d.hostname} 01:${d.mac}`)
    .join('\n')
    .concat('\n');
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** Starts the demo (see the module rules); rejects (after cleaning up) when the daemon cannot start. */
export async function startDemo(o: DemoOptions): Promise<Demo> {
  const log = o.log.child({ demo: true });
  const ownDir = o.dataDir === undefined;
  const dataDir = o.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-demo-'));
  fs.mkdirSync(dataDir, { recursive: true });
  const leasesPath = path.join(dataDir, LEASES_FILE);
  const sliceMs = o.sliceMs ?? 5000;
  const seed = o.seed ?? 1;
  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch (err) {
        log.warn({ err: errorMessage(err) }, 'demo clean-up step failed');
      }
    }
  };
  if (ownDir && !o.keep) cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  try {
    const startMs = Date.now();
    writeFileAtomic(leasesPath, leaseFile(DEVICES, startMs, startMs));
    const reported = new Set<string>();
    const guard: LoopbackGuard = installLoopbackGuard((dest, proto) => {
      if (reported.has(dest) || reported.size > 100) return;
      reported.add(dest);
      log.warn({ destination: dest, protocol: proto }, 'demo: refused a connection outside loopback');
    });
    cleanups.push(() => guard.uninstall());
    const intel = await startIntelServer();
    cleanups.push(() => intel.close());
    const lab = await startLabServices(LAB_SERVICES);
    cleanups.push(() => lab.close());
    for (const s of lab.skipped) log.warn({ host: s.spec.host, port: s.spec.port, reason: s.reason }, 'demo: lab service not started');
    const bindPort = o.bindPort ?? (await freeUdpPort());
    const labHosts = [...new Set(lab.running.map((r) => r.spec.host))];

    const config = demoConfig({
      dataDir,
      intelUrl: intel.url,
      leasesFile: leasesPath,
      webHost: o.webHost,
      webPort: o.webPort,
      bindPort,
      labPorts: lab.running.map((r) => r.port),
      logLevel: o.logLevel,
      logFormat: o.logFormat,
    });
    const app = createApp(config, {
      log,
      version: o.version,
      env: {},
      demo: {
        labHosts,
        gateways: [GATEWAY],
        vuln: { initialDelayMs: 500, rematchEveryMs: 2000, nvd: { rateLimit: 1000, retryBaseMs: 200, maxRetries: 1, timeoutMs: 10_000 } },
      },
    });
    // startAll stops what it started when one component fails; after that, stop() is ours.
    await app.start();
    cleanups.push(() => app.stop());

    let password: string | undefined;
    try {
      password = fs.readFileSync(path.join(dataDir, INITIAL_PASSWORD_FILE), 'utf8').trim();
    } catch {
      password = undefined;
    }

    await app.intel?.refreshFeeds();
    const feeder: FlowFeeder = await createFlowFeeder(bindPort);
    cleanups.push(() => feeder.close());
    const model = { startMs, seed, exporter: '127.0.0.1' };
    const sendSlice = async (fromMs: number, toMs: number) => {
      const records = flowsBetween(ACTIVITIES, model, fromMs, toMs);
      if (records.length > 0) await feeder.send(records);
      const want = feeder.stats().records;
      await until(() => app.collector.stats().records >= want, WAIT_INGEST_MS);
    };

    // The recorded history, at once; its devices are the inventory's baseline.
    await sendSlice(startMs - HISTORY_SECONDS * 1000, startMs);
    for (const a of ACTIVITIES) if (a.story && a.from === undefined) log.info({ story: a.story }, 'demo: recorded history replayed');
    await app.inventory.refresh();
    void app.scanner.runCycle('demo').catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'demo: first scan failed'));

    // Live: one slice every sliceMs, as an exporter with a short active timeout would send.
    let stopped = false;
    let wake: (() => void) | undefined;
    const live = (async () => {
      let last = startMs;
      while (!stopped) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.max(0, last + sliceMs - Date.now()));
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        if (stopped) break;
        const now = Date.now();
        try {
          for (const story of storiesBetween(ACTIVITIES, startMs, last, now)) log.info({ story }, 'demo: story');
          const joined = DEVICES.filter((d) => d.joinsAt !== undefined && startMs + d.joinsAt * 1000 >= last && startMs + d.joinsAt * 1000 < now);
          if (joined.length > 0) writeFileAtomic(leasesPath, leaseFile(DEVICES, startMs, now));
          await sendSlice(last, now);
          if (joined.length > 0) await app.inventory.refresh();
        } catch (err) {
          log.warn({ err: errorMessage(err) }, 'demo: live slice failed');
        }
        last = now;
      }
    })();
    cleanups.push(async () => {
      stopped = true;
      wake?.();
      await live;
    });

    const url = app.api?.url ?? `http://${o.webHost}:${o.webPort}/`;
    log.info(
      {
        dashboard: url,
        listener: `udp://127.0.0.1:${bindPort}`,
        data: dataDir,
        labHosts,
        labServices: lab.running.map((r) => `${r.spec.host}:${r.port}`),
        intel: intel.url,
      },
      'homesec demo is running (demo data: nothing here is your network)',
    );
    return {
      app,
      url,
      password,
      dataDir,
      bindPort,
      lab,
      intel,
      refused: () => guard.refused(),
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
