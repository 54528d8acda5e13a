/**
 * The one bounded HTTP client of homesec (intel providers and feeds, notification channels,
 * DNS sources, and whoever imports intel/http.ts). Rules:
 * - Every request has an absolute deadline (headers AND body) driven by the injected Clock,
 *   and an optional caller AbortSignal; a deadline is `timeout`, a caller abort `aborted`.
 * - The response body is capped: a declared Content-Length over the cap fails at once, and
 *   reading stops (the connection is dropped) as soon as the cap is passed: `too_large`.
 * - Redirects are refused unless the caller asks to follow them (a redirect could carry a
 *   token or a key to another host); followed ones are followed here, hop by hop (at most
 *   MAX_REDIRECTS), so every hop passes the SSRF guard.
 * - SSRF: a URL (or redirect hop) that reaches homesec's own API is refused before any
 *   connection, as a `bad_request` with a detail saying why (self-guard.ts; the config key
 *   allow_self_requests lifts it).
 * - Nothing throws: every failure is a typed HttpError. An error `detail` never carries the
 *   URL (keys and tokens live in queries and paths), request headers or bodies (passwords),
 *   or server text beyond a sanitised error code, so secrets never reach a log, a status
 *   view or an exception (hostile-input #25, #28).
 * - Any HTTP status is a success of httpRequest (callers classify it); requestJson maps
 *   non-success statuses to typed errors with statusError.
 */
import type { Clock } from './clock.js';
import { ownEndpointRefusal } from './self-guard.js';

export type HttpErrorKind =
  | 'auth'
  | 'rate_limited'
  | 'server'
  | 'timeout'
  | 'malformed'
  | 'too_large'
  | 'network'
  | 'bad_request'
  | 'aborted';

/** A typed failure. `detail` is safe to show and log (a status or sanitised error code). */
export interface HttpError {
  kind: HttpErrorKind;
  status?: number;
  /** For rate_limited: how long to wait before asking again. */
  retryAfterMs?: number;
  detail: string;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: HttpError };

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface HttpRequestOptions {
  /** Default GET. */
  method?: HttpMethod;
  /** Request headers (lower-case names); they win over user-agent and contentType. */
  headers?: Record<string, string>;
  /** Request body; a URLSearchParams is sent as a form (fetch sets its content-type). */
  body?: string | Buffer | URLSearchParams;
  /** Content-Type sent with `body` (ignored without one). */
  contentType?: string;
  /** Absolute deadline for the whole exchange. */
  timeoutMs: number;
  /** Response body bytes read at most; more is a too_large error. */
  maxBytes: number;
  clock: Clock;
  signal?: AbortSignal;
  /** 'error' (the default) refuses redirects; 'follow' follows them (feeds). */
  redirect?: 'follow' | 'error';
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: Buffer;
}

export interface JsonResponse {
  status: number;
  json: unknown;
}

/** Redirect hops followed at most (fetch's own limit). */
export const MAX_REDIRECTS = 20;

/** Retry-After used when a 429 carries none (or an unusable one). */
export const DEFAULT_RETRY_AFTER_MS = 60_000;
/** Retry-After honoured at most (a day). */
export const MAX_RETRY_AFTER_MS = 86_400_000;

/**
 * Milliseconds to wait from a Retry-After header value (delay-seconds or an HTTP-date,
 * RFC 9110 §10.2.3), clamped to [0, MAX_RETRY_AFTER_MS]; undefined when absent or unusable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d{1,10}$/.test(v)) return Math.min(Number(v) * 1000, MAX_RETRY_AFTER_MS);
  if (v.length > 64 || !/^[A-Za-z]{3}/.test(v)) return undefined;
  const t = Date.parse(v);
  if (!Number.isFinite(t)) return undefined;
  return Math.min(Math.max(0, t - nowMs), MAX_RETRY_AFTER_MS);
}

/**
 * `v` reduced to the characters `allowed` (a negated class), looked at over its first
 * 4 × max characters, runs of spaces collapsed, trimmed and cut to `max`; undefined when
 * nothing is left. (The same result as intel/sanitise.ts cleanText on such a string.)
 */
function safeCode(v: string | undefined, allowed: RegExp, max: number): string | undefined {
  if (v === undefined) return undefined;
  const s = v.replace(allowed, '').slice(0, max * 4).replace(/\s+/g, ' ').trim().slice(0, max);
  return s === '' ? undefined : s;
}

/** The system error code of a failed fetch (e.g. ECONNREFUSED), or 'connection failed'. */
function networkDetail(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  return safeCode(code, /[^A-Za-z0-9_]/g, 40) ?? 'connection failed';
}

/**
 * Sends `method url` (with `body` when given) within the deadline and reads at most
 * `maxBytes` of the answer. Any HTTP status is a success; timeouts, caller aborts, oversize
 * bodies and connection failures are typed errors (with the status once headers arrived).
 * Never throws; never puts the URL, headers or body in an error.
 */
export async function httpRequest(url: string, opts: HttpRequestOptions): Promise<Outcome<HttpResponse>> {
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
  const fail = (kind: HttpErrorKind, detail: string, status?: number): Outcome<HttpResponse> => ({
    ok: false,
    error: status === undefined ? { kind, detail } : { kind, detail, status },
  });
  let method = opts.method ?? 'GET';
  let hasBody = opts.body !== undefined;
  try {
    let res: Response;
    for (let hop = 0; ; hop++) {
      const refused = await ownEndpointRefusal(url);
      if (refused) return fail('bad_request', refused);
      try {
        res = await fetch(url, {
          method,
          headers: { 'user-agent': 'homesec', ...(hasBody && opts.contentType ? { 'content-type': opts.contentType } : {}), ...opts.headers },
          ...(hasBody ? { body: opts.body } : {}),
          signal: ac.signal,
          redirect: opts.redirect === 'follow' ? 'manual' : 'error',
        });
      } catch (err) {
        if (why) return fail(why, why === 'timeout' ? `no answer within ${opts.timeoutMs} ms` : 'aborted');
        return fail('network', networkDetail(err));
      }
      const location = res.headers.get('location');
      if (opts.redirect !== 'follow' || ![301, 302, 303, 307, 308].includes(res.status) || location === null) break;
      await res.body?.cancel().catch(() => {});
      if (hop >= MAX_REDIRECTS) return fail('network', `more than ${MAX_REDIRECTS} redirects`, res.status);
      try {
        url = new URL(location, url).toString();
      } catch {
        return fail('malformed', 'redirect to an invalid location', res.status);
      }
      // As fetch does: 303, and 301/302 after a POST, continue as a GET without the body.
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET';
        hasBody = false;
      }
    }
    const declared = Number(res.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > opts.maxBytes) {
      ac.abort();
      return fail('too_large', `body over ${opts.maxBytes} bytes`, res.status);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    try {
      if (res.body) {
        for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
          size += chunk.byteLength;
          if (size > opts.maxBytes) {
            over = true;
            break;
          }
          chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        }
      }
    } catch (err) {
      if (!over) {
        if (why) return fail(why, why === 'timeout' ? `no complete answer within ${opts.timeoutMs} ms` : 'aborted', res.status);
        return fail('network', networkDetail(err), res.status);
      }
    }
    if (over) {
      ac.abort();
      return fail('too_large', `body over ${opts.maxBytes} bytes`, res.status);
    }
    return { ok: true, value: { status: res.status, headers: res.headers, body: Buffer.concat(chunks, size) } };
  } finally {
    opts.clock.clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Maps a non-success status to a typed error: 401/403 auth, 429 rate_limited (with
 * Retry-After, default DEFAULT_RETRY_AFTER_MS), 5xx server, other 4xx bad_request.
 * `code` is a provider error code (e.g. VirusTotal's QuotaExceededError), sanitised.
 */
export function statusError(status: number, headers: Headers, nowMs: number, code?: string): HttpError {
  const c = safeCode(code, /[^A-Za-z0-9_ .-]/g, 64);
  const detail = c ? `HTTP ${status} ${c}` : `HTTP ${status}`;
  if (status === 401 || status === 403) return { kind: 'auth', status, detail };
  if (status === 429) {
    return { kind: 'rate_limited', status, detail, retryAfterMs: parseRetryAfter(headers.get('retry-after'), nowMs) ?? DEFAULT_RETRY_AFTER_MS };
  }
  if (status >= 500) return { kind: 'server', status, detail };
  return { kind: 'bad_request', status, detail };
}

export interface JsonRequestOptions extends HttpRequestOptions {
  /** Non-2xx statuses whose body is still an answer (e.g. Shodan's 404 "no information"). */
  acceptStatus?: readonly number[];
  /** Names the provider's error in a parsed non-accepted body (shown after the status). */
  errorCode?: (json: unknown) => string | undefined;
  /** A blank (empty or whitespace) body reads as null instead of malformed. Default false. */
  blankIsNull?: boolean;
}

/**
 * httpRequest, then JSON: 2xx bodies (and statuses in `acceptStatus`) must parse as JSON or
 * the result is `malformed`; any other status becomes a statusError, using
 * `errorCode(json)` to name the provider's error when the body has one.
 */
export async function requestJson(url: string, opts: JsonRequestOptions): Promise<Outcome<JsonResponse>> {
  const r = await httpRequest(url, opts);
  if (!r.ok) return r;
  const { status, headers, body } = r.value;
  const text = body.toString('utf8');
  let json: unknown;
  let parsed = false;
  if (opts.blankIsNull && text.trim() === '') {
    json = null;
    parsed = true;
  } else {
    try {
      json = JSON.parse(text);
      parsed = true;
    } catch {
      /* judged below */
    }
  }
  const accepted = (status >= 200 && status < 300) || (opts.acceptStatus?.includes(status) ?? false);
  if (!accepted) return { ok: false, error: statusError(status, headers, opts.clock.now(), parsed ? opts.errorCode?.(json) : undefined) };
  if (!parsed) return { ok: false, error: { kind: 'malformed', status, detail: `HTTP ${status} body is not JSON` } };
  return { ok: true, value: { status, json } };
}

/** A one-line, secret-free description of a typed error for status views and logs. */
export function describeHttpError(e: HttpError): string {
  return `${e.kind}: ${e.detail}`;
}
