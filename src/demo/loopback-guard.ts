/**
 * The demo's network fence: while installed, this process refuses to open a TCP connection
 * or send a UDP datagram to anything but loopback (127.0.0.0/8, ::1, "localhost") or a local
 * socket path. It is a second line behind the demo's configuration, which already points
 * every outside service at loopback and turns every lookup of demo addresses off.
 *
 * Rules:
 * - It wraps net.Socket.prototype.connect (which node:http, node:https, node:tls and fetch
 *   all go through) and dgram.Socket.prototype.send/connect in this thread. A refused TCP
 *   connection fails asynchronously like a refused port (ECONNREFUSED), a refused datagram's
 *   callback gets the error (or the socket emits it): callers handle these already.
 * - Host names other than "localhost" are refused without being resolved.
 * - Every refusal is counted and passed to `onRefused` (the demo logs each destination once).
 * - uninstall() puts the original methods back. Worker threads (the connect scan) are not
 *   covered: the scanner only gets the lab hosts as targets.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

export interface LoopbackGuard {
  /** Connections and datagrams refused so far. */
  refused(): number;
  uninstall(): void;
}

/** True for a loopback destination (see the module rules). */
export function isLoopbackDestination(host: string | undefined): boolean {
  if (host === undefined || host === '' || host === 'localhost') return true;
  const h = host.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (net.isIP(h) === 0) return false;
  let a = ipaddr.parse(h);
  if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()) a = (a as ipaddr.IPv6).toIPv4Address();
  return a.range() === 'loopback';
}

function refusal(what: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`homesec demo: refused ${what} (the demo contacts loopback only)`), { code: 'ECONNREFUSED' });
}

/** The destination of a net.Socket.connect call, or undefined for a local socket path. */
function tcpDestination(args: unknown[]): { host?: string; port?: unknown } | undefined {
  let first = args[0];
  // net.connect() hands connect() its already normalised [options, callback] array.
  if (Array.isArray(first)) first = first[0];
  if (typeof first === 'object' && first !== null) {
    const o = first as { host?: string; port?: unknown; path?: string };
    if (typeof o.path === 'string' && o.path !== '') return undefined;
    return { host: o.host, port: o.port };
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return undefined;
  return { host: typeof args[1] === 'string' ? args[1] : undefined, port: first };
}

/** The destination of a dgram send: [port, address] after the message (and optional offset, length). */
function udpDestination(args: unknown[]): { port?: unknown; address?: unknown } {
  const withRange = typeof args[1] === 'number' && typeof args[2] === 'number' && typeof args[3] === 'number';
  return withRange ? { port: args[3], address: args[4] } : { port: args[1], address: args[2] };
}

/** Installs the guard (see the module rules). */
export function installLoopbackGuard(onRefused: (destination: string, protocol: 'tcp' | 'udp') => void = () => {}): LoopbackGuard {
  const origConnect = net.Socket.prototype.connect;
  const origSend = dgram.Socket.prototype.send;
  const origUdpConnect = dgram.Socket.prototype.connect;
  let refused = 0;
  const refuse = (dest: string, proto: 'tcp' | 'udp'): NodeJS.ErrnoException => {
    refused++;
    onRefused(dest, proto);
    return refusal(`${proto} to ${dest}`);
  };

  net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
    const dest = tcpDestination(args);
    if (dest && !isLoopbackDestination(dest.host)) {
      const err = refuse(`${dest.host}:${String(dest.port)}`, 'tcp');
      process.nextTick(() => this.destroy(err));
      return this;
    }
    return (origConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof origConnect;

  dgram.Socket.prototype.send = function guardedSend(this: dgram.Socket, ...args: unknown[]) {
    const { port, address } = udpDestination(args);
    if (typeof port === 'number' && typeof address === 'string' && !isLoopbackDestination(address)) {
      const err = refuse(`${address}:${port}`, 'udp');
      const cb = args.findLast((a) => typeof a === 'function') as ((e: Error) => void) | undefined;
      process.nextTick(() => (cb ? cb(err) : this.emit('error', err)));
      return;
    }
    return (origSend as (...a: unknown[]) => void).apply(this, args);
  } as typeof origSend;

  dgram.Socket.prototype.connect = function guardedUdpConnect(this: dgram.Socket, ...args: unknown[]) {
    const address = args[1];
    if (typeof address === 'string' && !isLoopbackDestination(address)) throw refuse(`${address}:${String(args[0])}`, 'udp');
    return (origUdpConnect as (...a: unknown[]) => void).apply(this, args);
  } as typeof origUdpConnect;

  return {
    refused: () => refused,
    uninstall() {
      net.Socket.prototype.connect = origConnect;
      dgram.Socket.prototype.send = origSend;
      dgram.Socket.prototype.connect = origUdpConnect;
    },
  };
}
