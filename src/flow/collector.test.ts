import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.js';
import { createSystemClock } from '../core/clock.js';
import { createEventBus } from '../core/events.js';
import { createSilentLogger } from '../core/logger.js';
import { createMetrics } from '../core/metrics.js';
import { createCollector, normaliseExporter, type Collector, type CollectorOptions } from './collector.js';
import { encodeV5 } from './encode/index.js';
import { KEEP_BATCHES } from './receive-worker.js';
import type { FlowRecord } from './types.js';

const rec = (i: number): FlowRecord => ({
  ipVersion: 4,
  srcAddr: `192.168.1.${10 + (i % 50)}`,
  dstAddr: '93.184.216.34',
  srcPort: 40000 + i,
  dstPort: 443,
  protocol: 6,
  bytes: 1000 + i,
  packets: 10,
  tcpFlags: 0x1b,
  startMs: Date.UTC(2026, 10, 23, 8, 0, 0),
  endMs: Date.UTC(2026, 10, 23, 8, 0, 5),
  exporter: '127.0.0.1',
  inputIf: 1,
  outputIf: 2,
  samplingRate: 1,
});

let collector: Collector | undefined;
afterEach(async () => {
  await collector?.stop();
  collector = undefined;
});

function make(over: Record<string, unknown> = {}, opts: CollectorOptions = {}) {
  const bus = createEventBus();
  const got: FlowRecord[] = [];
  bus.on('flow.records', (b) => got.push(...b.records));
  const metrics = createMetrics();
  const config = configSchema.parse({ bind_host: '127.0.0.1', bind_port: 1, ...over });
  collector = createCollector({ ...config, bind_port: 0 as number }, { bus, clock: createSystemClock(), log: createSilentLogger(), metrics }, opts);
  return { got, metrics, c: collector };
}

async function sendTo(port: number, host: string, bufs: Buffer[]): Promise<void> {
  const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  for (const b of bufs) await new Promise<void>((r) => s.send(b, port, host, () => r()));
  s.close();
}

/** Sends `dgrams` to 127.0.0.1:port from a child process while this thread waits for it (execFileSync blocks). */
function sendWhileBlocked(port: number, dgrams: readonly Buffer[]): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-collector-'));
  try {
    const file = path.join(dir, 'dgrams.json');
    fs.writeFileSync(file, JSON.stringify(dgrams.map((d) => d.toString('base64'))));
    const sender = `const d=require('node:dgram'),s=d.createSocket('udp4');const b=JSON.parse(require('node:fs').readFileSync(${JSON.stringify(file)},'utf8'));let i=0;const next=()=>i<b.length?s.send(Buffer.from(b[i++],'base64'),${port},'127.0.0.1',next):s.close();next();`;
    execFileSync(process.execPath, ['-e', sender], { timeout: 20_000 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function settle(pred: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('collector', () => {
  it('counts a sequence gap when datagrams are lost', async () => {
    const { c } = make();
    const dgrams = encodeV5(Array.from({ length: 90 }, (_, i) => rec(i)), { sysUptimeMs: 100_000, unixMs: Date.UTC(2026, 10, 23, 8, 1, 0), sequence: 0 });
    c.handle(dgrams[0] as Buffer, '10.0.0.1');
    c.handle(dgrams[2] as Buffer, '10.0.0.1'); // the 30 flows of dgrams[1] never arrive
    expect(c.health.get('10.0.0.1')?.sequenceGaps).toBe(30);
  });
  it('drops and counts datagrams from exporters outside the allowlist', async () => {
    const { got, c, metrics } = make({ exporter_allowlist: '10.9.9.9' });
    const [d] = encodeV5([rec(1)], { sysUptimeMs: 1000, unixMs: Date.UTC(2026, 10, 23), sequence: 0 });
    c.handle(d as Buffer, '127.0.0.1');
    c.handle(d as Buffer, '10.9.9.9');
    expect(got).toHaveLength(1);
    expect(c.health.get('127.0.0.1')?.drops.not_allowlisted).toBe(1);
    expect(metrics.get('homesec_flow_dropped_total', { reason: 'not_allowlisted' })).toBe(1);
  });
  it('survives garbage: every malformed datagram is counted, none throws', async () => {
    const { got, c } = make();
    const garbage = [Buffer.alloc(0), Buffer.from([0]), Buffer.from([0, 5]), Buffer.from([0, 9, 0xff, 0xff]), Buffer.from([0, 10, 0, 0]), Buffer.alloc(1500, 0xff), Buffer.from('<img src=x onerror=alert(1)>')];
    for (const g of garbage) expect(() => c.handle(g, '127.0.0.1')).not.toThrow();
    expect(got).toHaveLength(0);
    expect(c.stats().decodeErrors).toBeGreaterThanOrEqual(garbage.length);
  });
  it('can read the socket on the calling thread instead of a receive thread', async () => {
    const { got, c } = make({}, { receiveThread: false });
    await c.start();
    const dgrams = encodeV5(Array.from({ length: 45 }, (_, i) => rec(i)), { sysUptimeMs: 100_000, unixMs: Date.UTC(2026, 10, 23, 8, 1, 0), sequence: 0 });
    await sendTo(c.address?.port as number, '127.0.0.1', dgrams);
    await settle(() => got.length === 45);
    expect(got).toHaveLength(45);
    expect(c.health.get('127.0.0.1')).toMatchObject({ datagrams: 2, records: 45, sequenceGaps: 0 });
    expect(c.stats()).toMatchObject({ datagrams: 2, records: 45, queueDrops: 0 });
  });
});

// Every test that reads a real socket runs with both receivers of the receive thread. On Linux
// the native one must be built (npm install builds it): a missing build fails here, not silently.
describe.each([
  { receiver: 'native', native: true },
  { receiver: 'dgram', native: false },
] as const)('collector receive thread ($receiver)', ({ receiver, native }) => {
  it('reads the socket with the receiver asked for', async () => {
    const { c } = make({ flow_native_receiver: native });
    expect(c.stats().receiver).toBeUndefined();
    await c.start();
    expect(c.stats().receiver).toBe(process.platform === 'linux' ? receiver : 'dgram');
  });

    it('receives real datagrams on loopback and keeps per-exporter health', async () => {
      const { got, c } = make({ flow_native_receiver: native });
      await c.start();
      const port = c.address?.port as number;
      const dgrams = encodeV5(Array.from({ length: 45 }, (_, i) => rec(i)), { sysUptimeMs: 100_000, unixMs: Date.UTC(2026, 10, 23, 8, 1, 0), sequence: 0 });
      await sendTo(port, '127.0.0.1', dgrams);
      await settle(() => got.length === 45);
      expect(got).toHaveLength(45);
      const h = c.health.get('127.0.0.1');
      expect(h).toMatchObject({ datagrams: 2, records: 45, sequenceGaps: 0 });
      expect([...(h?.versions ?? [])]).toEqual(['v5']);
      expect(c.stats()).toMatchObject({ datagrams: 2, records: 45, decodeErrors: 0, dropped: 0 });
    });

    it('listens dual-stack on "::" and reports IPv4 exporters without the mapped prefix', async () => {
      const { got, c } = make({ bind_host: '::', flow_native_receiver: native });
      await c.start();
      const port = c.address?.port as number;
      const [d] = encodeV5([rec(1)], { sysUptimeMs: 1000, unixMs: Date.UTC(2026, 10, 23), sequence: 0 });
      await sendTo(port, '127.0.0.1', [d as Buffer]);
      await sendTo(port, '::1', [d as Buffer]);
      await settle(() => got.length === 2);
      expect(got).toHaveLength(2);
      expect(c.health.get('127.0.0.1')?.records).toBe(1);
      expect(c.health.get('::1')?.records).toBe(1);
      expect(normaliseExporter('::ffff:10.0.0.1')).toBe('10.0.0.1');
    });

    it('a port already in use fails start with LISTEN_FAILED naming the address', async () => {
      const blocker = dgram.createSocket('udp4');
      await new Promise<void>((r) => blocker.bind(0, '127.0.0.1', () => r()));
      const port = blocker.address().port;
      const bus = createEventBus();
      const config = configSchema.parse({ bind_host: '127.0.0.1', bind_port: port, flow_native_receiver: native });
      const c = createCollector(config, { bus, clock: createSystemClock(), log: createSilentLogger(), metrics: createMetrics() });
      await expect(c.start()).rejects.toMatchObject({ code: 'LISTEN_FAILED', message: expect.stringContaining(`127.0.0.1:${port}`) });
      blocker.close();
    });

    it("keeps the receive thread's backlog bounded: datagrams beyond its buffers are dropped and counted, every other one is decoded", async () => {
      // one buffer of 8 KiB (a few datagrams): while this thread is blocked, the receive thread fills it and must drop the rest
      const { got, c, metrics } = make({ flow_native_receiver: native }, { batchBytes: 8192, maxBatches: 1 });
      await c.start();
      const port = c.address?.port as number;
      const kernelBefore = c.stats().kernelDrops ?? 0;
      const n = 200;
      const dgrams = encodeV5(Array.from({ length: 30 * n }, (_, i) => rec(i)), { sysUptimeMs: 100_000, unixMs: Date.UTC(2026, 10, 23, 8, 1, 0), sequence: 0 });
      sendWhileBlocked(port, dgrams);
      const accounted = () => (c.stats().datagrams ?? 0) + c.stats().queueDrops + ((c.stats().kernelDrops ?? 0) - kernelBefore);
      await settle(() => accounted() === n);
      const s = c.stats();
      expect(accounted()).toBe(n);
      expect(s.queueDrops).toBeGreaterThan(0);
      expect(got).toHaveLength(30 * s.datagrams);
      expect(metrics.get('homesec_flow_dropped_total', { reason: 'queue_full' })).toBe(s.queueDrops);
    });

    it('gives the backlog buffers of a burst back once it is over (issue 11: memory returns to its baseline)', async () => {
      // 16 buffers of 8 KiB: while this thread is blocked, a burst takes all of them
      const { got, c, metrics } = make({ flow_native_receiver: native }, { batchBytes: 8192, maxBatches: 16 });
      await c.start();
      const port = c.address?.port as number;
      const dgrams = encodeV5(Array.from({ length: 30 * 200 }, (_, i) => rec(i)), { sysUptimeMs: 100_000, unixMs: Date.UTC(2026, 10, 23, 8, 1, 0), sequence: 0 });
      sendWhileBlocked(port, dgrams);
      await settle(() => (c.stats().receiveBuffers ?? 0) > KEEP_BATCHES);
      expect(c.stats().receiveBuffers).toBeGreaterThan(KEEP_BATCHES);
      // processed, then cut back within a few trim periods
      for (let i = 0; i < 50 && (c.stats().receiveBuffers ?? 0) > KEEP_BATCHES; i++) await new Promise((r) => setTimeout(r, 100));
      expect(c.stats().receiveBuffers).toBeLessThanOrEqual(KEEP_BATCHES);
      expect(metrics.get('homesec_flow_receive_buffers_released_total')).toBeGreaterThan(0);
      expect(got.length).toBe(30 * c.stats().datagrams);
    });

  it('stop() hands over everything the socket received before it closed', async () => {
      const { got, c } = make({ flow_native_receiver: native });
      await c.start();
      const port = c.address?.port as number;
      const n = 100; // fits the kernel's default buffer even if the receive thread were slow to start reading
      const dgrams = encodeV5(Array.from({ length: 30 * n }, (_, i) => rec(i)), { sysUptimeMs: 100_000, unixMs: Date.UTC(2026, 10, 23, 8, 1, 0), sequence: 0 });
      sendWhileBlocked(port, dgrams); // all sent before this thread runs again
      await c.stop();
      collector = undefined;
      expect(c.stats()).toMatchObject({ datagrams: n, queueDrops: 0 });
      expect(got).toHaveLength(30 * n);
      expect(c.health.get('127.0.0.1')?.sequenceGaps).toBe(0);
    });
});
