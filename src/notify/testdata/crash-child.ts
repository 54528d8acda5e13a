/**
 * The "daemon" of restart.test.ts, run as a child process (node --import tsx) so the test
 * can SIGKILL it. It wires the real findings store and the real notifier with one webhook
 * channel on the given SQLite file, reports one finding, prints ENQUEUED once the finding
 * and its outbox row are committed, then either blocks its event loop (mode "hang": killed
 * between enqueue and send) or keeps running (mode "run": the test kills it while the
 * webhook receiver holds the request, i.e. between the provider's receipt and our commit).
 * Usage: crash-child.ts <db file> <webhook url> <hang|run>
 */
import fs from 'node:fs';
import path from 'node:path';
import { createSystemClock } from '../../core/clock.js';
import { createEventBus } from '../../core/events.js';
import { createSilentLogger } from '../../core/logger.js';
import { createMetrics } from '../../core/metrics.js';
import { createFindingsStore } from '../../findings/findings-store.js';
import { openDatabase } from '../../store/database.js';
import type { Store } from '../../store/store.js';
import { parseNotifyConfig } from '../channel-config.js';
import { createNotifier } from '../notifier.js';
import { TEST_MIGRATIONS } from '../test-kit.js';

const [file, url, mode] = process.argv.slice(2);
if (!file || !url || (mode !== 'hang' && mode !== 'run')) {
  process.stderr.write('usage: crash-child.ts <db file> <webhook url> <hang|run>\n');
  process.exit(2);
}
const db = openDatabase(file, TEST_MIGRATIONS).db;
const store: Store = { dir: path.dirname(file), db, checkpoint: () => {}, start: async () => {}, stop: async () => {} };
const bus = createEventBus();
const log = createSilentLogger();
const metrics = createMetrics();
const findings = createFindingsStore({ store, bus, log, metrics });
await findings.start();
const notifier = createNotifier(
  parseNotifyConfig({ notify_channels: [{ name: 'hook', type: 'webhook', url, min_severity: 'low' }], notify_digest: 'off', notify_timezone: 'UTC' }),
  { bus, store, findings, clock: createSystemClock(), metrics, log },
);
await notifier.start();
findings.report({
  key: 'port_scan:192.168.1.20',
  category: 'port_scan',
  severity: 'high',
  sourceIp: '192.168.1.20',
  title: 'Port scan from 192.168.1.20',
  detail: '40 ports in 60 s',
  atMs: Date.now(),
  evidence: {},
});
fs.writeSync(1, 'ENQUEUED\n');
if (mode === 'hang') {
  // Block the event loop: the dispatcher's timer can never run, nothing is sent.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
}
setInterval(() => {}, 1000); // keep running until killed
