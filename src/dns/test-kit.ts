/**
 * Test kit for the DNS tests (no production code imports it). Rules: servers listen on
 * 127.0.0.1 only, on ports the OS picks, and are closed by the test (NETWORK RULE);
 * fixtures are read from the testdata/ folder beside the code that uses them.
 */
import dgram from 'node:dgram';
import type http from 'node:http';
import { startTestServer, type SeenRequest, type TestServer } from '../../test/support/http-server.js';
import type { DnsQuery } from './types.js';

export type { SeenRequest, TestServer } from '../../test/support/http-server.js';
export { sendBody as sendJson } from '../../test/support/http-server.js';

/** Starts a loopback test server; every request (with its body, capped at 64 KiB) is recorded before `handler` runs. */
export function startServer(handler: (req: SeenRequest, res: http.ServerResponse) => void): Promise<TestServer> {
  return startTestServer(handler, { maxBodyBytes: 65536 });
}

/** A UDP port that was free a moment ago on 127.0.0.1. */
export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** A raw DNS query packet for any label bytes (the name is NOT validated: for hostile names). */
export function rawDnsQuery(name: string, type: number, id = 0x1234): Buffer {
  const parts: Buffer[] = [];
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(0x0100, 2);
  h.writeUInt16BE(1, 4);
  parts.push(h);
  for (const label of name.split('.')) {
    const b = Buffer.from(label, 'latin1');
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0]));
  const t = Buffer.alloc(4);
  t.writeUInt16BE(type, 0);
  t.writeUInt16BE(1, 2);
  parts.push(t);
  return Buffer.concat(parts);
}

/** Sends one raw query to 127.0.0.1:port and waits (at most timeoutMs) for any answer. */
export async function sendRawQuery(port: number, packet: Buffer, timeoutMs = 2000): Promise<Buffer | undefined> {
  const s = dgram.createSocket('udp4');
  try {
    return await new Promise<Buffer | undefined>((resolve) => {
      const t = setTimeout(() => resolve(undefined), timeoutMs);
      s.on('message', (m) => {
        clearTimeout(t);
        resolve(m);
      });
      s.send(packet, port, '127.0.0.1');
    });
  } finally {
    s.close();
  }
}

/** A DnsQuery with defaults (an A query answered from upstream at T0). */
export function query(p: Partial<DnsQuery> = {}): DnsQuery {
  return {
    timeMs: Date.UTC(2026, 0, 1),
    client: '192.168.1.20',
    name: 'www.example.com',
    type: 'A',
    status: 'forwarded',
    blocked: false,
    rcode: 'NOERROR',
    answers: ['93.184.216.34'],
    ...p,
  };
}

/** mulberry32: a small seeded PRNG returning floats in [0, 1) (deterministic test data). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
