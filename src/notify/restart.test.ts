import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSystemClock } from '../core/clock.js';
import { createEventBus } from '../core/events.js';
import { createMetrics } from '../core/metrics.js';
import { openDatabase, type Db } from '../store/database.js';
import { parseNotifyConfig } from './channel-config.js';
import { createNotifier } from './notifier.js';
import { quietLog, send, startServer, tempDb, TEST_MIGRATIONS, type TestServer } from './test-kit.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHILD = path.join(HERE, 'testdata', 'crash-child.ts');

let server: TestServer;
let answer = true; // false: hold requests (never answer)

beforeAll(async () => {
  server = await startServer((_req, res) => {
    if (answer) send(res, 200, '{"received":true}');
  });
});
afterAll(async () => {
  await server.close();
});

/** Starts the child daemon; resolves once it printed ENQUEUED. */
function startChild(file: string, mode: 'hang' | 'run') {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, file, `${server.url}/hook`, mode], { cwd: path.resolve(HERE, '../..'), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  const enqueued = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      if (c.toString().includes('ENQUEUED')) resolve();
    });
    void exited.then(() => reject(new Error(`child exited early: ${stderr.slice(0, 2000)}`)));
  });
  return { child, enqueued, exited };
}

async function until(cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The daemon after the restart: the same file, the real webhook channel, the real clock. */
async function runDaemonOnce(file: string, settleMs: number, delivery: 'at_most_once' | 'at_least_once' = 'at_most_once'): Promise<void> {
  const db: Db = openDatabase(file, TEST_MIGRATIONS).db;
  const notifier = createNotifier(
    parseNotifyConfig({
      notify_channels: [{ name: 'hook', type: 'webhook', url: `${server.url}/hook`, min_severity: 'low' }],
      notify_digest: 'off',
      notify_timezone: 'UTC',
      notify_delivery: delivery,
    }),
    { bus: createEventBus(), store: { db }, findings: { get: () => undefined, list: () => [] }, clock: createSystemClock(), metrics: createMetrics(), log: quietLog },
  );
  await notifier.start();
  try {
    await until(() => (db.prepare(`SELECT COUNT(*) FROM notify_outbox WHERE state IN ('queued','sending')`).pluck().get() as number) === 0);
    await new Promise((r) => setTimeout(r, settleMs));
  } finally {
    await notifier.stop();
    db.close();
  }
}

const states = (file: string) => {
  const db = openDatabase(file, TEST_MIGRATIONS).db;
  try {
    return db.prepare('SELECT uid, state FROM notify_outbox').all() as { uid: string; state: string }[];
  } finally {
    db.close();
  }
};

/** Runs fn on a fresh database file (closed, for the child and the restarts to open) with the receiver reset and answering; removes the file after. */
async function withDbFile(fn: (file: string) => Promise<void>): Promise<void> {
  const t = tempDb();
  t.db.close();
  server.requests.length = 0;
  answer = true;
  try {
    await fn(t.file);
  } finally {
    answer = true;
    t.cleanup();
  }
}

describe('kill -9 of the daemon', () => {
  it('between enqueue and send: the message is delivered exactly once after the restart', async () => {
    await withDbFile(async (file) => {
      const c = startChild(file, 'hang');
      await c.enqueued;
      c.child.kill('SIGKILL');
      expect(await c.exited).toBe('SIGKILL');
      expect(server.requests).toHaveLength(0);
      const before = states(file);
      expect(before.map((r) => r.state)).toEqual(['queued']);

      await runDaemonOnce(file, 100); // restart: sends it
      await runDaemonOnce(file, 300); // and another restart: nothing more
      expect(server.requests).toHaveLength(1);
      const q = server.requests[0]!;
      expect(q.headers['x-homesec-delivery']).toBe(before[0]?.uid);
      expect(JSON.parse(q.body)).toMatchObject({ kind: 'alert', findings: [{ key: 'port_scan:192.168.1.20' }] });
      expect(states(file).map((r) => r.state)).toEqual(['sent']);
    });
  });

  /** Kills the child while the receiver holds its request (the daemon dies waiting for the 2xx). */
  async function killMidSend(file: string): Promise<void> {
    answer = false;
    const c = startChild(file, 'run');
    await c.enqueued;
    await until(() => server.requests.length === 1);
    c.child.kill('SIGKILL');
    await c.exited;
    expect(states(file).map((r) => r.state)).toEqual(['sending']);
    answer = true;
  }

  it('after the receiver got it but before the commit (at most once, the default): never sent again, marked unconfirmed', async () => {
    await withDbFile(async (file) => {
      await killMidSend(file);
      await runDaemonOnce(file, 300);
      await runDaemonOnce(file, 300);
      expect(server.requests).toHaveLength(1);
      expect(states(file).map((r) => r.state)).toEqual(['unconfirmed']);
    });
  });

  it('after the receiver got it but before the commit (at_least_once): resent once, with the same delivery id for the receiver to drop', async () => {
    await withDbFile(async (file) => {
      await killMidSend(file);
      await runDaemonOnce(file, 100, 'at_least_once');
      await runDaemonOnce(file, 300, 'at_least_once');
      expect(server.requests).toHaveLength(2);
      const ids = server.requests.map((r) => r.headers['x-homesec-delivery']);
      expect(ids[0]).toBe(ids[1]);
      expect(server.requests[0]?.body).toBe(server.requests[1]?.body); // byte-identical, same signature
      expect(states(file).map((r) => r.state)).toEqual(['sent']);
    });
  });
});
