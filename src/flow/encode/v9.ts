/**
 * NetFlow v9 encoder (RFC 3954) producing softflowd-like export packets.
 *
 * Rules (RFC 3954 section numbers in brackets):
 * - Packet header [5.1]: version 9, count = number of records in the packet (template records
 *   plus data records), sysUptime, UNIX seconds, package sequence (incremented by one per export
 *   packet), source id.
 * - Template FlowSet [5.2]: FlowSet id 0, one template record per address family: IPv4 template
 *   (default id 1024) and IPv6 template (default id 2048). Field types [8]: IPV4_SRC_ADDR 8 /
 *   IPV4_DST_ADDR 12 (4 bytes) or IPV6_SRC_ADDR 27 / IPV6_DST_ADDR 28 (16 bytes), L4_SRC_PORT 7
 *   (2), L4_DST_PORT 11 (2), PROTOCOL 4 (1), TCP_FLAGS 6 (1), IN_BYTES 1 (4), IN_PKTS 2 (4),
 *   LAST_SWITCHED 21 (4), FIRST_SWITCHED 22 (4), INPUT_SNMP 10 (4), OUTPUT_SNMP 14 (4).
 * - Data FlowSet [5.3]: FlowSet id = template id, records back to back, padded with zero bytes
 *   to a 4-byte boundary (the padding is always shorter than one record). Consecutive records
 *   of one family share a FlowSet; record order is preserved.
 * - FIRST/LAST_SWITCHED are sysUptime ms of the first/last packet [8]; they are written so that
 *   unix_secs*1000 - (sysUptime - value) equals startMs/endMs exactly (32-bit wrap included).
 * - Packets never exceed maxDatagramSize (default 1400) unless a single record cannot fit;
 *   with includeTemplate every packet carries both templates so each decodes on its own.
 * Counters wider than 4 bytes clamp at 2^32 - 1 (softflowd also uses 4-byte counters).
 */
import type { FlowRecord } from '../types.js';
import { align4, clampU16, clampU32, writeAddressPair, zeroedBuffer } from './wire.js';

/** Options for encodeV9. */
export interface V9EncodeOptions {
  /** Exporter uptime at export time in ms (wrapped modulo 2^32). */
  sysUptimeMs: number;
  /** Export wall-clock time, Unix ms (header carries whole seconds). */
  unixMs: number;
  /** Package sequence of the first packet; +1 per packet. */
  sequence: number;
  /** Source ID (observation domain). */
  sourceId: number;
  /** Put the template FlowSet (both templates) at the start of every packet. */
  includeTemplate: boolean;
  /** IPv4 template id (default 1024, must be >= 256); the IPv6 template is this + 1024. */
  templateId?: number;
  /** Maximum packet size in bytes (default 1400). */
  maxDatagramSize?: number;
}

/** Field layout shared by the v9 and IPFIX encoders' templates: [type, length] pairs. */
const V9_FIELDS_V4: readonly (readonly [number, number])[] = [
  [8, 4], [12, 4], [7, 2], [11, 2], [4, 1], [6, 1], [1, 4], [2, 4], [21, 4], [22, 4], [10, 4], [14, 4],
];
const V9_FIELDS_V6: readonly (readonly [number, number])[] = [
  [27, 16], [28, 16], [7, 2], [11, 2], [4, 1], [6, 1], [1, 4], [2, 4], [21, 4], [22, 4], [10, 4], [14, 4],
];
/** Record lengths implied by the templates above. */
export const V9_RECORD_LEN_V4 = 38;
export const V9_RECORD_LEN_V6 = 62;
const HEADER_LEN = 20;
/** FlowSet header + two template records (4-byte header + 12 fields x 4 bytes each). */
const TEMPLATE_FLOWSET_LEN = 4 + (4 + V9_FIELDS_V4.length * 4) + (4 + V9_FIELDS_V6.length * 4);

/**
 * Encodes records as NetFlow v9 export packets.
 *
 * Contract: returns one or more packets covering every record in order; with no records,
 * returns a single template-only packet when includeTemplate is set, else []. Throws RangeError
 * on malformed address text or a template id outside 256..64511.
 */
export function encodeV9(records: readonly FlowRecord[], opts: V9EncodeOptions): Buffer[] {
  const tidV4 = opts.templateId ?? 1024;
  const tidV6 = tidV4 + 1024;
  if (!(tidV4 >= 256 && tidV6 <= 0xffff)) throw new RangeError(`bad v9 template id ${tidV4}`);
  const maxSize = Math.min(opts.maxDatagramSize ?? 1400, 0xffff);
  const base = HEADER_LEN + (opts.includeTemplate ? TEMPLATE_FLOWSET_LEN : 0);
  const sysUptime = opts.sysUptimeMs >>> 0;
  const unixSecs = Math.floor(opts.unixMs / 1000);
  const baseMs = unixSecs * 1000;
  const out: Buffer[] = [];
  const n = records.length;
  if (n === 0) {
    if (opts.includeTemplate) out.push(writePacket(records, 0, 0, base, opts, tidV4, tidV6, sysUptime, unixSecs, baseMs, 0));
    return out;
  }
  let i = 0;
  while (i < n) {
    // Plan: take records while the packet (with every open FlowSet padded) fits.
    let committed = base;
    let openVersion = 0;
    let openLen = 0;
    let j = i;
    while (j < n) {
      const v = records[j]!.ipVersion;
      const rl = v === 4 ? V9_RECORD_LEN_V4 : V9_RECORD_LEN_V6;
      const candidate =
        v === openVersion ? committed + align4(openLen + rl) : committed + align4(openLen) + align4(4 + rl);
      if (candidate > maxSize && j > i) break;
      if (v === openVersion) {
        openLen += rl;
      } else {
        committed += align4(openLen);
        openVersion = v;
        openLen = 4 + rl;
      }
      j++;
    }
    const size = committed + align4(openLen);
    out.push(writePacket(records, i, j, size, opts, tidV4, tidV6, sysUptime, unixSecs, baseMs, out.length));
    i = j;
  }
  return out;
}

function writePacket(
  records: readonly FlowRecord[],
  from: number,
  to: number,
  size: number,
  opts: V9EncodeOptions,
  tidV4: number,
  tidV6: number,
  sysUptime: number,
  unixSecs: number,
  baseMs: number,
  packetIndex: number,
): Buffer {
  const buf = zeroedBuffer(size);
  // Header [5.1].
  buf.writeUInt16BE(9, 0);
  buf.writeUInt16BE((opts.includeTemplate ? 2 : 0) + (to - from), 2);
  buf.writeUInt32BE(sysUptime, 4);
  buf.writeUInt32BE(unixSecs >>> 0, 8);
  buf.writeUInt32BE((opts.sequence + packetIndex) >>> 0, 12);
  buf.writeUInt32BE(opts.sourceId >>> 0, 16);
  let off = HEADER_LEN;
  if (opts.includeTemplate) {
    // Template FlowSet [5.2].
    buf.writeUInt16BE(0, off);
    buf.writeUInt16BE(TEMPLATE_FLOWSET_LEN, off + 2);
    off += 4;
    off = writeTemplate(buf, off, tidV4, V9_FIELDS_V4);
    off = writeTemplate(buf, off, tidV6, V9_FIELDS_V6);
  }
  // Data FlowSets [5.3], one per run of same-family records.
  let setStart = -1;
  let setVersion = 0;
  for (let k = from; k < to; k++) {
    const r = records[k]!;
    if (r.ipVersion !== setVersion) {
      if (setStart >= 0) off = closeSet(buf, setStart, off);
      setStart = off;
      setVersion = r.ipVersion;
      buf.writeUInt16BE(setVersion === 4 ? tidV4 : tidV6, off);
      off += 4;
    }
    off = writeAddressPair(buf, off, r.ipVersion, r.srcAddr, r.dstAddr);
    buf.writeUInt16BE(clampU16(r.srcPort), off);
    buf.writeUInt16BE(clampU16(r.dstPort), off + 2);
    buf[off + 4] = r.protocol & 0xff;
    buf[off + 5] = r.tcpFlags & 0xff;
    buf.writeUInt32BE(clampU32(r.bytes), off + 6);
    buf.writeUInt32BE(clampU32(r.packets), off + 10);
    buf.writeUInt32BE((sysUptime - (baseMs - r.endMs)) >>> 0, off + 14); // LAST_SWITCHED
    buf.writeUInt32BE((sysUptime - (baseMs - r.startMs)) >>> 0, off + 18); // FIRST_SWITCHED
    buf.writeUInt32BE(clampU32(r.inputIf), off + 22);
    buf.writeUInt32BE(clampU32(r.outputIf), off + 26);
    off += 30;
  }
  if (setStart >= 0) off = closeSet(buf, setStart, off);
  if (off !== size) throw new Error(`v9 encoder size mismatch: wrote ${off}, planned ${size}`);
  return buf;
}

/** Writes one template record (template id, field count, type/length pairs). */
function writeTemplate(buf: Buffer, off: number, id: number, fields: readonly (readonly [number, number])[]): number {
  buf.writeUInt16BE(id, off);
  buf.writeUInt16BE(fields.length, off + 2);
  off += 4;
  for (const [type, len] of fields) {
    buf.writeUInt16BE(type, off);
    buf.writeUInt16BE(len, off + 2);
    off += 4;
  }
  return off;
}

/** Pads the FlowSet that started at `start` to 4 bytes (zeros already there) and sets its length. */
function closeSet(buf: Buffer, start: number, off: number): number {
  const end = start + align4(off - start);
  buf.writeUInt16BE(end - start, start + 2);
  return end;
}
