/**
 * JSON calls of the HTTP block targets (OPNsense, MikroTik, Pi-hole) over the project's one
 * bounded client (core/http-client.ts: deadline, body cap, redirects refused, errors without
 * URL, headers or bodies). Rules: every failure becomes a TargetError whose text is safe to
 * log and show (a status and a kind, never a credential, a session id or server text);
 * non-2xx answers a caller wants to read (a per-entry refusal) are passed through with
 * `acceptStatus`; the caller's abort signal (the engine stopping) ends a call at once.
 */
import type { Clock } from '../../core/clock.js';
import { requestJson, type HttpMethod } from '../../core/http-client.js';
import { TargetError, type TargetErrorKind } from '../target.js';

export interface TargetHttpOptions {
  timeoutMs: number;
  clock: Clock;
  signal?: AbortSignal;
  /** Response bytes read at most (lists of thousands of entries fit). */
  maxBytes?: number;
}

export const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

/** `base` (no trailing slash needed) joined with an absolute `path`. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

/** An HTTP Basic Authorization header value. */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

const KIND: Record<string, TargetErrorKind> = {
  auth: 'auth',
  timeout: 'timeout',
  aborted: 'timeout',
  network: 'unreachable',
  malformed: 'protocol',
  too_large: 'protocol',
  rate_limited: 'refused',
  server: 'refused',
  bad_request: 'refused',
};

/**
 * Sends `method url` with `body` as JSON (when given) and returns the status and parsed
 * body (a blank body is null). Statuses outside 2xx and `acceptStatus` throw TargetError.
 */
export async function callJson(
  method: HttpMethod,
  url: string,
  opts: TargetHttpOptions & { headers?: Record<string, string>; body?: unknown; acceptStatus?: readonly number[] },
): Promise<{ status: number; json: unknown }> {
  const r = await requestJson(url, {
    method,
    headers: { accept: 'application/json', ...opts.headers },
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body), contentType: 'application/json' }),
    timeoutMs: opts.timeoutMs,
    maxBytes: opts.maxBytes ?? DEFAULT_MAX_BYTES,
    clock: opts.clock,
    ...(opts.signal ? { signal: opts.signal } : {}),
    redirect: 'error',
    blankIsNull: true,
    ...(opts.acceptStatus ? { acceptStatus: opts.acceptStatus } : {}),
  });
  if (r.ok) return r.value;
  const kind = KIND[r.error.kind] ?? 'protocol';
  const hint = kind === 'auth' ? ' (check the credentials and the user\'s permissions)' : '';
  throw new TargetError(kind, `${r.error.detail}${hint}`);
}
