/**
 * Bounded JSON requests with a method and a body (POST /api/auth, DELETE /api/auth of
 * Pi-hole v6): the shared client (core/http-client.ts, whose module comment states the
 * rules) with redirects refused and a blank answer read as null. Errors never carry the URL,
 * headers, the request body (passwords) or server text; a connection failure is only
 * "connection failed".
 */
import { requestJson, type HttpRequestOptions, type JsonResponse, type Outcome } from '../../core/http-client.js';

export { describeHttpError as describeError } from '../../core/http-client.js';

export type SendOptions = Pick<HttpRequestOptions, 'headers' | 'timeoutMs' | 'maxBytes' | 'clock' | 'signal'>;

/**
 * Sends `method url` with `body` as JSON (when given). 2xx bodies must be JSON (a blank
 * body reads as null); other statuses become statusError (auth, rate_limited, server, ...).
 */
export async function sendJson(method: 'POST' | 'DELETE' | 'PUT', url: string, body: unknown, opts: SendOptions): Promise<Outcome<JsonResponse>> {
  const r = await requestJson(url, {
    ...opts,
    method,
    headers: { accept: 'application/json', ...opts.headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body), contentType: 'application/json' }),
    redirect: 'error',
    blankIsNull: true,
  });
  return r.ok || r.error.kind !== 'network' ? r : { ok: false, error: { ...r.error, detail: 'connection failed' } };
}
