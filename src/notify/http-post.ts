/**
 * The bounded HTTP POST of the notification channels: the same rules as intel/http.ts
 * (which only GETs): an absolute deadline for headers and body from the injected Clock, a
 * response body cap, an optional caller AbortSignal, no redirects (a redirect could carry a
 * token to another host), and no throwing — every failure is a typed error. Error details
 * never carry the URL (Telegram's bot token is in the path), request headers or bodies, or
 * unsanitised server text.
 */
import type { Clock } from '../core/clock.js';
import type { HttpResponse, IntelErrorKind, Outcome } from '../intel/http.js';
import { cleanText } from '../intel/sanitise.js';

export type { HttpResponse, Outcome } from '../intel/http.js';

export interface PostOptions {
  headers?: Record<string, string>;
  /** Absolute deadline for the whole exchange. */
  timeoutMs: number;
  /** Response body bytes read at most (more: too_large). */
  maxBytes: number;
  clock: Clock;
  signal?: AbortSignal;
}

function networkDetail(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  return cleanText(code?.replace(/[^A-Za-z0-9_]/g, ''), 40) ?? 'connection failed';
}

/**
 * POSTs `body` (a string with the caller's content-type, or form fields) to `url` within the
 * deadline. Any HTTP status is a success here (callers classify it).
 */
export async function httpPost(url: string, body: string | URLSearchParams, opts: PostOptions): Promise<Outcome<HttpResponse>> {
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
        method: 'POST',
        headers: { 'user-agent': 'homesec', ...opts.headers },
        body,
        signal: ac.signal,
        redirect: 'error',
      });
    } catch (err) {
      if (why) return fail(why, why === 'timeout' ? `no answer within ${opts.timeoutMs} ms` : 'aborted');
      return fail('network', networkDetail(err));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      if (res.body) {
        for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
          size += chunk.byteLength;
          if (size > opts.maxBytes) {
            ac.abort();
            return fail('too_large', `answer over ${opts.maxBytes} bytes`, res.status);
          }
          chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        }
      }
    } catch (err) {
      if (why) return fail(why, why === 'timeout' ? `no complete answer within ${opts.timeoutMs} ms` : 'aborted', res.status);
      return fail('network', networkDetail(err), res.status);
    }
    return { ok: true, value: { status: res.status, headers: res.headers, body: Buffer.concat(chunks, size) } };
  } finally {
    opts.clock.clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
