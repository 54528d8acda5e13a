/**
 * Flow datagram dispatcher: picks the decoder from the first bytes of a UDP payload.
 *
 * Rules: never throws. sFlow is recognised first by its 4-byte version word 5 (0,0,0,5) — its
 * first two bytes are 0 so it cannot collide with NetFlow; then the 2-byte NetFlow/IPFIX
 * version: 5 -> NetFlow v5, 9 -> NetFlow v9, 10 -> IPFIX. Anything else is version 'unknown'
 * with 'bad_version' ('truncated_header' when fewer than 2 bytes arrived).
 */
import type { DecodeResult } from '../types.js';
import { decodeV5 } from './v5.js';
import { decodeSflow } from './sflow.js';
import { decodeV9 } from './v9.js';
import { decodeIpfix } from './ipfix.js';
import type { TemplateStore } from './template-store.js';

/**
 * Decodes one datagram of any supported export format.
 *
 * Contract: `exporter` is the datagram's source address text (sFlow records use the agent
 * address from the datagram when it has one); `store` keeps v9/IPFIX templates across calls;
 * `nowMs` is the receive time (sFlow record times; v9/IPFIX decoders may use it too).
 */
export function decodeDatagram(buf: Buffer, exporter: string, store: TemplateStore, nowMs: number): DecodeResult {
  if (buf.length >= 4 && buf[0] === 0 && buf[1] === 0 && buf[2] === 0 && buf[3] === 5) {
    return decodeSflow(buf, exporter, nowMs);
  }
  if (buf.length < 2) {
    return { version: 'unknown', records: [], errors: ['truncated_header'], templatesSeen: 0 };
  }
  const version = (buf[0]! << 8) | buf[1]!;
  if (version === 5) return decodeV5(buf, exporter);
  if (version === 9) return decodeV9(buf, exporter, store, nowMs);
  if (version === 10) return decodeIpfix(buf, exporter, store, nowMs);
  return { version: 'unknown', records: [], errors: ['bad_version'], templatesSeen: 0 };
}
