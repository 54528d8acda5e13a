/**
 * Hot-path data record decoding shared by the NetFlow v9 and IPFIX decoders.
 *
 * Rules:
 * - Callers guarantee bounds: a record is only read after checking that `base + length <= end`
 *   of its set, and the set lies inside the buffer. Nothing here allocates per field; per record
 *   it allocates the FlowRecord and its address strings only.
 * - No closures, DataViews or try/catch per record; fields are read with `buf[i]` arithmetic
 *   and common field lengths are read inline.
 * - Address text goes through fixed-size direct-mapped caches: bounded memory whatever the
 *   traffic, and repeated addresses cost a hash and a compare instead of a string build.
 * - Constants used per record are module-local (V8 constant-folds those, not imported ones).
 * - Never throws on hostile bytes; malformed variable-length encodings are reported as reasons.
 */
import { ipv4TextCached as ipv4Cached, ipv6TextCached as ipv6Cached } from '../ip-text.js';
import type { DecodeErrorReason, DecodeResult, FlowRecord } from '../types.js';
import type { FlowProtocol, TemplatePlan, TemplateStore, UpsertOutcome } from './template-store.js';

// Decode-plan vocabulary, shared with template-store.ts. Defined here, in the hot module: V8
// constant-folds module-local consts but not imported bindings.

/** Slots: the FlowRecord inputs a plan can locate inside a record. */
const S_SRC4 = 0;
const S_DST4 = 1;
const S_SRC6 = 2;
const S_DST6 = 3;
const S_SPORT = 4;
const S_DPORT = 5;
const S_PROTO = 6;
const S_FLAGS = 7;
const S_IN_IF = 8;
const S_OUT_IF = 9;
const S_BYTES = 10;
const S_PKTS = 11;
const S_START = 12;
const S_END = 13;
const S_SAMPLING = 14;
const S_PSAMP_INTERVAL = 15;
const S_PSAMP_SPACE = 16;
const S_SYS_INIT = 17;
const S_IP_VERSION = 18;
const SLOT_COUNT = 19;
/** fieldSlot value for a field the decoder skips. */
const NO_SLOT = 255;

/** How a plan's start/end time slot is encoded. */
const TIME_NONE = 0;
/** dateTimeMilliseconds (RFC 7011 §6.1.8), IE 152/153. */
const TIME_MS = 1;
/** dateTimeMicroseconds, NTP format (RFC 7011 §6.1.9), IE 154/155. */
const TIME_NTP = 2;
/** dateTimeSeconds (RFC 7011 §6.1.7), IE 150/151. */
const TIME_SEC = 3;
/** Milliseconds of system uptime: v9 FIRST/LAST_SWITCHED (RFC 3954 §8), IPFIX IE 22/21 (IANA registry, RFC 7012). */
const TIME_UPTIME = 4;

/** Address family selection of a plan. */
const ADDR_NONE = 0;
const ADDR_V4 = 4;
const ADDR_V6 = 6;
/** Template carries both IPv4 and IPv6 address fields; chosen per record. */
const ADDR_BOTH = 10;

/** Template field length meaning "variable length" (RFC 7011 §7). Illegal in v9. */
const VARIABLE_LENGTH = 0xffff;

/**
 * The constants above, exported as one object for template-store.ts and tests. The hot path
 * uses the module-local consts: V8 constant-folds those, but not exported/imported bindings.
 */
export const PLAN = {
  S_SRC4,
  S_DST4,
  S_SRC6,
  S_DST6,
  S_SPORT,
  S_DPORT,
  S_PROTO,
  S_FLAGS,
  S_IN_IF,
  S_OUT_IF,
  S_BYTES,
  S_PKTS,
  S_START,
  S_END,
  S_SAMPLING,
  S_PSAMP_INTERVAL,
  S_PSAMP_SPACE,
  S_SYS_INIT,
  S_IP_VERSION,
  SLOT_COUNT,
  NO_SLOT,
  TIME_NONE,
  TIME_MS,
  TIME_NTP,
  TIME_SEC,
  TIME_UPTIME,
  ADDR_NONE,
  ADDR_V4,
  ADDR_V6,
  ADDR_BOTH,
  VARIABLE_LENGTH,
};

/**
 * Uptime-relative times (v9 FIRST/LAST_SWITCHED, IPFIX IE 22/21) are anchored: the uptime at
 * export time is known (v9 header sysUptime, or IPFIX export time - systemInitTimeMilliseconds).
 */
const UPTIME_ANCHORED = 0;
/** ... cannot be anchored (IPFIX without IE 160): the export time is used instead. */
const UPTIME_EXPORT = 1;

/** Per-datagram state the record reader needs. One instance per decode call. */
export class RecordContext {
  /** Export time of the message, Unix ms. */
  exportMs = 0;
  /** Exporter uptime (ms) at export time: v9 header sysUptime, or IPFIX export time - IE 160. */
  sysUptime = 0;
  uptimeMode = UPTIME_EXPORT;
  /** Sampling interval from options data (1 = unsampled). */
  samplingRate = 1;
  /** Data records walked (emitted or not) and options records read. */
  recordsSeen = 0;

  constructor(
    readonly exporter: string,
    readonly protocol: FlowProtocol,
    readonly domainId: number,
    readonly store: TemplateStore,
    readonly nowMs: number,
  ) {}

  /** NetFlow v9: export time and sysUptime from the packet header (RFC 3954 §5.1). */
  setV9Header(unixSecs: number, sysUptime: number): void {
    this.exportMs = unixSecs * 1000;
    this.sysUptime = sysUptime;
    this.uptimeMode = UPTIME_ANCHORED;
  }

  /** IPFIX: anchors IE 21/22 on systemInitTimeMilliseconds (IE 160), NaN = unknown. */
  setSystemInit(initMs: number): void {
    if (initMs === initMs) {
      this.sysUptime = this.exportMs - initMs;
      this.uptimeMode = UPTIME_ANCHORED;
    } else {
      this.uptimeMode = UPTIME_EXPORT;
    }
  }

  /** Refreshes sampling / init time from the store (call before each data set). */
  loadOptions(): void {
    const opt = this.store.getOptions(this.exporter, this.protocol, this.domainId, this.nowMs);
    this.samplingRate = opt === undefined ? 1 : opt.samplingRate;
    if (this.protocol === 'ipfix') this.setSystemInit(opt === undefined ? Number.NaN : opt.systemInitMs);
  }
}

/** The body of a v9/IPFIX decoder: decodes a datagram whose version and header length were checked. */
export type DecodeBody = (buf: Buffer, exporter: string, store: TemplateStore, nowMs: number, result: DecodeResult) => void;

/**
 * The shell shared by the v9 and IPFIX decoders. Contract: `result` comes back with version
 * 'unknown' and 'truncated_header'/'bad_version' when the first two octets are missing or are
 * not `version`; 'truncated_header' when fewer than `headerLength` octets arrived; otherwise
 * `body` fills it, and an unexpected exception in the body becomes 'internal_error' (the
 * decoders never throw).
 */
export function decodeChecked(
  buf: Buffer,
  version: number,
  headerLength: number,
  exporter: string,
  store: TemplateStore,
  nowMs: number,
  result: DecodeResult,
  body: DecodeBody,
): DecodeResult {
  if (buf.length < 2) {
    result.version = 'unknown';
    result.errors.push('truncated_header');
    return result;
  }
  if (u16at(buf, 0) !== version) {
    result.version = 'unknown';
    result.errors.push('bad_version');
    return result;
  }
  if (buf.length < headerLength) {
    result.errors.push('truncated_header');
    return result;
  }
  try {
    body(buf, exporter, store, nowMs, result);
  } catch {
    result.errors.push('internal_error');
  }
  return result;
}

/** Big-endian uint16 at o (caller bounds-checks). Shared by the v9 and IPFIX decoders. */
export function u16at(buf: Buffer, o: number): number {
  return (buf[o]! << 8) | buf[o + 1]!;
}

/** Big-endian uint32 at o (caller bounds-checks). */
export function u32at(buf: Buffer, o: number): number {
  return buf[o]! * 0x1000000 + ((buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!);
}

function u64at(buf: Buffer, o: number): number {
  return u32at(buf, o) * 0x100000000 + u32at(buf, o + 4);
}

/** Unsigned big-endian integer of 1..8 octets (values above 2^53 lose precision). Small so it inlines. */
export function readUint(buf: Buffer, o: number, len: number): number {
  if (len === 4) return buf[o]! * 0x1000000 + ((buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!);
  if (len === 2) return (buf[o]! << 8) | buf[o + 1]!;
  if (len === 1) return buf[o]!;
  return readUintSlow(buf, o, len);
}

function readUintSlow(buf: Buffer, o: number, len: number): number {
  if (len === 8) {
    return (
      (buf[o]! * 0x1000000 + ((buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!)) * 0x100000000 +
      (buf[o + 4]! * 0x1000000 + ((buf[o + 5]! << 16) | (buf[o + 6]! << 8) | buf[o + 7]!))
    );
  }
  let v = 0;
  for (let i = 0; i < len; i++) v = v * 256 + buf[o + i]!;
  return v;
}

/** Seconds from 1900-01-01 (NTP era 0) to 1970-01-01. */
const NTP_UNIX_OFFSET = 2208988800;

/**
 * NTP timestamp (RFC 7011 §6.1.9/§6.1.10: 32-bit seconds since 1900 + 32-bit fraction) to
 * Unix ms (fraction rounded to the nearest ms). Seconds with the top bit clear are taken as NTP era 1 (after 2036-02-07), as
 * RFC 4330 §3 recommends.
 */
export function ntpToMs(buf: Buffer, o: number): number {
  const sec = readUint(buf, o, 4);
  const frac = readUint(buf, o + 4, 4);
  const unix = sec >= 0x80000000 ? sec - NTP_UNIX_OFFSET : sec + 0x100000000 - NTP_UNIX_OFFSET;
  return unix * 1000 + Math.round(frac / 4294967.296);
}

/**
 * Uptime ms (v9 FIRST/LAST_SWITCHED, RFC 3954 §8; IPFIX flowStart/EndSysUpTime, unsigned32) to
 * Unix ms: absolute = export time - (uptime at export - value). The difference is taken modulo
 * 2^32 as a signed number, so a 32-bit uptime that wrapped (every 49.7 days) between flow start
 * and export, or a value slightly ahead of the export uptime, still lands next to the export time.
 */
function uptimeToMs(ctx: RecordContext, v: number): number {
  return ctx.exportMs - ((ctx.sysUptime - v) | 0);
}

function readTime(buf: Buffer, at: number, kind: number, len: number, ctx: RecordContext): number {
  switch (kind) {
    case TIME_MS:
      return readUint(buf, at, len);
    case TIME_NTP:
      return ntpToMs(buf, at);
    case TIME_SEC:
      return readUint(buf, at, len) * 1000;
    case TIME_UPTIME:
      return ctx.uptimeMode === UPTIME_ANCHORED ? uptimeToMs(ctx, readUint(buf, at, len)) : ctx.exportMs;
    default:
      return Number.NaN;
  }
}

/** Sampling rate carried by one record's own fields (34/50 or PSAMP 305/306), 0 when none. */
function recordSamplingRate(buf: Buffer, b: number, plan: TemplatePlan): number {
  const rel = plan.slotRel;
  const len = plan.slotLen;
  let o = rel[S_SAMPLING]!;
  if (o >= 0) {
    const v = readUint(buf, b + o, len[S_SAMPLING]!);
    if (v > 0) return v;
  }
  // PSAMP systematic count-based sampling (RFC 5477 samplingPacketInterval/Space): select
  // `interval` packets out of every `interval + space`.
  o = rel[S_PSAMP_SPACE]!;
  if (o >= 0) {
    const space = readUint(buf, b + o, len[S_PSAMP_SPACE]!);
    const io = rel[S_PSAMP_INTERVAL]!;
    const interval = io >= 0 ? readUint(buf, b + io, len[S_PSAMP_INTERVAL]!) : 1;
    if (interval > 0) return (interval + space) / interval;
  }
  return 0;
}

function preferV6(buf: Buffer, b: number, plan: TemplatePlan): boolean {
  const rel = plan.slotRel;
  const vo = rel[S_IP_VERSION]!;
  if (vo >= 0) return buf[b + vo] === 6;
  const so = rel[S_SRC4]!;
  const dOff = rel[S_DST4]!;
  const src4 = so >= 0 ? readUint(buf, b + so, 4) : 0;
  const dst4 = dOff >= 0 ? readUint(buf, b + dOff, 4) : 0;
  return src4 === 0 && dst4 === 0;
}

/** Builds the FlowRecord for one data record at `b` (plan.emitsFlows, record in bounds). */
function readFlow(buf: Buffer, b: number, plan: TemplatePlan, ctx: RecordContext): FlowRecord {
  const rel = plan.slotRel;
  const len = plan.slotLen;
  let ipVersion: 4 | 6;
  let srcAddr: string;
  let dstAddr: string;
  const mode = plan.addrMode;
  let o: number;
  if (mode === ADDR_V4 || (mode === ADDR_BOTH && !preferV6(buf, b, plan))) {
    ipVersion = 4;
    o = rel[S_SRC4]!;
    srcAddr = o >= 0 ? ipv4Cached(buf, b + o) : '0.0.0.0';
    o = rel[S_DST4]!;
    dstAddr = o >= 0 ? ipv4Cached(buf, b + o) : '0.0.0.0';
  } else {
    ipVersion = 6;
    o = rel[S_SRC6]!;
    srcAddr = o >= 0 ? ipv6Cached(buf, b + o) : '::';
    o = rel[S_DST6]!;
    dstAddr = o >= 0 ? ipv6Cached(buf, b + o) : '::';
  }
  // Common lengths are read inline (u16at/u32at are tiny enough to always inline); anything
  // else goes through readUint.
  let l: number;
  o = rel[S_SPORT]!;
  l = len[S_SPORT]!;
  const srcPort = o < 0 ? 0 : l === 2 ? u16at(buf, b + o) : readUint(buf, b + o, l);
  o = rel[S_DPORT]!;
  l = len[S_DPORT]!;
  const dstPort = o < 0 ? 0 : l === 2 ? u16at(buf, b + o) : readUint(buf, b + o, l);
  o = rel[S_PROTO]!;
  const protocol = o >= 0 ? buf[b + o]! : 0;
  o = rel[S_FLAGS]!;
  l = len[S_FLAGS]!;
  const tcpFlags = o < 0 ? 0 : l === 1 ? buf[b + o]! : readUint(buf, b + o, l) & 0xff;
  o = rel[S_IN_IF]!;
  l = len[S_IN_IF]!;
  const inputIf = o < 0 ? 0 : l === 4 ? u32at(buf, b + o) : readUint(buf, b + o, l);
  o = rel[S_OUT_IF]!;
  l = len[S_OUT_IF]!;
  const outputIf = o < 0 ? 0 : l === 4 ? u32at(buf, b + o) : readUint(buf, b + o, l);
  o = rel[S_BYTES]!;
  l = len[S_BYTES]!;
  let bytes = o < 0 ? 0 : l === 4 ? u32at(buf, b + o) : l === 8 ? u64at(buf, b + o) : readUint(buf, b + o, l);
  o = rel[S_PKTS]!;
  l = len[S_PKTS]!;
  let packets = o < 0 ? 0 : l === 4 ? u32at(buf, b + o) : l === 8 ? u64at(buf, b + o) : readUint(buf, b + o, l);

  let startMs = Number.NaN;
  let endMs = Number.NaN;
  const anchored = ctx.uptimeMode === UPTIME_ANCHORED;
  o = rel[S_START]!;
  if (o >= 0) {
    if (anchored && plan.startKind === TIME_UPTIME && len[S_START] === 4) {
      startMs = uptimeToMs(ctx, u32at(buf, b + o));
    } else if (plan.startKind === TIME_MS && len[S_START] === 8) {
      startMs = u64at(buf, b + o);
    } else {
      startMs = readTime(buf, b + o, plan.startKind, len[S_START]!, ctx);
    }
  }
  o = rel[S_END]!;
  if (o >= 0) {
    if (anchored && plan.endKind === TIME_UPTIME && len[S_END] === 4) {
      endMs = uptimeToMs(ctx, u32at(buf, b + o));
    } else if (plan.endKind === TIME_MS && len[S_END] === 8) {
      endMs = u64at(buf, b + o);
    } else {
      endMs = readTime(buf, b + o, plan.endKind, len[S_END]!, ctx);
    }
  }
  if (startMs !== startMs) startMs = endMs === endMs ? endMs : ctx.exportMs;
  if (endMs !== endMs) endMs = startMs;
  // An exporter without a set clock (unix_secs 0) would yield times before 1970.
  if (startMs < 0) startMs = 0;
  if (endMs < 0) endMs = 0;

  let samplingRate = ctx.samplingRate;
  if (plan.hasRecordSampling) {
    const r = recordSamplingRate(buf, b, plan);
    if (r > 0) samplingRate = r;
  }
  if (samplingRate !== 1) {
    bytes = Math.round(bytes * samplingRate);
    packets = Math.round(packets * samplingRate);
  }
  return {
    ipVersion,
    srcAddr,
    dstAddr,
    srcPort,
    dstPort,
    protocol,
    bytes,
    packets,
    tcpFlags,
    startMs,
    endMs,
    exporter: ctx.exporter,
    inputIf,
    outputIf,
    samplingRate,
  };
}

/** Applies one options data record (sampling, systemInitTimeMilliseconds) to the store and ctx. */
function readOptions(buf: Buffer, b: number, plan: TemplatePlan, ctx: RecordContext): void {
  const rel = plan.slotRel;
  const len = plan.slotLen;
  let rate = recordSamplingRate(buf, b, plan);
  if (!(rate > 0)) rate = Number.NaN;
  const io = rel[S_SYS_INIT]!;
  const init = io >= 0 ? readUint(buf, b + io, len[S_SYS_INIT]!) : Number.NaN;
  if (rate !== rate && init !== init) return;
  const opt = ctx.store.updateOptions(ctx.exporter, ctx.protocol, ctx.domainId, rate, init, ctx.nowMs);
  if (opt !== undefined) {
    ctx.samplingRate = opt.samplingRate;
    if (ctx.protocol === 'ipfix') ctx.setSystemInit(opt.systemInitMs);
  }
}

/**
 * Lays out one record of a variable-length plan (RFC 7011 §7: length octet, or 255 followed by
 * a 2-octet length) and stores the slot offsets into plan.slotRel. Returns the end offset of the
 * record, -1 when a length prefix or variable field runs past `end`, -2 when a fixed field does.
 */
function layoutVariable(buf: Buffer, p: number, end: number, plan: TemplatePlan): number {
  const lens = plan.lens;
  const fs = plan.fieldSlot;
  const rel = plan.slotRel;
  const n = lens.length;
  let q = p;
  for (let i = 0; i < n; i++) {
    let l = lens[i]!;
    if (l === VARIABLE_LENGTH) {
      if (q >= end) return -1;
      l = buf[q++]!;
      if (l === 255) {
        if (q + 2 > end) return -1;
        l = (buf[q]! << 8) | buf[q + 1]!;
        q += 2;
      }
      if (q + l > end) return -1;
    } else if (q + l > end) {
      return -2;
    }
    const s = fs[i]!;
    if (s !== NO_SLOT) rel[s] = q - p;
    q += l;
  }
  return q;
}

/**
 * Decodes the records of one data set [p, end) with `plan`: flows are appended to `out`,
 * options records update the store. Trailing bytes shorter than the minimum record are padding
 * (RFC 3954 §5.3, RFC 7011 §3.3.1). A malformed variable-length record stops the set and its
 * reason is appended to `errors`.
 */
export function decodeDataSet(
  buf: Buffer,
  p: number,
  end: number,
  plan: TemplatePlan,
  ctx: RecordContext,
  out: FlowRecord[],
  errors: DecodeErrorReason[],
): void {
  const fixed = plan.fixedLength;
  if (fixed > 0) {
    const count = Math.floor((end - p) / fixed);
    ctx.recordsSeen += count;
    if (plan.isOptions) {
      for (let i = 0; i < count; i++, p += fixed) readOptions(buf, p, plan, ctx);
    } else if (plan.emitsFlows) {
      for (let i = 0; i < count; i++, p += fixed) out.push(readFlow(buf, p, plan, ctx));
    }
    return;
  }
  const min = plan.minLength;
  if (min <= 0) return;
  while (end - p >= min) {
    const next = layoutVariable(buf, p, end, plan);
    if (next < 0) {
      errors.push(next === -1 ? 'bad_field_length' : 'truncated_record');
      return;
    }
    ctx.recordsSeen++;
    if (plan.isOptions) readOptions(buf, p, plan, ctx);
    else if (plan.emitsFlows) out.push(readFlow(buf, p, plan, ctx));
    p = next;
  }
}

/**
 * Records the outcome of offering a template to the store in `result`: learned/refreshed
 * templates count in templatesSeen; replacements and evictions are reported as
 * 'template_changed' / 'template_limit'; refusals as `invalidReason` ('template_limit' when the
 * field count exceeds the store's limit).
 */
export function noteUpsert(outcome: UpsertOutcome, result: DecodeResult, invalidReason: DecodeErrorReason): void {
  switch (outcome) {
    case 'added':
    case 'refreshed':
      result.templatesSeen++;
      break;
    case 'changed':
      result.templatesSeen++;
      result.errors.push('template_changed');
      break;
    case 'evicted':
      result.templatesSeen++;
      result.errors.push('template_limit');
      break;
    case 'too_many_fields':
      result.errors.push('template_limit');
      break;
    case 'invalid':
      result.errors.push(invalidReason);
      break;
  }
}

/** Largest number of field specifiers that fits in one set (4 octets each, RFC 7011 §3.2). */
export const MAX_FIELDS_IN_SET = 16384;
