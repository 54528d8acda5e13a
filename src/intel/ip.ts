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

/** True when `text` is an address a provider may be asked about (see module rules). */
export function isEnrichable(text: string): boolean {
  const p = parseIp(text);
  if (!p) return false;
  try {
    return !NOT_ENRICHABLE.has(ipaddr.parse(ipText(p)).range());
  } catch {
    return false;
  }
}
