/**
 * Pushover (https://pushover.net/api). Rules: POST form fields to the messages endpoint:
 * token, user, message (≤ 1,024 characters, sent with html=1 and every piece of text
 * escaped), title (≤ 250), priority (-1 low, 0 normal, 1 high for critical, or 2 emergency
 * with retry=60 and expire=3600 when emergency_for_critical), timestamp (when the message
 * was created, so a retried message shows its real time), device. A 4xx other than 429 is
 * "do not resend"; 429 means the application's monthly limit. No idempotency key exists:
 * at-least-once.
 */
import type { ChannelConfigOf } from '../channel-config.js';
import { channelBase, classifyHttp, type Channel, type ChannelDeps } from '../channel.js';
import { httpPost } from '../http-post.js';
import { plain } from '../message.js';
import { pushoverPriority, renderPushoverHtml } from '../render.js';

export const PUSHOVER_MESSAGE_MAX = 1024;
export const PUSHOVER_TITLE_MAX = 250;

function errorText(json: unknown): string | undefined {
  const errors = (json as { errors?: unknown } | undefined)?.errors;
  return Array.isArray(errors) && typeof errors[0] === 'string' ? errors[0] : undefined;
}

/** A Pushover channel. */
export function createPushoverChannel(c: ChannelConfigOf<'pushover'>, deps: ChannelDeps): Channel {
  return {
    ...channelBase(c),
    minIntervalMs: 0,
    guarantee: 'at-least-once',
    available: () => true,
    close: async () => {},
    async send(m, ctx) {
      const priority = pushoverPriority(m.severity, c.emergency_for_critical);
      const form = new URLSearchParams({
        token: c.token,
        user: c.user,
        title: plain(m.title, PUSHOVER_TITLE_MAX),
        message: renderPushoverHtml(m, PUSHOVER_MESSAGE_MAX),
        html: '1',
        priority: String(priority),
        timestamp: String(Math.floor(m.createdMs / 1000)),
      });
      if (priority === 2) {
        form.set('retry', '60');
        form.set('expire', '3600');
      }
      if (c.device) form.set('device', c.device);
      const r = await httpPost(c.api_url, form, { clock: deps.clock, timeoutMs: deps.timeoutMs, maxBytes: deps.maxResponseBytes, signal: ctx.signal });
      return classifyHttp(r, deps.clock.now(), { errorText });
    },
  };
}
