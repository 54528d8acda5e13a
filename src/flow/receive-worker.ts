/**
 * The flow collector's receive thread (a worker_threads entry point): owns the UDP socket
 * and hands the datagrams, unparsed, to the main thread in batches.
 *
 * Why a thread: the main thread decodes and analyses every flow and also writes SQLite,
 * serves the API and runs the scheduler. While it is busy, a socket it owns is not read and
 * the kernel buffer overflows within milliseconds at high rates. This thread does nothing but
 * read the socket, so the socket is drained while the analysis catches up; the backlog waits
 * in memory, bounded.
 *
 * Rules:
 * - Datagrams are copied into batch buffers (ArrayBuffers of `batchBytes`) that are
 *   transferred (not copied) to the main thread and transferred back once processed: at most
 *   `maxBatches` exist, so the backlog is bounded by maxBatches * batchBytes. A datagram that
 *   finds every buffer in use is dropped and counted (reported with the next batch); nothing
 *   else is ever dropped here.
 * - A batch is sent when it is full, or at the end of an event-loop turn when the main thread
 *   has nothing in hand (low latency when idle, large batches when busy).
 * - Batch layout, per datagram: u32 length, u16 index into the batch's `exporters` (the
 *   sender's address with any IPv4-mapped prefix removed), u16 zero, the bytes, padding to 4.
 * - The backlog's buffers are given back when a burst is over: every TRIM_EVERY_MS the pool
 *   is cut down to what the last period needed (at least KEEP_BATCHES), so a flood's 32 MiB
 *   does not stay allocated for the rest of the daemon's life. A buffer is freed by handing
 *   it to a message channel that is closed at once: its memory is returned right away, not
 *   whenever this nearly idle thread next collects garbage.
 * - The thread never parses flow data, so hostile bytes cannot reach anything but a copy.
 * - Two ways to read the socket, same batches and same rules: the native receiver
 *   (native-rx.ts: recvmmsg straight into the batch buffers, no JavaScript per datagram),
 *   used when it is built, the bind request allows it and the host is a numeric address;
 *   otherwise Node's dgram, one 'message' callback per datagram. The native loop blocks this
 *   thread in poll() for at most IDLE_WAIT_MS, sleeps BUSY_WAIT_MS between reads while the
 *   main thread holds a batch, takes the main thread's messages synchronously
 *   (receiveMessageOnPort) between reads, and lets the event loop turn every
 *   NATIVE_SLICE_MS (a released buffer is only freed, and a message that came meanwhile only
 *   dispatched, in a turn).
 */
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { MessageChannel, parentPort, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { loadNativeRx, type NativeRx, type NativeSocket } from './native-rx.js';

/** How often the buffer pool is cut down to what the last period needed. */
export const TRIM_EVERY_MS = 1000;
/** Buffers kept however idle the thread is (one being filled, one with the main thread). */
export const KEEP_BATCHES = 2;
/** Native loop: longest wait for a datagram when nothing is waiting for the main thread (stop answers within it). */
export const IDLE_WAIT_MS = 50;
/** Native loop: sleep between reads while the main thread holds a batch (datagrams gather in the socket buffer meanwhile). */
export const BUSY_WAIT_MS = 1;
/** Native loop: longest stretch without an event-loop turn (freed buffers are only released, and queued messages only dispatched, in one). */
export const NATIVE_SLICE_MS = 100;

export interface BindRequest {
  kind: 'bind';
  host: string;
  port: number;
  recvBufferSize: number;
  batchBytes: number;
  maxBatches: number;
  /** Use the native receiver when it is built (default true). */
  native?: boolean;
}

export type ToReceiver = BindRequest | { kind: 'free'; buf: ArrayBuffer } | { kind: 'close' };

export type FromReceiver =
  | { kind: 'bound'; address: string; port: number; family: string; receiveBuffer: number | undefined; receiver: 'native' | 'dgram' }
  | { kind: 'bindError'; message: string }
  | { kind: 'batch'; buf: ArrayBuffer; used: number; count: number; exporters: string[]; dropped: number; pool: number }
  | { kind: 'dropped'; dropped: number }
  /** The pool was cut back to `pool` (at most KEEP_BATCHES) buffers after a burst: `released` freed. */
  | { kind: 'idle'; released: number; pool: number }
  | { kind: 'socketError'; message: string }
  | { kind: 'closed'; dropped: number };

/** Bytes before each datagram in a batch. */
export const RECORD_HEADER = 8;

/** Walks a batch: calls fn(datagram, exporter) for each datagram in order. The views are only valid during the call. */
export function forEachDatagram(buf: ArrayBuffer, used: number, exporters: readonly string[], fn: (msg: Buffer, exporter: string) => void): void {
  const b = Buffer.from(buf, 0, used);
  let off = 0;
  while (off + RECORD_HEADER <= used) {
    const len = b.readUInt32LE(off);
    const exporter = exporters[b.readUInt16LE(off + 4)] ?? '';
    const start = off + RECORD_HEADER;
    fn(b.subarray(start, start + len), exporter);
    off = start + ((len + 3) & ~3);
  }
}

class Batch {
  used = 0;
  count = 0;
  readonly exporters: string[] = [];
  private readonly exporterIndex = new Map<string, number>();
  readonly bytes: Buffer;

  constructor(readonly buf: ArrayBuffer) {
    this.bytes = Buffer.from(buf);
  }

  /** Appends a datagram; false when it does not fit (or the batch already names 65,536 exporters). */
  add(msg: Buffer, exporter: string): boolean {
    const need = RECORD_HEADER + ((msg.length + 3) & ~3);
    if (this.used + need > this.bytes.length) return false;
    let ex = this.exporterIndex.get(exporter);
    if (ex === undefined) {
      if (this.exporters.length > 0xffff) return false;
      ex = this.exporters.length;
      this.exporters.push(exporter);
      this.exporterIndex.set(exporter, ex);
    }
    const off = this.used;
    this.bytes.writeUInt32LE(msg.length, off);
    this.bytes.writeUInt16LE(ex, off + 4);
    this.bytes.writeUInt16LE(0, off + 6);
    msg.copy(this.bytes, off + RECORD_HEADER);
    this.used = off + need;
    this.count++;
    return true;
  }
}

/** Frees the memory behind `bufs` now: transferred into a channel whose both ends are closed, they are released with its queue. */
function release(bufs: ArrayBuffer[]): void {
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(null, bufs);
  port1.close();
  port2.close();
}

/** The receive thread's batch buffers (module rules): at most `max` of `bytes` each, cut back to what was needed once a burst is over. */
class BatchPool {
  allocated = 0;
  private readonly free: ArrayBuffer[] = [];
  /** Most buffers in use at once (filling or with the main thread) since the last trim. */
  private highWater = 0;

  constructor(
    private readonly bytes: number,
    private readonly max: number,
  ) {}

  /** More buffers exist than KEEP_BATCHES: a trim is due. */
  get aboveKeep(): boolean {
    return this.allocated > KEEP_BATCHES;
  }

  /** A buffer to fill, or undefined when all `max` are in use. */
  take(): ArrayBuffer | undefined {
    let buf = this.free.pop();
    if (buf === undefined) {
      if (this.allocated >= this.max) return undefined;
      this.allocated++;
      buf = new ArrayBuffer(this.bytes);
    }
    this.highWater = Math.max(this.highWater, this.allocated - this.free.length);
    return buf;
  }

  /** A buffer the main thread handed back. */
  give(buf: ArrayBuffer): void {
    this.free.push(buf);
  }

  /** Frees the free buffers beyond what the last period needed; says 'idle' once the pool is down to KEEP_BATCHES. */
  trim(port: MessagePort): void {
    const target = Math.max(KEEP_BATCHES, this.highWater);
    const excess = this.free.splice(0, Math.max(0, Math.min(this.free.length, this.allocated - target)));
    if (excess.length > 0) {
      this.allocated -= excess.length;
      release(excess);
      if (this.allocated <= KEEP_BATCHES) port.postMessage({ kind: 'idle', released: excess.length, pool: this.allocated } satisfies FromReceiver);
    }
    this.highWater = this.allocated - this.free.length;
  }
}

function normalise(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function run(port: NonNullable<typeof parentPort>): void {
  let socket: dgram.Socket | undefined;
  let pool = new BatchPool(0, 0);
  let current: Batch | undefined;
  /** Batches the main thread holds. */
  let inFlight = 0;
  let dropped = 0;
  let flushScheduled = false;
  let trimTimer: NodeJS.Timeout | undefined;

  /** Trims the pool; runs again while it is above KEEP_BATCHES. */
  const trim = (): void => {
    trimTimer = undefined;
    pool.trim(port);
    if (pool.aboveKeep && socket !== undefined) armTrim();
  };
  const armTrim = (): void => {
    trimTimer ??= setTimeout(trim, TRIM_EVERY_MS);
    trimTimer.unref();
  };

  const post = (b: Batch): void => {
    const msg: FromReceiver = { kind: 'batch', buf: b.buf, used: b.used, count: b.count, exporters: b.exporters, dropped, pool: pool.allocated };
    dropped = 0;
    inFlight++;
    port.postMessage(msg, [b.buf]);
  };

  const take = (): Batch | undefined => {
    const buf = pool.take();
    if (buf === undefined) return undefined;
    if (pool.aboveKeep) armTrim();
    return new Batch(buf);
  };

  /** End of a loop turn: send what is gathered if the main thread has nothing to do (or at least the drop count). */
  const flushIfIdle = (): void => {
    flushScheduled = false;
    if (inFlight > 0) return;
    if (current !== undefined && current.count > 0) {
      post(current);
      current = undefined;
    } else if (dropped > 0) {
      port.postMessage({ kind: 'dropped', dropped } satisfies FromReceiver);
      dropped = 0;
    }
  };

  const onMessage = (msg: Buffer, rinfo: dgram.RemoteInfo): void => {
    const exporter = normalise(rinfo.address);
    if (current === undefined || !current.add(msg, exporter)) {
      if (current !== undefined && current.count > 0) post(current);
      current = take();
      if (current === undefined || !current.add(msg, exporter)) {
        dropped++;
        return;
      }
    }
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushIfIdle);
    }
  };

  /** The native loop's message handler, once it runs. */
  let native: ((m: ToReceiver) => void) | undefined;

  port.on('message', (m: ToReceiver) => {
    if (native !== undefined) {
      native(m);
      return;
    }
    if (m.kind === 'free') {
      inFlight--;
      pool.give(m.buf);
      flushIfIdle();
    } else if (m.kind === 'bind') {
      // the native receiver binds numeric addresses without a zone only; a host name or a
      // scoped address goes through dgram
      const rx = m.native === false || isIP(m.host) === 0 || m.host.includes('%') ? undefined : loadNativeRx();
      if (rx !== undefined) {
        native = runNative(port, rx, m);
        return;
      }
      pool = new BatchPool(m.batchBytes, m.maxBatches);
      const s = dgram.createSocket({ type: m.host.includes(':') ? 'udp6' : 'udp4', ipv6Only: false, recvBufferSize: m.recvBufferSize });
      s.once('error', (err) => {
        try {
          s.close();
        } catch {
          /* already closed */
        }
        port.postMessage({ kind: 'bindError', message: err.message } satisfies FromReceiver);
      });
      s.bind(m.port, m.host, () => {
        s.removeAllListeners('error');
        s.on('error', (err) => port.postMessage({ kind: 'socketError', message: err.message } satisfies FromReceiver));
        try {
          s.setRecvBufferSize(m.recvBufferSize);
        } catch {
          /* recvBufferSize above already asked; the kernel caps at net.core.rmem_max */
        }
        let receiveBuffer: number | undefined;
        try {
          receiveBuffer = s.getRecvBufferSize();
        } catch {
          receiveBuffer = undefined;
        }
        socket = s;
        s.on('message', onMessage);
        const a = s.address();
        port.postMessage({ kind: 'bound', address: a.address, port: a.port, family: a.family, receiveBuffer, receiver: 'dgram' } satisfies FromReceiver);
      });
    } else if (m.kind === 'close') {
      if (trimTimer !== undefined) clearTimeout(trimTimer);
      trimTimer = undefined;
      const finish = (): void => {
        if (current !== undefined && current.count > 0) post(current);
        current = undefined;
        port.postMessage({ kind: 'closed', dropped } satisfies FromReceiver);
        dropped = 0;
        port.close();
      };
      const s = socket;
      socket = undefined;
      if (s) s.close(finish);
      else finish();
    }
  });
}

/**
 * The native receiver's loop: binds (or posts 'bindError' and returns undefined), then reads,
 * batches and answers the main thread in slices until it says close, then posts 'closed'.
 * Returns the handler for the messages the port's listener gets between slices. Same pool,
 * trimming, batching and drop rules as the dgram path in run().
 */
function runNative(port: MessagePort, rx: NativeRx, m: BindRequest): ((msg: ToReceiver) => void) | undefined {
  let sock: NativeSocket;
  try {
    sock = rx.open(m.host, m.port, m.recvBufferSize);
  } catch (err) {
    port.postMessage({ kind: 'bindError', message: err instanceof Error ? err.message : String(err) } satisfies FromReceiver);
    return undefined;
  }
  const h = sock.handle;
  port.postMessage({
    kind: 'bound',
    address: sock.address,
    port: sock.port,
    family: sock.family,
    receiveBuffer: sock.receiveBuffer,
    receiver: 'native',
  } satisfies FromReceiver);

  const pool = new BatchPool(m.batchBytes, m.maxBatches);
  let inFlight = 0;
  let dropped = 0;
  let trimAt = Number.POSITIVE_INFINITY;
  let cur: { buf: ArrayBuffer; used: number; count: number } | undefined;
  let lastError = '';
  const out = new Int32Array(4);

  const take = (): typeof cur => {
    const buf = pool.take();
    if (buf === undefined) return undefined;
    if (pool.aboveKeep && trimAt === Number.POSITIVE_INFINITY) trimAt = performance.now() + TRIM_EVERY_MS;
    return { buf, used: 0, count: 0 };
  };
  const post = (b: NonNullable<typeof cur>): void => {
    const msg: FromReceiver = { kind: 'batch', buf: b.buf, used: b.used, count: b.count, exporters: rx.exporters(h), dropped, pool: pool.allocated };
    dropped = 0;
    inFlight++;
    port.postMessage(msg, [b.buf]);
  };
  const trim = (): void => {
    pool.trim(port);
    trimAt = pool.aboveKeep ? performance.now() + TRIM_EVERY_MS : Number.POSITIVE_INFINITY;
  };

  let closing = false;
  let finished = false;
  /** A message from the main thread, taken in the loop or, between slices, by the port's listener. */
  const onMessage = (msg: ToReceiver): void => {
    if (msg.kind === 'free') {
      inFlight--;
      pool.give(msg.buf);
    } else if (msg.kind === 'close') closing = true;
  };

  /** Reads for at most SLICE_MS, then lets this thread's event loop turn (port closes, GC tasks, messages). */
  const slice = (): void => {
    const end = performance.now() + NATIVE_SLICE_MS;
    for (;;) {
      for (let r = receiveMessageOnPort(port); r !== undefined; r = receiveMessageOnPort(port)) onMessage(r.message as ToReceiver);
      if (closing) return finish();
      cur ??= take();
      rx.recv(h, cur === undefined ? null : cur.buf, cur === undefined ? 0 : cur.used, out);
      dropped += out[2] as number;
      if (cur !== undefined) {
        cur.used = out[0] as number;
        cur.count += out[1] as number;
      }
      const status = out[3] as number;
      if (status === 1 && cur !== undefined) {
        post(cur); // full: hand it over and keep reading into the next one
        cur = undefined;
        if (performance.now() < end) continue;
      }
      if (status < 0) {
        const message = `recvmmsg failed (errno ${-status})`;
        if (message !== lastError) port.postMessage({ kind: 'socketError', message } satisfies FromReceiver);
        lastError = message;
      }
      // the socket is empty: send what is gathered if the main thread has nothing to do
      if (inFlight === 0) {
        if (cur !== undefined && cur.count > 0) {
          post(cur);
          cur = undefined;
        } else if (dropped > 0) {
          port.postMessage({ kind: 'dropped', dropped } satisfies FromReceiver);
          dropped = 0;
        }
      }
      if (performance.now() >= trimAt) trim();
      if (performance.now() >= end) {
        setImmediate(slice);
        return;
      }
      // a batch waiting for the main thread: sleep, so the next read takes what gathered in one
      // go; otherwise wake as soon as a datagram arrives
      if (inFlight > 0) rx.wait(h, BUSY_WAIT_MS, true);
      else rx.wait(h, IDLE_WAIT_MS, false);
    }
  };

  const finish = (): void => {
    if (finished) return;
    finished = true;
    // what the socket already holds goes out with the last batches, then it closes
    for (;;) {
      cur ??= take();
      if (cur === undefined) break;
      rx.recv(h, cur.buf, cur.used, out);
      dropped += out[2] as number;
      cur.used = out[0] as number;
      cur.count += out[1] as number;
      if (out[3] !== 1) break;
      post(cur);
      cur = undefined;
    }
    if (cur !== undefined && cur.count > 0) post(cur);
    else if (cur === undefined) {
      // every buffer is with the main thread: what was read already is dropped, and counted
      rx.recv(h, null, 0, out);
      dropped += out[2] as number;
    }
    rx.close(h);
    port.postMessage({ kind: 'closed', dropped } satisfies FromReceiver);
    port.close();
  };

  slice();
  return onMessage;
}

if (parentPort) run(parentPort);
