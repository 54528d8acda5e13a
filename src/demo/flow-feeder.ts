/**
 * The demo's flow exporter: sends flow records to the collector as NetFlow v9 over UDP on
 * loopback, the way a router's exporter does.
 *
 * Rules:
 * - Sends only to 127.0.0.1 (the port is the caller's); datagrams come from 127.0.0.1, which
 *   the demo config allows as the one exporter.
 * - Up to RECORDS_PER_DATAGRAM records per datagram (encodeV9 keeps each under 1,400 bytes);
 *   the templates go in the first datagram and every TEMPLATE_EVERY-th after it, as exporters
 *   refresh them; the package sequence counts datagrams.
 * - The exporter "booted" BOOT_AGE_MS before it was created, so the recorded history's flow
 *   times are representable as sysUptime offsets.
 * - Sending waits for each datagram to leave and yields to the event loop every YIELD_EVERY
 *   datagrams, so a history replay never floods the socket buffers or starves the daemon.
 */
import dgram from 'node:dgram';
import { encodeV9 } from '../flow/encode/index.js';
import type { FlowRecord } from '../flow/types.js';

export const RECORDS_PER_DATAGRAM = 30;
export const TEMPLATE_EVERY = 20;
export const BOOT_AGE_MS = 3 * 24 * 3600_000;
const YIELD_EVERY = 16;

export interface FlowFeeder {
  /** Sends the records; resolves with the number of datagrams sent. */
  send(records: readonly FlowRecord[]): Promise<number>;
  stats(): { datagrams: number; records: number };
  close(): Promise<void>;
}

/** Opens the exporter socket towards 127.0.0.1:port. */
export async function createFlowFeeder(port: number, sourceId = 1): Promise<FlowFeeder> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => socket.connect(port, '127.0.0.1', () => resolve()));
  });
  const bootMs = Date.now() - BOOT_AGE_MS;
  let datagrams = 0;
  let records = 0;
  const sendOne = (buf: Buffer) => new Promise<void>((resolve, reject) => socket.send(buf, (err) => (err ? reject(err) : resolve())));
  return {
    async send(list) {
      let sent = 0;
      for (let i = 0; i < list.length; i += RECORDS_PER_DATAGRAM) {
        const part = list.slice(i, i + RECORDS_PER_DATAGRAM);
        const now = Date.now();
        const bufs = encodeV9(part, { sysUptimeMs: now - bootMs, unixMs: now, sequence: datagrams, sourceId, includeTemplate: datagrams % TEMPLATE_EVERY === 0 });
        for (const b of bufs) {
          await sendOne(b);
          datagrams++;
          sent++;
          if (sent % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
        }
        records += part.length;
      }
      return sent;
    },
    stats: () => ({ datagrams, records }),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
