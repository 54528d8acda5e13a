/**
 * Logging. Rules: pino, JSON by default, human-readable when stdout is a terminal (or
 * log_format=pretty). Secrets never reach a log: every config key marked secret and common
 * credential fields are redacted by path. pino JSON-escapes control characters, so
 * attacker-controlled strings cannot inject terminal escapes into a JSON log; pretty output
 * is for a person at a terminal and strips control characters as well.
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';

export type Log = Logger;

export interface LoggerConfig {
  level: string;
  format: 'json' | 'pretty' | 'auto';
  /** Config keys whose values must never be logged. */
  secretKeys: readonly string[];
}

const ALWAYS_REDACT = [
  'password',
  'token',
  'apiKey',
  'api_key',
  'authorization',
  'headers.authorization',
  'headers["x-apikey"]',
  'headers["x-api-key"]',
  'headers.key',
  'headers.cookie',
];

/** Builds the process logger writing to `destination` (stdout by default). */
export function createLogger(cfg: LoggerConfig, destination: NodeJS.WritableStream = process.stdout): Log {
  const paths = [...new Set([...ALWAYS_REDACT, ...cfg.secretKeys, ...cfg.secretKeys.map((k) => `*.${k}`)])];
  const opts: LoggerOptions = {
    level: cfg.level,
    base: undefined,
    redact: { paths, censor: '***' },
  };
  const usePretty = cfg.format === 'pretty' || (cfg.format === 'auto' && (destination as { isTTY?: boolean }).isTTY === true);
  if (usePretty) {
    const stream = pretty({
      sync: true,
      destination,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname',
      customPrettifiers: {},
    });
    return pino(opts, stream);
  }
  return pino(opts, destination as DestinationStream);
}

/** A logger that drops everything (tests, tools). */
export function createSilentLogger(): Log {
  return pino({ level: 'silent' });
}
