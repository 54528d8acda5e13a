/**
 * sFlow version 5 datagram decoder (sflow.org "sFlow Version 5", July 2004, XDR encoded).
 *
 * Rules: never throws, never reads past `buf.length` and never allocates in proportion to a
 * count or length read from the wire: every count is checked against the bytes that remain
 * (each sample and flow record needs at least 8 bytes) before any loop runs, and every length
 * against the end of its enclosing structure. Only enterprise 0 structures are interpreted:
 * flow_sample (format 1) and expanded_flow_sample (format 3); counter samples (2, 4), discard
 * samples and anything unknown are skipped by their length without an error. Inside a flow
 * sample the raw packet header record (format 1) is parsed for header protocol 1 (Ethernet,
 * with up to four 802.1Q/802.1ad tags), 11 (IPv4) and 12 (IPv6); sampled IPv4 (3) and sampled
 * IPv6 (4) records are used when no header record is present. Each usable flow sample becomes
 * one FlowRecord: packets = sampling_rate, bytes = frame_length * sampling_rate, start = end =
 * the receive time passed in (sFlow carries no flow times). ICMP/ICMPv6 type and code go to
 * dstPort as (type << 8) | code, the NetFlow convention.
 */
import type { DecodeErrorReason, DecodeResult, FlowRecord } from '../types.js';
import { ipv4TextCached, ipv6TextCached } from '../ip-text.js';

/** Ethertypes of VLAN tags that may precede the payload ethertype. */
const ETH_VLAN = 0x8100;
const ETH_QINQ = 0x88a8;
const ETH_QINQ_OLD = 0x9100;
const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const MAX_VLAN_TAGS = 4;
const MAX_V6_EXT_HEADERS = 8;

/** Result of parsing one sampled packet; reused across samples (single-threaded, no reentry). */
interface PacketInfo {
  ipVersion: 4 | 6;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  protocol: number;
  tcpFlags: number;
}

const pkt: PacketInfo = { ipVersion: 4, src: '', dst: '', srcPort: 0, dstPort: 0, protocol: 0, tcpFlags: 0 };

/** Outcome of a header parse. */
const PARSE_OK = 0;
/** Not IP (ARP, LLDP, ...): a legitimate sample that yields no flow, no error. */
const PARSE_NOT_IP = 1;
/** Claimed IP but the captured bytes are too short or inconsistent. */
const PARSE_TRUNCATED = 2;

/**
 * Decodes one sFlow v5 datagram.
 *
 * Contract: `version: 'sflow5'` once the first 4 bytes are 5 (otherwise `'unknown'` with
 * `bad_version`, or `truncated_header` for fewer than 4 bytes). `exporter` is used as the
 * record exporter only when the agent address type is 0 (unknown); otherwise the agent address
 * text is. `nowMs` becomes every record's start and end. `sequence` is the datagram sequence
 * number, `domainId` the sub-agent id. A sample count that cannot fit in the remaining bytes
 * (e.g. 0xFFFFFFFF) rejects the datagram with `bad_record_count`; a sample or record length
 * past its enclosing end stops that level with `bad_length`, keeping what was decoded before.
 */
export function decodeSflow(buf: Buffer, exporter: string, nowMs: number): DecodeResult {
  const errors: DecodeErrorReason[] = [];
  const records: FlowRecord[] = [];
  const len = buf.length;
  if (len < 4) {
    errors.push('truncated_header');
    return { version: 'unknown', records, errors, templatesSeen: 0 };
  }
  if (buf.readUInt32BE(0) !== 5) {
    errors.push('bad_version');
    return { version: 'unknown', records, errors, templatesSeen: 0 };
  }
  if (len < 8) {
    errors.push('truncated_header');
    return { version: 'sflow5', records, errors, templatesSeen: 0 };
  }
  const addrType = buf.readUInt32BE(4);
  const addrLen = addrType === 1 ? 4 : addrType === 2 ? 16 : addrType === 0 ? 0 : -1;
  if (addrLen < 0) {
    errors.push('bad_address_type');
    return { version: 'sflow5', records, errors, templatesSeen: 0 };
  }
  let off = 8 + addrLen;
  if (len < off + 16) {
    errors.push('truncated_header');
    return { version: 'sflow5', records, errors, templatesSeen: 0 };
  }
  const agent = addrType === 1 ? ipv4TextCached(buf, 8) : addrType === 2 ? ipv6TextCached(buf, 8) : exporter;
  const domainId = buf.readUInt32BE(off);
  const sequence = buf.readUInt32BE(off + 4);
  // uptime at off + 8 is not needed: sFlow samples carry no flow times.
  const nSamples = buf.readUInt32BE(off + 12);
  off += 16;
  if (nSamples > (len - off) / 8) {
    errors.push('bad_record_count');
    return { version: 'sflow5', records, errors, sequence, domainId, templatesSeen: 0 };
  }
  for (let i = 0; i < nSamples; i++) {
    if (len - off < 8) {
      errors.push('truncated_record');
      break;
    }
    const tag = buf.readUInt32BE(off);
    const sampleLen = buf.readUInt32BE(off + 4);
    const body = off + 8;
    if (sampleLen > len - body) {
      errors.push('bad_length');
      break;
    }
    const end = body + sampleLen;
    if (tag === 1 || tag === 3) {
      // enterprise 0 (top 20 bits) and format 1 / 3.
      decodeFlowSample(buf, body, end, tag === 3, agent, nowMs, records, errors);
    }
    off = end;
  }
  return { version: 'sflow5', records, errors, sequence, domainId, templatesSeen: 0 };
}

/** Decodes one (expanded) flow_sample occupying [p, end) and appends at most one record. */
function decodeFlowSample(
  buf: Buffer,
  p: number,
  end: number,
  expanded: boolean,
  agent: string,
  nowMs: number,
  records: FlowRecord[],
  errors: DecodeErrorReason[],
): void {
  const fixed = expanded ? 44 : 32;
  if (end - p < fixed) {
    errors.push('bad_sample');
    return;
  }
  let rate: number;
  let inputIf: number;
  let outputIf: number;
  let nRecords: number;
  if (expanded) {
    // seq, source_id type, source_id index, rate, pool, drops, in fmt, in val, out fmt, out val, n
    rate = buf.readUInt32BE(p + 12);
    inputIf = buf.readUInt32BE(p + 24) === 0 ? buf.readUInt32BE(p + 28) : 0;
    outputIf = buf.readUInt32BE(p + 32) === 0 ? buf.readUInt32BE(p + 36) : 0;
    nRecords = buf.readUInt32BE(p + 40);
  } else {
    // seq, source_id, rate, pool, drops, input, output, n. Interface: top 2 bits format (0 =
    // single ifIndex; 1 = discarded, 2 = multiple: no single interface), low 30 bits value,
    // where 0x3FFFFFFF means "no interface" (traffic to/from the agent itself).
    rate = buf.readUInt32BE(p + 8);
    inputIf = compactInterface(buf.readUInt32BE(p + 20));
    outputIf = compactInterface(buf.readUInt32BE(p + 24));
    nRecords = buf.readUInt32BE(p + 28);
  }
  if (rate === 0) rate = 1;
  let q = p + fixed;
  if (nRecords > (end - q) / 8) {
    errors.push('bad_record_count');
    return;
  }
  let haveHeader = false;
  let haveIpData = false;
  let frameLength = 0;
  for (let i = 0; i < nRecords; i++) {
    if (end - q < 8) {
      // The count passed the up-front check, but earlier records used up the space.
      errors.push('bad_record_count');
      return;
    }
    const tag = buf.readUInt32BE(q);
    const recLen = buf.readUInt32BE(q + 4);
    const r = q + 8;
    if (recLen > end - r) {
      errors.push('bad_length');
      return;
    }
    q = r + recLen;
    if (haveHeader) continue;
    if (tag === 1) {
      // sampled_header: protocol, frame_length, stripped, header<> (length + bytes).
      if (recLen < 16) {
        errors.push('bad_sample');
        return;
      }
      const proto = buf.readUInt32BE(r);
      const hdrLen = buf.readUInt32BE(r + 12);
      if (hdrLen > recLen - 16) {
        errors.push('bad_length');
        return;
      }
      const h = r + 16;
      const hEnd = h + hdrLen;
      let res: number;
      if (proto === 1) res = parseEthernet(buf, h, hEnd);
      else if (proto === 11) res = parseIpv4(buf, h, hEnd);
      else if (proto === 12) res = parseIpv6(buf, h, hEnd);
      else {
        errors.push('unsupported_sample');
        continue;
      }
      if (res === PARSE_OK) {
        haveHeader = true;
        frameLength = buf.readUInt32BE(r + 4);
      } else if (res === PARSE_TRUNCATED) {
        errors.push('truncated_record');
      }
    } else if (tag === 3 && !haveIpData) {
      // sampled_ipv4: length, protocol, src, dst, src_port, dst_port, tcp_flags, tos.
      if (recLen < 32) {
        errors.push('bad_sample');
        return;
      }
      setFromSampledIp(buf, r, 4, r + 8, r + 12, r + 16);
      frameLength = buf.readUInt32BE(r);
      haveIpData = true;
    } else if (tag === 4 && !haveIpData) {
      // sampled_ipv6: length, protocol, src, dst, src_port, dst_port, tcp_flags, priority.
      if (recLen < 56) {
        errors.push('bad_sample');
        return;
      }
      setFromSampledIp(buf, r, 6, r + 8, r + 24, r + 40);
      frameLength = buf.readUInt32BE(r);
      haveIpData = true;
    }
    // Everything else (extended switch/router/gateway, enterprise != 0, ...) is skipped.
  }
  if (!haveHeader && !haveIpData) return;
  records.push({
    ipVersion: pkt.ipVersion,
    srcAddr: pkt.src,
    dstAddr: pkt.dst,
    srcPort: pkt.srcPort,
    dstPort: pkt.dstPort,
    protocol: pkt.protocol,
    bytes: frameLength * rate,
    packets: rate,
    tcpFlags: pkt.tcpFlags,
    startMs: nowMs,
    endMs: nowMs,
    exporter: agent,
    inputIf,
    outputIf,
    samplingRate: rate,
  });
}

/** ifIndex of a compact `interface` word, 0 when it names no single interface. */
function compactInterface(word: number): number {
  return word >>> 30 === 0 && word !== 0x3fffffff ? word : 0;
}

/** Fills `pkt` from a sampled_ipv4 / sampled_ipv6 record starting at `r`. */
function setFromSampledIp(buf: Buffer, r: number, v: 4 | 6, src: number, dst: number, ports: number): void {
  pkt.ipVersion = v;
  pkt.protocol = buf.readUInt32BE(r + 4) & 0xff;
  pkt.src = v === 4 ? ipv4TextCached(buf, src) : ipv6TextCached(buf, src);
  pkt.dst = v === 4 ? ipv4TextCached(buf, dst) : ipv6TextCached(buf, dst);
  pkt.srcPort = buf.readUInt32BE(ports) & 0xffff;
  pkt.dstPort = buf.readUInt32BE(ports + 4) & 0xffff;
  pkt.tcpFlags = pkt.protocol === 6 ? buf.readUInt32BE(ports + 8) & 0xff : 0;
}

/** Parses an Ethernet II frame header in [h, end), skipping VLAN tags. */
function parseEthernet(buf: Buffer, h: number, end: number): number {
  if (end - h < 14) return PARSE_TRUNCATED;
  let type = (buf[h + 12]! << 8) | buf[h + 13]!;
  let p = h + 14;
  for (let tags = 0; type === ETH_VLAN || type === ETH_QINQ || type === ETH_QINQ_OLD; tags++) {
    if (tags === MAX_VLAN_TAGS || end - p < 4) return PARSE_TRUNCATED;
    type = (buf[p + 2]! << 8) | buf[p + 3]!;
    p += 4;
  }
  if (type === ETH_IPV4) return parseIpv4(buf, p, end);
  if (type === ETH_IPV6) return parseIpv6(buf, p, end);
  return PARSE_NOT_IP;
}

/** Parses an IPv4 header (and the transport header when present) in [p, end). */
function parseIpv4(buf: Buffer, p: number, end: number): number {
  if (end - p < 20) return PARSE_TRUNCATED;
  const vihl = buf[p]!;
  const ihl = (vihl & 15) * 4;
  if (vihl >>> 4 !== 4 || ihl < 20) return PARSE_TRUNCATED;
  pkt.ipVersion = 4;
  pkt.protocol = buf[p + 9]!;
  pkt.src = ipv4TextCached(buf, p + 12);
  pkt.dst = ipv4TextCached(buf, p + 16);
  const fragOffset = ((buf[p + 6]! << 8) | buf[p + 7]!) & 0x1fff;
  parseTransport(buf, pkt.protocol, fragOffset === 0 ? p + ihl : end, end);
  return PARSE_OK;
}

/** Parses an IPv6 header, walking extension headers, in [p, end). */
function parseIpv6(buf: Buffer, p: number, end: number): number {
  if (end - p < 40) return PARSE_TRUNCATED;
  if (buf[p]! >>> 4 !== 6) return PARSE_TRUNCATED;
  pkt.ipVersion = 6;
  pkt.src = ipv6TextCached(buf, p + 8);
  pkt.dst = ipv6TextCached(buf, p + 24);
  let next = buf[p + 6]!;
  let l4 = p + 40;
  for (let i = 0; i < MAX_V6_EXT_HEADERS; i++) {
    if (next === 0 || next === 43 || next === 60 || next === 51 || next === 44) {
      if (end - l4 < 8) {
        // Extension header not captured: protocol is the last header we know, no ports.
        l4 = end;
        break;
      }
      const hdrNext = buf[l4]!;
      if (next === 44) {
        const fragOffset = ((buf[l4 + 2]! << 8) | buf[l4 + 3]!) >>> 3;
        next = hdrNext;
        l4 = fragOffset === 0 ? l4 + 8 : end;
        if (fragOffset !== 0) break;
        continue;
      }
      const extLen = next === 51 ? (buf[l4 + 1]! + 2) * 4 : (buf[l4 + 1]! + 1) * 8;
      next = hdrNext;
      l4 += extLen;
      continue;
    }
    break;
  }
  pkt.protocol = next;
  parseTransport(buf, next, l4, end);
  return PARSE_OK;
}

/** Reads ports / TCP flags at `l4` when captured; zeros otherwise. */
function parseTransport(buf: Buffer, protocol: number, l4: number, end: number): void {
  pkt.srcPort = 0;
  pkt.dstPort = 0;
  pkt.tcpFlags = 0;
  if (protocol === 6 || protocol === 17 || protocol === 132 || protocol === 136) {
    if (end - l4 >= 4) {
      pkt.srcPort = (buf[l4]! << 8) | buf[l4 + 1]!;
      pkt.dstPort = (buf[l4 + 2]! << 8) | buf[l4 + 3]!;
    }
    if (protocol === 6 && end - l4 >= 14) pkt.tcpFlags = buf[l4 + 13]!;
  } else if (protocol === 1 || protocol === 58) {
    if (end - l4 >= 2) pkt.dstPort = (buf[l4]! << 8) | buf[l4 + 1]!;
  }
}
