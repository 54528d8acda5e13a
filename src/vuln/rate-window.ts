/**
 * A rolling-window request limiter, as NVD counts: at most `limit` requests in any `windowMs`
 * (5 per rolling 30 s without an API key, 50 with one; over it NVD answers 403).
 *
 * Rules: driven only by the injected Clock; acquire() resolves when a request may be sent and
 * counts it at that instant; callers are served in call order; an aborted wait rejects and
 * takes no slot. Memory is bounded by `limit` timestamps.
 */
import type { Clock } from '../core/clock.js';

/** An Error for an aborted wait (name "AbortError"). */
export function abortError(): Error {
  const e = new Error('aborted');
  e.name = 'AbortError';
  return e;
}

/** Resolves after `ms` of clock time; rejects with abortError() when `signal` aborts first. */
export function sleep(ms: number, clock: Clock, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError());
      return;
    }
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(abortError());
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RateWindow {
  /** Waits for a free slot and takes it. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Requests counted in the current window. */
  inWindow(): number;
  /** Times acquire() had to wait. */
  waits(): number;
  readonly limit: number;
  readonly windowMs: number;
}

/** A limiter allowing `limit` requests per rolling `windowMs`. */
export function createRateWindow(limit: number, windowMs: number, clock: Clock): RateWindow {
  const sent: number[] = [];
  let chain: Promise<void> = Promise.resolve();
  let waited = 0;
  const expire = (now: number) => {
    while (sent.length > 0 && (sent[0] as number) <= now - windowMs) sent.shift();
  };
  const slot = async (signal?: AbortSignal): Promise<void> => {
    for (;;) {
      if (signal?.aborted) throw abortError();
      const now = clock.now();
      expire(now);
      if (sent.length < limit) {
        sent.push(now);
        return;
      }
      waited++;
      await sleep((sent[0] as number) + windowMs - now, clock, signal);
    }
  };
  return {
    limit,
    windowMs,
    acquire(signal) {
      const run = chain.then(() => slot(signal));
      chain = run.catch(() => {});
      return run;
    },
    inWindow() {
      expire(clock.now());
      return sent.length;
    },
    waits: () => waited,
  };
}
