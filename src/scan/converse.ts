/**
 * One bounded TCP (optionally TLS) conversation with a service: connect, listen for what it
 * says first, optionally send a probe, collect the answer. Rules (hostile-input catalogue
 * 14-16): every conversation ends by an ABSOLUTE deadline (a server dripping one byte every
 * few seconds cannot hold it open), bytes kept are capped at `maxBytes` (the socket is
 * destroyed at the cap, so a 10 MB answer costs at most the cap), TLS certificates are read
 * but never trusted (rejectUnauthorized false — we inventory, we do not authenticate), and
 * the function never rejects: failures are reported in `error`. Bytes are returned raw;
 * callers sanitise before storing. Quiet-time waits (banner wait, idle) end only after the
 * socket reads already pending were delivered, so a busy event loop is never taken for a
 * silent peer (a stall used to cut an MQTT broker's $SYS answer that had already arrived).
 */
import { Socket } from 'node:net';
import { connect as tlsConnect, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import type { TlsInfo } from './types.js';

export interface ConverseOptions {
  ip: string;
  port: number;
  tls?: boolean;
  connectTimeoutMs: number;
  /** How long to wait for the server to speak first before sending (0 = send at once). */
  bannerWaitMs: number;
  /** The probe to send after the banner wait; a function receives the banner so far. */
  send?: Uint8Array | ((banner: Buffer) => Uint8Array | undefined);
  /** After data arrives, stop when the line stays quiet this long. */
  idleMs: number;
  /** Absolute end of the whole conversation, measured from the call. */
  deadlineMs: number;
  maxBytes: number;
  /** Optional follow-up: called with everything received after the probe; returns more bytes to send or undefined. */
  followUp?: (response: Buffer) => Uint8Array | undefined;
  /**
   * Says when what arrived is a whole message (a banner line, a CONNACK), so the quiet wait
   * is skipped. Asked only while at most 16 KiB have arrived.
   */
  complete?: (bytes: Buffer, phase: 'banner' | 'response', followed: boolean) => boolean;
}

export interface ConverseResult {
  connected: boolean;
  /** Bytes received before the probe was sent. */
  banner: Buffer;
  /** Bytes received after the probe. */
  response: Buffer;
  /** Bytes were dropped at maxBytes. */
  truncated: boolean;
  /** The server closed the connection. */
  closedByPeer: boolean;
  /** The absolute deadline ended it. */
  timedOut: boolean;
  tls?: TlsInfo;
  error?: string;
  elapsedMs: number;
}

function certName(rec: Record<string, string | string[] | undefined> | undefined): string | undefined {
  if (!rec) return undefined;
  const parts: string[] = [];
  for (const k of ['CN', 'O', 'OU', 'C']) {
    const v = rec[k];
    if (v !== undefined) parts.push(`${k}=${Array.isArray(v) ? v.join('+') : v}`);
  }
  return parts.length ? parts.join(', ').slice(0, 300) : undefined;
}

/** Summarises a peer certificate (bounded strings; expiry judged against `nowMs`). */
export function tlsInfoOf(sock: TLSSocket, nowMs: number): TlsInfo {
  const cert = sock.getPeerCertificate(false) as DetailedPeerCertificate | undefined;
  const info: TlsInfo = { protocol: sock.getProtocol() ?? undefined };
  if (!cert || Object.keys(cert).length === 0) return info;
  info.subject = certName(cert.subject as unknown as Record<string, string>);
  info.issuer = certName(cert.issuer as unknown as Record<string, string>);
  if (cert.subjectaltname) info.altNames = cert.subjectaltname.split(', ').slice(0, 20).map((s) => s.slice(0, 200));
  info.validFrom = cert.valid_from;
  info.validTo = cert.valid_to;
  const to = Date.parse(cert.valid_to);
  if (Number.isFinite(to)) info.expired = to < nowMs;
  info.selfSigned = info.subject !== undefined && info.subject === info.issuer;
  return info;
}

/** Runs one conversation; never rejects. */
export function converse(opts: ConverseOptions): Promise<ConverseResult> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const chunksBanner: Buffer[] = [];
    const chunksResp: Buffer[] = [];
    let kept = 0;
    let sent = false;
    let followed = false;
    let truncated = false;
    let closedByPeer = false;
    let timedOut = false;
    let connected = false;
    let tlsInfo: TlsInfo | undefined;
    let error: string | undefined;
    let done = false;
    let idleTimer: NodeJS.Timeout | undefined;
    let bannerTimer: NodeJS.Timeout | undefined;
    let sock: Socket | TLSSocket;

    /** Runs fn after `ms` and after any socket reads pending by then; a later call supersedes it. */
    let quietGen = 0;
    const afterQuiet = (fn: () => void, ms: number): NodeJS.Timeout => {
      const gen = ++quietGen;
      return setTimeout(() => {
        setImmediate(() => {
          if (gen === quietGen && !done) fn();
        });
      }, ms);
    };

    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      clearTimeout(connectTimer);
      clearTimeout(idleTimer);
      clearTimeout(bannerTimer);
      sock.destroy();
      resolve({
        connected,
        banner: Buffer.concat(chunksBanner),
        response: Buffer.concat(chunksResp),
        truncated,
        closedByPeer,
        timedOut,
        tls: tlsInfo,
        error,
        elapsedMs: Date.now() - t0,
      });
    };
    const deadline = setTimeout(() => {
      timedOut = true;
      finish();
    }, opts.deadlineMs);
    const connectTimer = setTimeout(() => {
      if (!connected) {
        error = 'connect timeout';
        finish();
      }
    }, opts.connectTimeoutMs);

    const sendProbe = (): void => {
      if (sent || done) return;
      sent = true;
      clearTimeout(bannerTimer);
      const banner = Buffer.concat(chunksBanner);
      const payload = typeof opts.send === 'function' ? opts.send(banner) : opts.send;
      // Nothing to send: the banner is all we wanted.
      if (!payload || payload.length === 0) return finish();
      sock.write(payload);
      armIdle();
    };
    const armIdle = (quietMs = opts.idleMs): void => {
      clearTimeout(idleTimer);
      idleTimer = afterQuiet(onIdle, quietMs);
    };
    /** The quiet time to wait after data: none when the caller says the message is whole. */
    const quiet = (phase: 'banner' | 'response'): number => {
      if (!opts.complete || kept > 16 * 1024) return opts.idleMs;
      const bytes = Buffer.concat(phase === 'banner' ? chunksBanner : chunksResp);
      return opts.complete(bytes, phase, followed) ? 0 : opts.idleMs;
    };
    const onIdle = (): void => {
      if (!sent) return sendProbe();
      const resp = Buffer.concat(chunksResp);
      if (!followed && opts.followUp && resp.length > 0) {
        followed = true;
        const more = opts.followUp(resp);
        if (more && more.length > 0) {
          sock.write(more);
          return armIdle();
        }
      }
      finish();
    };
    const onReady = (): void => {
      connected = true;
      clearTimeout(connectTimer);
      if ('getPeerCertificate' in sock) {
        try {
          tlsInfo = tlsInfoOf(sock, Date.now());
        } catch (err) {
          tlsInfo = { error: String((err as Error).message).slice(0, 200) };
        }
      }
      if (opts.bannerWaitMs <= 0 || opts.send === undefined) {
        if (opts.send === undefined) {
          // Banner only: wait for the first bytes, then idle.
          bannerTimer = afterQuiet(finish, opts.bannerWaitMs > 0 ? opts.bannerWaitMs : opts.idleMs);
          return;
        }
        return sendProbe();
      }
      bannerTimer = afterQuiet(sendProbe, opts.bannerWaitMs);
    };
    const onData = (chunk: Buffer): void => {
      if (done) return;
      const room = opts.maxBytes - kept;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      kept += part.length;
      (sent ? chunksResp : chunksBanner).push(part);
      if (chunk.length > room) {
        truncated = true;
        return finish();
      }
      if (!sent && opts.send === undefined) {
        clearTimeout(bannerTimer);
        bannerTimer = afterQuiet(finish, quiet('banner'));
        return;
      }
      if (!sent) {
        // Server spoke first: give it a short quiet period to finish its greeting, then probe.
        clearTimeout(bannerTimer);
        bannerTimer = afterQuiet(sendProbe, Math.min(quiet('banner'), opts.bannerWaitMs));
        return;
      }
      armIdle(quiet('response'));
    };

    if (opts.tls) {
      sock = tlsConnect({ host: opts.ip, port: opts.port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
      sock.once('secureConnect', onReady);
    } else {
      sock = new Socket();
      sock.once('connect', onReady);
      sock.connect({ host: opts.ip, port: opts.port });
    }
    sock.on('data', onData);
    sock.once('end', () => {
      closedByPeer = true;
      finish();
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      error = (err.code ?? err.message ?? 'error').slice(0, 200);
      if (opts.tls && !connected) tlsInfo = { error: String(err.message).slice(0, 200) };
      finish();
    });
  });
}
