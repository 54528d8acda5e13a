/**
 * Gotify (https://gotify.net/docs/pushmsg). Rules: POST <server>/message with the
 * application token in the X-Gotify-Key header (never in the query string, where proxies
 * log it) and JSON {title, message, priority 0..10, extras: client::display contentType
 * text/plain} so clients never render the text as Markdown. No idempotency key:
 * at-least-once.
 */
import type { ChannelConfigOf } from '../channel-config.js';
import { channelBase, classifyHttp, type Channel, type ChannelDeps } from '../channel.js';
import { httpPost } from '../http-post.js';
import { plain } from '../message.js';
import { gotifyPriority, renderTextBody } from '../render.js';

function errorText(json: unknown): string | undefined {
  const j = json as { error?: unknown; errorDescription?: unknown } | undefined;
  return typeof j?.errorDescription === 'string' ? j.errorDescription : typeof j?.error === 'string' ? j.error : undefined;
}

/** A Gotify channel. */
export function createGotifyChannel(c: ChannelConfigOf<'gotify'>, deps: ChannelDeps): Channel {
  const endpoint = `${c.url.replace(/\/+$/, '')}/message`;
  return {
    ...channelBase(c),
    minIntervalMs: 0,
    guarantee: 'at-least-once',
    available: () => true,
    close: async () => {},
    async send(m, ctx) {
      const body = JSON.stringify({
        title: plain(m.title, 250),
        message: renderTextBody(m, 8000),
        priority: gotifyPriority(m.severity),
        extras: { 'client::display': { contentType: 'text/plain' } },
      });
      const r = await httpPost(endpoint, body, {
        headers: { 'content-type': 'application/json', 'x-gotify-key': c.token },
        clock: deps.clock,
        timeoutMs: deps.timeoutMs,
        maxBytes: deps.maxResponseBytes,
        signal: ctx.signal,
      });
      return classifyHttp(r, deps.clock.now(), { errorText });
    },
  };
}
