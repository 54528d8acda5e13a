/**
 * Bounded JSON requests with a method and a body (POST /api/auth, DELETE /api/auth of
 * Pi-hole v6), the counterpart of intel/http.ts getJson (which the sources use for GETs).
 * Same rules as intel/http.ts: an absolute deadline driven by the injected Clock, a body
 * cap, no redirects, never throws, and errors are typed IntelErrors whose detail never
 * carries the URL, headers, the request body (passwords) or server text.
 */
import type { Clock } from '../../core/clock.js';
import { statusError, type IntelError, type JsonResponse, type Outcome } from '../../intel/http.js';

export interface SendOptions {
  headers?: Record<string, string>;
  timeoutMs: number;
  maxBytes: number;
  clock: Clock;
  signal?: AbortSignal;
}

/**
 * Sends `method url` with `body` as JSON (when given). 2xx bodies must be JSON (an empty
 * body reads as null); other statuses become statusError (auth, rate_limited, server, ...).
 */
export async function sendJson(method: 'POST' | 'DELETE' | 'PUT', url: string, body: unknown, opts: SendOptions): Promise<Outcome<JsonResponse>> {
  const ac = new AbortController();
  let why: 'timeout' | 'aborted' | undefined;
  const timer = opts.clock.setTimeout(() => {
    why = 'timeout';
    ac.abort();
  }, opts.timeoutMs);
  const onAbort = () => {
    why ??= 'aborted';
    ac.abort();
  };
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const fail = (e: IntelError): Outcome<JsonResponse> => ({ ok: false, error: e });
  try {
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { 'user-agent': 'homesec', accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...opts.headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: ac.signal,
        redirect: 'error',
      });
    } catch {
      if (why) return fail({ kind: why, detail: why === 'timeout' ? `no answer within ${opts.timeoutMs} ms` : 'aborted' });
      return fail({ kind: 'network', detail: 'connection failed' });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      if (res.body) {
        for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
          size += chunk.byteLength;
          if (size > opts.maxBytes) {
            ac.abort();
            return fail({ kind: 'too_large', status: res.status, detail: `body over ${opts.maxBytes} bytes` });
          }
          chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        }
      }
    } catch {
      if (why) return fail({ kind: why, status: res.status, detail: why === 'timeout' ? `no complete answer within ${opts.timeoutMs} ms` : 'aborted' });
      return fail({ kind: 'network', status: res.status, detail: 'connection failed' });
    }
    if (res.status < 200 || res.status >= 300) return fail(statusError(res.status, res.headers, opts.clock.now()));
    const text = Buffer.concat(chunks, size).toString('utf8');
    if (text.trim() === '') return { ok: true, value: { status: res.status, json: null } };
    try {
      return { ok: true, value: { status: res.status, json: JSON.parse(text) as unknown } };
    } catch {
      return fail({ kind: 'malformed', status: res.status, detail: `HTTP ${res.status} body is not JSON` });
    }
  } finally {
    opts.clock.clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** A one-line, secret-free description of a typed error for status views and logs. */
export function describeError(e: IntelError): string {
  return `${e.kind}: ${e.detail}`;
}
