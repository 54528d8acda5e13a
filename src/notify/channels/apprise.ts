/**
 * Apprise API (https://github.com/caronc/apprise-api), for every service homesec has no
 * channel of its own for. Rules: with a key, POST <server>/notify/<key> {title, body, type,
 * format: "text", tag}; without, the stateless POST <server>/notify/ {urls, title, body,
 * type, format} (urls may embed credentials: secret). type is info, warning (high) or
 * failure (critical). 200 means every target accepted; 424 means one failed: retried, which
 * can repeat the message on the targets that did accept it (at-least-once).
 */
import type { ChannelConfigOf } from '../channel-config.js';
import { channelBase, classifyHttp, type Channel, type ChannelDeps } from '../channel.js';
import { httpPost } from '../http-post.js';
import { plain } from '../message.js';
import { appriseType, renderTextBody } from '../render.js';

/** An Apprise API channel. */
export function createAppriseChannel(c: ChannelConfigOf<'apprise'>, deps: ChannelDeps): Channel {
  const root = c.url.replace(/\/+$/, '');
  const endpoint = c.key ? `${root}/notify/${encodeURIComponent(c.key)}` : `${root}/notify/`;
  return {
    ...channelBase(c),
    minIntervalMs: 0,
    guarantee: 'at-least-once',
    available: () => true,
    close: async () => {},
    async send(m, ctx) {
      const payload: Record<string, string> = {
        title: plain(m.title, 250),
        body: renderTextBody(m, 8000),
        type: appriseType(m.severity),
        format: 'text',
      };
      if (c.key && c.tag) payload.tag = c.tag;
      if (!c.key && c.urls) payload.urls = c.urls;
      const r = await httpPost(endpoint, JSON.stringify(payload), {
        headers: { 'content-type': 'application/json' },
        clock: deps.clock,
        timeoutMs: deps.timeoutMs,
        maxBytes: deps.maxResponseBytes,
        signal: ctx.signal,
      });
      return classifyHttp(r, deps.clock.now());
    },
  };
}
