/**
 * The notification channels' POST: the shared bounded client (core/http-client.ts, whose
 * module comment states the rules) with redirects always refused, since a redirect could
 * carry a token to another host. Errors never carry the URL (Telegram's bot token is in the
 * path), request headers or bodies.
 */
import { httpRequest, type HttpRequestOptions, type HttpResponse, type Outcome } from '../core/http-client.js';

export type { HttpResponse, Outcome } from '../core/http-client.js';

export type PostOptions = Pick<HttpRequestOptions, 'headers' | 'timeoutMs' | 'maxBytes' | 'clock' | 'signal'>;

/**
 * POSTs `body` (a string with the caller's content-type header, or form fields) to `url`
 * within the deadline, refusing redirects. Any HTTP status is a success (callers classify it).
 */
export function httpPost(url: string, body: string | URLSearchParams, opts: PostOptions): Promise<Outcome<HttpResponse>> {
  return httpRequest(url, { ...opts, method: 'POST', body, redirect: 'error' });
}
