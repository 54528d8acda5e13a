/**
 * NetFlow v5 encoder (Cisco NetFlow v5 export format) for tests, benchmarks and demo mode.
 *
 * Rules: output is byte-exact v5: 24-byte header, at most 30 48-byte records per datagram,
 * unused fields (next hop, ToS, AS numbers, masks, pads) zero. Times are written relative to
 * sysUptime so that the decoder formula unix_secs*1000 + floor(unix_nsecs/1e6) - (sysUptime -
 * First) gives back startMs exactly (modulo 2^32 wrap of the uptime counter). flow_sequence is
 * the running count of flows exported before each datagram. With a sampling interval N the
 * wire carries sampled counts (bytes and packets divided by N, floored), as real exporters do.
 * v5 cannot carry IPv6: such records are skipped. One pre-sized Buffer per datagram.
 */
import type { FlowRecord } from '../types.js';
import { V5_HEADER_LEN, V5_MAX_RECORDS, V5_RECORD_LEN } from '../decode/v5.js';
import { clampU16, clampU32, writeIpv4Text, zeroedBuffer } from './wire.js';

/** Header values for encodeV5. */
export interface V5EncodeOptions {
  /** Exporter uptime at export time in ms (wrapped modulo 2^32). */
  sysUptimeMs: number;
  /** Export wall-clock time, Unix ms (split into unix_secs / unix_nsecs). */
  unixMs: number;
  /** flow_sequence of the first datagram: flows exported before it. */
  sequence: number;
  /** engine_id byte (default 0). */
  engineId?: number;
  /** engine_type byte (default 0). */
  engineType?: number;
  /** Sampling interval 0..16383 (0 or 1 = unsampled). */
  samplingInterval?: number;
  /** Sampling mode, top 2 bits (default 1 = packet interval when an interval is set, else 0). */
  samplingMode?: number;
}

/**
 * Encodes records as NetFlow v5 datagrams of at most 30 records each.
 *
 * Contract: IPv4 records only (IPv6 records are skipped); returns [] when none remain.
 * Throws RangeError on malformed IPv4 text. Counters clamp at 2^32 - 1, interfaces at 65535.
 */
export function encodeV5(records: readonly FlowRecord[], opts: V5EncodeOptions): Buffer[] {
  let v4Count = 0;
  for (const r of records) if (r.ipVersion === 4) v4Count++;
  const out: Buffer[] = [];
  if (v4Count === 0) return out;

  const sysUptime = opts.sysUptimeMs >>> 0;
  const unixSecs = Math.floor(opts.unixMs / 1000);
  const msPart = opts.unixMs - unixSecs * 1000;
  const unixNsecs = Math.round(msPart * 1e6);
  const exportMs = unixSecs * 1000 + Math.floor(unixNsecs / 1e6);
  const interval = (opts.samplingInterval ?? 0) & 0x3fff;
  const mode = (opts.samplingMode ?? (interval > 1 ? 1 : 0)) & 3;
  const scale = interval > 0 ? interval : 1;
  const engineType = (opts.engineType ?? 0) & 255;
  const engineId = (opts.engineId ?? 0) & 255;

  let idx = 0;
  let emitted = 0;
  while (emitted < v4Count) {
    const n = Math.min(V5_MAX_RECORDS, v4Count - emitted);
    const buf = zeroedBuffer(V5_HEADER_LEN + n * V5_RECORD_LEN);
    buf.writeUInt16BE(5, 0);
    buf.writeUInt16BE(n, 2);
    buf.writeUInt32BE(sysUptime, 4);
    buf.writeUInt32BE(unixSecs >>> 0, 8);
    buf.writeUInt32BE(unixNsecs, 12);
    buf.writeUInt32BE((opts.sequence + emitted) >>> 0, 16);
    buf[20] = engineType;
    buf[21] = engineId;
    buf.writeUInt16BE((mode << 14) | interval, 22);
    let off = V5_HEADER_LEN;
    for (let k = 0; k < n; idx++) {
      const r = records[idx]!;
      if (r.ipVersion !== 4) continue;
      writeIpv4Text(buf, off, r.srcAddr);
      writeIpv4Text(buf, off + 4, r.dstAddr);
      // off + 8: next hop, 0.0.0.0
      buf.writeUInt16BE(clampU16(r.inputIf), off + 12);
      buf.writeUInt16BE(clampU16(r.outputIf), off + 14);
      buf.writeUInt32BE(clampU32(r.packets / scale), off + 16);
      buf.writeUInt32BE(clampU32(r.bytes / scale), off + 20);
      buf.writeUInt32BE((sysUptime - (exportMs - r.startMs)) >>> 0, off + 24);
      buf.writeUInt32BE((sysUptime - (exportMs - r.endMs)) >>> 0, off + 28);
      buf.writeUInt16BE(r.srcPort & 0xffff, off + 32);
      buf.writeUInt16BE(r.dstPort & 0xffff, off + 34);
      buf[off + 37] = r.tcpFlags & 0xff;
      buf[off + 38] = r.protocol & 0xff;
      off += V5_RECORD_LEN;
      k++;
    }
    out.push(buf);
    emitted += n;
  }
  return out;
}
