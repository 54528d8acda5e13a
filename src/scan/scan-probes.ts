/**
 * The real probes a scan cycle uses (system ping, TCP connect scan, service probing, OS and
 * device-hint rules), bundled for the scanner and the CLI. Rules: the only place that binds
 * the scan cycle to the network; tests of the cycle inject fakes instead.
 */
import { availableParallelism } from 'node:os';
import { createParallelConnectScan } from './parallel-connect-scan.js';
import { ping } from './ping.js';
import type { ScanCycleDeps } from './scan-cycle.js';
import { deviceHints, guessOs } from './service/os-guess.js';
import { probeService } from './service-probe.js';

export interface ScanProbeOptions {
  serviceTimeoutMs: number;
  pingWaitSeconds: number;
  pingPath?: string;
  httpFingerprint?: boolean;
  idleMs?: number;
  /** Worker threads of the connect scan (default: one per core, at most 4). */
  scanWorkers?: number;
}

export type ScanProbes = Omit<ScanCycleDeps, 'now'> & { close(): Promise<void> };

/** The network-bound dependencies of runScanCycle; close() ends the scan worker threads. */
export function createScanProbes(o: ScanProbeOptions): ScanProbes {
  const parallel = createParallelConnectScan(o.scanWorkers ?? Math.min(4, availableParallelism()));
  const svc = { timeoutMs: o.serviceTimeoutMs, idleMs: o.idleMs ?? 250, httpFingerprint: o.httpFingerprint ?? true };
  return {
    ping: (ip, signal) => ping(ip, o.pingWaitSeconds, o.pingPath, signal),
    scanPorts: (hosts, opts) => parallel.scan(hosts, opts),
    identify: (ip, port, signal) => probeService(ip, port, svc, signal),
    guessOs: (input) => guessOs(input),
    deviceHints: (open, services) => deviceHints(open, services),
    close: () => parallel.close(),
  };
}
