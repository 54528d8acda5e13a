import { afterEach, describe, expect, it } from 'vitest';
import { createEventBus } from '../core/events.js';
import { FakeClock } from '../core/fake-clock.js';
import { createMetrics, type Metrics } from '../core/metrics.js';
import type { Finding } from '../findings/types.js';
import { parseNotifyConfig, type NotifyConfigInput } from './channel-config.js';
import type { Channel } from './channel.js';
import type { NotifyMessage } from './message.js';
import { createNotifier, SUMMARY_KV_KEY, type Notifier, type NotifierOptions } from './notifier.js';
import { createChannel } from './registry.js';
import type { SummarySource } from './summary.js';
import { finding, quietLog, recordingChannel, tempDb, type RecordingChannel } from './test-kit.js';
import { zonedTimeToUtc } from './time-zone.js';

const TZ = 'Europe/Berlin';
/** Local Berlin time on 2026-01-10 (a Saturday) + dayOffset. */
const at = (h: number, m = 0, dayOffset = 0) => zonedTimeToUtc(2026, 1, 10 + dayOffset, h, m, TZ);

const PHONE = { name: 'phone', type: 'webhook', url: 'http://127.0.0.1:9/phone', min_severity: 'medium' };
const MAIL = { name: 'mail', type: 'webhook', url: 'http://127.0.0.1:9/mail', min_severity: 'critical', summaries: false };

interface Harness {
  clock: FakeClock;
  metrics: Metrics;
  notifier: Notifier;
  ch: Map<string, RecordingChannel>;
  known: Map<string, Finding>;
  db: ReturnType<typeof tempDb>;
  report(f: Finding): void;
  flush(): Promise<void>;
  advanceTo(ms: number): Promise<void>;
  sent(name: string): NotifyMessage[];
  restart(cfg?: Partial<NotifyConfigInput>): Promise<void>;
}

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.notifier.stop();
    h.db.cleanup();
  }
});

async function harness(cfg: Partial<NotifyConfigInput> = {}, o: { startMs?: number; summarySource?: SummarySource; options?: NotifierOptions } = {}): Promise<Harness> {
  const db = tempDb();
  const clock = new FakeClock(o.startMs ?? at(21));
  const metrics = createMetrics();
  const known = new Map<string, Finding>();
  const bus = createEventBus();
  const ch = new Map<string, RecordingChannel>();
  const build = (c: Partial<NotifyConfigInput>) =>
    createNotifier(
      parseNotifyConfig({ notify_timezone: TZ, notify_channels: [PHONE, MAIL], notify_digest: 'off', ...c }),
      {
        bus,
        store: { get db() { return db.db; } },
        findings: { get: (k) => known.get(k), list: () => [...known.values()] },
        clock,
        metrics,
        log: quietLog,
        ...(o.summarySource ? { summarySource: o.summarySource } : {}),
      },
      {
        random: () => 0.5,
        createChannel: (c) => {
          const prev = ch.get(c.name);
          const r = recordingChannel(c, prev?.minIntervalMs ?? 0);
          if (prev) {
            r.sent.push(...prev.sent);
            r.script.push(...prev.script);
          }
          ch.set(c.name, r);
          return r;
        },
        ...o.options,
      },
    );
  const h: Harness = {
    clock,
    metrics,
    notifier: build(cfg),
    ch,
    known,
    db,
    report(f) {
      known.set(f.key, f);
      bus.emit('finding.new', f);
      bus.emit('finding.updated', f);
    },
    async flush() {
      for (let i = 0; i < 5; i++) {
        await clock.advance(0);
        await h.notifier.idle();
      }
    },
    async advanceTo(ms) {
      await clock.advance(Math.max(0, ms - clock.now()));
      await h.flush();
    },
    sent: (name) => ch.get(name)?.sent ?? [],
    async restart(c = cfg) {
      await h.notifier.stop();
      db.reopen();
      h.notifier = build(c);
      await h.notifier.start();
    },
  };
  await h.notifier.start();
  open.push(h);
  return h;
}

const f = (key: string, severity: Finding['severity'], extra: Partial<Finding> & { atMs?: number } = {}) => finding({ key, severity, atMs: Date.UTC(2026, 0, 10, 18), ...extra });

describe('severity routing and de-duplication', () => {
  it('each channel gets only findings at or above its min_severity', async () => {
    const h = await harness({}, { startMs: at(12) });
    h.report(f('port_scan:192.168.1.10', 'low'));
    h.report(f('port_scan:192.168.1.11', 'medium'));
    h.report(f('beaconing:192.168.1.12', 'critical'));
    await h.flush();
    expect(h.sent('phone').map((m) => m.findings[0]?.key)).toEqual(['beaconing:192.168.1.12', 'port_scan:192.168.1.11']); // critical first
    expect(h.sent('mail').map((m) => m.title)).toEqual(['CRITICAL: Port scan from 192.168.1.12']);
    expect(h.metrics.get('homesec_notify_decisions_total', { channel: 'mail', decision: 'skip_below_min' })).toBe(2);
  });

  it('a finding is notified once per window per channel; a higher severity or a new window notifies again', async () => {
    const h = await harness({}, { startMs: at(12) });
    const key = 'port_scan:192.168.1.20';
    h.report(f(key, 'high'));
    h.report(f(key, 'high', { occurrences: 2 }));
    await h.flush();
    expect(h.sent('phone')).toHaveLength(1); // two reports: one message
    h.report(f(key, 'critical', { occurrences: 3 }));
    await h.flush();
    expect(h.sent('phone').map((m) => m.severity)).toEqual(['high', 'critical']);
    expect(h.sent('mail').map((m) => m.severity)).toEqual(['critical']);
    await h.advanceTo(at(12) + 23 * 3_600_000);
    h.report(f(key, 'critical', { occurrences: 4 }));
    await h.flush();
    expect(h.sent('phone')).toHaveLength(2); // still inside the 24 h window
    await h.advanceTo(at(12) + 25 * 3_600_000);
    h.report(f(key, 'critical', { occurrences: 5 }));
    await h.flush();
    expect(h.sent('phone')).toHaveLength(3);
  });

  it('dismissed findings and allowlisted devices are never notified (IPv4-mapped forms too)', async () => {
    const h = await harness({ notify_allowlist: '192.168.1.77' }, { startMs: at(12) });
    h.report(f('port_scan:192.168.1.77', 'critical'));
    h.report(f('high_egress:x', 'critical', { sourceIp: '::ffff:192.168.1.77' }));
    h.report(f('port_scan:192.168.1.78', 'critical', { dismissed: true }));
    await h.flush();
    expect(h.sent('phone')).toEqual([]);
    expect(h.sent('mail')).toEqual([]);
    expect(h.metrics.get('homesec_notify_decisions_total', { channel: 'phone', decision: 'skip_allowlisted' })).toBe(2);
    expect(h.metrics.get('homesec_notify_decisions_total', { channel: 'phone', decision: 'skip_dismissed' })).toBe(1);
  });
});

describe('quiet hours', () => {
  it('hold non-critical alerts for one morning digest; critical ones still go out at once', async () => {
    const h = await harness({ notify_quiet_hours: '22:00-07:00' }, { startMs: at(21) });
    await h.advanceTo(at(22, 30));
    h.report(f('port_scan:192.168.1.20', 'medium', { title: 'Port scan from kid-tablet', atMs: at(22, 30) }));
    h.report(f('high_egress:192.168.1.21', 'high', { title: 'High egress from <b>nas</b>', atMs: at(22, 31) }));
    await h.advanceTo(at(23));
    h.report(f('beaconing:192.168.1.22', 'critical', { title: 'Beaconing to a C2 server', atMs: at(23) }));
    await h.flush();
    expect(h.sent('phone').map((m) => m.kind)).toEqual(['alert']);
    expect(h.sent('phone')[0]?.severity).toBe('critical');
    expect(h.sent('mail')).toHaveLength(1);
    expect(h.notifier.status().channels.find((c) => c.name === 'phone')).toMatchObject({ held: 2, queued: 0, sent: 1 });
    expect(h.notifier.status().quietNow).toBe(true);

    await h.advanceTo(at(6, 59, 1));
    expect(h.sent('phone')).toHaveLength(1); // still quiet

    await h.advanceTo(at(7, 1, 1));
    const phone = h.sent('phone');
    expect(phone.map((m) => m.kind)).toEqual(['alert', 'digest']);
    const digest = phone[1]!;
    expect(digest.title).toBe('homesec: 2 alerts held during quiet hours');
    expect(digest.lead).toBe('Held during quiet hours (22:00-07:00, Europe/Berlin): 1 high, 1 medium.');
    expect(digest.sections[0]?.lines.map((l) => l.text)).toEqual([
      '[HIGH] High egress from <b>nas</b> (192.168.1.21, 2026-01-10 22:31)',
      '[MEDIUM] Port scan from kid-tablet (192.168.1.20, 2026-01-10 22:30)',
    ]);
    expect(digest.severity).toBe('high');
    expect(h.sent('mail')).toHaveLength(1); // nothing was held for the critical-only channel
    expect(h.notifier.status().channels.find((c) => c.name === 'phone')).toMatchObject({ held: 0, sent: 2 });

    await h.advanceTo(at(9, 0, 1));
    expect(h.sent('phone')).toHaveLength(2); // released once
  });

  it('a finding dismissed during the night is left out of the digest', async () => {
    const h = await harness({ notify_quiet_hours: '22:00-07:00' }, { startMs: at(23) });
    h.report(f('port_scan:192.168.1.20', 'high'));
    h.report(f('port_scan:192.168.1.21', 'high'));
    await h.flush();
    h.known.set('port_scan:192.168.1.21', { ...h.known.get('port_scan:192.168.1.21')!, dismissed: true });
    await h.advanceTo(at(7, 5, 1));
    expect(h.sent('phone')).toHaveLength(1);
    expect(h.sent('phone')[0]?.findings.map((x) => x.key)).toEqual(['port_scan:192.168.1.20']);
  });

  it('held alerts survive a restart and are released when the daemon is back after the quiet hours', async () => {
    const h = await harness({ notify_quiet_hours: '22:00-07:00' }, { startMs: at(23) });
    h.report(f('port_scan:192.168.1.20', 'high'));
    await h.flush();
    await h.notifier.stop(); // down over the end of the quiet hours
    h.clock.advance(at(9, 30, 1) - h.clock.now());
    await h.restart();
    await h.advanceTo(at(9, 32, 1));
    expect(h.sent('phone').map((m) => m.kind)).toEqual(['digest']);
  });
});

describe('rate limits', () => {
  it('suppress beyond N per hour, let critical through, then send "k more suppressed"', async () => {
    const h = await harness({ notify_rate_per_hour: 3 }, { startMs: at(10) });
    for (let i = 1; i <= 8; i++) {
      await h.advanceTo(at(10, i));
      h.report(f(`port_scan:192.168.1.${i}`, i === 8 ? 'medium' : 'high', { title: `Port scan ${i}` }));
    }
    await h.advanceTo(at(10, 9));
    h.report(f('beaconing:192.168.1.99', 'critical'));
    await h.flush();
    expect(h.sent('phone').map((m) => m.title)).toEqual(['HIGH: Port scan 1', 'HIGH: Port scan 2', 'HIGH: Port scan 3', 'CRITICAL: Port scan from 192.168.1.99']);
    expect(h.notifier.status().channels.find((c) => c.name === 'phone')?.suppressed).toBe(5);

    await h.advanceTo(at(10, 59));
    expect(h.sent('phone')).toHaveLength(4); // the window is still full

    await h.advanceTo(at(11, 2)); // alert 1 left the window
    const phone = h.sent('phone');
    expect(phone).toHaveLength(5);
    const summary = phone[4]!;
    expect(summary.kind).toBe('suppressed');
    expect(summary.title).toBe('homesec: 5 more alerts suppressed');
    expect(summary.lead).toBe('5 more alerts were suppressed by the rate limit (3 per hour in all) between 2026-01-10 10:04 and 2026-01-10 10:08: 4 high, 1 medium.');
    expect(summary.findings.map((x) => x.key)).toEqual(['port_scan:192.168.1.4', 'port_scan:192.168.1.5', 'port_scan:192.168.1.6', 'port_scan:192.168.1.7', 'port_scan:192.168.1.8']);
    expect(h.metrics.get('homesec_notify_suppressed_total', { channel: 'phone' })).toBe(5);

    // alerts flow again once there is room (the summary does not count toward the limit)
    await h.advanceTo(at(11, 3));
    h.report(f('port_scan:192.168.1.50', 'high', { title: 'Port scan 50' }));
    await h.flush();
    expect(h.sent('phone').map((m) => m.title).at(-1)).toBe('HIGH: Port scan 50');
  });

  it('a per-channel limit only holds back that channel', async () => {
    const h = await harness({ notify_rate_per_hour: 0, notify_channels: [{ ...PHONE, rate_per_hour: 2 }, { ...MAIL, min_severity: 'medium' }] }, { startMs: at(10) });
    for (let i = 1; i <= 4; i++) h.report(f(`port_scan:192.168.1.${i}`, 'high'));
    await h.flush();
    expect(h.sent('phone')).toHaveLength(2);
    expect(h.sent('mail')).toHaveLength(4);
    await h.advanceTo(at(11, 1));
    expect(h.sent('phone').at(-1)?.lead).toMatch(/^2 more alerts were suppressed by the rate limit \(2 per hour on this channel\)/);
  });

  it('suppressed alerts still waiting when quiet hours begin join the morning digest', async () => {
    const h = await harness({ notify_rate_per_hour: 1, notify_quiet_hours: '22:00-07:00' }, { startMs: at(21, 30) });
    h.report(f('port_scan:192.168.1.1', 'high'));
    h.report(f('port_scan:192.168.1.2', 'high'));
    await h.flush();
    expect(h.sent('phone')).toHaveLength(1);
    await h.advanceTo(at(7, 1, 1));
    expect(h.sent('phone').map((m) => m.kind)).toEqual(['alert', 'digest']);
    expect(h.sent('phone')[1]?.findings.map((x) => x.key)).toEqual(['port_scan:192.168.1.2']);
  });
});

describe('delivery', () => {
  it('retries with exponential backoff and shows the failure until it recovers', async () => {
    const h = await harness({}, { startMs: at(12) });
    const phone = h.ch.get('phone')!;
    phone.script.push(
      { ok: false, error: { kind: 'server', detail: 'HTTP 503', permanent: false } },
      { ok: false, error: { kind: 'timeout', detail: 'no answer within 20000 ms', permanent: false } },
    );
    h.report(f('port_scan:192.168.1.20', 'high'));
    await h.flush();
    expect(phone.attempts).toBe(1);
    expect(h.notifier.status().channels[0]).toMatchObject({ queued: 1, sent: 0, failing: true, lastError: 'server: HTTP 503' });
    await h.advanceTo(at(12) + 29_000);
    expect(phone.attempts).toBe(1);
    await h.advanceTo(at(12) + 30_000); // 30 s (jitter 0)
    expect(phone.attempts).toBe(2);
    await h.advanceTo(at(12) + 30_000 + 59_000);
    expect(phone.attempts).toBe(2);
    await h.advanceTo(at(12) + 30_000 + 60_000); // then 60 s
    expect(phone.attempts).toBe(3);
    expect(phone.sent).toHaveLength(1);
    expect(h.notifier.status().channels[0]).toMatchObject({ queued: 0, sent: 1, failing: false });
    expect(h.metrics.get('homesec_notify_retries_total', { channel: 'phone', error: 'server' })).toBe(1);
    expect(h.metrics.get('homesec_notify_sent_total', { channel: 'phone', kind: 'alert' })).toBe(1);
  });

  it('a permanent failure is failed at once and visible; Retry-After pauses the channel', async () => {
    const h = await harness({}, { startMs: at(12) });
    const phone = h.ch.get('phone')!;
    phone.script.push({ ok: false, error: { kind: 'auth', detail: 'HTTP 401', permanent: true } });
    h.report(f('port_scan:192.168.1.20', 'high'));
    await h.flush();
    expect(h.notifier.status().channels[0]).toMatchObject({ failed: 1, queued: 0, lastError: 'auth: HTTP 401' });
    expect(h.metrics.get('homesec_notify_failed_total', { channel: 'phone', error: 'auth' })).toBe(1);
    await h.advanceTo(at(13));
    expect(phone.attempts).toBe(1);

    phone.script.push({ ok: false, error: { kind: 'rate_limited', detail: 'HTTP 429', permanent: false, retryAfterMs: 120_000 } });
    h.report(f('port_scan:192.168.1.21', 'high'));
    h.report(f('port_scan:192.168.1.22', 'high'));
    await h.flush();
    expect(phone.attempts).toBe(2);
    expect(h.notifier.status().channels[0]?.pausedUntilMs).toBe(at(13) + 120_000);
    await h.advanceTo(at(13) + 119_000);
    expect(phone.attempts).toBe(2); // the other message waits too
    await h.advanceTo(at(13) + 121_000);
    expect(phone.sent.map((m) => m.findings[0]?.key).sort()).toEqual(['port_scan:192.168.1.21', 'port_scan:192.168.1.22']);
  });

  it('a provider asking for a day-long pause is retried after an hour at most', async () => {
    const h = await harness({}, { startMs: at(12) });
    const phone = h.ch.get('phone')!;
    phone.script.push({ ok: false, error: { kind: 'rate_limited', detail: 'HTTP 429', permanent: false, retryAfterMs: 86_400_000 } });
    h.report(f('beaconing:192.168.1.20', 'critical'));
    await h.flush();
    await h.advanceTo(at(12) + 3_599_000);
    expect(phone.sent).toEqual([]);
    await h.advanceTo(at(13, 1));
    expect(phone.sent.map((m) => m.severity)).toEqual(['critical']);
  });

  it('gives up after a day of retryable failures', async () => {
    const h = await harness({}, { startMs: at(12) });
    const phone = h.ch.get('phone')!;
    for (let i = 0; i < 60; i++) phone.script.push({ ok: false, error: { kind: 'network', detail: 'ECONNREFUSED', permanent: false } });
    h.report(f('port_scan:192.168.1.20', 'high'));
    await h.advanceTo(at(12, 0, 2));
    expect(h.notifier.status().channels[0]).toMatchObject({ failed: 1, queued: 0, lastError: 'network: ECONNREFUSED' });
    expect(phone.attempts).toBeLessThan(40); // backoff capped at 1 h: about 30 attempts in 24 h
  });

  it('spaces sends by the channel minimum interval', async () => {
    const h = await harness({}, { startMs: at(12) });
    (h.ch.get('phone') as { minIntervalMs: number }).minIntervalMs = 1000;
    const times: number[] = [];
    const phone = h.ch.get('phone')!;
    const orig = phone.send.bind(phone);
    phone.send = async (m, c) => {
      times.push(h.clock.now());
      return orig(m, c);
    };
    for (let i = 1; i <= 3; i++) h.report(f(`port_scan:192.168.1.${i}`, 'high'));
    await h.advanceTo(at(12) + 5000);
    expect(times.map((t) => t - at(12))).toEqual([0, 1000, 2000]);
  });

  /** A phone channel whose sends hang until released or aborted. */
  const hangPhone = (h: Harness) => {
    const state: { release?: () => void } = {};
    const hanging: Partial<Channel> = {
      send: (m, ctx) =>
        new Promise((resolve) => {
          state.release = () => {
            h.ch.get('phone')!.sent.push(m);
            resolve({ ok: true });
          };
          ctx.signal?.addEventListener('abort', () => resolve({ ok: false, error: { kind: 'aborted', detail: 'aborted', permanent: false } }));
        }),
    };
    Object.assign(h.ch.get('phone')!, hanging);
    return state;
  };

  it('stop() lets a send in flight finish within the grace: sent once, nothing unconfirmed', async () => {
    const h = await harness({}, { startMs: at(12) });
    const hang = hangPhone(h);
    h.report(f('port_scan:192.168.1.20', 'high'));
    await h.clock.advance(0);
    expect(h.notifier.status().channels[0]?.queued).toBe(1);
    const stopped = h.notifier.stop();
    await h.clock.advance(1000);
    hang.release?.();
    await stopped;
    h.db.reopen();
    const states = h.db.db.prepare(`SELECT state FROM notify_outbox`).pluck().all();
    expect(states).toEqual(['sent']);
    expect(h.sent('phone')).toHaveLength(1);
  });

  it('at most once (default): a send still hanging when the grace ends is aborted, marked unconfirmed and never sent again', async () => {
    const h = await harness({}, { startMs: at(12), options: { stopGraceMs: 3000 } });
    hangPhone(h);
    h.report(f('port_scan:192.168.1.20', 'high'));
    await h.clock.advance(0);
    const restarted = h.restart();
    await h.clock.advance(3000); // the grace ends: abort
    await restarted;
    await h.advanceTo(at(14));
    expect(h.sent('phone')).toEqual([]);
    expect(h.notifier.status().channels[0]).toMatchObject({ queued: 0, sent: 0, unconfirmed: 1 });
    expect(h.metrics.get('homesec_notify_unconfirmed_total', { channel: 'phone' })).toBe(1);
    // later findings still go out
    h.report(f('port_scan:192.168.1.21', 'high'));
    await h.flush();
    expect(h.sent('phone').map((m) => m.findings[0]?.key)).toEqual(['port_scan:192.168.1.21']);
  });

  it('at least once (notify_delivery): the aborted send goes back to the queue and is sent after the restart', async () => {
    const h = await harness({ notify_delivery: 'at_least_once' }, { startMs: at(12), options: { stopGraceMs: 0 } });
    hangPhone(h);
    h.report(f('port_scan:192.168.1.20', 'high'));
    await h.clock.advance(0);
    expect(h.notifier.status().channels[0]?.queued).toBe(1);
    await h.restart(); // stop aborts at once; the new instance sends it
    await h.flush();
    expect(h.sent('phone').map((m) => m.findings[0]?.key)).toEqual(['port_scan:192.168.1.20']);
  });
});

describe('restarts', () => {
  it('a message queued but not yet sent at a stop is sent exactly once after the restart', async () => {
    const h = await harness({}, { startMs: at(12) });
    h.report(f('port_scan:192.168.1.20', 'high'));
    expect(h.sent('phone')).toEqual([]); // the dispatcher has not run yet
    await h.restart();
    await h.advanceTo(at(13));
    await h.restart();
    await h.advanceTo(at(14));
    expect(h.sent('phone').map((m) => m.findings[0]?.key)).toEqual(['port_scan:192.168.1.20']);
  });

  it('rows found "sending" at start are unconfirmed and not sent again (at most once, the default)', async () => {
    const h = await harness({}, { startMs: at(12) });
    h.report(f('port_scan:192.168.1.20', 'high'));
    h.db.db.prepare(`UPDATE notify_outbox SET state = 'sending', attempts = 1`).run();
    await h.restart();
    await h.flush();
    expect(h.sent('phone')).toHaveLength(0);
    expect(h.metrics.get('homesec_notify_unconfirmed_total', { channel: 'phone' })).toBe(1);
    expect(h.notifier.status().channels[0]).toMatchObject({ unconfirmed: 1, queued: 0 });
    await h.restart();
    await h.flush();
    expect(h.sent('phone')).toHaveLength(0);
    // the per-key record stands: the same finding again is a duplicate, not a new alert
    h.report(f('port_scan:192.168.1.20', 'high', { occurrences: 9 }));
    await h.flush();
    expect(h.sent('phone')).toHaveLength(0);
  });

  it('rows found "sending" at start are sent again with notify_delivery at_least_once, and counted', async () => {
    const h = await harness({ notify_delivery: 'at_least_once' }, { startMs: at(12) });
    h.report(f('port_scan:192.168.1.20', 'high'));
    h.db.db.prepare(`UPDATE notify_outbox SET state = 'sending', attempts = 1`).run();
    await h.restart();
    await h.flush();
    expect(h.sent('phone')).toHaveLength(1);
    expect(h.metrics.get('homesec_notify_recovered_total')).toBe(1);
    // and the per-key record survived: the same finding again is a duplicate
    h.report(f('port_scan:192.168.1.20', 'high', { occurrences: 9 }));
    await h.flush();
    expect(h.sent('phone')).toHaveLength(1);
  });

  it('a stored message that no longer parses is failed, not retried forever', async () => {
    const h = await harness({}, { startMs: at(12) });
    h.report(f('port_scan:192.168.1.20', 'high'));
    h.db.db.prepare(`UPDATE notify_outbox SET payload = '{"cut'`).run();
    await h.flush();
    expect(h.notifier.status().channels[0]).toMatchObject({ failed: 1, queued: 0, lastError: 'stored message is unreadable' });
    expect(h.sent('phone')).toEqual([]);
  });

  it('queued messages of a channel removed from the config are failed, not kept forever', async () => {
    const h = await harness({}, { startMs: at(12) });
    h.report(f('port_scan:192.168.1.20', 'critical'));
    await h.restart({ notify_channels: [PHONE] });
    const row = h.db.db.prepare(`SELECT state, last_error FROM notify_outbox WHERE channel = 'mail'`).get() as { state: string; last_error: string };
    expect(row).toEqual({ state: 'failed', last_error: 'channel no longer configured' });
  });
});

describe('daily and weekly summary', () => {
  const source: SummarySource = {
    newDevices: (from, to) => {
      const all = [
        { ip: '192.168.1.50', firstSeenMs: at(13) },
        { ip: '192.168.1.51', firstSeenMs: at(20) },
      ].filter((d) => d.firstSeenMs >= from && d.firstSeenMs < to);
      return { list: all, total: all.length };
    },
    topTalkers: () => [
      { ip: '192.168.1.20', bytesOut: 1_500_000_000 },
      { ip: '192.168.1.21', bytesOut: 2_500 },
    ],
  };

  it('goes out once at the local time with new devices, open findings, new CVEs and top talkers', async () => {
    const h = await harness({ notify_digest: 'daily 08:00' }, { startMs: at(9), summarySource: source });
    h.known.set('vulnerability:192.168.1.10:CVE-2024-6387', finding({ key: 'vulnerability:192.168.1.10:CVE-2024-6387', category: 'vulnerability', severity: 'critical', sourceIp: '192.168.1.10', title: 'OpenSSH 9.2 regreSSHion', atMs: at(14) }));
    h.known.set('port_scan:192.168.1.20', finding({ key: 'port_scan:192.168.1.20', severity: 'high', atMs: at(15) }));
    h.known.set('port_scan:192.168.1.30', finding({ key: 'port_scan:192.168.1.30', severity: 'low', atMs: at(5) }));
    h.known.set('port_scan:192.168.1.31', finding({ key: 'port_scan:192.168.1.31', severity: 'high', atMs: at(16), dismissed: true }));
    await h.advanceTo(at(7, 59, 1));
    expect(h.sent('phone')).toEqual([]);
    await h.advanceTo(at(8, 1, 1));
    expect(h.sent('mail')).toEqual([]); // summaries: false
    const [s] = h.sent('phone');
    expect(s?.kind).toBe('summary');
    expect(s?.severity).toBe('info');
    expect(s?.title).toBe('homesec daily summary: 2 new devices, 3 open findings (1 critical, 1 high)');
    expect(s?.lead).toBe('2026-01-10 09:00 to 2026-01-11 08:00 (Europe/Berlin): 3 new findings, 1 new CVE.');
    const sec = (heading: string) => s?.sections.find((x) => x.heading?.startsWith(heading));
    expect(sec('New devices')?.heading).toBe('New devices (2)');
    expect(sec('New devices')?.lines.map((l) => l.text)).toEqual(['192.168.1.50, first seen 2026-01-10 13:00', '192.168.1.51, first seen 2026-01-10 20:00']);
    expect(sec('Open findings')?.heading).toBe('Open findings (3: 1 critical, 1 high, 1 low)');
    expect(sec('Open findings')?.lines[0]?.text).toBe('[CRITICAL] OpenSSH 9.2 regreSSHion (192.168.1.10, 2026-01-10 14:00)');
    expect(sec('New CVEs')?.lines.map((l) => l.text)).toEqual(['CVE-2024-6387 on 192.168.1.10 [CRITICAL]: OpenSSH 9.2 regreSSHion']);
    expect(sec('Top talkers')?.lines.map((l) => l.text)).toEqual(['192.168.1.20: 1.5 GB', '192.168.1.21: 2.5 KB']);

    await h.advanceTo(at(9, 0, 1));
    await h.restart();
    await h.advanceTo(at(12, 0, 1));
    expect(h.sent('phone')).toHaveLength(1); // once, also across a restart
    await h.advanceTo(at(8, 1, 2));
    expect(h.sent('phone')).toHaveLength(2);
    expect(h.sent('phone')[1]?.lead).toMatch(/^2026-01-11 08:00 to 2026-01-12 08:00 /);
  });

  it('weekly runs on its weekday only; a first start never summarises the past', async () => {
    const h = await harness({ notify_digest: 'weekly mon 08:00' }, { startMs: at(9, 0) }); // Saturday
    expect(Number(h.db.db.prepare('SELECT value FROM kv WHERE key = ?').pluck().get(SUMMARY_KV_KEY))).toBe(at(9, 0));
    await h.advanceTo(at(8, 30, 1)); // Sunday
    expect(h.sent('phone')).toEqual([]);
    await h.advanceTo(at(8, 30, 2)); // Monday
    expect(h.sent('phone').map((m) => m.title)).toEqual(['homesec weekly summary: 0 new devices, 0 open findings']);
    expect(h.notifier.status().nextSummaryMs).toBe(at(8, 0, 9));
  });

  it('reads new devices and top talkers from the traffic tables by default', async () => {
    const h = await harness({ notify_digest: 'daily 08:00' }, { startMs: at(9) });
    h.db.db.prepare('INSERT INTO devices (ip, first_seen_ms, last_seen_ms, flows, bytes_out, bytes_in) VALUES (?, ?, ?, 1, 0, 0)').run('192.168.1.60', at(10), at(10));
    h.db.db.prepare('INSERT INTO devices (ip, first_seen_ms, last_seen_ms, flows, bytes_out, bytes_in) VALUES (?, ?, ?, 1, 0, 0)').run('192.168.1.61', at(1), at(10));
    const conn = h.db.db.prepare('INSERT INTO connections (ts_ms, src, dst, dst_port, protocol, flows, bytes, packets) VALUES (?, ?, ?, 443, 6, 1, ?, 1)');
    conn.run(at(11), '192.168.1.61', '93.184.216.34', 5_000_000);
    conn.run(at(12), '192.168.1.61', '93.184.216.35', 5_000_000);
    conn.run(at(12), '192.168.1.60', '93.184.216.34', 7_000_000);
    conn.run(at(12), '93.184.216.34', '192.168.1.60', 9_000_000_000); // inbound: not a device
    await h.advanceTo(at(8, 1, 1));
    const s = h.sent('phone')[0];
    expect(s?.sections.find((x) => x.heading?.startsWith('New devices'))?.lines.map((l) => l.text)).toEqual(['192.168.1.60, first seen 2026-01-10 10:00']);
    expect(s?.sections.find((x) => x.heading?.startsWith('Top talkers'))?.lines.map((l) => l.text)).toEqual(['192.168.1.61: 10.0 MB', '192.168.1.60: 7.0 MB']);
  });
});

describe('status and test', () => {
  it('test() sends a test message directly to one channel or all; an unknown name is a usage error', async () => {
    const h = await harness({}, { startMs: at(12) });
    const one = await h.notifier.test('mail');
    expect(one).toEqual([{ channel: 'mail', ok: true, ms: 0 }]);
    expect(h.sent('mail')[0]?.kind).toBe('test');
    expect(h.sent('mail')[0]?.lead).toContain('channel "mail"');
    h.ch.get('phone')!.script.push({ ok: false, error: { kind: 'auth', detail: 'HTTP 401', permanent: true } });
    expect(await h.notifier.test()).toEqual([
      { channel: 'phone', ok: false, kind: 'auth', error: 'HTTP 401', ms: 0 },
      { channel: 'mail', ok: true, ms: 0 },
    ]);
    await expect(h.notifier.test('pager')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('configured: phone, mail') });
    expect(h.db.db.prepare('SELECT COUNT(*) FROM notify_outbox').pluck().get()).toBe(0); // tests bypass the outbox
  });

  it('a Home Assistant channel without the link is unavailable; its messages wait and retry', async () => {
    const db = tempDb();
    const clock = new FakeClock(at(12));
    const bus = createEventBus();
    const warnings: string[] = [];
    const n = createNotifier(
      parseNotifyConfig({ notify_timezone: TZ, notify_digest: 'off', notify_channels: [{ name: 'ha', type: 'homeassistant', service: 'mobile_app_x', min_severity: 'low' }] }),
      { bus, store: { db: db.db }, findings: { get: () => undefined, list: () => [] }, clock, metrics: createMetrics(), log: { ...quietLog, warn: (...args: unknown[]) => void warnings.push(String(args[1])) } },
      { createChannel, random: () => 0.5 },
    );
    try {
      await n.start();
      expect(warnings[0]).toMatch(/unavailable \(Home Assistant link not connected\)/);
      bus.emit('finding.updated', f('port_scan:192.168.1.20', 'high'));
      await clock.advance(0);
      await n.idle();
      await clock.advance(0);
      expect(n.status().channels[0]).toMatchObject({ available: false, queued: 1, failing: true, lastError: 'unavailable: Home Assistant link is not connected' });
    } finally {
      await n.stop();
      db.cleanup();
    }
  });
});
