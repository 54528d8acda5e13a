/**
 * NetFlow v5 datagram decoder.
 *
 * Rules: never throws, never reads past `buf.length`, never allocates in proportion to a
 * header-declared count (only to what the buffer actually holds). Wire layout (Cisco NetFlow v5):
 * a 24-byte header (version, count 1..30, sysUptime ms, unix_secs, unix_nsecs, flow_sequence,
 * engine_type, engine_id, sampling_interval) followed by `count` 48-byte records. Record times
 * First/Last are sysUptime-relative milliseconds; the difference to sysUptime is taken as a
 * signed 32-bit value so an uptime counter that wrapped between flow start and export still
 * yields the right absolute time. sampling_interval: top 2 bits mode, low 14 bits interval;
 * a non-zero interval scales bytes and packets. Hot path: header via readUInt32BE, record
 * fields assembled from Buffer bytes (no DataView, no slices), table-based dotted-quad
 * formatting, one object literal of fixed shape per record.
 */
import type { DecodeErrorReason, DecodeResult, FlowRecord } from '../types.js';
import { ipv4TextCached } from '../ip-text.js';

/** Size of the NetFlow v5 header in bytes. */
export const V5_HEADER_LEN = 24;
/** Size of one NetFlow v5 flow record in bytes. */
export const V5_RECORD_LEN = 48;
/** Largest record count a conforming v5 exporter puts in one datagram. */
export const V5_MAX_RECORDS = 30;

/**
 * Decodes one NetFlow v5 datagram.
 *
 * Contract: returns `version: 'v5'` for any buffer whose first two bytes are 0x0005 (and
 * `'unknown'` with `bad_version` otherwise). A buffer shorter than the header gives
 * `truncated_header` and no records. A count of 0 or above 30 adds `bad_record_count`; a count
 * larger than the records present adds `truncated_record` and the records that fit are still
 * returned. `sequence` is flow_sequence; `domainId` is (engine_type << 8) | engine_id.
 * Every record gets `exporter` as its exporter and absolute Unix-millisecond times.
 */
export function decodeV5(buf: Buffer, exporter: string): DecodeResult {
  const errors: DecodeErrorReason[] = [];
  const records: FlowRecord[] = [];
  if (buf.length < 2 || buf.readUInt16BE(0) !== 5) {
    errors.push(buf.length < 2 ? 'truncated_header' : 'bad_version');
    return { version: 'unknown', records, errors, templatesSeen: 0 };
  }
  if (buf.length < V5_HEADER_LEN) {
    errors.push('truncated_header');
    return { version: 'v5', records, errors, templatesSeen: 0 };
  }
  const count = buf.readUInt16BE(2);
  const sysUptime = buf.readUInt32BE(4);
  const unixSecs = buf.readUInt32BE(8);
  const unixNsecs = buf.readUInt32BE(12);
  const sequence = buf.readUInt32BE(16);
  const domainId = (buf[20]! << 8) | buf[21]!;
  const interval = buf.readUInt16BE(22) & 0x3fff;
  const scale = interval > 0 ? interval : 1;

  if (count === 0 || count > V5_MAX_RECORDS) errors.push('bad_record_count');
  const available = ((buf.length - V5_HEADER_LEN) / V5_RECORD_LEN) | 0;
  let n = count;
  if (n > available) {
    errors.push('truncated_record');
    n = available;
  }

  // Export time in ms; nanoseconds >= 1e9 are malformed but harmless, so just floor them.
  const exportMs = unixSecs * 1000 + Math.floor(unixNsecs / 1e6);
  let off = V5_HEADER_LEN;
  for (let i = 0; i < n; i++, off += V5_RECORD_LEN) {
    // Per-record fields are assembled from bytes: measurably faster than readUInt32BE here.
    // `first`/`last` are int32 bit patterns; only their difference to sysUptime matters.
    const first = (buf[off + 24]! << 24) | (buf[off + 25]! << 16) | (buf[off + 26]! << 8) | buf[off + 27]!;
    const last = (buf[off + 28]! << 24) | (buf[off + 29]! << 16) | (buf[off + 30]! << 8) | buf[off + 31]!;
    records.push({
      ipVersion: 4,
      srcAddr: ipv4TextCached(buf, off),
      dstAddr: ipv4TextCached(buf, off + 4),
      srcPort: (buf[off + 32]! << 8) | buf[off + 33]!,
      dstPort: (buf[off + 34]! << 8) | buf[off + 35]!,
      protocol: buf[off + 38]!,
      bytes: (buf[off + 20]! * 0x1000000 + ((buf[off + 21]! << 16) | (buf[off + 22]! << 8) | buf[off + 23]!)) * scale,
      packets: (buf[off + 16]! * 0x1000000 + ((buf[off + 17]! << 16) | (buf[off + 18]! << 8) | buf[off + 19]!)) * scale,
      tcpFlags: buf[off + 37]!,
      // (sysUptime - first) | 0: signed 32-bit age, correct across an uptime wrap.
      startMs: exportMs - ((sysUptime - first) | 0),
      endMs: exportMs - ((sysUptime - last) | 0),
      exporter,
      inputIf: (buf[off + 12]! << 8) | buf[off + 13]!,
      outputIf: (buf[off + 14]! << 8) | buf[off + 15]!,
      samplingRate: scale,
    });
  }
  return { version: 'v5', records, errors, sequence, domainId, templatesSeen: 0 };
}
