/**
 * The delivery loop: takes due `queued` rows from the outbox and hands them to their
 * channels. Rules: one send in flight per channel, the most urgent row first (critical,
 * then oldest), sends of a channel spaced by its minIntervalMs; a row is marked `sending`
 * (committed) before the channel is called and `sent` (committed) after the provider
 * accepted it. A retryable failure schedules the row again with exponential backoff
 * (retryBaseMs doubling to retryMaxMs, ±20 % jitter) and pauses its channel briefly
 * (channelPauseMaxMs), or for the provider's Retry-After, honoured up to retryMaxMs so a
 * hostile or confused answer cannot silence a channel for a day; a permanent failure, or a
 * row older than giveUpAfterMs, is `failed`. Failures are counted in metrics and logged when
 * a channel starts and stops failing and when a message is given up (not per retry).
 * stop() lets the sends in flight finish for up to stopGraceMs, then aborts them and waits;
 * an aborted send may already have reached the provider, so its row becomes `unconfirmed`
 * (never sent again) unless resendInterrupted asks for at-least-once (back to `queued`).
 * Time comes only from the injected Clock.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import { errorMessage } from '../core/errors.js';
import type { Log } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import { failure, type Channel, type SendResult } from './channel.js';
import type { Outbox, OutboxRow } from './outbox.js';

export interface DispatcherOptions {
  retryBaseMs: number;
  retryMaxMs: number;
  channelPauseMaxMs: number;
  giveUpAfterMs: number;
  /** stop() waits this long for sends in flight before aborting them. */
  stopGraceMs: number;
  /** A send aborted by stop() is queued again (at-least-once) instead of `unconfirmed` (at most once). */
  resendInterrupted: boolean;
  /** Random source in [0,1) for jitter. */
  random: () => number;
}

export interface Dispatcher {
  /** Starts delivering from `outbox`. */
  start(outbox: Outbox): void;
  /** Delivers nothing more; lets the sends in flight finish (stopGraceMs), aborts the rest, waits. */
  stop(): Promise<void>;
  /** Looks for due rows after delayMs (default now). */
  poke(delayMs?: number): void;
  /** Resolves when no send is in flight. */
  idle(): Promise<void>;
  /** Until when a channel is paused (Retry-After or a failure), if it is. */
  pausedUntil(channel: string): number | undefined;
  /** True between a channel's first failure and its next success. */
  failing(channel: string): boolean;
}

/** A dispatcher over the given channels; nothing runs until start(). */
export function createDispatcher(
  channels: readonly Channel[],
  deps: { clock: Clock; metrics: Metrics; log: Pick<Log, 'info' | 'warn' | 'error'> },
  o: DispatcherOptions,
): Dispatcher {
  const clock = deps.clock;
  let outbox: Outbox | undefined;
  let running = false;
  let abort = new AbortController();
  let timer: TimerHandle | undefined;
  let timerAt = Infinity;
  const inflight = new Map<string, Promise<void>>();
  const paused = new Map<string, number>();
  const lastSendAt = new Map<string, number>();
  const failingSet = new Set<string>();

  const unexpected = (err: unknown) => {
    deps.metrics.inc('homesec_notify_internal_errors_total');
    deps.log.error({ err: errorMessage(err) }, 'notification dispatcher internal error');
  };

  const poke = (delayMs = 0) => {
    if (!running) return;
    const at = clock.now() + Math.max(0, delayMs);
    if (timer && timerAt <= at) return;
    if (timer) clock.clearTimeout(timer);
    timerAt = at;
    timer = clock.setTimeout(() => {
      timer = undefined;
      timerAt = Infinity;
      try {
        pump();
      } catch (err) {
        unexpected(err);
      }
    }, Math.max(0, delayMs));
  };

  const backoff = (attempts: number, retryAfterMs: number | undefined) => {
    const exp = Math.min(o.retryMaxMs, o.retryBaseMs * 2 ** Math.min(30, Math.max(0, attempts - 1)));
    const jittered = Math.round(exp * (0.8 + 0.4 * o.random()));
    return Math.max(jittered, retryAfterMs ?? 0);
  };

  const settle = (ch: Channel, row: OutboxRow, res: SendResult) => {
    const ob = outbox;
    if (!ob) return;
    const now = clock.now();
    const labels = { channel: ch.name };
    if (res.ok) {
      ob.markSent(row.id, now);
      deps.metrics.inc('homesec_notify_sent_total', { ...labels, kind: row.kind });
      if (failingSet.delete(ch.name)) deps.log.info(labels, 'notification channel recovered');
      return;
    }
    const e = res.error;
    if (e.kind === 'aborted' && !running) {
      if (o.resendInterrupted) ob.markRetry(row.id, now, 'interrupted by shutdown', now);
      else {
        ob.markUnconfirmed(row.id, now);
        deps.metrics.inc('homesec_notify_unconfirmed_total', labels);
        deps.log.warn({ ...labels, id: row.uid }, 'notification interrupted by shutdown mid-send; not sent again (the provider may have it)');
      }
      return;
    }
    const text = `${e.kind}: ${e.detail}`.slice(0, 300);
    if (!failingSet.has(ch.name)) {
      failingSet.add(ch.name);
      deps.log.warn({ ...labels, kind: e.kind, error: e.detail }, 'notification channel failing; messages wait in the outbox');
    }
    if (e.permanent || now - row.createdMs >= o.giveUpAfterMs) {
      ob.markFailed(row.id, text, now);
      deps.metrics.inc('homesec_notify_failed_total', { ...labels, error: e.kind });
      deps.log.warn({ ...labels, kind: e.kind, error: e.detail, attempts: row.attempts + 1 }, 'notification given up');
      return;
    }
    const retryAfterMs = e.retryAfterMs === undefined ? undefined : Math.min(e.retryAfterMs, o.retryMaxMs);
    const delay = backoff(row.attempts + 1, retryAfterMs);
    ob.markRetry(row.id, now + delay, text, now);
    deps.metrics.inc('homesec_notify_retries_total', { ...labels, error: e.kind });
    paused.set(ch.name, now + (retryAfterMs ?? Math.min(delay, o.channelPauseMaxMs)));
  };

  const deliver = (ob: Outbox, ch: Channel, row: OutboxRow) => {
    const now = clock.now();
    const message = row.message;
    if (!message) {
      ob.markFailed(row.id, 'stored message is unreadable', now);
      deps.metrics.inc('homesec_notify_failed_total', { channel: ch.name, error: 'corrupt' });
      return;
    }
    ob.markSending(row.id, now); // committed before the provider can see anything
    const signal = abort.signal;
    const p = Promise.resolve()
      .then(() => ch.send(message, { signal }))
      .catch((err: unknown): SendResult => failure('network', errorMessage(err), false))
      .then((res) => settle(ch, row, res))
      .catch(unexpected)
      .finally(() => {
        inflight.delete(ch.name);
        lastSendAt.set(ch.name, clock.now());
        poke(0);
      });
    inflight.set(ch.name, p);
  };

  const pump = () => {
    const ob = outbox;
    if (!running || !ob) return;
    const now = clock.now();
    let wake = Infinity;
    for (const ch of channels) {
      if (inflight.has(ch.name)) continue;
      const notBefore = Math.max(paused.get(ch.name) ?? -Infinity, (lastSendAt.get(ch.name) ?? -Infinity) + ch.minIntervalMs);
      if (notBefore > now) {
        const t = ob.nextAttemptMs(ch.name);
        if (t !== undefined) wake = Math.min(wake, Math.max(t, notBefore));
        continue;
      }
      const row = ob.nextDue(ch.name, now);
      if (row) deliver(ob, ch, row);
      else {
        const t = ob.nextAttemptMs(ch.name);
        if (t !== undefined) wake = Math.min(wake, t);
      }
    }
    if (wake < Infinity) poke(wake - now);
  };

  const idle = async () => {
    while (inflight.size > 0) await Promise.allSettled([...inflight.values()]);
  };

  /** Resolves when no send is in flight or after ms, whichever comes first. */
  const idleWithin = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = clock.setTimeout(resolve, ms);
      void idle().then(() => {
        clock.clearTimeout(t);
        resolve();
      });
    });

  return {
    start(ob) {
      outbox = ob;
      abort = new AbortController();
      running = true;
      poke(0);
    },
    async stop() {
      running = false;
      if (timer) clock.clearTimeout(timer);
      timer = undefined;
      timerAt = Infinity;
      if (inflight.size > 0 && o.stopGraceMs > 0) await idleWithin(o.stopGraceMs);
      abort.abort();
      await idle();
      outbox = undefined;
    },
    poke,
    idle,
    pausedUntil(channel) {
      const t = paused.get(channel);
      return t !== undefined && t > clock.now() ? t : undefined;
    },
    failing: (channel) => failingSet.has(channel),
  };
}
