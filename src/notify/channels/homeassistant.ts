/**
 * Home Assistant notify, through the Home Assistant link (src/homeassistant, not built yet):
 * calls the service notify.<service> with {title, message (plain text)}; for the companion
 * apps (mobile_app_*) also data {tag, group}: `tag` is the message id, so a resent
 * notification replaces the first instead of showing twice. Until the link provides
 * `callService` the channel is unavailable: messages wait in the outbox (retried with
 * backoff) and the dashboard shows why. A call is bounded by the deadline and by the abort
 * signal (the call itself cannot be cancelled; its late result is ignored).
 */
import { errorMessage } from '../../core/errors.js';
import type { ChannelConfigOf } from '../channel-config.js';
import { channelBase, failure, safeDetail, type Channel, type ChannelDeps } from '../channel.js';
import { renderTextBody } from '../render.js';

/** A Home Assistant notify channel. */
export function createHomeAssistantChannel(c: ChannelConfigOf<'homeassistant'>, deps: ChannelDeps): Channel {
  return {
    ...channelBase(c),
    minIntervalMs: 0,
    guarantee: 'at-least-once',
    available: () => deps.callService !== undefined,
    close: async () => {},
    async send(m, ctx) {
      const call = deps.callService;
      if (!call) return failure('unavailable', 'Home Assistant link is not connected', false);
      if (ctx.signal?.aborted) return failure('aborted', 'aborted', false);
      let timer: ReturnType<ChannelDeps['clock']['setTimeout']> | undefined;
      const timeout = new Promise<{ timeout: true }>((resolve) => {
        timer = deps.clock.setTimeout(() => resolve({ timeout: true }), deps.timeoutMs);
      });
      // Settled either way, so a rejection after the deadline is never unhandled.
      const call$ = Promise.resolve()
        .then(() =>
          call('notify', c.service, {
            title: m.title,
            message: renderTextBody(m, 4000),
            ...(c.service.startsWith('mobile_app_') ? { data: { tag: m.id, group: 'homesec' } } : {}),
          }),
        )
        .then(
          () => ({ ok: true as const }),
          (err: unknown) => ({ err }),
        );
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<{ aborted: true }>((resolve) => {
        onAbort = () => resolve({ aborted: true });
        ctx.signal?.addEventListener('abort', onAbort, { once: true });
      });
      try {
        const done = await Promise.race([call$, timeout, aborted]);
        if ('aborted' in done) return failure('aborted', 'aborted', false);
        if ('timeout' in done) return failure('timeout', `no answer within ${deps.timeoutMs} ms`, false);
        if ('err' in done) return failure('server', safeDetail(errorMessage(done.err)) ?? 'service call failed', false);
        return { ok: true };
      } finally {
        if (timer) deps.clock.clearTimeout(timer);
        if (onAbort) ctx.signal?.removeEventListener('abort', onAbort);
      }
    },
  };
}
