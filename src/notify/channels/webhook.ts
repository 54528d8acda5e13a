/**
 * Generic webhook. Rules: POST JSON (application/json) with the message and the findings
 * behind it — {id, kind, severity, title, text, created_at, time_zone, findings: [...]} —
 * to the configured URL. The delivery id is in the body and in the X-Homesec-Delivery and
 * Idempotency-Key headers and is the same on every retry and after a restart, so a
 * receiver that remembers ids gets each message exactly once (delivery itself is
 * at-least-once). With hmac_key set, X-Homesec-Signature-256 is "sha256=" + the hex
 * HMAC-SHA256 of the exact body bytes under that key (the GitHub webhook convention);
 * receivers must compare it in constant time. Redirects are not followed.
 */
import { createHmac } from 'node:crypto';
import type { ChannelConfigOf } from '../channel-config.js';
import { channelBase, classifyHttp, type Channel, type ChannelDeps } from '../channel.js';
import { httpPost } from '../http-post.js';
import type { NotifyMessage } from '../message.js';
import { renderText } from '../render.js';

export const SIGNATURE_HEADER = 'x-homesec-signature-256';
export const DELIVERY_HEADER = 'x-homesec-delivery';

/** The JSON body of a webhook delivery. */
export function webhookBody(m: NotifyMessage): string {
  return JSON.stringify({
    id: m.id,
    kind: m.kind,
    severity: m.severity,
    title: m.title,
    text: renderText(m),
    created_at: new Date(m.createdMs).toISOString(),
    time_zone: m.timeZone,
    findings: m.findings.map((f) => ({
      key: f.key,
      category: f.category,
      severity: f.severity,
      source_ip: f.sourceIp,
      title: f.title,
      detail: f.detail,
      first_seen: new Date(f.firstSeenMs).toISOString(),
      last_seen: new Date(f.lastSeenMs).toISOString(),
      occurrences: f.occurrences,
      ...(f.remediation ? { remediation: f.remediation } : {}),
    })),
  });
}

/** "sha256=<hex HMAC-SHA256 of body under key>". */
export function webhookSignature(key: string, body: string): string {
  return `sha256=${createHmac('sha256', key).update(body, 'utf8').digest('hex')}`;
}

/** A webhook channel. */
export function createWebhookChannel(c: ChannelConfigOf<'webhook'>, deps: ChannelDeps): Channel {
  return {
    ...channelBase(c),
    minIntervalMs: 0,
    guarantee: 'idempotency-key',
    available: () => true,
    close: async () => {},
    async send(m, ctx) {
      const body = webhookBody(m);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'x-homesec-event': m.kind,
        [DELIVERY_HEADER]: m.id,
        'idempotency-key': m.id,
      };
      if (c.hmac_key) headers[SIGNATURE_HEADER] = webhookSignature(c.hmac_key, body);
      const r = await httpPost(c.url, body, { headers, clock: deps.clock, timeoutMs: deps.timeoutMs, maxBytes: deps.maxResponseBytes, signal: ctx.signal });
      return classifyHttp(r, deps.clock.now());
    },
  };
}
