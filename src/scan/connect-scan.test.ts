import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedLoopbackPorts, listenLoopback, type LoopbackListeners } from '../../test/support/loopback-ports.js';
import { connectProbe, connectScan, RttEstimator } from './connect-scan.js';

let listeners: LoopbackListeners;
let openPorts: number[] = [];
let closedPort = 0;

beforeAll(async () => {
  listeners = await listenLoopback(3);
  openPorts = listeners.ports;
  [closedPort] = (await closedLoopbackPorts(1)) as [number];
});

afterAll(() => listeners.close());

describe('connect scan on loopback', () => {
  it('classifies open and closed ports', async () => {
    expect((await connectProbe('127.0.0.1', openPorts[0]!, 1000)).outcome).toBe('open');
    expect((await connectProbe('127.0.0.1', closedPort, 1000)).outcome).toBe('closed');
  });

  for (const dialer of ['native', 'socket'] as const)
    it(`scans several hosts and reports sorted open/closed sets with an RTT (${dialer} dialer)`, async () => {
      const ports = [closedPort, ...openPorts];
      let last = 0;
      const res = await connectScan(['127.0.0.1', '127.0.0.2'], {
        ports,
        timeoutMs: 1000,
        minTimeoutMs: 50,
        retries: 1,
        concurrency: 4,
        hostConcurrency: 2,
        dialer,
        onProgress: (done) => (last = done),
      });
      const a = res.get('127.0.0.1')!;
      expect(a.open).toEqual([...openPorts].sort((x, y) => x - y));
      expect(a.closed).toEqual([closedPort]);
      expect(a.filtered).toEqual([]);
      expect(a.rttMs).toBeGreaterThanOrEqual(0);
      // The servers listen on 127.0.0.1 only: 127.0.0.2 refuses everything.
      expect(res.get('127.0.0.2')!.open).toEqual([]);
      expect(res.get('127.0.0.2')!.closed).toHaveLength(ports.length);
      expect(last).toBe(ports.length * 2);
    });

  it('an aborted scan stops sending and returns quickly', async () => {
    const ac = new AbortController();
    ac.abort();
    const res = await connectScan(['127.0.0.1'], { ports: openPorts, timeoutMs: 1000, minTimeoutMs: 50, retries: 0, concurrency: 1, hostConcurrency: 1, signal: ac.signal });
    expect(res.get('127.0.0.1')!.open).toEqual([]);
  });
});

describe('RttEstimator', () => {
  it('starts at the ceiling and adapts to samples within the bounds (RFC 6298)', () => {
    const e = new RttEstimator();
    expect(e.timeout(100, 1000)).toBe(1000);
    e.sample(10);
    expect(e.smoothed()).toBe(10);
    expect(e.timeout(100, 1000)).toBe(100); // 10 + 4*5 = 30 → floor 100
    for (let i = 0; i < 20; i++) e.sample(400);
    expect(e.timeout(100, 1000)).toBeGreaterThan(390);
    e.sample(5000);
    expect(e.timeout(100, 1000)).toBe(1000);
  });
});
