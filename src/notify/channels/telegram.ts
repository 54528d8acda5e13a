/**
 * Telegram Bot API (https://core.telegram.org/bots/api#sendmessage). Rules: POST JSON
 * {chat_id, text, parse_mode: "HTML", disable_notification, link_preview_options} to
 * <api>/bot<token>/sendMessage; the text is built by renderTelegramHtml, which escapes every
 * piece of message text (&, <, >), and fits 4,096 characters. A 429 answers
 * {parameters: {retry_after: seconds}}: the channel waits that long. Sends are spaced one
 * second apart (about one message per second per chat). The token is in the URL path, so
 * no error or log ever contains the URL. No idempotency key: at-least-once.
 */
import type { ChannelConfigOf } from '../channel-config.js';
import { channelBase, classifyHttp, type Channel, type ChannelDeps } from '../channel.js';
import { httpPost } from '../http-post.js';
import { renderTelegramHtml } from '../render.js';
import { severityRank } from '../../findings/types.js';

export const TELEGRAM_TEXT_MAX = 4096;

function errorText(json: unknown): string | undefined {
  const d = (json as { description?: unknown } | undefined)?.description;
  return typeof d === 'string' ? d : undefined;
}

function retryAfterMs(json: unknown): number | undefined {
  const s = (json as { parameters?: { retry_after?: unknown } } | undefined)?.parameters?.retry_after;
  return typeof s === 'number' && Number.isFinite(s) && s >= 0 ? s * 1000 : undefined;
}

/** A Telegram channel. */
export function createTelegramChannel(c: ChannelConfigOf<'telegram'>, deps: ChannelDeps): Channel {
  const endpoint = `${c.api_url.replace(/\/+$/, '')}/bot${c.bot_token}/sendMessage`;
  return {
    ...channelBase(c),
    minIntervalMs: 1000,
    guarantee: 'at-least-once',
    available: () => true,
    close: async () => {},
    async send(m, ctx) {
      const body = JSON.stringify({
        chat_id: /^-?\d+$/.test(c.chat_id) && Number.isSafeInteger(Number(c.chat_id)) ? Number(c.chat_id) : c.chat_id,
        text: renderTelegramHtml(m, TELEGRAM_TEXT_MAX),
        parse_mode: 'HTML',
        disable_notification: severityRank(m.severity) < severityRank('medium'),
        link_preview_options: { is_disabled: true },
      });
      const r = await httpPost(endpoint, body, {
        headers: { 'content-type': 'application/json' },
        clock: deps.clock,
        timeoutMs: deps.timeoutMs,
        maxBytes: deps.maxResponseBytes,
        signal: ctx.signal,
      });
      // Telegram answers an unknown bot token with 404 "Not Found": that is an auth failure.
      const res = classifyHttp(r, deps.clock.now(), { errorText, retryAfterMs });
      if (!res.ok && r.ok && r.value.status === 404) return { ok: false, error: { ...res.error, kind: 'auth', permanent: true } };
      return res;
    },
  };
}
