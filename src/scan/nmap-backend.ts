/**
 * The optional nmap backend (scan_use_nmap). Rules (hostile-input catalogue 24): nmap gets
 * an argv array, never a shell; targets are re-validated as IP literals here (nothing that
 * could be read as an option reaches nmap), ports are integers formatted by us. The run is
 * bounded in time (killed at the deadline) and output (64 MiB). OS detection (-O) is asked
 * for only when running as root, since nmap needs raw sockets for it.
 */
import { execFile } from 'node:child_process';
import { isIP } from 'node:net';
import { formatPortSpec } from '../config/fields.js';
import { parseNmapXml, type NmapHost } from './nmap-xml.js';

export interface NmapOptions {
  path: string;
  ports: readonly number[];
  serviceDetection: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** The argv homesec passes to nmap for these targets (exported for tests). */
export function nmapArgs(targets: readonly string[], opts: Pick<NmapOptions, 'ports' | 'serviceDetection'>, root: boolean): string[] {
  for (const t of targets) if (isIP(t) === 0) throw new Error(`nmap target is not an IP address: ${JSON.stringify(t.slice(0, 64))}`);
  for (const p of opts.ports) if (!Number.isInteger(p) || p < 1 || p > 65535) throw new Error(`nmap port out of range: ${p}`);
  const args = ['-sT', '-Pn', '-n', '-T4', '-p', formatPortSpec([...opts.ports]), '-oX', '-'];
  if (opts.serviceDetection) args.push('-sV', '--version-light');
  if (root) args.push('-O', '--osscan-limit');
  if (targets.some((t) => isIP(t) === 6)) args.push('-6');
  return [...args, ...targets];
}

/** Runs nmap; resolves with its parsed hosts or rejects with a message naming the failure. */
export function runNmap(targets: readonly string[], opts: NmapOptions): Promise<NmapHost[]> {
  if (targets.length === 0) return Promise.resolve([]);
  const args = nmapArgs(targets, opts, process.getuid?.() === 0);
  return new Promise((resolve, reject) => {
    execFile(
      opts.path,
      args,
      { timeout: opts.timeoutMs, maxBuffer: 64 * 1024 * 1024, signal: opts.signal, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        if (err) {
          const code = (err as NodeJS.ErrnoException).code;
          const why = code === 'ENOENT' ? `nmap not found at ${opts.path}` : String(stderr).trim().split('\n')[0]?.slice(0, 200) || err.message;
          return reject(new Error(`nmap failed: ${why}`));
        }
        resolve(parseNmapXml(String(stdout)));
      },
    );
  });
}
