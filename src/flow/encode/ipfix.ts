/**
 * IPFIX encoder (RFC 7011) producing softflowd-like messages.
 *
 * Rules (RFC 7011 section numbers in brackets):
 * - Message header [3.1]: version 10, length = whole message, export time (seconds), sequence
 *   number = count of Data Records (flow and options data) sent in earlier messages of this
 *   stream, modulo 2^32, observation domain id.
 * - Set header [3.3.2]: Set ID 2 = Template Set, 3 = Options Template Set, >= 256 = Data Set
 *   for that template. No padding is inserted (padding is optional [3.3.1]).
 * - Template Records [3.4.1], IPv4 (default id 1024) and IPv6 (id + 1024), enterprise bit clear
 *   (IANA IEs): sourceIPv4Address 8 / destinationIPv4Address 12 (4) or sourceIPv6Address 27 /
 *   destinationIPv6Address 28 (16), sourceTransportPort 7 (2), destinationTransportPort 11 (2),
 *   protocolIdentifier 4 (1), tcpControlBits 6 (1), octetDeltaCount 1 (8), packetDeltaCount 2
 *   (8), then times, then ingressInterface 10 (4), egressInterface 14 (4).
 *   timestamps 'milli': flowStartMilliseconds 152 and flowEndMilliseconds 153 (8-byte
 *   dateTimeMilliseconds [6.1.7]). timestamps 'uptime': flowStartSysUpTime 22 and
 *   flowEndSysUpTime 21 (4 bytes, ms since systemInitTimeMilliseconds), plus, as softflowd does,
 *   an Options Template Record [3.4.2.2] (id + 2048, scope count 1: meteringProcessId 143 (4);
 *   options: systemInitTimeMilliseconds 160 (8), samplingPacketInterval 305 (4),
 *   samplingPacketSpace 306 (4), selectorAlgorithm 304 (2)) and one options Data Record
 *   carrying the system init time, placed before the flow Data Sets.
 * - Templates (and in uptime mode the options template and its record) go into every message
 *   when includeTemplate is set, so each message decodes on its own.
 * - Messages stay within maxDatagramSize (default 1400, cf. path-MTU advice [10.3.3]) unless a
 *   single record cannot fit. Consecutive records of one family share a Data Set; order kept.
 */
import type { FlowRecord } from '../types.js';
import { clampU16, clampU32, writeAddressPair, writeU64, zeroedBuffer } from './wire.js';

/** Options for encodeIpfix. */
export interface IpfixEncodeOptions {
  /** Export time, Unix seconds. */
  exportTimeSec: number;
  /** Sequence number of the first message (Data Records sent before it). */
  sequence: number;
  /** Observation Domain ID. */
  domainId: number;
  /** Put the Template Set (and, for 'uptime', the options template + record) in every message. */
  includeTemplate: boolean;
  /** 'milli': IE 152/153 absolute ms; 'uptime': IE 22/21 relative to IE 160. */
  timestamps: 'milli' | 'uptime';
  /**
   * systemInitTimeMilliseconds for 'uptime' mode. Default: the earliest of exportTimeSec*1000
   * and every record's startMs, so all relative times are non-negative. Pass a fixed value when
   * encoding a stream across several calls. Relative times are written modulo 2^32 (49.7 days).
   */
  systemInitTimeMs?: number;
  /** IPv4 template id (default 1024, >= 256); IPv6 is +1024, the options template +2048. */
  templateId?: number;
  /** Maximum message size in bytes (default 1400). */
  maxDatagramSize?: number;
}

type FieldList = readonly (readonly [number, number])[];

const ADDR_V4: FieldList = [[8, 4], [12, 4]];
const ADDR_V6: FieldList = [[27, 16], [28, 16]];
const COMMON: FieldList = [[7, 2], [11, 2], [4, 1], [6, 1], [1, 8], [2, 8]];
const TIMES_MILLI: FieldList = [[152, 8], [153, 8]];
const TIMES_UPTIME: FieldList = [[22, 4], [21, 4]];
const IFACES: FieldList = [[10, 4], [14, 4]];
/** Options template: scope field first [3.4.2.2]. */
const OPTION_FIELDS: FieldList = [[143, 4], [160, 8], [305, 4], [306, 4], [304, 2]];
const OPTION_SCOPE_COUNT = 1;
const OPTION_RECORD_LEN = 22;

const HEADER_LEN = 16;
const COMMON_LEN = 2 + 2 + 1 + 1 + 8 + 8;

function fieldsFor(v: 4 | 6, milli: boolean): FieldList {
  return [...(v === 4 ? ADDR_V4 : ADDR_V6), ...COMMON, ...(milli ? TIMES_MILLI : TIMES_UPTIME), ...IFACES];
}

/**
 * Encodes records as IPFIX messages.
 *
 * Contract: returns messages covering every record in order; with no records returns a single
 * template-only message when includeTemplate is set, else []. Throws RangeError on malformed
 * address text or a template id outside 256..63487.
 */
export function encodeIpfix(records: readonly FlowRecord[], opts: IpfixEncodeOptions): Buffer[] {
  const tidV4 = opts.templateId ?? 1024;
  const tidV6 = tidV4 + 1024;
  const tidOpt = tidV4 + 2048;
  if (!(tidV4 >= 256 && tidOpt <= 0xffff)) throw new RangeError(`bad IPFIX template id ${tidV4}`);
  const milli = opts.timestamps === 'milli';
  const timeLen = milli ? 16 : 8;
  const recLenV4 = 8 + COMMON_LEN + timeLen + 8;
  const recLenV6 = 32 + COMMON_LEN + timeLen + 8;
  let initMs = 0;
  if (!milli) {
    initMs = opts.systemInitTimeMs ?? opts.exportTimeSec * 1000;
    if (opts.systemInitTimeMs === undefined) for (const r of records) if (r.startMs < initMs) initMs = r.startMs;
  }
  const fieldsV4 = fieldsFor(4, milli);
  const fieldsV6 = fieldsFor(6, milli);
  const templateSetLen = 4 + (4 + fieldsV4.length * 4) + (4 + fieldsV6.length * 4);
  const optTemplateSetLen = 4 + 6 + OPTION_FIELDS.length * 4;
  const optDataSetLen = 4 + OPTION_RECORD_LEN;
  const withOptions = opts.includeTemplate && !milli;
  const base =
    HEADER_LEN + (opts.includeTemplate ? templateSetLen : 0) + (withOptions ? optTemplateSetLen + optDataSetLen : 0);
  const maxSize = Math.min(opts.maxDatagramSize ?? 1400, 0xffff);

  const ctx: WriteContext = {
    opts, milli, initMs, tidV4, tidV6, tidOpt, fieldsV4, fieldsV6, templateSetLen, optTemplateSetLen, withOptions,
    sequence: opts.sequence,
  };
  const out: Buffer[] = [];
  const n = records.length;
  if (n === 0) {
    if (opts.includeTemplate) out.push(writeMessage(records, 0, 0, base, ctx));
    return out;
  }
  let i = 0;
  while (i < n) {
    let size = base;
    let openVersion = 0;
    let j = i;
    while (j < n) {
      const v = records[j]!.ipVersion;
      const add = (v === 4 ? recLenV4 : recLenV6) + (v === openVersion ? 0 : 4);
      if (size + add > maxSize && j > i) break;
      size += add;
      openVersion = v;
      j++;
    }
    out.push(writeMessage(records, i, j, size, ctx));
    i = j;
  }
  return out;
}

interface WriteContext {
  opts: IpfixEncodeOptions;
  milli: boolean;
  initMs: number;
  tidV4: number;
  tidV6: number;
  tidOpt: number;
  fieldsV4: FieldList;
  fieldsV6: FieldList;
  templateSetLen: number;
  optTemplateSetLen: number;
  withOptions: boolean;
  /** Sequence number for the next message; advanced by the Data Records written. */
  sequence: number;
}

function writeMessage(records: readonly FlowRecord[], from: number, to: number, size: number, ctx: WriteContext): Buffer {
  const { opts } = ctx;
  const buf = zeroedBuffer(size);
  // Message header [3.1].
  buf.writeUInt16BE(10, 0);
  buf.writeUInt16BE(size, 2);
  buf.writeUInt32BE(opts.exportTimeSec >>> 0, 4);
  buf.writeUInt32BE(ctx.sequence >>> 0, 8);
  buf.writeUInt32BE(opts.domainId >>> 0, 12);
  let off = HEADER_LEN;
  let dataRecords = 0;
  if (opts.includeTemplate) {
    // Template Set [3.3.2, 3.4.1].
    buf.writeUInt16BE(2, off);
    buf.writeUInt16BE(ctx.templateSetLen, off + 2);
    off = writeFields(buf, off + 4, ctx.tidV4, ctx.fieldsV4);
    off = writeFields(buf, off, ctx.tidV6, ctx.fieldsV6);
  }
  if (ctx.withOptions) {
    // Options Template Set [3.4.2.2]: template id, field count, scope field count, fields.
    buf.writeUInt16BE(3, off);
    buf.writeUInt16BE(ctx.optTemplateSetLen, off + 2);
    buf.writeUInt16BE(ctx.tidOpt, off + 4);
    buf.writeUInt16BE(OPTION_FIELDS.length, off + 6);
    buf.writeUInt16BE(OPTION_SCOPE_COUNT, off + 8);
    off += 10;
    for (const [id, len] of OPTION_FIELDS) {
      buf.writeUInt16BE(id, off);
      buf.writeUInt16BE(len, off + 2);
      off += 4;
    }
    // Options Data Set [3.4.3]: meteringProcessId, systemInitTimeMilliseconds, interval, space,
    // selectorAlgorithm 1 (systematic count-based, RFC 5476): unsampled = interval 1, space 0.
    buf.writeUInt16BE(ctx.tidOpt, off);
    buf.writeUInt16BE(4 + OPTION_RECORD_LEN, off + 2);
    buf.writeUInt32BE(opts.domainId >>> 0, off + 4);
    writeU64(buf, off + 8, ctx.initMs);
    buf.writeUInt32BE(1, off + 16);
    buf.writeUInt32BE(0, off + 20);
    buf.writeUInt16BE(1, off + 24);
    off += 4 + OPTION_RECORD_LEN;
    dataRecords++;
  }
  // Data Sets [3.4.3], one per run of same-family records.
  let setStart = -1;
  let setVersion = 0;
  for (let k = from; k < to; k++) {
    const r = records[k]!;
    if (r.ipVersion !== setVersion) {
      if (setStart >= 0) buf.writeUInt16BE(off - setStart, setStart + 2);
      setStart = off;
      setVersion = r.ipVersion;
      buf.writeUInt16BE(setVersion === 4 ? ctx.tidV4 : ctx.tidV6, off);
      off += 4;
    }
    off = writeAddressPair(buf, off, r.ipVersion, r.srcAddr, r.dstAddr);
    buf.writeUInt16BE(clampU16(r.srcPort), off);
    buf.writeUInt16BE(clampU16(r.dstPort), off + 2);
    buf[off + 4] = r.protocol & 0xff;
    buf[off + 5] = r.tcpFlags & 0xff;
    writeU64(buf, off + 6, r.bytes);
    writeU64(buf, off + 14, r.packets);
    off += 22;
    if (ctx.milli) {
      writeU64(buf, off, r.startMs);
      writeU64(buf, off + 8, r.endMs);
      off += 16;
    } else {
      buf.writeUInt32BE((r.startMs - ctx.initMs) >>> 0, off);
      buf.writeUInt32BE((r.endMs - ctx.initMs) >>> 0, off + 4);
      off += 8;
    }
    buf.writeUInt32BE(clampU32(r.inputIf), off);
    buf.writeUInt32BE(clampU32(r.outputIf), off + 4);
    off += 8;
    dataRecords++;
  }
  if (setStart >= 0) buf.writeUInt16BE(off - setStart, setStart + 2);
  if (off !== size) throw new Error(`IPFIX encoder size mismatch: wrote ${off}, planned ${size}`);
  ctx.sequence += dataRecords;
  return buf;
}

/** Writes a Template Record header and its Field Specifiers [3.2]; returns the new offset. */
function writeFields(buf: Buffer, off: number, id: number, fields: FieldList): number {
  buf.writeUInt16BE(id, off);
  buf.writeUInt16BE(fields.length, off + 2);
  off += 4;
  for (const [ie, len] of fields) {
    buf.writeUInt16BE(ie, off);
    buf.writeUInt16BE(len, off + 2);
    off += 4;
  }
  return off;
}
