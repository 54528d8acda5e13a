/**
 * `homesec scan [targets...]`: one active scan cycle from the command line, with a progress
 * bar on a terminal, a table (or JSON) of what was found, and the results saved like a
 * daemon cycle (SQLite + homesec_hosts.yaml). Rules: targets are IP addresses or CIDRs and
 * are validated before anything is sent (a CIDR is swept only because the user named it);
 * with no targets, the hosts observed in flows (devices table) plus scan_discovery_ranges
 * are scanned, as the daemon would; service output is untrusted text and is printed with
 * control characters already escaped by the scanner.
 */
import { SingleBar } from 'cli-progress';
import { isIP } from 'node:net';
import { createScanApp } from '../app.js';
import type { Config } from '../config/schema.js';
import { parseCidr } from '../config/fields.js';
import { HomesecError } from '../core/errors.js';
import type { Log } from '../core/logger.js';
import type { ScanProgress } from '../scan/scanner.js';
import { scanTargets } from '../scan/targets.js';
import type { HostScan } from '../scan/types.js';

/** Expands CLI target arguments (IPs and CIDRs) within `max`; throws USAGE on a bad one. */
export function expandTargets(args: readonly string[], exceptions: readonly string[], max: number): { targets: string[]; skipped: number } {
  const ips: string[] = [];
  const ranges: string[] = [];
  for (const a of args) {
    if (isIP(a) !== 0) ips.push(a);
    else {
      try {
        ranges.push(parseCidr(a));
      } catch (err) {
        throw new HomesecError('INVALID_ARGUMENT', `scan target ${JSON.stringify(a.slice(0, 80))} is not an IP address or CIDR: ${(err as Error).message}`);
      }
    }
  }
  const t = scanTargets({ observed: ips, ranges, exceptions, max });
  return { targets: t.targets, skipped: t.skipped };
}

function describeService(h: HostScan): string[] {
  return h.services.map((s) => {
    const prod = [s.productName ?? s.product, s.version].filter(Boolean).join(' ');
    const tech = s.http?.technologies.map((t) => (t.version ? `${t.name} ${t.version}` : t.name)).join(', ');
    const title = s.http?.title ? ` "${s.http.title}"` : '';
    return `  ${String(s.port).padStart(5)}/tcp  ${s.name.padEnd(12)} ${prod}${s.extra ? ` (${s.extra})` : ''}${title}${tech ? `  [${tech}]` : ''}`;
  });
}

/** Formats scan results as the human-readable report. */
export function formatScanReport(hosts: readonly HostScan[]): string {
  const out: string[] = [];
  for (const h of hosts) {
    if (!h.alive) continue;
    const ping = h.pingMs !== undefined ? `${h.pingMs.toFixed(2)} ms` : 'no ping';
    const os = h.os && h.os.family !== 'unknown' ? `${h.os.family}${h.os.detail ? ` (${h.os.detail})` : ''} ${h.os.confidence}%` : 'OS unknown';
    out.push(`${h.ip}  up (${h.aliveBy}, ${ping}${h.ttl !== undefined ? `, ttl ${h.ttl}` : ''})  ${os}`);
    out.push(`  open ${h.openPorts.length}, closed ${h.closedCount}, filtered ${h.filteredCount}`);
    out.push(...describeService(h));
    if (h.hints.length) out.push(`  hints: ${h.hints.join('; ')}`);
  }
  const alive = hosts.filter((h) => h.alive).length;
  out.push(`${hosts.length} hosts scanned, ${alive} up, ${hosts.reduce((n, h) => n + h.openPorts.length, 0)} open ports`);
  return `${out.join('\n')}\n`;
}

export interface ScanCommandOptions {
  json?: boolean;
  progress?: boolean;
}

/** Runs the command; returns the hosts scanned. */
export async function scanCommand(config: Config, args: readonly string[], o: ScanCommandOptions, log: Log): Promise<HostScan[]> {
  const app = createScanApp(config, { log });
  await app.start();
  const bar = o.progress ? new SingleBar({ format: '{phase} [{bar}] {value}/{total}', clearOnComplete: true, stream: process.stderr, hideCursor: true }) : undefined;
  let phase = '';
  const onProgress = (p: ScanProgress): void => {
    if (!bar) return;
    if (p.phase !== phase) {
      if (phase) bar.stop();
      phase = p.phase;
      bar.start(p.total, p.done, { phase: p.phase.padEnd(9) });
    }
    bar.setTotal(p.total);
    bar.update(p.done, { phase: p.phase.padEnd(9) });
  };
  try {
    let targets: string[] | undefined;
    if (args.length > 0) {
      const t = expandTargets(args, config.scan_exceptions, config.scan_max_hosts);
      if (t.skipped > 0) process.stderr.write(`homesec: ${t.skipped} targets over scan_max_hosts (${config.scan_max_hosts}) skipped\n`);
      targets = t.targets;
    }
    const hosts = await app.scanner.runCycle('cli', targets, onProgress);
    bar?.stop();
    process.stdout.write(o.json ? `${JSON.stringify(hosts, null, 2)}\n` : formatScanReport(hosts));
    return hosts;
  } finally {
    bar?.stop();
    await app.stop();
  }
}
