import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bestDialer, createNativeDialer, socketDialer, type Dialer, type DialOutcome } from './tcp-dial.js';

let server: Server;
let openPort = 0;
let closedPort = 0;
let accepted = 0;

beforeAll(async () => {
  server = createServer((c) => {
    accepted++;
    c.on('error', () => {});
    c.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  openPort = (server.address() as { port: number }).port;
  const tmp = createServer();
  await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', r));
  closedPort = (tmp.address() as { port: number }).port;
  await new Promise((r) => tmp.close(r));
});

afterAll(() => new Promise((r) => server.close(r)));

/** Dials once and resolves with the outcome (closing as the connect scan does). */
function dialOnce(d: Dialer, ip: string, port: number): Promise<DialOutcome> {
  return new Promise((resolve) => {
    const conn = d.dial(ip, port, {
      onDial(o) {
        conn.close(o === 'open');
        resolve(o);
      },
    });
  });
}

const native = createNativeDialer();

describe('tcp dialers on loopback', () => {
  it('this Node has the tcp_wrap binding the native dialer needs', () => {
    expect(native?.kind).toBe('native');
    expect(bestDialer().kind).toBe('native');
  });

  for (const [name, d] of [
    ['native', native!],
    ['socket', socketDialer],
  ] as const) {
    it(`${name}: open, closed (IPv4, IPv6) and a host name`, async () => {
      expect(await dialOnce(d, '127.0.0.1', openPort)).toBe('open');
      expect(await dialOnce(d, '127.0.0.1', closedPort)).toBe('closed');
      expect(await dialOnce(d, '127.0.0.2', openPort)).toBe('closed');
      expect(await dialOnce(d, '::1', closedPort)).toBe('closed');
      expect(await dialOnce(d, 'localhost', closedPort)).toBe('closed');
    });

    it(`${name}: a dial closed before it answered reports nothing`, async () => {
      let heard = 0;
      d.dial('127.0.0.1', openPort, { onDial: () => heard++ }).close(false);
      d.dial('127.0.0.1', closedPort, { onDial: () => heard++ }).close(false);
      await new Promise((r) => setTimeout(r, 100));
      expect(heard).toBe(0);
    });

    it(`${name}: many probes in parallel, every open connection reaches the server`, async () => {
      const before = accepted;
      const outcomes = await Promise.all(Array.from({ length: 200 }, (_, i) => dialOnce(d, '127.0.0.1', i % 2 ? openPort : closedPort)));
      expect(outcomes.filter((o) => o === 'open')).toHaveLength(100);
      expect(outcomes.filter((o) => o === 'closed')).toHaveLength(100);
      await new Promise((r) => setTimeout(r, 100));
      expect(accepted - before).toBeLessThanOrEqual(100);
    });
  }
});

describe('native dialer feature detection', () => {
  it('is unavailable when the binding is missing, throws or has another shape', () => {
    expect(createNativeDialer(() => undefined)).toBeUndefined();
    expect(
      createNativeDialer(() => {
        throw new Error('No such binding: tcp_wrap');
      }),
    ).toBeUndefined();
    expect(createNativeDialer(() => ({ TCP: class {}, TCPConnectWrap: class {}, constants: { SOCKET: 0 } }))).toBeUndefined();
    expect(createNativeDialer(() => ({ TCP: function TCP() {}, constants: {} }))).toBeUndefined();
  });

  it('falls back to net.Socket for good when a dial through the binding throws', async () => {
    let made = 0;
    class TCP {
      constructor() {
        made++;
        throw new TypeError('changed constructor');
      }
      connect(): number {
        return 0;
      }
      connect6(): number {
        return 0;
      }
      reset(): number {
        return 0;
      }
      close(): void {}
    }
    const d = createNativeDialer(() => ({ TCP, TCPConnectWrap: class {}, constants: { SOCKET: 0 } }))!;
    expect(d.kind).toBe('native');
    expect(await dialOnce(d, '127.0.0.1', openPort)).toBe('open');
    expect(await dialOnce(d, '127.0.0.1', closedPort)).toBe('closed');
    expect(made).toBe(1);
  });

  it('prints no deprecation warning, even under --pending-deprecation', () => {
    const mod = fileURLToPath(new URL('./tcp-dial.ts', import.meta.url));
    const r = spawnSync(
      process.execPath,
      ['--pending-deprecation', '--import', 'tsx', '--input-type=module', '-e', `const m = await import(${JSON.stringify(mod)}); console.log(m.bestDialer().kind);`],
      { encoding: 'utf8' },
    );
    expect(r.stdout.trim()).toBe('native');
    expect(r.stderr).not.toMatch(/DeprecationWarning|DEP0111/);
  });
});
