/**
 * Shared byte-writing helpers for the flow encoders.
 *
 * Rules: encoders build datagrams for tests, benchmarks and demo mode, so these helpers favour
 * speed (direct Buffer writes, no intermediate objects) and fail loudly on input that cannot be
 * represented: malformed address text is a programming error and throws RangeError. Counter
 * values wider than their field are clamped to the field maximum, never wrapped.
 */
import { parseIpv4, writeIpv6 } from '../ip-text.js';

const TWO_32 = 0x1_0000_0000;

/** Writes dotted-quad `text` as 4 bytes at `off`; throws RangeError when malformed. */
export function writeIpv4Text(buf: Buffer, off: number, text: string): void {
  const v = parseIpv4(text);
  if (v === null) throw new RangeError(`not an IPv4 address: ${JSON.stringify(text)}`);
  buf.writeUInt32BE(v, off);
}

/** Writes IPv6 `text` as 16 bytes at `off`; throws RangeError when malformed. */
export function writeIpv6Text(buf: Buffer, off: number, text: string): void {
  if (!writeIpv6(text, buf, off)) throw new RangeError(`not an IPv6 address: ${JSON.stringify(text)}`);
}

/** Clamps a non-negative counter into 0..0xFFFFFFFF (fractions floored). */
/**
 * Writes a record's source and destination address (4 octets each for IPv4, 16 for IPv6, as
 * the v9/IPFIX templates lay them out) at `off`; returns the offset after them.
 */
export function writeAddressPair(buf: Buffer, off: number, ipVersion: 4 | 6, src: string, dst: string): number {
  if (ipVersion === 4) {
    writeIpv4Text(buf, off, src);
    writeIpv4Text(buf, off + 4, dst);
    return off + 8;
  }
  writeIpv6Text(buf, off, src);
  writeIpv6Text(buf, off + 16, dst);
  return off + 32;
}

export function clampU32(v: number): number {
  if (!(v > 0)) return 0;
  return v >= 0xffffffff ? 0xffffffff : Math.floor(v);
}

/** Clamps into 0..0xFFFF. */
export function clampU16(v: number): number {
  if (!(v > 0)) return 0;
  return v >= 0xffff ? 0xffff : Math.floor(v);
}

/** Writes a non-negative integer up to 2^53 - 1 as an unsigned 64-bit big-endian value. */
export function writeU64(buf: Buffer, off: number, v: number): void {
  const x = v > 0 ? Math.floor(v) : 0;
  const hi = Math.floor(x / TWO_32);
  buf.writeUInt32BE(hi, off);
  buf.writeUInt32BE(x - hi * TWO_32, off + 4);
}

/** Rounds up to a multiple of 4 (XDR / NetFlow v9 FlowSet alignment). */
export function align4(n: number): number {
  return (n + 3) & ~3;
}

/** A zero-filled buffer from the shared pool (never leaks stale pool bytes onto the wire). */
export function zeroedBuffer(size: number): Buffer {
  return Buffer.allocUnsafe(size).fill(0);
}
