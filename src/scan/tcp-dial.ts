/**
 * One TCP connect attempt as cheaply as Node allows, for the connect scan. Rules: a dialer
 * starts a non-blocking connect and reports its outcome once — handshake completed → `open`,
 * reset → `closed`, host/network unreachable → `unreachable`, anything else → `filtered`;
 * the caller ends every dial with `close(reset)` (a reset for an open port, as nmap -sT
 * does: no FIN exchange, no TIME_WAIT) and a dial closed before it answered reports nothing.
 *
 * Two implementations. `native` drives Node's internal TCP handle (process.binding('tcp_wrap'),
 * what net.Socket itself is built on) directly: no stream, event emitter or Error object per
 * probe, which is most of the JavaScript cost of a probe. The binding is internal and may
 * change or go away, so it is feature-detected once per thread: when it is missing or shaped
 * differently, or a dial through it throws, probes go through `socket`, the same attempt on
 * the public net.Socket. process.binding warns (DEP0111) only under --pending-deprecation;
 * the look-up silences that warning (for the rest of the thread, as Node warns once).
 */
import { isIP, Socket } from 'node:net';
import { getSystemErrorMap } from 'node:util';

export type DialOutcome = 'open' | 'closed' | 'filtered' | 'unreachable';

/** Receives the outcome of one dial (at most once; never after close). */
export interface DialListener {
  onDial(outcome: DialOutcome): void;
}

export interface Dial {
  /** Ends the attempt or the connection; `reset` sends RST instead of FIN (open ports). */
  close(reset: boolean): void;
}

export interface Dialer {
  readonly kind: 'native' | 'socket';
  /** Starts a connect to ip:port; the listener hears the outcome asynchronously. */
  dial(ip: string, port: number, listener: DialListener): Dial;
}

const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN']);

function outcomeOfCode(code: string | undefined): DialOutcome {
  if (code === 'ECONNREFUSED') return 'closed';
  return code !== undefined && UNREACHABLE.has(code) ? 'unreachable' : 'filtered';
}

class SocketDial implements Dial {
  private readonly sock = new Socket();
  private live = true;
  constructor(ip: string, port: number, listener: DialListener) {
    this.sock.once('connect', () => {
      if (this.live) listener.onDial('open');
    });
    this.sock.once('error', (err: NodeJS.ErrnoException) => {
      if (this.live) listener.onDial(outcomeOfCode(err.code));
    });
    this.sock.connect({ host: ip, port });
  }
  close(reset: boolean): void {
    this.live = false;
    if (reset && this.sock.readyState === 'open') this.sock.resetAndDestroy();
    else this.sock.destroy();
  }
}

/** The public-API dialer (net.Socket). */
export const socketDialer: Dialer = {
  kind: 'socket',
  dial: (ip, port, listener) => new SocketDial(ip, port, listener),
};

/** The shape of the tcp_wrap binding this module uses (checked on Node 20). */
interface TcpHandle {
  connect(req: ConnectReq, ip: string, port: number): number;
  connect6(req: ConnectReq, ip: string, port: number): number;
  reset(): number;
  close(): void;
}
interface ConnectReq {
  oncomplete: (this: ConnectReq, status: number) => void;
  dial?: NativeDial;
}
interface TcpWrapBinding {
  TCP: new (type: number) => TcpHandle;
  TCPConnectWrap: new () => ConnectReq;
  constants: { SOCKET: number };
}

/** libuv status (negative errno on Unix, other numbers on Windows) → outcome; absent = filtered. */
const STATUS = new Map<number, DialOutcome>();
for (const [status, [name]] of getSystemErrorMap()) {
  const o = outcomeOfCode(name);
  if (o !== 'filtered') STATUS.set(status, o);
}

/** The binding when it has the shape this module uses, else undefined. */
function checkBinding(b: unknown): TcpWrapBinding | undefined {
  const w = b as Partial<TcpWrapBinding> | undefined;
  if (!w || typeof w.TCP !== 'function' || typeof w.TCPConnectWrap !== 'function' || typeof w.constants?.SOCKET !== 'number') return undefined;
  const proto = w.TCP.prototype as Partial<TcpHandle> | undefined;
  for (const m of ['connect', 'connect6', 'reset', 'close'] as const) if (typeof proto?.[m] !== 'function') return undefined;
  return w as TcpWrapBinding;
}

/** process.binding('tcp_wrap'), without the DEP0111 warning --pending-deprecation would print. */
function processTcpWrap(): unknown {
  const p = process as unknown as { binding?: (name: string) => unknown; noDeprecation?: boolean };
  if (typeof p.binding !== 'function') return undefined;
  const quiet = p.noDeprecation;
  p.noDeprecation = true;
  try {
    return p.binding('tcp_wrap');
  } finally {
    p.noDeprecation = quiet;
  }
}

/** Shared completion callback: `this` is the connect request. */
function onConnect(this: ConnectReq, status: number): void {
  const d = this.dial;
  if (!d?.live) return;
  d.live = false;
  d.connected = status === 0;
  d.listener.onDial(status === 0 ? 'open' : (STATUS.get(status) ?? 'filtered'));
}

class NativeDial implements Dial {
  live = true;
  connected = false;
  constructor(
    readonly handle: TcpHandle,
    readonly listener: DialListener,
  ) {}
  close(reset: boolean): void {
    this.live = false;
    if (reset && this.connected && this.handle.reset() === 0) return;
    this.handle.close();
  }
}

function nativeDial(b: TcpWrapBinding, ip: string, family: number, port: number, listener: DialListener): Dial {
  const handle = new b.TCP(b.constants.SOCKET);
  const d = new NativeDial(handle, listener);
  try {
    const req = new b.TCPConnectWrap();
    req.dial = d;
    req.oncomplete = onConnect;
    const err = family === 6 ? handle.connect6(req, ip, port) : handle.connect(req, ip, port);
    if (typeof err !== 'number') throw new TypeError('tcp_wrap connect returned no status');
    if (err !== 0) {
      // Failed before any packet (e.g. no route): reported asynchronously, as promised.
      queueMicrotask(() => {
        if (!d.live) return;
        d.live = false;
        listener.onDial(STATUS.get(err) ?? 'filtered');
      });
    }
    return d;
  } catch (e) {
    handle.close();
    throw e;
  }
}

/**
 * A dialer on the tcp_wrap binding `lookup` returns (default: this process's), or undefined
 * when it is missing, throws or is shaped differently. A dial that throws switches this
 * dialer to net.Socket for good; host names always go through net.Socket (DNS).
 */
export function createNativeDialer(lookup: () => unknown = processTcpWrap): Dialer | undefined {
  let b: TcpWrapBinding | undefined;
  try {
    b = checkBinding(lookup());
  } catch {
    return undefined;
  }
  if (!b) return undefined;
  const binding = b;
  let broken = false;
  return {
    kind: 'native',
    dial(ip, port, listener) {
      const family = isIP(ip);
      if (family === 0 || broken) return socketDialer.dial(ip, port, listener);
      try {
        return nativeDial(binding, ip, family, port, listener);
      } catch {
        broken = true;
        return socketDialer.dial(ip, port, listener);
      }
    },
  };
}

let best: Dialer | undefined;

/** The native dialer when this Node has the expected binding, else net.Socket (decided once per thread). */
export function bestDialer(): Dialer {
  best ??= createNativeDialer() ?? socketDialer;
  return best;
}
