/**
 * `homesec demo`: runs the demo (src/demo/demo.ts) until Ctrl-C, SIGTERM or --duration.
 * Rules: the demo never reads the user's configuration — homesec.yaml is not opened and
 * HOMESEC_* variables are ignored with a warning, except HOMESEC_LOG_LEVEL and
 * HOMESEC_LOG_FORMAT; the dashboard keeps its login (the first-run password is printed on
 * standard error with the address, never logged); a dashboard address outside loopback is
 * allowed (e.g. in a container) with a warning; a second signal exits at once; the exit code
 * follows the CLI's rules (69 when a port is taken).
 */
import { HomesecError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import type { Config } from '../config/schema.js';
import { startDemo } from '../demo/demo.js';
import { isLoopbackDestination } from '../demo/loopback-guard.js';
import { LAB_HOSTS } from '../demo/scenario.js';

export interface DemoCommandOptions {
  webHost: string;
  webPort: string;
  bindPort?: string;
  dataDir?: string;
  keep?: boolean;
  duration?: string;
  logLevel?: string;
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const FORMATS = ['auto', 'json', 'pretty'] as const;
const HONOURED_ENV = new Set(['HOMESEC_LOG_LEVEL', 'HOMESEC_LOG_FORMAT']);

function portArg(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new HomesecError('INVALID_ARGUMENT', `${name}: expected a port number 1-65535 (got ${JSON.stringify(text.slice(0, 20))})`);
  return n;
}

function pick<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T, name: string): T {
  if (value === undefined || value === '') return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new HomesecError('INVALID_ARGUMENT', `${name}: expected one of ${allowed.join(', ')} (got ${JSON.stringify(value.slice(0, 20))})`);
}

/** Runs the demo until stopped; resolves after a clean stop. */
export async function demoCommand(o: DemoCommandOptions, version: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const webPort = portArg('--web-port', o.webPort);
  const bindPort = o.bindPort === undefined ? undefined : portArg('--bind-port', o.bindPort);
  const duration = o.duration === undefined ? undefined : Number(o.duration);
  if (duration !== undefined && !(duration > 0 && duration <= 7 * 24 * 3600)) throw new HomesecError('INVALID_ARGUMENT', '--duration: expected seconds, more than 0');
  const logLevel: Config['log_level'] = pick(o.logLevel ?? env.HOMESEC_LOG_LEVEL, LEVELS, 'info', 'log level');
  const logFormat: Config['log_format'] = pick(env.HOMESEC_LOG_FORMAT, FORMATS, 'auto', 'HOMESEC_LOG_FORMAT');
  const base = createLogger({ level: logLevel, format: logFormat, secretKeys: [] });
  const log = base.child({ demo: true });

  for (const name of Object.keys(env)) {
    if (name.startsWith('HOMESEC_') && !HONOURED_ENV.has(name)) log.warn({ variable: name }, 'demo: environment variable ignored (the demo never reads your configuration)');
  }
  if (!isLoopbackDestination(o.webHost)) log.warn({ webHost: o.webHost }, 'demo: the dashboard listens beyond loopback; it still asks for the password');

  const demo = await startDemo({ log: base, version, webHost: o.webHost, webPort, bindPort, dataDir: o.dataDir, keep: o.keep, logLevel, logFormat });
  process.stderr.write(
    [
      '',
      'homesec demo: everything shown is DEMO DATA (a recorded home network), not your network.',
      `  Dashboard: ${demo.url}`,
      demo.password ? `  Password:  ${demo.password}` : '  Password:  (the one already set in this data directory)',
      `  Flows:     NetFlow v9 from a simulated router to udp://127.0.0.1:${demo.bindPort} (30 minutes of history, then live)`,
      `  Scanned:   only the demo's own services on ${LAB_HOSTS.join(', ')}; nothing else is scanned or contacted`,
      `  Data:      ${demo.dataDir}${o.dataDir || o.keep ? ' (kept)' : ' (deleted on exit; --keep keeps it)'}`,
      '  Within a minute: beaconing, a blocklisted C2, telnet to the internet, a big upload, a new device, a port scan, CVEs.',
      duration ? `  Stops by itself after ${duration} s (or Ctrl-C).` : '  Stop with Ctrl-C.',
      '',
      '',
    ].join('\n'),
  );

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (why: string) => {
      if (stopping) {
        log.warn({ why }, 'second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      log.info({ why }, 'demo: stopping');
      void demo.stop().then(() => {
        log.info('demo: stopped');
        resolve();
      });
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    if (duration !== undefined) setTimeout(() => stop('duration'), duration * 1000).unref();
  });
}
