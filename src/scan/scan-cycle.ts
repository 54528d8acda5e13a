/**
 * One scan cycle over a target list: ICMP echo and the TCP connect scan run together, then
 * every open port of a live host is identified, then the OS is guessed. Rules: a host is
 * alive when it answered ICMP or any TCP probe (open or refused) — the reference's "even
 * when hosts block ping"; service identification is bounded by its own concurrency and by
 * the per-conversation deadline inside `identify`; an abort signal stops new work and the
 * cycle returns what it has. Pure orchestration: the probes themselves are injected so the
 * cycle is testable without a network.
 */
import { connectScan, type ConnectScanOptions, type PortScanResult } from './connect-scan.js';
import { createLimiter } from './limiter.js';
import type { PingResult } from './ping.js';
import type { HostScan, OsGuess, Service } from './types.js';

export type ScanPhase = 'discovery' | 'services';

export interface ScanCycleDeps {
  /** One ICMP echo; `signal` ends the wait early (the cycle stops waiting once TCP answered). */
  ping?: (ip: string, signal?: AbortSignal) => Promise<PingResult>;
  scanPorts: (hosts: readonly string[], opts: ConnectScanOptions) => Promise<Map<string, PortScanResult>>;
  identify: (ip: string, port: number, signal?: AbortSignal) => Promise<Service>;
  guessOs: (input: { ttl?: number; openPorts: number[]; services: Service[] }) => OsGuess;
  deviceHints: (openPorts: number[], services: Service[]) => string[];
  now: () => number;
}

export interface ScanCycleOptions extends Omit<ConnectScanOptions, 'onProgress'> {
  serviceDetection: boolean;
  serviceConcurrency: number;
  pingConcurrency: number;
  onProgress?: (phase: ScanPhase, done: number, total: number) => void;
}

/** The default port scanner (the real connect scan). */
export const defaultScanPorts = connectScan;

/** Runs the cycle; resolves with one HostScan per target, in target order. */
export async function runScanCycle(targets: readonly string[], opts: ScanCycleOptions, deps: ScanCycleDeps): Promise<HostScan[]> {
  const started = new Map<string, number>(targets.map((t) => [t, deps.now()]));
  // ICMP runs beside the port scan. A host that answered TCP no longer needs its echo for
  // liveness: once its services are identified, a still-pending echo (ICMP blocked) is cut
  // short instead of holding the cycle for the whole ping wait.
  const pingLim = createLimiter(opts.pingConcurrency);
  const pingAbort = targets.map(() => new AbortController());
  const onCycleAbort = (): void => pingAbort.forEach((a) => a.abort());
  opts.signal?.addEventListener('abort', onCycleAbort, { once: true });
  const pingResults: (PingResult | undefined)[] = targets.map(() => undefined);
  const pinging = deps.ping
    ? Promise.all(
        targets.map((ip, i) =>
          pingLim.run(async () => {
            pingResults[i] = pingAbort[i]!.signal.aborted ? { alive: false } : await deps.ping!(ip, pingAbort[i]!.signal);
          }),
        ),
      )
    : Promise.resolve([]);
  const ports = await deps.scanPorts(targets, { ...opts, onProgress: (d, t) => opts.onProgress?.('discovery', d, t) });

  const hosts: HostScan[] = targets.map((ip) => {
    const r = ports.get(ip) ?? { ip, open: [], closed: [], filtered: [], unreachable: true };
    const tcpAlive = r.open.length > 0 || r.closed.length > 0;
    const h: HostScan = {
      ip,
      alive: tcpAlive,
      aliveBy: tcpAlive ? 'tcp' : 'none',
      openPorts: r.open,
      closedCount: r.closed.length,
      filteredCount: r.filtered.length,
      services: [],
      hints: [],
      scannedAtMs: 0,
      durationMs: 0,
    };
    if (tcpAlive && r.rttMs !== undefined) h.pingMs = r.rttMs;
    return h;
  });

  if (opts.serviceDetection) {
    const lim = createLimiter(opts.serviceConcurrency);
    const jobs = hosts.flatMap((h) => h.openPorts.map((port) => ({ h, port })));
    let done = 0;
    opts.onProgress?.('services', 0, jobs.length);
    await Promise.all(
      jobs.map(({ h, port }) =>
        lim.run(async () => {
          if (opts.signal?.aborted) return;
          const svc = await deps.identify(h.ip, port, opts.signal);
          h.services.push(svc);
          opts.onProgress?.('services', ++done, jobs.length);
        }),
      ),
    );
    for (const h of hosts) h.services.sort((a, b) => a.port - b.port);
  }

  hosts.forEach((h, i) => {
    if (h.alive) pingAbort[i]!.abort();
  });
  await pinging;
  opts.signal?.removeEventListener('abort', onCycleAbort);
  hosts.forEach((h, i) => {
    const p = pingResults[i];
    if (!p?.alive) return;
    h.alive = true;
    h.aliveBy = 'icmp';
    if (p.rttMs !== undefined) h.pingMs = p.rttMs;
    if (p.ttl !== undefined) h.ttl = p.ttl;
  });

  const end = deps.now();
  for (const h of hosts) {
    if (h.alive) {
      h.os = deps.guessOs({ ttl: h.ttl, openPorts: h.openPorts, services: h.services });
      h.hints = deps.deviceHints(h.openPorts, h.services);
    }
    h.scannedAtMs = end;
    h.durationMs = end - (started.get(h.ip) ?? end);
  }
  return hosts;
}
