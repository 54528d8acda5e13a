/**
 * `homesec notify test [channel]`: sends a test message to one channel or all, and prints one
 * line per channel. Rules: nothing is stored and no outbox is involved (the daemon may be
 * running on the same data directory); the outcome line shows only the channel name, the
 * error kind and its safe detail (never a token, URL or password); the caller sets the exit
 * code: 0 when every channel accepted the message, 1 otherwise; an unknown channel name or
 * no channels at all is a usage error (INVALID_ARGUMENT, exit 2).
 */
import type { Clock } from '../core/clock.js';
import { createSystemClock } from '../core/clock.js';
import { createEventBus } from '../core/events.js';
import { createMetrics } from '../core/metrics.js';
import { HomesecError } from '../core/errors.js';
import type { ChannelConfig, NotifyConfig } from './channel-config.js';
import type { CallService, Channel, ChannelDeps } from './channel.js';
import { createNotifier, type TestResult } from './notifier.js';

export interface NotifyTestOptions {
  /** Where the report goes (default process.stdout). */
  out?: { write(text: string): unknown };
  clock?: Clock;
  callService?: CallService;
  /** Tests substitute channels. */
  createChannel?: (c: ChannelConfig, deps: ChannelDeps) => Channel;
}

/** One report line. */
export function formatTestResult(r: TestResult): string {
  return r.ok ? `ok      ${r.channel}: test message accepted (${r.ms} ms)\n` : `FAILED  ${r.channel}: ${r.kind}: ${r.error} (${r.ms} ms)\n`;
}

/** Runs the command; resolves with the results (the caller exits 1 when any failed). */
export async function notifyTestCommand(config: NotifyConfig, channel: string | undefined, o: NotifyTestOptions = {}): Promise<TestResult[]> {
  const out = o.out ?? process.stdout;
  const notifier = createNotifier(
    config,
    {
      bus: createEventBus(),
      store: {
        get db(): never {
          throw new HomesecError('START_FAILED', 'notify test does not use the database');
        },
      },
      findings: { get: () => undefined, list: () => [] },
      clock: o.clock ?? createSystemClock(),
      metrics: createMetrics(),
      log: { info: () => {}, warn: () => {}, error: () => {} },
      ...(o.callService ? { callService: o.callService } : {}),
    },
    o.createChannel ? { createChannel: o.createChannel } : {},
  );
  try {
    const results = await notifier.test(channel);
    for (const r of results) out.write(formatTestResult(r));
    return results;
  } finally {
    await notifier.stop(); // closes e-mail transports
  }
}
