/**
 * The one bounded HTTP client of intel (providers and feeds). Rules: every request has an
 * absolute deadline (headers AND body) driven by the injected Clock, a body cap (reading
 * stops and the connection is dropped past it), and an optional caller AbortSignal. Nothing
 * throws: every failure is a typed IntelError. Error details never carry the URL, headers
 * or any server text beyond a sanitised provider error code, so API keys (Shodan's is in the
 * query string) can never reach a log, a stats view or an exception (hostile-input #25, #28).
 */
import type { Clock } from '../core/clock.js';
import { cleanText } from './sanitise.js';

export type IntelErrorKind =
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
export interface IntelError {
  kind: IntelErrorKind;
  status?: number;
  /** For rate_limited: how long to wait before asking again. */
  retryAfterMs?: number;
  detail: string;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: IntelError };

export interface HttpRequestOptions {
  headers?: Record<string, string>;
  /** Absolute deadline for the whole exchange. */
  timeoutMs: number;
  /** Body bytes read at most; more is a too_large error. */
  maxBytes: number;
  clock: Clock;
  signal?: AbortSignal;
  /** Providers never follow redirects; feeds may. Default 'error'. */
  redirect?: 'follow' | 'error';
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: Buffer;
}

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

function networkDetail(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  return cleanText(code?.replace(/[^A-Za-z0-9_]/g, ''), 40) ?? 'connection failed';
}

/**
 * GETs `url` within the deadline and body cap. Any HTTP status is a success here (callers
 * classify it); timeouts, caller aborts, oversize bodies and connection failures are errors.
 */
export async function httpGet(url: string, opts: HttpRequestOptions): Promise<Outcome<HttpResponse>> {
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
  const fail = (kind: IntelErrorKind, detail: string, status?: number): Outcome<HttpResponse> => ({
    ok: false,
    error: status === undefined ? { kind, detail } : { kind, detail, status },
  });
  try {
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { 'user-agent': 'homesec', ...opts.headers },
        signal: ac.signal,
        redirect: opts.redirect ?? 'error',
      });
    } catch (err) {
      if (why) return fail(why, why === 'timeout' ? `no answer within ${opts.timeoutMs} ms` : 'aborted');
      return fail('network', networkDetail(err));
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

export interface JsonResponse {
  status: number;
  json: unknown;
}

/**
 * Maps a non-success status to a typed error: 401/403 auth, 429 rate_limited (with
 * Retry-After, default DEFAULT_RETRY_AFTER_MS), 5xx server, other 4xx bad_request.
 * `code` is a provider error code (e.g. VirusTotal's QuotaExceededError), sanitised.
 */
export function statusError(status: number, headers: Headers, nowMs: number, code?: string): IntelError {
  const c = cleanText(code?.replace(/[^A-Za-z0-9_ .-]/g, ''), 64);
  const detail = c ? `HTTP ${status} ${c}` : `HTTP ${status}`;
  if (status === 401 || status === 403) return { kind: 'auth', status, detail };
  if (status === 429) {
    return { kind: 'rate_limited', status, detail, retryAfterMs: parseRetryAfter(headers.get('retry-after'), nowMs) ?? DEFAULT_RETRY_AFTER_MS };
  }
  if (status >= 500) return { kind: 'server', status, detail };
  return { kind: 'bad_request', status, detail };
}

/**
 * GETs JSON. 2xx bodies (and statuses listed in `acceptStatus`, e.g. Shodan's 404 "no
 * information") must parse as JSON or the result is `malformed`; any other status becomes a
 * statusError, using `errorCode(json)` to name the provider's error when the body has one.
 */
export async function getJson(
  url: string,
  opts: HttpRequestOptions & { acceptStatus?: readonly number[]; errorCode?: (json: unknown) => string | undefined },
): Promise<Outcome<JsonResponse>> {
  const r = await httpGet(url, opts);
  if (!r.ok) return r;
  const { status, headers, body } = r.value;
  let json: unknown;
  let parsed = false;
  try {
    json = JSON.parse(body.toString('utf8'));
    parsed = true;
  } catch {
    /* judged below */
  }
  const accepted = (status >= 200 && status < 300) || (opts.acceptStatus?.includes(status) ?? false);
  if (!accepted) return { ok: false, error: statusError(status, headers, opts.clock.now(), parsed ? opts.errorCode?.(json) : undefined) };
  if (!parsed) return { ok: false, error: { kind: 'malformed', status, detail: `HTTP ${status} body is not JSON` } };
  return { ok: true, value: { status, json } };
}
