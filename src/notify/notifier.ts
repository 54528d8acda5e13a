/**
 * The notifier component: findings in, messages out through the configured channels.
 *
 * Rules:
 * - createNotifier does no work (channels are built, nothing is opened). start() recovers
 *   the outbox, subscribes to `finding.updated` (emitted for every report, the first one
 *   included), and starts the dispatcher and a policy tick (every tickMs); stop()
 *   unsubscribes, lets sends in flight finish (stopGraceMs), aborts the rest (see Guarantee) and waits.
 * - Policy (policy.ts) runs synchronously inside the bus event and commits its decision and
 *   the message to the outbox in ONE transaction with the per-key record, before anything is
 *   sent. Critical findings bypass quiet hours and rate limits. The tick folds `held` rows
 *   into one digest per channel when quiet hours are over (the daemon being down at 07:00
 *   only delays it), folds `suppressed` rows into a "k more suppressed" message once the
 *   channel is under its limits again (or into the digest when quiet hours began), and
 *   enqueues the daily/weekly summary once per scheduled instant (a partial unique index
 *   and the kv record make that once-only across restarts; one missed while the daemon was
 *   down goes out when it is back the same day; a first start never summarises the past).
 * - Delivery (dispatcher.ts): one send in flight per channel, critical first; a row is
 *   `sending` (committed) before the provider is called and `sent` (committed) after it
 *   accepted; retries back off exponentially, Retry-After pauses the channel, permanent
 *   failures and day-old rows are `failed`. status() (the dashboard, /health) shows per
 *   channel what waits, what was sent, what failed and the last safe error text.
 * - Guarantee (stated honestly; config notify_delivery): nothing is sent twice by default.
 *   A crash after the enqueue commit and before the `sending` commit loses nothing and sends
 *   nothing twice: the restart sends the row once (restart.test.ts kills a daemon there). A
 *   message interrupted between the `sending` commit and the `sent` commit (a kill -9, a power
 *   loss, a stop whose grace ran out) may or may not have reached the provider, and nothing can
 *   tell which: with `at_most_once` (the default) it becomes `unconfirmed`, is never sent
 *   again, and is counted (status, metric homesec_notify_unconfirmed_total, a warning at
 *   start-up); its finding stays in the dashboard and in the next summary. With
 *   `at_least_once` it is sent again after the restart: e-mail with the same Message-ID (mail
 *   stores and clients drop the duplicate), the webhook with the same delivery id /
 *   Idempotency-Key and byte-identical signed body (the receiver can drop it), Home Assistant
 *   companion apps replace it (same tag); Pushover, ntfy, Gotify, Telegram and Apprise have no
 *   idempotency mechanism and show it twice. A graceful stop first lets sends in flight finish
 *   (stopGraceMs). A provider that accepts a message but answers after our deadline is retried
 *   like any timeout (it may then show it twice: no client can tell that case apart). A crash
 *   between the findings store's commit and the enqueue (the same synchronous event dispatch)
 *   loses the alert; the finding itself stays in the dashboard and the next summary.
 * - test(channel?) sends a test message directly (not through the outbox) and reports each
 *   channel's result; it works without start().
 */
import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../core/clock.js';
import { HomesecError, errorMessage } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { Service } from '../core/lifecycle.js';
import type { Log } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import { parseIp } from '../config/fields.js';
import type { Finding, Severity } from '../findings/types.js';
import type { Db } from '../store/database.js';
import { kvGet, kvSet } from '../store/kv.js';
import type { ChannelConfig, NotifyConfig } from './channel-config.js';
import type { CallService, Channel, ChannelDeps, DeliveryGuarantee, SendErrorKind } from './channel.js';
import { createDispatcher } from './dispatcher.js';
import { alertMessage, digestMessage, findingRef, plain, suppressedMessage, testMessage, type FindingRef } from './message.js';
import { createOutbox, type Outbox, type OutboxRow, type OutboxState } from './outbox.js';
import { decide, underLimits } from './policy.js';
import { createChannel } from './registry.js';
import {
  formatQuietHours,
  isQuietAt,
  nextScheduledAfter,
  parseDigestSchedule,
  parseQuietHours,
  scheduledInstantOnDay,
  schedulePeriodMs,
} from './schedule.js';
import { createStoreSummarySource, summaryMessage, type SummarySource } from './summary.js';
import { systemTimeZone } from './time-zone.js';

const HOUR_MS = 3_600_000;
/** kv key: when the last summary was enqueued. */
export const SUMMARY_KV_KEY = 'notify.summary.last_ms';

export interface NotifierDeps {
  bus: EventBus;
  store: { readonly db: Db };
  /** The findings store (for digests, dismissals and the summary). */
  findings: { get(key: string): Finding | undefined; list(opts?: { includeDismissed?: boolean }): Finding[] };
  clock: Clock;
  metrics: Metrics;
  log: Pick<Log, 'info' | 'warn' | 'error'>;
  /** The Home Assistant link's service call (the homeassistant channel is unavailable without it). */
  callService?: CallService;
  /** Traffic facts for the summary (default: the devices and connections tables). */
  summarySource?: SummarySource;
}

export interface NotifierOptions {
  tickMs?: number;
  sendTimeoutMs?: number;
  maxResponseBytes?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** A retryable failure pauses its channel at most this long (a Retry-After pauses it fully). */
  channelPauseMaxMs?: number;
  giveUpAfterMs?: number;
  /** stop() lets sends in flight finish this long before aborting them. */
  stopGraceMs?: number;
  /** Finished outbox rows are kept this long (history for the dashboard). */
  retentionMs?: number;
  /** Random source in [0,1) for jitter. */
  random?: () => number;
  /** Message ids (default: random UUIDs). */
  newId?: () => string;
  /** Channel construction (tests substitute recording channels). */
  createChannel?: (c: ChannelConfig, deps: ChannelDeps) => Channel;
}

export const NOTIFIER_DEFAULTS = {
  tickMs: 60_000,
  sendTimeoutMs: 20_000,
  maxResponseBytes: 64 * 1024,
  retryBaseMs: 30_000,
  retryMaxMs: HOUR_MS,
  channelPauseMaxMs: 60_000,
  giveUpAfterMs: 24 * HOUR_MS,
  stopGraceMs: 3_000,
  retentionMs: 30 * 24 * HOUR_MS,
} as const;

export interface ChannelStatus {
  name: string;
  type: ChannelConfig['type'];
  minSeverity: Severity;
  available: boolean;
  guarantee: DeliveryGuarantee;
  /** Waiting to be sent (including retries and one in flight). */
  queued: number;
  sent: number;
  failed: number;
  /** Held for the quiet-hours digest. */
  held: number;
  /** Held back by the rate limit, waiting for the "k more suppressed" message. */
  suppressed: number;
  /** Interrupted mid-send by a crash or stop: the provider may or may not have them; not sent again. */
  unconfirmed: number;
  lastError?: string;
  lastErrorMs?: number;
  lastSentMs?: number;
  /** Set while a provider's Retry-After (or a failure) pauses the channel. */
  pausedUntilMs?: number;
  /** True between a channel's first failure and its next success. */
  failing: boolean;
}

export interface NotifierStatus {
  running: boolean;
  timeZone: string;
  quietHours: string;
  quietNow: boolean;
  digest: string;
  nextSummaryMs?: number;
  channels: ChannelStatus[];
}

export interface TestResult {
  channel: string;
  ok: boolean;
  kind?: SendErrorKind;
  error?: string;
  ms: number;
}

export interface Notifier extends Service {
  /** Per-channel counts, last error, pause (the dashboard's and /health's view). */
  status(): NotifierStatus;
  /** Sends a test message to one channel (by name) or all; throws INVALID_ARGUMENT for an unknown name. */
  test(channel?: string): Promise<TestResult[]>;
  /** Runs the policy tick now (digests, suppressed summaries, the summary, pruning). */
  tick(): void;
  /** Resolves when no send is in flight. */
  idle(): Promise<void>;
}

function canonical(ip: string): string {
  try {
    return parseIp(ip);
  } catch {
    return ip;
  }
}

/** Builds the notifier; nothing runs until start(). */
export function createNotifier(config: NotifyConfig, deps: NotifierDeps, options: NotifierOptions = {}): Notifier {
  const o = { ...NOTIFIER_DEFAULTS, ...options };
  const clock = deps.clock;
  const random = o.random ?? Math.random;
  const newId = o.newId ?? (() => `hs-${randomUUID()}`);
  const tz = config.notify_timezone || systemTimeZone();
  const quiet = parseQuietHours(config.notify_quiet_hours);
  const quietText = formatQuietHours(quiet);
  const schedule = parseDigestSchedule(config.notify_digest);
  const allow = new Set(config.notify_allowlist.map(canonical));
  const dedupeMs = config.notify_dedupe_hours * HOUR_MS;
  const globalLimit = config.notify_rate_per_hour;
  const channelDeps: ChannelDeps = {
    clock,
    timeoutMs: o.sendTimeoutMs,
    maxResponseBytes: o.maxResponseBytes,
    ...(deps.callService ? { callService: deps.callService } : {}),
  };
  const channels: Channel[] = config.notify_channels.map((c) => (o.createChannel ?? createChannel)(c, channelDeps));

  const dispatcher = createDispatcher(channels, deps, {
    retryBaseMs: o.retryBaseMs,
    retryMaxMs: o.retryMaxMs,
    channelPauseMaxMs: o.channelPauseMaxMs,
    giveUpAfterMs: o.giveUpAfterMs,
    stopGraceMs: o.stopGraceMs,
    resendInterrupted: config.notify_delivery === 'at_least_once',
    random,
  });

  let outbox: Outbox | undefined;
  let db: Db | undefined;
  let running = false;
  let tickTimer: TimerHandle | undefined;
  let lastPruneMs = -Infinity;
  const offs: (() => void)[] = [];

  const allowlisted = (ip: string) => allow.size > 0 && allow.has(canonical(ip));
  const unexpected = (err: unknown) => {
    deps.metrics.inc('homesec_notify_internal_errors_total');
    deps.log.error({ err: errorMessage(err) }, 'notifier internal error');
  };

  // ---- policy -----------------------------------------------------------------------

  const onFinding = (f: Finding) => {
    const ob = outbox;
    if (!running || !ob) return;
    try {
      const now = clock.now();
      const isQuiet = isQuietAt(now, quiet, tz);
      const since = now - HOUR_MS;
      const listed = allowlisted(f.sourceIp);
      let globalCount: number | undefined;
      const writes: { ch: Channel; state: 'queued' | 'held' | 'suppressed' }[] = [];
      for (const ch of channels) {
        const input = {
          severity: f.severity,
          dismissed: f.dismissed,
          allowlisted: listed,
          minSeverity: ch.minSeverity,
          previous: ob.getKey(ch.name, f.key),
          nowMs: now,
          dedupeMs,
          quiet: isQuiet,
          channelCount: 0,
          channelLimit: ch.ratePerHour,
          globalCount: 0,
          globalLimit,
        };
        let d = decide(input);
        // Most reports are repeats: the window counts are only read when they can matter.
        if (d === 'send' && f.severity !== 'critical' && (ch.ratePerHour > 0 || globalLimit > 0)) {
          globalCount ??= globalLimit > 0 ? ob.globalAlertCount(since) : 0;
          d = decide({ ...input, globalCount, channelCount: ch.ratePerHour > 0 ? ob.alertCount(ch.name, since) : 0 });
        }
        deps.metrics.inc('homesec_notify_decisions_total', { channel: ch.name, decision: d });
        if (d === 'send' || d === 'hold' || d === 'suppress') writes.push({ ch, state: d === 'send' ? 'queued' : d === 'hold' ? 'held' : 'suppressed' });
      }
      if (writes.length === 0) return;
      const ref: FindingRef = findingRef(f);
      ob.transaction(() => {
        for (const { ch, state } of writes) {
          ob.enqueue({ channel: ch.name, kind: 'alert', dedupeKey: f.key, state, message: alertMessage(ref, { id: newId(), nowMs: now, timeZone: tz }) }, now);
          ob.setKey(ch.name, f.key, f.severity, now);
        }
      });
      if (writes.some((w) => w.state === 'queued')) dispatcher.poke(0);
    } catch (err) {
      unexpected(err);
    }
  };

  const rowsFindings = (rows: readonly OutboxRow[]): FindingRef[] => {
    const out: FindingRef[] = [];
    for (const r of rows) {
      const f = r.message?.findings[0];
      if (!f) continue;
      if (deps.findings.get(f.key)?.dismissed || allowlisted(f.sourceIp)) continue; // dismissed or allowlisted since
      out.push(f);
    }
    return out;
  };

  const limitText = (ch: Channel) => {
    const parts: string[] = [];
    if (ch.ratePerHour > 0) parts.push(`${ch.ratePerHour} per hour on this channel`);
    if (globalLimit > 0) parts.push(`${globalLimit} per hour in all`);
    return parts.join(', ') || 'rate limit';
  };

  const foldSuppressed = (ob: Outbox, ch: Channel, now: number, isQuiet: boolean): boolean => {
    const rows = ob.rows(ch.name, 'suppressed');
    if (rows.length === 0) return false;
    const ids = rows.map((r) => r.id);
    if (isQuiet) {
      ob.setState(ids, 'held', now); // quiet hours began: they join the morning digest
      return false;
    }
    const since = now - HOUR_MS;
    if (!underLimits(ob.alertCount(ch.name, since), ch.ratePerHour, globalLimit > 0 ? ob.globalAlertCount(since) : 0, globalLimit)) return false;
    const items = rowsFindings(rows);
    ob.transaction(() => {
      if (items.length > 0) {
        const m = suppressedMessage(items, {
          id: newId(),
          nowMs: now,
          timeZone: tz,
          fromMs: Math.min(...rows.map((r) => r.createdMs)),
          toMs: Math.max(...rows.map((r) => r.createdMs)),
          limitText: limitText(ch),
        });
        ob.enqueue({ channel: ch.name, kind: 'suppressed', dedupeKey: `suppressed:${ids[0]}`, state: 'queued', message: m }, now);
      }
      ob.setState(ids, 'folded', now);
    });
    deps.metrics.inc('homesec_notify_suppressed_total', { channel: ch.name }, rows.length);
    return items.length > 0;
  };

  const releaseHeld = (ob: Outbox, ch: Channel, now: number): boolean => {
    const rows = ob.rows(ch.name, 'held');
    if (rows.length === 0) return false;
    const items = rowsFindings(rows);
    ob.transaction(() => {
      if (items.length > 0) {
        const m = digestMessage(items, { id: newId(), nowMs: now, timeZone: tz, quietHours: quietText });
        ob.enqueue({ channel: ch.name, kind: 'digest', dedupeKey: `digest:${rows[0]?.id}`, state: 'queued', message: m }, now);
      }
      ob.setState(
        rows.map((r) => r.id),
        'folded',
        now,
      );
    });
    deps.metrics.inc('homesec_notify_held_total', { channel: ch.name }, rows.length);
    return items.length > 0;
  };

  const maybeSummary = (ob: Outbox, database: Db, now: number): boolean => {
    if (schedule.every === 'off') return false;
    const instant = scheduledInstantOnDay(now, schedule, tz);
    if (instant === undefined || now < instant) return false;
    const last = kvGet<number>(database, SUMMARY_KV_KEY) ?? 0;
    if (last >= instant) return false;
    const fromMs = Math.max(last, instant - schedulePeriodMs(schedule));
    const all = deps.findings.list({ includeDismissed: true }).filter((f) => !allowlisted(f.sourceIp));
    const source = deps.summarySource ?? createStoreSummarySource(database);
    const input = {
      fromMs,
      toMs: now,
      period: schedule.every === 'weekly' ? ('weekly' as const) : ('daily' as const),
      openFindings: all.filter((f) => !f.dismissed),
      allFindings: all,
      newDevices: source.newDevices(fromMs, now, 20),
      topTalkers: source.topTalkers(fromMs, now, 5),
    };
    let queued = false;
    ob.transaction(() => {
      for (const ch of channels) {
        if (!ch.summaries) continue;
        const m = summaryMessage(input, { id: newId(), nowMs: now, timeZone: tz });
        if (ob.enqueue({ channel: ch.name, kind: 'summary', dedupeKey: `summary:${instant}`, state: 'queued', message: m }, now) !== undefined) queued = true;
      }
      kvSet(database, SUMMARY_KV_KEY, now, now);
    });
    return queued;
  };

  const updateGauges = (ob: Outbox) => {
    const counts = ob.counts();
    for (const ch of channels) {
      const c = counts.get(ch.name) ?? {};
      for (const state of ['queued', 'held', 'suppressed', 'failed'] as const) deps.metrics.set('homesec_notify_outbox', c[state] ?? 0, { channel: ch.name, state });
    }
  };

  const tick = () => {
    const ob = outbox;
    const database = db;
    if (!running || !ob || !database) return;
    const now = clock.now();
    const isQuiet = isQuietAt(now, quiet, tz);
    let queued = false;
    for (const ch of channels) {
      if (foldSuppressed(ob, ch, now, isQuiet)) queued = true;
      if (!isQuiet && releaseHeld(ob, ch, now)) queued = true;
    }
    if (maybeSummary(ob, database, now)) queued = true;
    if (now - lastPruneMs >= HOUR_MS) {
      lastPruneMs = now;
      const deleted = ob.prune(now - o.retentionMs, now - Math.max(o.retentionMs, dedupeMs));
      if (deleted > 0) deps.metrics.inc('homesec_notify_pruned_total', {}, deleted);
    }
    updateGauges(ob);
    if (queued) dispatcher.poke(0);
  };

  const armTick = () => {
    tickTimer = clock.setTimeout(() => {
      tickTimer = undefined;
      try {
        tick();
      } catch (err) {
        unexpected(err);
      }
      if (running) armTick();
    }, o.tickMs);
  };

  // ---- component --------------------------------------------------------------------

  const count = (c: Partial<Record<OutboxState, number>>, ...states: OutboxState[]) => states.reduce((n, s) => n + (c[s] ?? 0), 0);

  return {
    async start() {
      db = deps.store.db;
      outbox = createOutbox(db);
      const now = clock.now();
      const resend = config.notify_delivery === 'at_least_once';
      const perChannel = outbox.recoverInFlight(now, resend);
      const recovered = [...perChannel.values()].reduce((a, b) => a + b, 0);
      if (recovered > 0 && resend) {
        deps.metrics.inc('homesec_notify_recovered_total', {}, recovered);
        deps.log.warn({ recovered }, 'notifications interrupted by the last stop or crash will be sent again (notify_delivery at_least_once)');
      } else if (recovered > 0) {
        // per channel, as the dispatcher counts a send a stop cut short
        for (const [channel, n] of perChannel) deps.metrics.inc('homesec_notify_unconfirmed_total', { channel }, n);
        deps.log.warn({ unconfirmed: recovered }, 'notifications interrupted mid-send by the last stop or crash are not sent again (the provider may have them; notify_delivery at_most_once)');
      }
      const orphans = outbox.failOrphans(new Set(channels.map((c) => c.name)), now);
      if (orphans > 0) deps.log.warn({ orphans }, 'queued notifications of channels no longer configured marked failed');
      if (kvGet<number>(db, SUMMARY_KV_KEY) === undefined) kvSet(db, SUMMARY_KV_KEY, now, now); // first run: no summary of the past
      for (const ch of channels) {
        if (!ch.available()) deps.log.warn({ channel: ch.name, type: ch.type }, 'notification channel unavailable (Home Assistant link not connected); its messages wait in the outbox');
      }
      running = true;
      // finding.updated is emitted for every report, the first one included (findings-store.ts).
      offs.push(deps.bus.on('finding.updated', onFinding));
      armTick();
      dispatcher.start(outbox);
    },
    async stop() {
      running = false;
      for (const off of offs.splice(0)) off();
      if (tickTimer) clock.clearTimeout(tickTimer);
      tickTimer = undefined;
      await dispatcher.stop();
      await Promise.allSettled(channels.map((c) => c.close()));
      outbox = undefined;
      db = undefined;
    },
    tick() {
      try {
        tick();
      } catch (err) {
        unexpected(err);
      }
    },
    idle: () => dispatcher.idle(),
    status() {
      const ob = outbox;
      const counts = ob?.counts() ?? new Map<string, Partial<Record<OutboxState, number>>>();
      const now = clock.now();
      const next = nextScheduledAfter(now, schedule, tz);
      return {
        running,
        timeZone: tz,
        quietHours: quietText,
        quietNow: isQuietAt(now, quiet, tz),
        digest: config.notify_digest,
        ...(next !== undefined ? { nextSummaryMs: next } : {}),
        channels: channels.map((ch): ChannelStatus => {
          const c = counts.get(ch.name) ?? {};
          const lastError = ob?.lastError(ch.name);
          const lastSentMs = ob?.lastSentMs(ch.name);
          const paused = dispatcher.pausedUntil(ch.name);
          return {
            name: ch.name,
            type: ch.type,
            minSeverity: ch.minSeverity,
            available: ch.available(),
            guarantee: ch.guarantee,
            queued: count(c, 'queued', 'sending'),
            sent: count(c, 'sent'),
            failed: count(c, 'failed'),
            held: count(c, 'held'),
            suppressed: count(c, 'suppressed'),
            unconfirmed: count(c, 'unconfirmed'),
            failing: dispatcher.failing(ch.name),
            ...(lastError ? { lastError: lastError.error, lastErrorMs: lastError.atMs } : {}),
            ...(lastSentMs !== undefined ? { lastSentMs } : {}),
            ...(paused !== undefined ? { pausedUntilMs: paused } : {}),
          };
        }),
      };
    },
    async test(name) {
      if (channels.length === 0) throw new HomesecError('INVALID_ARGUMENT', 'no notification channels are configured (notify_channels is empty)');
      const targets = name === undefined ? channels : channels.filter((c) => c.name === name);
      if (targets.length === 0) {
        throw new HomesecError('INVALID_ARGUMENT', `no notification channel named "${plain(name, 40)}" (configured: ${channels.map((c) => c.name).join(', ')})`);
      }
      return Promise.all(
        targets.map(async (ch): Promise<TestResult> => {
          const t0 = clock.now();
          const res = await ch.send(testMessage({ id: newId(), nowMs: t0, timeZone: tz, channel: ch.name }), {});
          const ms = clock.now() - t0;
          deps.metrics.inc('homesec_notify_tests_total', { channel: ch.name, outcome: res.ok ? 'ok' : 'failed' });
          return res.ok ? { channel: ch.name, ok: true, ms } : { channel: ch.name, ok: false, kind: res.error.kind, error: res.error.detail, ms };
        }),
      );
    },
  };
}
