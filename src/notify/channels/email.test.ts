import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../core/clock.js';
import { parseChannel } from '../channel-config.js';
import type { Channel, SendResult } from '../channel.js';
import { alertMessage, findingRef } from '../message.js';
import { createChannel } from '../registry.js';
import { finding } from '../test-kit.js';

const XSS = '<img src=x onerror=alert(1)>';
const USER = 'homesec@example.com';
const PASSWORD = 'SECRET-smtp-Passw0rd';

// A self-signed certificate for 127.0.0.1 (made here with the openssl CLI, never committed).
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-smtp-'));
const keyFile = path.join(dir, 'key.pem');
const certFile = path.join(dir, 'cert.pem');
execFileSync(
  'openssl',
  ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', keyFile, '-out', certFile],
  { stdio: 'ignore' },
);
const key = fs.readFileSync(keyFile);
const cert = fs.readFileSync(certFile);

interface Received {
  from: string;
  to: string[];
  raw: string;
  secure: boolean;
}

interface Peer {
  port: number;
  received: Received[];
  auths: { user: string; secure: boolean }[];
  close(): Promise<void>;
}

async function startSmtp(opts: Partial<SMTPServerOptions> = {}): Promise<Peer> {
  const received: Received[] = [];
  const auths: { user: string; secure: boolean }[] = [];
  const server = new SMTPServer({
    key,
    cert,
    logger: false,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, session: SMTPServerSession, cb) {
      auths.push({ user: auth.username ?? '', secure: session.secure });
      if (auth.username === USER && auth.password === PASSWORD) return cb(null, { user: auth.username });
      const err = Object.assign(new Error('Invalid username or password'), { responseCode: 535 });
      return cb(err);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
        });
        cb();
      });
    },
    ...opts,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { port, received, auths, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Minimal MIME reading for the assertions: headers, and the decoded parts of a multipart body. */
function parseMime(raw: string): { headers: Map<string, string>; parts: { type: string; body: string }[] } {
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join('\r\n\r\n');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  const boundary = /boundary="?([^";]+)"?/.exec(headers.get('content-type') ?? '')?.[1];
  if (!boundary) return { headers, parts: [{ type: headers.get('content-type') ?? '', body: decode(body, headers.get('content-transfer-encoding')) }] };
  const parts = body
    .split(`--${boundary}`)
    .slice(1)
    .filter((p) => !p.startsWith('--'))
    .map((p) => {
      const m = parseMime(p.replace(/^\r?\n/, ''));
      return { type: (m.headers.get('content-type') ?? '').split(';')[0] as string, body: decode(p.replace(/^\r?\n/, '').split(/\r?\n\r?\n/).slice(1).join('\r\n\r\n'), m.headers.get('content-transfer-encoding')) };
    });
  return { headers, parts };
}

function decode(text: string, encoding: string | undefined): string {
  if (encoding === 'base64') return Buffer.from(text.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return text;
}

const clock = createSystemClock();
const deps = { clock, timeoutMs: 5000, maxResponseBytes: 65536 };

function mail(port: number, over: Record<string, unknown> = {}): Channel {
  return createChannel(
    parseChannel({ name: 'mail', type: 'email', host: '127.0.0.1', port, from: USER, to: ['me@example.com', 'you@example.com'], username: USER, password: PASSWORD, ca_file: certFile, ...over }),
    deps,
  );
}

const message = () =>
  alertMessage(findingRef(finding({ key: 'port_scan:192.168.1.20', severity: 'critical', title: `Port scan from ${XSS} über`, detail: 'PTR <script>x()</script>' })), {
    id: 'hs-mail-0001',
    nowMs: Date.UTC(2026, 0, 1, 12),
    timeZone: 'UTC',
  });

function failed(r: SendResult) {
  if (r.ok) throw new Error('expected a failure');
  return r.error;
}

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('e-mail over STARTTLS to a real SMTP server', () => {
  let peer: Peer;
  beforeAll(async () => {
    peer = await startSmtp();
  });
  afterAll(async () => {
    await peer.close();
  });

  it('upgrades with STARTTLS, authenticates over TLS, and delivers text + escaped HTML with a stable Message-ID', async () => {
    const ch = mail(peer.port);
    expect(await ch.send(message(), {})).toEqual({ ok: true });
    await ch.close();
    expect(peer.auths).toEqual([{ user: USER, secure: true }]);
    expect(peer.received).toHaveLength(1);
    const got = peer.received[0]!;
    expect(got.secure).toBe(true);
    expect(got.from).toBe(USER);
    expect(got.to).toEqual(['me@example.com', 'you@example.com']);
    const mime = parseMime(got.raw);
    expect(mime.headers.get('message-id')).toBe('<hs-mail-0001@example.com>');
    expect(mime.headers.get('x-homesec-id')).toBe('hs-mail-0001');
    expect(mime.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mime.headers.get('x-priority')).toMatch(/^1/);
    expect(mime.headers.get('content-type')).toMatch(/^multipart\/alternative/);
    const text = mime.parts.find((p) => p.type === 'text/plain')?.body ?? '';
    const html = mime.parts.find((p) => p.type === 'text/html')?.body ?? '';
    expect(text).toContain(`CRITICAL: Port scan from ${XSS} über`);
    expect(text).toContain('Device: 192.168.1.20');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; über');
    expect(html).toContain('&lt;script&gt;x()&lt;/script&gt;');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script');
    expect(got.raw).not.toContain(PASSWORD);
  });

  it('a wrong password is a permanent auth failure whose detail never holds the password', async () => {
    const e = failed(await mail(peer.port, { password: 'SECRET-wrong-pw' }).send(message(), {}));
    expect(e).toMatchObject({ kind: 'auth', permanent: true });
    expect(e.detail).toMatch(/^EAUTH 535/);
    expect(e.detail).not.toContain('SECRET');
  });

  it('a certificate nobody vouches for is refused before any credential is sent', async () => {
    const before = peer.auths.length;
    const e = failed(await mail(peer.port, { ca_file: '' }).send(message(), {}));
    expect(e).toMatchObject({ kind: 'tls', permanent: false });
    expect(peer.auths.length).toBe(before);
  });

  it('tls_verify: false accepts it (for a home relay with a self-signed certificate)', async () => {
    expect(await mail(peer.port, { ca_file: '', tls_verify: false }).send(message(), {})).toEqual({ ok: true });
  });

  it('an unreadable ca_file is reported as a config problem, not a crash', async () => {
    expect(failed(await mail(peer.port, { ca_file: path.join(dir, 'missing.pem') }).send(message(), {}))).toMatchObject({ kind: 'config', detail: 'cannot read ca_file: ENOENT' });
  });
});

describe('e-mail refusals', () => {
  it('requires STARTTLS: a server that does not offer it gets no credentials and no message', async () => {
    const peer = await startSmtp({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true });
    try {
      const e = failed(await mail(peer.port).send(message(), {}));
      expect(e.kind).toBe('tls');
      expect(peer.auths).toEqual([]);
      expect(peer.received).toEqual([]);
    } finally {
      await peer.close();
    }
  });

  it('speaks TLS from the first byte with security: tls', async () => {
    const peer = await startSmtp({ secure: true });
    try {
      expect(await mail(peer.port, { security: 'tls' }).send(message(), {})).toEqual({ ok: true });
      expect(peer.received[0]?.secure).toBe(true);
      expect(peer.auths[0]?.secure).toBe(true);
    } finally {
      await peer.close();
    }
  });

  it('a recipient rejected with 550 is permanent; a 451 is retried', async () => {
    let code = 550;
    const peer = await startSmtp({
      onRcptTo(_addr, _session, cb) {
        cb(Object.assign(new Error(code === 550 ? 'mailbox unavailable' : 'try again later'), { responseCode: code }));
      },
    });
    try {
      expect(failed(await mail(peer.port).send(message(), {}))).toMatchObject({ kind: 'rejected', permanent: true });
      code = 451;
      expect(failed(await mail(peer.port).send(message(), {}))).toMatchObject({ kind: 'server', permanent: false, detail: 'EENVELOPE 451: try again later' });
    } finally {
      await peer.close();
    }
  });

  it('nothing listening is a retryable network failure', async () => {
    const e = failed(await mail(1).send(message(), {}));
    expect(e).toMatchObject({ kind: 'network', permanent: false });
  });
});
