/**
 * The Channel interface every notification channel implements, the typed send result, and
 * the helpers channels share. Rules: send() never throws and never retries (the outbox
 * does); it answers ok only when the provider accepted the message (2xx, SMTP 250, the Home
 * Assistant call resolved). A failure says whether retrying the same message can help
 * (`permanent` false) and, for rate limits, how long to wait. Error `detail` is short, safe
 * text: a status, a provider error code, a sanitised server phrase; withSafeErrors() also
 * removes every secret value of the channel from it, whatever a provider echoed back.
 */
import type { Clock } from '../core/clock.js';
import type { Severity } from '../findings/types.js';
import { DEFAULT_RETRY_AFTER_MS, MAX_RETRY_AFTER_MS, parseRetryAfter, type HttpResponse, type Outcome } from '../intel/http.js';
import { cleanText } from '../intel/sanitise.js';
import type { ChannelType } from './channel-config.js';
import type { NotifyMessage } from './message.js';

export type SendErrorKind = 'auth' | 'rate_limited' | 'server' | 'timeout' | 'network' | 'rejected' | 'tls' | 'unavailable' | 'aborted' | 'config';

export interface SendError {
  kind: SendErrorKind;
  /** Short, safe text (no secrets, no URL). */
  detail: string;
  /** True when the same message will never be accepted (wrong token, rejected content). */
  permanent: boolean;
  /** For rate_limited: how long the provider asked us to wait. */
  retryAfterMs?: number;
}

export type SendResult = { ok: true } | { ok: false; error: SendError };

export interface SendContext {
  /** Aborts the send (the notifier is stopping). */
  signal?: AbortSignal;
}

/**
 * What a resend after a crash can cause: `at-least-once` (the provider has no idempotency:
 * a crash between its acceptance and our commit sends a duplicate), `message-id` (e-mail:
 * the resend carries the same Message-ID, which mail stores and clients use to drop
 * duplicates), `idempotency-key` (webhook: the resend carries the same delivery id for the
 * receiver to drop).
 */
export type DeliveryGuarantee = 'at-least-once' | 'message-id' | 'idempotency-key';

export interface Channel {
  readonly name: string;
  readonly type: ChannelType;
  readonly minSeverity: Severity;
  /** Alerts per rolling hour on this channel (0 = no channel limit). */
  readonly ratePerHour: number;
  /** Receives the daily/weekly summary. */
  readonly summaries: boolean;
  /** Minimum spacing between two sends (provider rate limits, e.g. Telegram ~1 per second per chat). */
  readonly minIntervalMs: number;
  readonly guarantee: DeliveryGuarantee;
  /** False while a dependency is missing (Home Assistant link not connected). */
  available(): boolean;
  send(m: NotifyMessage, ctx: SendContext): Promise<SendResult>;
  /** Releases connections (e-mail transport). */
  close(): Promise<void>;
}

/** Home Assistant service call, provided by the Home Assistant link (src/homeassistant). */
export type CallService = (domain: string, service: string, data: Record<string, unknown>) => Promise<unknown>;

export interface ChannelDeps {
  clock: Clock;
  /** Per-request deadline. */
  timeoutMs: number;
  /** Provider answer bytes read at most. */
  maxResponseBytes: number;
  callService?: CallService;
}

/** A failed SendResult. */
export function failure(kind: SendErrorKind, detail: string, permanent: boolean, retryAfterMs?: number): SendResult {
  return { ok: false, error: retryAfterMs === undefined ? { kind, detail, permanent } : { kind, detail, permanent, retryAfterMs } };
}

/** A provider's error phrase made safe to show: printable, bounded. */
export function safeDetail(v: unknown, max = 120): string | undefined {
  return cleanText(typeof v === 'string' ? v : undefined, max);
}

/** Parses a JSON body, or undefined. */
export function jsonOf(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export interface HttpClassifyOptions {
  /** The provider's error phrase in a JSON answer (shown after the status). */
  errorText?: (json: unknown) => string | undefined;
  /** A wait the provider put in the JSON body (Telegram parameters.retry_after), ms. */
  retryAfterMs?: (json: unknown) => number | undefined;
}

/**
 * The SendResult of an HTTP exchange: 2xx accepted (even with an oversized or odd body: the
 * provider took the message, so a resend would duplicate it); 429 rate_limited (Retry-After
 * header, or the body's wait, or 60 s); 401/403 auth (permanent); 408, 424 (Apprise: a
 * downstream service failed) and 5xx retry; other 4xx rejected (permanent); timeouts and
 * connection failures retry.
 */
export function classifyHttp(outcome: Outcome<HttpResponse>, nowMs: number, o: HttpClassifyOptions = {}): SendResult {
  if (!outcome.ok) {
    const e = outcome.error;
    if (e.status !== undefined && e.status >= 200 && e.status < 300) return { ok: true };
    if (e.kind === 'timeout') return failure('timeout', e.detail, false);
    if (e.kind === 'aborted') return failure('aborted', e.detail, false);
    if (e.kind === 'too_large' && e.status === undefined) return failure('server', e.detail, false);
    if (e.kind !== 'too_large') return failure('network', e.detail, false);
  }
  const status = outcome.ok ? outcome.value.status : (outcome.error.status ?? 0);
  if (status >= 200 && status < 300) return { ok: true };
  const json = outcome.ok ? jsonOf(outcome.value.body) : undefined;
  const phrase = json === undefined ? undefined : safeDetail(o.errorText?.(json));
  const detail = phrase ? `HTTP ${status}: ${phrase}` : `HTTP ${status}`;
  if (status === 429) {
    const fromHeader = outcome.ok ? parseRetryAfter(outcome.value.headers.get('retry-after'), nowMs) : undefined;
    const fromBody = json === undefined ? undefined : o.retryAfterMs?.(json);
    const wait = Math.min(MAX_RETRY_AFTER_MS, Math.max(0, fromBody ?? fromHeader ?? DEFAULT_RETRY_AFTER_MS));
    return failure('rate_limited', detail, false, wait);
  }
  if (status === 401 || status === 403) return failure('auth', detail, true);
  if (status === 408 || status === 424 || status >= 500) return failure('server', detail, false);
  return failure('rejected', detail, true);
}

/** Replaces every occurrence of each secret (4+ characters) in `text` by "***". */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***');
  return out;
}

/**
 * Wraps a channel so that a send never throws (an exception becomes a retryable failure)
 * and no error detail can contain one of `secrets`.
 */
export function withSafeErrors(channel: Channel, secrets: readonly string[]): Channel {
  const clean = (r: SendResult): SendResult => (r.ok ? r : { ok: false, error: { ...r.error, detail: scrubSecrets(r.error.detail, secrets) } });
  return {
    name: channel.name,
    type: channel.type,
    minSeverity: channel.minSeverity,
    ratePerHour: channel.ratePerHour,
    summaries: channel.summaries,
    minIntervalMs: channel.minIntervalMs,
    guarantee: channel.guarantee,
    available: () => channel.available(),
    close: () => channel.close(),
    async send(m, ctx) {
      try {
        return clean(await channel.send(m, ctx));
      } catch (err) {
        return clean(failure('network', safeDetail(err instanceof Error ? err.message : String(err)) ?? 'unexpected error', false));
      }
    },
  };
}

/** The fields every channel copies from its config. */
export function channelBase(c: { name: string; type: ChannelType; min_severity: Severity; rate_per_hour: number; summaries: boolean }) {
  return { name: c.name, type: c.type, minSeverity: c.min_severity, ratePerHour: c.rate_per_hour, summaries: c.summaries };
}
