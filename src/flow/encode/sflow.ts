/**
 * sFlow version 5 encoder (sflow.org "sFlow Version 5", XDR) for tests, benchmarks and demo.
 *
 * Rules: every record becomes one flow_sample (format 1, or expanded_flow_sample format 3 with
 * `expanded`) holding, when `vlanId` is set, an extended_switch record (format 1001) and always a
 * raw packet header record (format 1, header_protocol 1 Ethernet): Ethernet II (+ one 802.1Q
 * tag with `vlanId`), IPv4 (valid header checksum) or IPv6, then a TCP (20 bytes, flags byte =
 * tcpFlags), UDP (8), SCTP common header (12) or ICMP/ICMPv6 (8, type/code from dstPort >> 8 /
 * & 255) header; other protocols carry the IP header only. sampling_rate = the record's
 * samplingRate (min 1) and frame_length = floor(bytes / sampling_rate), so a decoder computing
 * bytes = frame_length * rate and packets = rate reproduces records whose bytes are a multiple
 * of the rate and whose packets equal it. stripped = 4 (FCS). XDR opaque data is zero-padded
 * to 4 bytes. Datagrams stay within maxDatagramSize (default 1400) unless one sample cannot fit;
 * the datagram sequence number is +1 per datagram, sample sequence numbers +1 per sample.
 */
import type { FlowRecord } from '../types.js';
import { parseIpv4, parseIpv6 } from '../ip-text.js';
import { align4, clampU32, writeIpv4Text, writeIpv6Text, zeroedBuffer } from './wire.js';

/** Options for encodeSflow. */
export interface SflowEncodeOptions {
  /** Agent address (IPv4 or IPv6 text) written into the datagram header. */
  agentAddress: string;
  /** Sub-agent id (default 0). */
  subAgentId?: number;
  /** Datagram sequence number of the first datagram. */
  sequence: number;
  /** Agent uptime in ms (wrapped modulo 2^32). */
  uptimeMs: number;
  /** Sequence number of the first flow sample (default 0). */
  sampleSequence?: number;
  /** Use expanded_flow_sample (format 3) instead of flow_sample (format 1). */
  expanded?: boolean;
  /** When set, add an 802.1Q tag with this VLAN id and an extended_switch record. */
  vlanId?: number;
  /** Maximum datagram size in bytes (default 1400). */
  maxDatagramSize?: number;
}

const ETH_LEN = 14;
const DST_MAC = [0x02, 0x00, 0x5e, 0x00, 0x00, 0x01];
const SRC_MAC = [0x02, 0x00, 0x5e, 0x00, 0x00, 0x02];

function l4HeaderLen(protocol: number): number {
  if (protocol === 6) return 20;
  if (protocol === 17 || protocol === 1 || protocol === 58) return 8;
  if (protocol === 132) return 12;
  return 0;
}

/** Bytes of sampled header for a record (Ethernet + optional tag + IP + transport). */
function headerLen(r: FlowRecord, vlan: boolean): number {
  return ETH_LEN + (vlan ? 4 : 0) + (r.ipVersion === 4 ? 20 : 40) + l4HeaderLen(r.protocol);
}

/** Full sample size including its 8-byte tag/length. */
function sampleSize(r: FlowRecord, vlan: boolean, expanded: boolean): number {
  return 8 + (expanded ? 44 : 32) + (vlan ? 24 : 0) + 8 + 16 + align4(headerLen(r, vlan));
}

/**
 * Encodes records as sFlow v5 datagrams, one flow sample per record.
 *
 * Contract: returns datagrams covering every record in order ([] for no records). Throws
 * RangeError on malformed address text (records or agent).
 */
export function encodeSflow(records: readonly FlowRecord[], opts: SflowEncodeOptions): Buffer[] {
  const agentV4 = parseIpv4(opts.agentAddress);
  const agentV6 = agentV4 === null ? parseIpv6(opts.agentAddress) : null;
  if (agentV4 === null && agentV6 === null) {
    throw new RangeError(`not an IP address: ${JSON.stringify(opts.agentAddress)}`);
  }
  const headerSize = 24 + (agentV4 !== null ? 4 : 16);
  const vlan = opts.vlanId !== undefined;
  const expanded = opts.expanded === true;
  const maxSize = opts.maxDatagramSize ?? 1400;
  const out: Buffer[] = [];
  let sampleSeq = opts.sampleSequence ?? 0;
  let i = 0;
  const n = records.length;
  while (i < n) {
    let size = headerSize;
    let j = i;
    while (j < n) {
      const s = sampleSize(records[j]!, vlan, expanded);
      if (size + s > maxSize && j > i) break;
      size += s;
      j++;
    }
    const buf = zeroedBuffer(size);
    buf.writeUInt32BE(5, 0);
    let off: number;
    if (agentV4 !== null) {
      buf.writeUInt32BE(1, 4);
      buf.writeUInt32BE(agentV4, 8);
      off = 12;
    } else {
      buf.writeUInt32BE(2, 4);
      agentV6!.copy(buf, 8);
      off = 24;
    }
    buf.writeUInt32BE((opts.subAgentId ?? 0) >>> 0, off);
    buf.writeUInt32BE((opts.sequence + out.length) >>> 0, off + 4);
    buf.writeUInt32BE(opts.uptimeMs >>> 0, off + 8);
    buf.writeUInt32BE(j - i, off + 12);
    off += 16;
    for (let k = i; k < j; k++) {
      off = writeSample(buf, off, records[k]!, sampleSeq >>> 0, vlan ? opts.vlanId! & 0xfff : -1, expanded);
      sampleSeq++;
    }
    if (off !== size) throw new Error(`sFlow encoder size mismatch: wrote ${off}, planned ${size}`);
    out.push(buf);
    i = j;
  }
  return out;
}

function writeSample(buf: Buffer, off: number, r: FlowRecord, seq: number, vlanId: number, expanded: boolean): number {
  const vlan = vlanId >= 0;
  const rate = r.samplingRate >= 1 ? clampU32(r.samplingRate) : 1;
  const frameLength = clampU32(r.bytes / rate);
  const hdrLen = headerLen(r, vlan);
  const start = off;
  buf.writeUInt32BE(expanded ? 3 : 1, off);
  // length patched below
  off += 8;
  const inIf = clampU32(r.inputIf);
  const outIf = clampU32(r.outputIf);
  buf.writeUInt32BE(seq, off);
  if (expanded) {
    buf.writeUInt32BE(0, off + 4); // source_id type: ifIndex
    buf.writeUInt32BE(inIf, off + 8);
    buf.writeUInt32BE(rate, off + 12);
    buf.writeUInt32BE(Math.imul(seq, rate) >>> 0, off + 16); // sample_pool
    buf.writeUInt32BE(0, off + 20); // drops
    buf.writeUInt32BE(0, off + 24); // input format 0
    buf.writeUInt32BE(inIf, off + 28);
    buf.writeUInt32BE(0, off + 32); // output format 0
    buf.writeUInt32BE(outIf, off + 36);
    buf.writeUInt32BE(vlan ? 2 : 1, off + 40);
    off += 44;
  } else {
    buf.writeUInt32BE(inIf & 0xffffff, off + 4); // source_id: type 0 (ifIndex), 24-bit index
    buf.writeUInt32BE(rate, off + 8);
    buf.writeUInt32BE(Math.imul(seq, rate) >>> 0, off + 12);
    buf.writeUInt32BE(0, off + 16);
    // Format 0 in the top 2 bits; 0x3FFFFFFF is reserved for "no interface", so clamp below it.
    buf.writeUInt32BE(Math.min(inIf, 0x3ffffffe), off + 20);
    buf.writeUInt32BE(Math.min(outIf, 0x3ffffffe), off + 24);
    buf.writeUInt32BE(vlan ? 2 : 1, off + 28);
    off += 32;
  }
  if (vlan) {
    // extended_switch (1001): src_vlan, src_priority, dst_vlan, dst_priority.
    buf.writeUInt32BE(1001, off);
    buf.writeUInt32BE(16, off + 4);
    buf.writeUInt32BE(vlanId, off + 8);
    buf.writeUInt32BE(0, off + 12);
    buf.writeUInt32BE(vlanId, off + 16);
    buf.writeUInt32BE(0, off + 20);
    off += 24;
  }
  // sampled_header (1): protocol, frame_length, stripped, header<>.
  buf.writeUInt32BE(1, off);
  buf.writeUInt32BE(16 + align4(hdrLen), off + 4);
  buf.writeUInt32BE(1, off + 8);
  buf.writeUInt32BE(frameLength, off + 12);
  buf.writeUInt32BE(4, off + 16);
  buf.writeUInt32BE(hdrLen, off + 20);
  off += 24;
  writePacketHeader(buf, off, r, vlanId, frameLength);
  off += align4(hdrLen);
  buf.writeUInt32BE(off - start - 8, start + 4);
  return off;
}

/** Writes the Ethernet/IP/transport header bytes of a sampled packet at `off`. */
function writePacketHeader(buf: Buffer, off: number, r: FlowRecord, vlanId: number, frameLength: number): void {
  for (let i = 0; i < 6; i++) {
    buf[off + i] = DST_MAC[i]!;
    buf[off + 6 + i] = SRC_MAC[i]!;
  }
  let p = off + 12;
  if (vlanId >= 0) {
    buf.writeUInt16BE(0x8100, p);
    buf.writeUInt16BE(vlanId, p + 2);
    p += 4;
  }
  const l2 = p + 2 - off;
  const l4Len = l4HeaderLen(r.protocol);
  const ipHdr = r.ipVersion === 4 ? 20 : 40;
  // IP length from the frame (minus L2 header and 4-byte FCS), at least the headers we write.
  const ipTotal = Math.min(0xffff, Math.max(ipHdr + l4Len, frameLength - l2 - 4));
  const ip = p + 2;
  if (r.ipVersion === 4) {
    buf.writeUInt16BE(0x0800, p);
    buf[ip] = 0x45;
    buf.writeUInt16BE(ipTotal, ip + 2);
    buf.writeUInt16BE(0x4000, ip + 6); // DF, fragment offset 0
    buf[ip + 8] = 64;
    buf[ip + 9] = r.protocol & 0xff;
    writeIpv4Text(buf, ip + 12, r.srcAddr);
    writeIpv4Text(buf, ip + 16, r.dstAddr);
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += (buf[ip + i]! << 8) | buf[ip + i + 1]!;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    buf.writeUInt16BE(~sum & 0xffff, ip + 10);
  } else {
    buf.writeUInt16BE(0x86dd, p);
    buf[ip] = 0x60;
    buf.writeUInt16BE(Math.max(0, ipTotal - 40), ip + 4);
    buf[ip + 6] = r.protocol & 0xff;
    buf[ip + 7] = 64;
    writeIpv6Text(buf, ip + 8, r.srcAddr);
    writeIpv6Text(buf, ip + 24, r.dstAddr);
  }
  const l4 = ip + ipHdr;
  const proto = r.protocol;
  if (proto === 6 || proto === 17 || proto === 132) {
    buf.writeUInt16BE(r.srcPort & 0xffff, l4);
    buf.writeUInt16BE(r.dstPort & 0xffff, l4 + 2);
    if (proto === 6) {
      buf[l4 + 12] = 5 << 4; // data offset 5 words
      buf[l4 + 13] = r.tcpFlags & 0xff;
      buf.writeUInt16BE(0xffff, l4 + 14); // window
    } else if (proto === 17) {
      buf.writeUInt16BE(Math.max(8, ipTotal - ipHdr) & 0xffff, l4 + 4);
    }
  } else if (proto === 1 || proto === 58) {
    buf[l4] = (r.dstPort >>> 8) & 0xff;
    buf[l4 + 1] = r.dstPort & 0xff;
  }
}
