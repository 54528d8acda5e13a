/**
 * Test support: runs the real homesec CLI as a child process (node + tsx, one process, so
 * signals reach the daemon itself) and reads its JSON log lines. With HOMESEC_TEST_DIST=1 and
 * a build in dist/ (npm run build), the compiled CLI runs instead (what load figures need:
 * tsx runs the same code 2-4x slower).
 */
import fs from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Daemon {
  proc: ChildProcess;
  lines: Record<string, unknown>[];
  stderr: string[];
  /** Resolves with the first log line whose msg matches. */
  waitFor(msg: string | RegExp, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code/signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `homesec <args>` with JSON logs. The active scanner, threat intel and NVD/KEV are off unless
 * `env` turns them on: test flows name addresses outside any test namespace, which must never
 * be probed or looked up, and the default feeds and providers are public hosts.
 */
export function startDaemon(args: string[], env: NodeJS.ProcessEnv = {}): Daemon {
  const dist = path.join(ROOT, 'dist/src/main.js');
  const entry = process.env.HOMESEC_TEST_DIST === '1' && fs.existsSync(dist) ? [dist] : ['--import', 'tsx', path.join(ROOT, 'src/main.ts')];
  const proc = spawn(process.execPath, [...entry, ...args], {
    cwd: ROOT,
    env: { ...process.env, HOMESEC_LOG_FORMAT: 'json', HOMESEC_ENABLE_SCANNER: 'false', HOMESEC_ENABLE_THREAT_INTEL: 'false', HOMESEC_ENABLE_NVD: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const waiters: { re: RegExp; resolve: (l: Record<string, unknown>) => void }[] = [];
  let buf = '';
  proc.stdout?.on('data', (chunk: Buffer) => {
    buf += chunk.toString('utf8');
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const text = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        for (const w of [...waiters]) {
          if (w.re.test(String(line.msg))) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      } catch {
        stderr.push(`non-JSON stdout: ${text}`);
      }
    }
  });
  proc.stderr?.on('data', (c: Buffer) => stderr.push(c.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    proc,
    lines,
    stderr,
    exited,
    waitFor(msg, timeoutMs = 20_000) {
      const re = typeof msg === 'string' ? new RegExp(msg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : msg;
      const found = lines.find((l) => re.test(String(l.msg)));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for log "${re}"; stderr: ${stderr.join('')}`)), timeoutMs);
        waiters.push({
          re,
          resolve: (l) => {
            clearTimeout(t);
            resolve(l);
          },
        });
        void exited.then(() => reject(new Error(`daemon exited before "${re}"; stderr: ${stderr.join('')}`)));
      });
    },
  };
}

/** A free TCP port on loopback. */
export async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** A free UDP port on loopback. */
export async function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}
