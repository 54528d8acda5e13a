/**
 * Device names over multicast DNS, the cheap way: one unicast query to the device itself
 * (RFC 6762 §5.5 "legacy unicast": a query from a port other than 5353 is answered straight
 * back to the sender), asking for the PTR of its reverse name (`d.c.b.a.in-addr.arpa`);
 * Apple devices, Linux (Avahi), ESPHome and many printers answer with `<name>.local`.
 * Rules: the packet builder and parser are pure and never throw; the parser follows the
 * DNS wire format (RFC 1035 §4.1) with name compression, bounded (at most MAX_JUMPS pointer
 * jumps, 255-byte names, answers checked against the buffer end), accepts only a response
 * (QR set) with our query id, and returns the first PTR answer as a cleaned hostname
 * (names.ts: the answer is hostile). The lookup sends one datagram, waits for the first valid
 * answer until a deadline of the injected clock, and always closes its socket.
 */
import dgram from 'node:dgram';
import ipaddr from 'ipaddr.js';
import type { Clock } from '../core/clock.js';
import { cleanHostname } from './names.js';

export const MDNS_PORT = 5353;
const MAX_JUMPS = 16;
const TYPE_PTR = 12;

/** The reverse name of an IPv4 address, e.g. 5.1.168.192.in-addr.arpa. */
export function reverseName(ip: string): string {
  return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
}

/** A DNS query for the PTR of `ip`'s reverse name, with the unicast-response bit set. */
export function buildPtrQuery(ip: string, id: number): Uint8Array {
  const labels = reverseName(ip).split('.');
  const qname = labels.flatMap((l) => [l.length, ...Buffer.from(l, 'ascii')]);
  const out = Buffer.alloc(12 + qname.length + 1 + 4);
  out.writeUInt16BE(id & 0xffff, 0);
  out.writeUInt16BE(1, 4); // QDCOUNT
  Buffer.from(qname).copy(out, 12);
  let p = 12 + qname.length;
  out[p++] = 0;
  out.writeUInt16BE(TYPE_PTR, p);
  out.writeUInt16BE(0x8001, p + 2); // class IN, QU bit
  return out;
}

/** Reads a (possibly compressed) name at `pos`; returns it and the position after it in the record. */
function readName(b: Uint8Array, pos: number): { name: string; next: number } | undefined {
  const labels: string[] = [];
  let p = pos;
  let next = -1;
  let jumps = 0;
  let length = 0;
  for (;;) {
    const len = b[p];
    if (len === undefined) return undefined;
    if ((len & 0xc0) === 0xc0) {
      const lo = b[p + 1];
      if (lo === undefined || ++jumps > MAX_JUMPS) return undefined;
      if (next < 0) next = p + 2;
      p = ((len & 0x3f) << 8) | lo;
      continue;
    }
    if ((len & 0xc0) !== 0) return undefined;
    if (len === 0) {
      if (next < 0) next = p + 1;
      return { name: labels.join('.'), next };
    }
    if (p + 1 + len > b.length) return undefined;
    length += len + 1;
    if (length > 255) return undefined;
    labels.push(Buffer.from(b.subarray(p + 1, p + 1 + len)).toString('latin1'));
    p += 1 + len;
  }
}

/** The first PTR answer in a response to query `id`, cleaned; undefined for anything else. */
export function parsePtrAnswer(b: Uint8Array, id: number): string | undefined {
  if (b.length < 12) return undefined;
  const view = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (view.readUInt16BE(0) !== (id & 0xffff) || (view[2]! & 0x80) === 0) return undefined;
  const qd = view.readUInt16BE(4);
  const an = view.readUInt16BE(6);
  let p = 12;
  for (let i = 0; i < qd; i++) {
    const q = readName(b, p);
    if (!q || q.next + 4 > b.length) return undefined;
    p = q.next + 4;
  }
  for (let i = 0; i < an && i < 32; i++) {
    const rr = readName(b, p);
    if (!rr || rr.next + 10 > b.length) return undefined;
    const type = view.readUInt16BE(rr.next);
    const rdlen = view.readUInt16BE(rr.next + 8);
    const rdata = rr.next + 10;
    if (rdata + rdlen > b.length) return undefined;
    if (type === TYPE_PTR) {
      const target = readName(b, rdata);
      return target ? cleanHostname(target.name) : undefined;
    }
    p = rdata + rdlen;
  }
  return undefined;
}

/** Asks `ip` itself for its mDNS name (see module rules); resolves undefined on silence or error. */
export function mdnsName(ip: string, opts: { clock: Clock; timeoutMs?: number; port?: number }): Promise<string | undefined> {
  if (!ipaddr.IPv4.isValidFourPartDecimal(ip)) return Promise.resolve(undefined);
  const id = Math.floor(Math.random() * 0x10000);
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    let done = false;
    const finish = (name: string | undefined) => {
      if (done) return;
      done = true;
      opts.clock.clearTimeout(timer);
      try {
        socket.close();
      } catch {
        /* already closed */
      }
      resolve(name);
    };
    const timer = opts.clock.setTimeout(() => finish(undefined), opts.timeoutMs ?? 1500);
    socket.on('error', () => finish(undefined));
    socket.on('message', (msg, rinfo) => {
      if (rinfo.address !== ip) return;
      const name = parsePtrAnswer(msg, id);
      if (name) finish(name);
    });
    socket.send(buildPtrQuery(ip, id), opts.port ?? MDNS_PORT, ip, (err) => {
      if (err) finish(undefined);
    });
  });
}
