/**
 * E-mail over SMTP (nodemailer). Rules: security "starttls" requires the STARTTLS upgrade
 * (requireTLS: a server that does not offer it is refused before any credential is sent),
 * "tls" speaks TLS from the first byte, "none" is for a local relay only; certificates are
 * verified unless tls_verify is off, against ca_file when set (read at the first send), and
 * TLS is at least 1.2. Each message is multipart/alternative: a plain-text part and an HTML
 * part whose every piece of message text is escaped (render.ts). The Message-ID is derived
 * from the message id, so a resend after a crash carries the same Message-ID, which mail
 * stores and clients use to drop duplicates; nodemailer never reads files or URLs named in
 * a message (disableFileAccess/UrlAccess). SMTP 5xx replies are permanent, 4xx retry.
 */
import fs from 'node:fs/promises';
import nodemailer, { type NodemailerError, type Transporter } from 'nodemailer';
import type { ChannelConfigOf } from '../channel-config.js';
import { channelBase, failure, safeDetail, type Channel, type ChannelDeps, type SendResult } from '../channel.js';
import { plain } from '../message.js';
import { renderEmailHtml, renderText } from '../render.js';

const TLS_CODES = new Set([
  'ETLS',
  'EREQUIRETLS',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** The domain of an address, for Message-IDs ("homesec.local" when unusable). */
export function messageIdDomain(address: string): string {
  const domain = address.split('@')[1] ?? '';
  return /^[A-Za-z0-9.-]{1,253}$/.test(domain) ? domain.toLowerCase() : 'homesec.local';
}

/** Maps a nodemailer error to a SendResult (see the module rules). */
export function classifySmtpError(err: unknown, timedOut: boolean): SendResult {
  const e = (err ?? {}) as NodemailerError;
  const code = typeof e.code === 'string' ? e.code : '';
  const original = typeof e.originalCode === 'string' ? e.originalCode : '';
  const reply = typeof e.responseCode === 'number' ? ` ${e.responseCode}` : '';
  const text = safeDetail((e.response ?? e.message ?? '').replace(/^\d{3}[ -]/, ''), 100);
  const detail = `${code || 'SMTP'}${reply}${text ? `: ${text}` : ''}`;
  if (timedOut) return failure('timeout', detail, false);
  if (code === 'EABORT') return failure('aborted', detail, false);
  if (code === 'EAUTH' || code === 'ENOAUTH') return failure('auth', detail, true);
  if (code === 'ECONFIG') return failure('config', detail, true);
  if (TLS_CODES.has(code) || TLS_CODES.has(original)) return failure('tls', detail, false);
  if (code === 'ETIMEDOUT') return failure('timeout', detail, false);
  if (e.permanent === false) return failure('server', detail, false); // a 4xx reply (e.g. greylisting)
  if (e.permanent === true || code === 'EENVELOPE') return failure('rejected', detail, true);
  if (code === 'ECONNECTION' || code === 'ESOCKET' || code === 'EDNS') return failure('network', detail, false);
  return failure('server', detail, false);
}

/** An SMTP e-mail channel. */
export function createEmailChannel(c: ChannelConfigOf<'email'>, deps: ChannelDeps): Channel {
  let transport: Transporter | undefined;
  const domain = messageIdDomain(c.from);

  const open = async (): Promise<Transporter> => {
    if (transport) return transport;
    const ca = c.ca_file ? await fs.readFile(c.ca_file) : undefined;
    transport = nodemailer.createTransport({
      host: c.host,
      port: c.port,
      secure: c.security === 'tls',
      requireTLS: c.security === 'starttls',
      ignoreTLS: c.security === 'none',
      ...(c.username ? { auth: { user: c.username, pass: c.password } } : {}),
      tls: { rejectUnauthorized: c.tls_verify, minVersion: 'TLSv1.2', ...(ca ? { ca } : {}) },
      connectionTimeout: deps.timeoutMs,
      greetingTimeout: deps.timeoutMs,
      socketTimeout: deps.timeoutMs,
      logger: false,
      debug: false,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    return transport;
  };

  return {
    ...channelBase(c),
    minIntervalMs: 0,
    guarantee: 'message-id',
    available: () => true,
    async close() {
      transport?.close();
      transport = undefined;
    },
    async send(m, ctx) {
      let t: Transporter;
      try {
        t = await open();
      } catch (err) {
        return failure('config', `cannot read ca_file: ${safeDetail((err as NodeJS.ErrnoException).code) ?? 'unreadable'}`, false);
      }
      const ac = new AbortController();
      let timedOut = false;
      const timer = deps.clock.setTimeout(() => {
        timedOut = true;
        ac.abort();
      }, deps.timeoutMs);
      const onAbort = () => ac.abort();
      if (ctx.signal?.aborted) ac.abort();
      ctx.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        await t.sendMail({
          from: { name: 'homesec', address: c.from },
          to: c.to,
          subject: plain(m.title, 200),
          text: renderText(m),
          html: renderEmailHtml(m),
          messageId: `<${m.id}@${domain}>`,
          date: new Date(m.createdMs),
          priority: m.severity === 'critical' ? 'high' : 'normal',
          headers: { 'X-Homesec-Id': m.id, 'X-Homesec-Kind': m.kind, 'Auto-Submitted': 'auto-generated' },
          disableFileAccess: true,
          disableUrlAccess: true,
          signal: ac.signal,
        });
        return { ok: true };
      } catch (err) {
        return classifySmtpError(err, timedOut);
      } finally {
        deps.clock.clearTimeout(timer);
        ctx.signal?.removeEventListener('abort', onAbort);
      }
    },
  };
}
