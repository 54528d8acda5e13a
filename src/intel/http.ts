/**
 * Intel's names for the shared bounded HTTP client (core/http-client.ts, whose module comment
 * states the rules: deadline on the injected Clock, body cap, abort, redirects refused unless
 * asked, never throws, no URL/header/key in an error). Providers and feeds only GET.
 */
import { httpRequest, requestJson, type HttpRequestOptions as RequestOptions, type HttpResponse, type JsonRequestOptions, type JsonResponse, type Outcome } from '../core/http-client.js';

export {
  DEFAULT_RETRY_AFTER_MS,
  MAX_RETRY_AFTER_MS,
  parseRetryAfter,
  statusError,
  type HttpError as IntelError,
  type HttpErrorKind as IntelErrorKind,
  type HttpResponse,
  type JsonResponse,
  type Outcome,
} from '../core/http-client.js';

/** A GET's options: the shared ones without method and body. */
export type HttpRequestOptions = Omit<RequestOptions, 'method' | 'body' | 'contentType'>;

/** GETs `url` (core httpRequest): any HTTP status is a success; failures are typed errors. */
export function httpGet(url: string, opts: HttpRequestOptions): Promise<Outcome<HttpResponse>> {
  return httpRequest(url, { ...opts, method: 'GET' });
}

/** GETs JSON (core requestJson): 2xx or `acceptStatus` must be JSON, other statuses are statusErrors. */
export function getJson(url: string, opts: HttpRequestOptions & Pick<JsonRequestOptions, 'acceptStatus' | 'errorCode'>): Promise<Outcome<JsonResponse>> {
  return requestJson(url, { ...opts, method: 'GET' });
}
