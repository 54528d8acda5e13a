/**
 * Test kit for the notification tests (no production code imports it). Rules: HTTP and SMTP
 * peers listen on 127.0.0.1 only, on a port the OS picks, and are closed by the test
 * (NETWORK RULE); databases live in temp directories with the notify migration applied;
 * fixtures are read from testdata/ beside this file.
 */
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Finding, Severity } from '../findings/types.js';
import { MIGRATIONS } from '../store/migrations.js';
import { startTestServer, type SeenRequest, type TestServer } from '../../test/support/http-server.js';
import { tempDb as tempDbIn, type TempDb } from '../../test/support/temp-db.js';
import type { ChannelConfig } from './channel-config.js';
import { channelBase, type Channel, type SendResult } from './channel.js';
import type { NotifyMessage } from './message.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** A fixture's text. */
export function fixture(name: string): string {
  return fs.readFileSync(path.join(HERE, 'testdata', name), 'utf8');
}

/** The migrations a notify test database needs (the project's plus the notify one). */
export const TEST_MIGRATIONS = MIGRATIONS;

export type { SeenRequest, TestServer } from '../../test/support/http-server.js';
export { sendBody as send } from '../../test/support/http-server.js';

/** Starts a loopback test server; every request (with its whole body) is recorded before `handler` runs. */
export function startServer(handler: (req: SeenRequest, res: http.ServerResponse) => void): Promise<TestServer> {
  return startTestServer(handler);
}

/** A temp dir and a database with the notify migration; `reopen` simulates a restart. */
export function tempDb(): TempDb {
  return tempDbIn('homesec-notify-', TEST_MIGRATIONS);
}

let seq = 0;

/** A finding with sensible defaults. */
export function finding(p: Partial<Finding> & { key?: string; severity?: Severity; atMs?: number } = {}): Finding {
  const at = p.atMs ?? p.firstSeenMs ?? Date.UTC(2026, 0, 1);
  const key = p.key ?? `port_scan:192.168.1.${++seq}`;
  return {
    key,
    category: p.category ?? key.split(':')[0] ?? 'port_scan',
    severity: p.severity ?? 'high',
    sourceIp: p.sourceIp ?? key.split(':')[1] ?? '192.168.1.20',
    title: p.title ?? `Port scan from ${key.split(':')[1] ?? 'device'}`,
    detail: p.detail ?? '40 ports in 60 s',
    firstSeenMs: p.firstSeenMs ?? at,
    lastSeenMs: p.lastSeenMs ?? at,
    occurrences: p.occurrences ?? 1,
    evidence: p.evidence ?? {},
    dismissed: p.dismissed ?? false,
    ...(p.remediation !== undefined ? { remediation: p.remediation } : {}),
  };
}

export interface RecordingChannel extends Channel {
  readonly sent: NotifyMessage[];
  /** Answers for the next sends (default ok). */
  script: SendResult[];
  attempts: number;
}

/** A channel that records what it is asked to send and answers from `script`. */
export function recordingChannel(c: ChannelConfig, minIntervalMs = 0): RecordingChannel {
  const ch: RecordingChannel = {
    ...channelBase(c),
    minIntervalMs,
    guarantee: 'at-least-once',
    sent: [],
    script: [],
    attempts: 0,
    available: () => true,
    close: async () => {},
    async send(m) {
      ch.attempts++;
      const r = ch.script.shift() ?? { ok: true };
      if (r.ok) ch.sent.push(m);
      return r;
    },
  };
  return ch;
}

export const quietLog = { info: () => {}, warn: () => {}, error: () => {} };

export const TG_TOKEN = '123456789:SECRET-tg-AAAAAAAAAAAAAAAAAAAAAA';

/** One valid channel of every type, each secret containing "SECRET". */
export const EVERY_CHANNEL = [
  { name: 'mail', type: 'email', host: 'smtp.example.com', from: 'homesec@example.com', to: 'me@example.com, you@example.com', username: 'u', password: 'SECRET-smtp-pw' },
  { name: 'po', type: 'pushover', token: 'SECRET-po-token', user: 'SECRET-po-user' },
  { name: 'nt', type: 'ntfy', topic: 'SECRET-topic', token: 'SECRET-ntfy-token' },
  { name: 'go', type: 'gotify', url: 'https://gotify.example.com', token: 'SECRET-gotify' },
  { name: 'tg', type: 'telegram', bot_token: TG_TOKEN, chat_id: -100123456 },
  { name: 'hook', type: 'webhook', url: 'https://hooks.example.com/SECRET-path', hmac_key: 'SECRET-hmac' },
  { name: 'ha', type: 'homeassistant', service: 'notify.mobile_app_pixel_7' },
  { name: 'ap', type: 'apprise', url: 'http://apprise:8000', key: 'SECRET-key', urls: 'tgram://SECRET-x/y' },
];
