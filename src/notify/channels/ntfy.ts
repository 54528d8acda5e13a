/**
 * ntfy (https://docs.ntfy.sh/publish/). Rules: publishes as JSON to the server root —
 * {topic, title, message, priority 1..5, tags} — rather than with Title/Priority headers,
 * because header values cannot carry UTF-8 titles and a hostile hostname must never reach
 * a header; `markdown` is off, so text is shown as is. The message is cut to 4,096 UTF-8
 * bytes (longer ones become attachments). Authorization: Bearer when a token is set. ntfy
 * has no idempotency key: at-least-once.
 */
import type { ChannelConfigOf } from '../channel-config.js';
import { channelBase, classifyHttp, type Channel, type ChannelDeps } from '../channel.js';
import { httpPost } from '../http-post.js';
import { plain } from '../message.js';
import { byteLength, ntfyPriority, renderTextBody } from '../render.js';

export const NTFY_MESSAGE_MAX_BYTES = 4096;

const TAGS: Record<string, string[]> = {
  critical: ['rotating_light', 'homesec'],
  high: ['warning', 'homesec'],
  medium: ['large_orange_diamond', 'homesec'],
  low: ['small_blue_diamond', 'homesec'],
  info: ['information_source', 'homesec'],
};

function errorText(json: unknown): string | undefined {
  const e = (json as { error?: unknown } | undefined)?.error;
  return typeof e === 'string' ? e : undefined;
}

/** An ntfy channel. */
export function createNtfyChannel(c: ChannelConfigOf<'ntfy'>, deps: ChannelDeps): Channel {
  const endpoint = c.url.endsWith('/') ? c.url : `${c.url}/`;
  return {
    ...channelBase(c),
    minIntervalMs: 0,
    guarantee: 'at-least-once',
    available: () => true,
    close: async () => {},
    async send(m, ctx) {
      const body = JSON.stringify({
        topic: c.topic,
        title: plain(m.title, 250),
        message: renderTextBody(m, NTFY_MESSAGE_MAX_BYTES, byteLength),
        priority: ntfyPriority(m.severity),
        tags: TAGS[m.severity] ?? ['homesec'],
        markdown: false,
      });
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (c.token) headers.authorization = `Bearer ${c.token}`;
      const r = await httpPost(endpoint, body, { headers, clock: deps.clock, timeoutMs: deps.timeoutMs, maxBytes: deps.maxResponseBytes, signal: ctx.signal });
      return classifyHttp(r, deps.clock.now(), { errorText });
    },
  };
}
