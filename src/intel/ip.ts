/**
 * IP text helpers for intel. Rules: strict parsing (dotted quads and RFC 4291 IPv6 text, no
 * zone ids, no `127.1` shorthand); IPv4-mapped IPv6 (::ffff:a.b.c.d) is treated as its IPv4
 * address everywhere; nothing throws. Addresses that are never worth asking a provider about
 * (private, loopback, link-local, multicast, CGNAT, unique-local, unspecified) are not
 * "enrichable": they are never sent to a third party.
 */
import ipaddr from 'ipaddr.js';
import { parseIpv6 } from '../flow/ip-text.js';
import { ipv4ToInt } from '../traffic/classifier.js';

export type ParsedIp = { v: 4; n: number } | { v: 6; n: bigint };

/** Parses IP text; IPv4-mapped IPv6 becomes IPv4. Undefined when not an address. */
export function parseIp(text: string): ParsedIp | undefined {
  if (text.length > 45) return undefined;
  const n4 = ipv4ToInt(text);
  if (n4 >= 0) return { v: 4, n: n4 };
  if (!text.includes(':')) return undefined;
  const b = parseIpv6(text);
  if (!b) return undefined;
  const hi = b.readBigUInt64BE(0);
  const lo = b.readBigUInt64BE(8);
  if (hi === 0n && lo >> 32n === 0xffffn) return { v: 4, n: Number(lo & 0xffffffffn) };
  return { v: 6, n: (hi << 64n) | lo };
}

/** Canonical text of a parsed address (dotted quad, or ipaddr.js's compact IPv6). */
export function ipText(p: ParsedIp): string {
  if (p.v === 4) return `${p.n >>> 24}.${(p.n >>> 16) & 255}.${(p.n >>> 8) & 255}.${p.n & 255}`;
  const parts: number[] = [];
  for (let i = 7; i >= 0; i--) parts.push(Number((p.n >> BigInt(i * 16)) & 0xffffn));
  return new ipaddr.IPv6(parts).toString();
}

/** Canonical text of an address, or undefined when `text` is not one. */
export function canonicalIp(text: string): string | undefined {
  const p = parseIp(text);
  return p ? ipText(p) : undefined;
}

const NOT_ENRICHABLE = new Set(['unspecified', 'broadcast', 'multicast', 'linkLocal', 'loopback', 'private', 'carrierGradeNat', 'uniqueLocal']);

/**
 * The IPv4 ranges of NOT_ENRICHABLE as ipaddr.js defines them ([network, prefix length]), so
 * IPv4 is judged with integer compares: the periodic intel sync asks this of every external
 * address (100,000 of them took ~0.45 s through ipaddr.js). ip.test.ts checks it against
 * ipaddr.js's own range() over the boundaries of every special range.
 */
const V4_NOT_ENRICHABLE: readonly (readonly [number, number])[] = [
  [0x00000000, 8], // unspecified
  [0xffffffff, 32], // broadcast
  [0xe0000000, 4], // multicast
  [0xa9fe0000, 16], // linkLocal
  [0x7f000000, 8], // loopback
  [0x64400000, 10], // carrierGradeNat
  [0x0a000000, 8], // private
  [0xac100000, 12],
  [0xc0a80000, 16],
];

function v4Enrichable(n: number): boolean {
  for (const [net, len] of V4_NOT_ENRICHABLE) if (n >>> (32 - len) === net >>> (32 - len)) return false;
  return true;
}

/** True when `text` is an address a provider may be asked about (see module rules). */
export function isEnrichable(text: string): boolean {
  const p = parseIp(text);
  if (!p) return false;
  if (p.v === 4) return v4Enrichable(p.n);
  try {
    return !NOT_ENRICHABLE.has(ipaddr.parse(ipText(p)).range());
  } catch {
    return false;
  }
}
