/**
 * The demo's network fence: non-loopback TCP and UDP are refused before anything is sent
 * (destinations are RFC 5737 documentation addresses, never reachable anyway), loopback
 * keeps working through net, http, fetch and dgram, and uninstall restores Node's methods.
 */
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { installLoopbackGuard, isLoopbackDestination, type LoopbackGuard } from './loopback-guard.js';

let guard: LoopbackGuard | undefined;
afterEach(() => {
  guard?.uninstall();
  guard = undefined;
});

const connectResult = (socket: net.Socket): Promise<string> =>
  new Promise((resolve) => {
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(`${e.code}: ${e.message}`));
  });

describe('loopback guard', () => {
  it('knows loopback', () => {
    for (const h of ['127.0.0.1', '127.0.0.50', '::1', '[::1]', '::ffff:127.0.0.2', 'localhost', undefined]) expect(isLoopbackDestination(h)).toBe(true);
    for (const h of ['192.168.1.1', '192.0.2.1', '::ffff:192.0.2.1', '2001:db8::1', 'example.com', '0.0.0.0']) expect(isLoopbackDestination(h)).toBe(false);
  });

  it('refuses TCP to other addresses (net, http, fetch) and names, allows loopback', async () => {
    // Underneath the guard, a stand-in for Node's connect records anything that gets through
    // and connects nowhere: even a broken guard sends no packet off this machine.
    const real = net.Socket.prototype.connect;
    const leaked: unknown[] = [];
    net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
      leaked.push(args[0]);
      process.nextTick(() => this.destroy(new Error('stand-in')));
      return this;
    } as typeof real;
    const seen: string[] = [];
    guard = installLoopbackGuard((d, p) => seen.push(`${p} ${d}`));
    try {
      expect(await connectResult(net.connect(9, '192.0.2.1'))).toMatch(/^ECONNREFUSED: homesec demo: refused tcp to 192\.0\.2\.1:9/);
      expect(await connectResult(net.connect({ host: 'example.com', port: 80 }))).toMatch(/^ECONNREFUSED/);
      await expect(fetch('http://192.0.2.7:8080/')).rejects.toThrow();
      const viaHttp = await new Promise<string>((resolve) => http.get('http://198.51.100.9/', () => resolve('answered')).on('error', (e) => resolve(e.message)));
      expect(viaHttp).toMatch(/refused/);
    } finally {
      guard.uninstall();
      net.Socket.prototype.connect = real;
    }
    expect(leaked).toEqual([]);
    expect(seen).toEqual(['tcp 192.0.2.1:9', 'tcp example.com:80', 'tcp 192.0.2.7:8080', 'tcp 198.51.100.9:80']);
    expect(guard.refused()).toBe(4);

    const server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    guard = installLoopbackGuard();
    expect(await connectResult(net.connect(port, '127.0.0.1'))).toBe('connected');
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok');
    expect(guard.refused()).toBe(0);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('refuses UDP to other addresses, delivers to loopback, and uninstalls cleanly', async () => {
    const original = { connect: net.Socket.prototype.connect, send: dgram.Socket.prototype.send };
    const rx = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => rx.bind(0, '127.0.0.1', resolve));
    const got = new Promise<string>((resolve) => rx.once('message', (m) => resolve(m.toString())));
    const tx = dgram.createSocket('udp4');
    // A stand-in under the guard records what would have been sent: nothing may get through.
    const leaked: unknown[] = [];
    dgram.Socket.prototype.send = function (...args: unknown[]) {
      leaked.push(args[2]);
    } as typeof original.send;
    guard = installLoopbackGuard();
    const err = await new Promise<Error | null>((resolve) => tx.send(Buffer.from('x'), 2055, '203.0.113.5', (e) => resolve(e)));
    expect(err?.message).toMatch(/refused udp to 203\.0\.113\.5:2055/);
    expect(() => tx.connect(2055, '203.0.113.5')).toThrow(/refused/);
    expect(guard.refused()).toBe(2);
    guard.uninstall();
    dgram.Socket.prototype.send = original.send;
    expect(leaked).toEqual([]);
    guard = installLoopbackGuard();
    tx.send(Buffer.from('hello'), rx.address().port, '127.0.0.1');
    expect(await got).toBe('hello');
    expect(guard.refused()).toBe(0);
    guard.uninstall();
    guard = undefined;
    expect(net.Socket.prototype.connect).toBe(original.connect);
    expect(dgram.Socket.prototype.send).toBe(original.send);
    tx.close();
    rx.close();
  });
});
