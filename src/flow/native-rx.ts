/**
 * Loads homesec's native UDP receiver (native/udp-rx, built by `npm install` on Linux with
 * node-gyp) and states its contract. Rules: loading never throws — without the compiled
 * addon (not Linux, no compiler, HOMESEC_NATIVE_RX=0 at install) it answers undefined and
 * the receive thread uses Node's dgram. The addon reads many datagrams per system call
 * (recvmmsg) into the receive thread's batch buffers, in the same layout receive-worker.ts
 * writes, so no JavaScript runs per datagram; it never parses flow data.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** What udp_rx.node exports (see native/udp-rx/udp_rx.c for the C side of each contract). */
export interface NativeRx {
  /**
   * Binds a UDP socket to a numeric IPv4/IPv6 address (IPv6 dual-stack; names are not looked
   * up: EINVAL). Throws an Error with `code` (EADDRINUSE, …) and the address in its message.
   */
  open(host: string, port: number, receiveBufferBytes: number): NativeSocket;
  /**
   * Blocks up to timeoutMs until a datagram can be read; true when one can. With `sleep` it
   * sleeps the whole timeout first, so datagrams gather and the next recv() reads many per call.
   */
  wait(handle: unknown, timeoutMs: number, sleep?: boolean): boolean;
  /**
   * Copies waiting datagrams into `batch` from offset `used` (used 0 starts a new batch and
   * its exporter table) until the socket is empty or the batch is full; with a null batch
   * reads and drops them. Writes out = [used after, added, dropped, status]: status 0 socket
   * empty, 1 batch full (the next datagram waits for the next batch), negative -errno.
   */
  recv(handle: unknown, batch: ArrayBuffer | null, used: number, out: Int32Array): void;
  /** The current batch's exporter addresses (IPv4-mapped written as IPv4), by index. */
  exporters(handle: unknown): string[];
  /** Closes the socket (idempotent). */
  close(handle: unknown): void;
}

export interface NativeSocket {
  handle: unknown;
  address: string;
  port: number;
  family: string;
  receiveBuffer: number;
}

export const NATIVE_RX_FILE = path.join('native', 'udp-rx', 'build', 'Release', 'udp_rx.node');

let cached: NativeRx | null | undefined;

/** The compiled addon found from this module upwards (src/flow or dist/src/flow), or undefined. */
export function loadNativeRx(): NativeRx | undefined {
  if (cached !== undefined) return cached ?? undefined;
  cached = null;
  if (process.platform !== 'linux') return undefined;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 5; up++, dir = path.dirname(dir)) {
    const file = path.join(dir, NATIVE_RX_FILE);
    if (!fs.existsSync(file)) continue;
    try {
      cached = createRequire(import.meta.url)(file) as NativeRx;
    } catch {
      cached = null;
    }
    break;
  }
  return cached ?? undefined;
}
