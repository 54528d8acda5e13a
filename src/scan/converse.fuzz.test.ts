/**
 * Fuzzing a whole scanner conversation against a hostile loopback server (hostile-input
 * catalogue 14-16): each case scripts what the server does — random or recorded bytes in
 * random chunks, pauses, floods, half-closes, resets — and what the scanner asks for (banner
 * wait, probe, follow-up, caps, deadline). Rules: converse never rejects; it keeps at most
 * maxBytes; it ends by its absolute deadline (a generous 1.5 s of slack on a loaded machine);
 * what it read identifies to plain, bounded text. Loopback only (NETWORK RULE).
 */
import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectBoundedText, fuzzAsync, hostileBytes } from '../../test/support/fuzz.js';
import { converse } from './converse.js';
import { identifyService } from './service/identify.js';
import { loadCaptures } from './service/testdata/builders.js';

type Step = { kind: 'write'; bytes: Uint8Array } | { kind: 'pause'; ms: number } | { kind: 'flood'; kib: number } | { kind: 'end' } | { kind: 'reset' };

const CAPTURES = [...loadCaptures().values()].map((c) => c.bytes);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: hostileBytes(CAPTURES, 512).map((bytes) => ({ kind: 'write' as const, bytes })) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 120 }).map((ms) => ({ kind: 'pause' as const, ms })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 2048 }).map((kib) => ({ kind: 'flood' as const, kib })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'end' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reset' as const }) },
);

const scenario = fc.record({
  script: fc.array(step, { maxLength: 8 }),
  bannerWaitMs: fc.integer({ min: 0, max: 80 }),
  idleMs: fc.integer({ min: 10, max: 80 }),
  deadlineMs: fc.integer({ min: 50, max: 300 }),
  maxBytes: fc.oneof(fc.integer({ min: 1, max: 4096 }), fc.constant(64 * 1024)),
  probe: fc.option(fc.uint8Array({ maxLength: 64 })),
  followUp: fc.boolean(),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;

let server: net.Server;
let port = 0;
let current: Scenario['script'] = [];
const sockets = new Set<net.Socket>();

async function play(s: net.Socket, script: Scenario['script']): Promise<void> {
  for (const st of script) {
    if (s.destroyed) return;
    if (st.kind === 'write') s.write(st.bytes);
    else if (st.kind === 'pause') await new Promise((r) => setTimeout(r, st.ms));
    else if (st.kind === 'flood') {
      const chunk = Buffer.alloc(1024, 0x41);
      for (let i = 0; i < st.kib && !s.destroyed; i++) if (!s.write(chunk)) await new Promise((r) => s.once('drain', r).once('close', r));
    } else if (st.kind === 'end') return void s.end();
    else return void s.resetAndDestroy();
  }
}

beforeAll(async () => {
  server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.on('data', () => {});
    void play(s, current).catch(() => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

describe('converse fuzz', () => {
  it('fuzz: hostile loopback servers (chunks, pauses, floods, resets)', async ({ task }) => {
    await fuzzAsync(task, 'scan/converse', scenario, async (sc) => {
      current = sc.script;
      const t0 = performance.now();
      const r = await converse({
        ip: '127.0.0.1',
        port,
        connectTimeoutMs: 200,
        bannerWaitMs: sc.bannerWaitMs,
        idleMs: sc.idleMs,
        deadlineMs: sc.deadlineMs,
        maxBytes: sc.maxBytes,
        ...(sc.probe ? { send: sc.probe } : {}),
        ...(sc.followUp ? { followUp: (b: Buffer) => (b.length < 100 ? Uint8Array.from([0x0a]) : undefined) } : {}),
      });
      expect(performance.now() - t0).toBeLessThan(sc.deadlineMs + 1500);
      expect(r.banner.length + r.response.length).toBeLessThanOrEqual(sc.maxBytes);
      const s = identifyService({ port: 80, banner: r.banner });
      expectBoundedText(s, 600);
      if (r.response.length > 0) expectBoundedText(identifyService({ port: 80, probe: 'http-get', response: r.response }), 600);
    }, 40);
  });
});
