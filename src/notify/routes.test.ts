import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventBus } from '../core/events.js';
import { FakeClock } from '../core/fake-clock.js';
import { createMetrics } from '../core/metrics.js';
import { parseNotifyConfig } from './channel-config.js';
import { createNotifier } from './notifier.js';
import { notifyRoutes } from './routes.js';
import { finding, quietLog, recordingChannel, tempDb, type RecordingChannel } from './test-kit.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup() {
  const db = tempDb();
  const clock = new FakeClock(Date.UTC(2026, 0, 10, 12));
  const bus = createEventBus();
  const chans: RecordingChannel[] = [];
  const notifier = createNotifier(
    parseNotifyConfig({
      notify_timezone: 'UTC',
      notify_quiet_hours: '22:00-07:00',
      notify_channels: [{ name: 'hook', type: 'webhook', url: 'https://hooks.example.com/SECRET-path', hmac_key: 'SECRET-key', min_severity: 'low' }],
    }),
    { bus, store: { db: db.db }, findings: { get: () => undefined, list: () => [] }, clock, metrics: createMetrics(), log: quietLog },
    {
      createChannel: (c) => {
        const r = recordingChannel(c);
        chans.push(r);
        return r;
      },
      random: () => 0.5,
    },
  );
  await notifier.start();
  const app = Fastify();
  notifyRoutes(notifier)(app);
  await app.ready();
  cleanups.push(async () => {
    await app.close();
    await notifier.stop();
    db.cleanup();
  });
  return { app, notifier, bus, clock, chans };
}

describe('notify routes', () => {
  it('GET /api/notify shows per-channel state and the last error, never a secret', async () => {
    const { app, bus, clock, chans } = await setup();
    chans[0]!.script.push({ ok: false, error: { kind: 'server', detail: 'HTTP 502', permanent: false } });
    bus.emit('finding.updated', finding({ key: 'port_scan:192.168.1.20', severity: 'high' }));
    await clock.advance(0);
    await clock.advance(0);
    const res = await app.inject({ method: 'GET', url: '/api/notify' });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { quietHours: string; timeZone: string; channels: Record<string, unknown>[] };
    expect(body).toMatchObject({ quietHours: '22:00-07:00', timeZone: 'UTC', digest: 'daily 08:00', nextSummaryMs: Date.UTC(2026, 0, 11, 8) });
    expect(body.channels[0]).toMatchObject({ name: 'hook', type: 'webhook', queued: 1, sent: 0, failing: true, lastError: 'server: HTTP 502' });
    expect(res.body).not.toContain('SECRET');
  });

  it('POST /api/notify/test sends to one channel; an unknown one is 400', async () => {
    const { app, chans } = await setup();
    const ok = await app.inject({ method: 'POST', url: '/api/notify/test', payload: { channel: 'hook' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ results: [{ channel: 'hook', ok: true, ms: 0 }] });
    expect(chans[0]!.sent.map((m) => m.kind)).toEqual(['test']);
    const bad = await app.inject({ method: 'POST', url: '/api/notify/test', payload: { channel: 'pager' } });
    expect(bad.statusCode).toBe(400);
    expect((bad.json() as { error: string }).error).toMatch(/no notification channel named "pager"/);
    const all = await app.inject({ method: 'POST', url: '/api/notify/test', payload: {} });
    expect((all.json() as { results: unknown[] }).results).toHaveLength(1);
  });
});
