import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedLoopbackPorts, listenLoopback, type LoopbackListeners } from '../../test/support/loopback-ports.js';
import { connectScan, type ConnectScanOptions } from './connect-scan.js';
import { createParallelConnectScan, mergeResults } from './parallel-connect-scan.js';

let listeners: LoopbackListeners;
let openPorts: number[] = [];
let closedPorts: number[] = [];
// Loopback addresses: the listeners are on 127.0.0.1 only, every other one refuses.
const HOSTS = Array.from({ length: 12 }, (_, i) => `127.0.0.${i + 1}`);

beforeAll(async () => {
  listeners = await listenLoopback(3);
  openPorts = listeners.ports;
  closedPorts = await closedLoopbackPorts(5);
});

afterAll(() => listeners.close());

const base = (): ConnectScanOptions => ({
  ports: [...closedPorts, ...openPorts],
  timeoutMs: 1000,
  minTimeoutMs: 50,
  retries: 1,
  concurrency: 16,
  hostConcurrency: 4,
});

describe('shared cursor (connectScan)', () => {
  it('scans sharing one cursor together do every probe exactly once', async () => {
    const cursor = new Int32Array(new SharedArrayBuffer(4 * 3));
    const parts = await Promise.all([0, 1, 2].map((shard) => connectScan(HOSTS, { ...base(), sharedCursor: cursor, shard })));
    const probes = parts.flatMap((m) => [...m.values()].flatMap((r) => [...r.open, ...r.closed, ...r.filtered].map((p) => `${r.ip}:${p}`)));
    expect(probes).toHaveLength(HOSTS.length * base().ports.length);
    expect(new Set(probes).size).toBe(probes.length);
    const merged = mergeResults(HOSTS, parts.map((m) => [...m.values()]));
    expect(merged.get('127.0.0.1')!.open).toEqual([...openPorts].sort((a, b) => a - b));
    expect(merged.get('127.0.0.2')!.closed).toHaveLength(base().ports.length);
  });

  it('a scan that finds its shard taken does the others’ rest', async () => {
    const cursor = new Int32Array(new SharedArrayBuffer(4 * 2));
    cursor[0] = 1 << 20; // shard 0 fully claimed by someone else
    const res = await connectScan(HOSTS, { ...base(), sharedCursor: cursor, shard: 0 });
    const scanned = [...res.values()].filter((r) => r.closed.length + r.open.length > 0).map((r) => r.ip);
    // Shard 1 holds the hosts at odd positions.
    expect(scanned).toEqual(HOSTS.filter((_, i) => i % 2 === 1));
  });
});

describe('parallel connect scan (worker threads)', () => {
  it('gives the same result as one thread, with progress summed to the end', async () => {
    const pool = createParallelConnectScan(2, 2);
    try {
      let last = { done: 0, total: 0 };
      const par = await pool.scan(HOSTS, { ...base(), onProgress: (done, total) => (last = { done, total }) });
      const one = await connectScan(HOSTS, base());
      expect([...par.keys()]).toEqual(HOSTS);
      for (const ip of HOSTS) {
        const { rttMs: _a, ...p } = par.get(ip)!;
        const { rttMs: _b, ...o } = one.get(ip)!;
        expect(p, ip).toEqual(o);
      }
      expect(last).toEqual({ done: HOSTS.length * base().ports.length, total: HOSTS.length * base().ports.length });
      // Both dialers through the workers.
      const sock = await pool.scan(HOSTS, { ...base(), dialer: 'socket' });
      expect(sock.get('127.0.0.1')!.open).toEqual(par.get('127.0.0.1')!.open);
    } finally {
      await pool.close();
    }
  }, 30_000);
});

describe('mergeResults', () => {
  it('joins and sorts port lists, ORs unreachable, averages RTTs and keeps target order', () => {
    const m = mergeResults(
      ['10.0.0.2', '10.0.0.1'],
      [
        [{ ip: '10.0.0.1', open: [80], closed: [23], filtered: [], unreachable: false, rttMs: 1 }],
        [
          { ip: '10.0.0.1', open: [22], closed: [], filtered: [443], unreachable: true, rttMs: 2 },
          { ip: '10.0.0.9', open: [1], closed: [], filtered: [], unreachable: false },
        ],
      ],
    );
    expect([...m.keys()]).toEqual(['10.0.0.2', '10.0.0.1']);
    expect(m.get('10.0.0.1')).toEqual({ ip: '10.0.0.1', open: [22, 80], closed: [23], filtered: [443], unreachable: true, rttMs: 1.5 });
    expect(m.get('10.0.0.2')).toEqual({ ip: '10.0.0.2', open: [], closed: [], filtered: [], unreachable: false });
  });
});
