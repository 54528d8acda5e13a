/**
 * IP address <-> text helpers for the flow decoders and encoders.
 *
 * Rules: formatting reads straight from a Buffer at an offset (no slices, no DataView) and never
 * throws for in-range offsets; callers bounds-check first. IPv4 text is the dotted quad without
 * leading zeros. IPv6 text is RFC 5952 canonical: lowercase hex, no leading zeros, the longest
 * run (first on a tie) of two or more zero groups compressed to "::", and IPv4-mapped addresses
 * (::ffff:0:0/96) written with a dotted-quad tail as RFC 5952 section 5 recommends. Parsers are
 * for encoders and tests: they return null on malformed text instead of throwing.
 */

/** Decimal text of 0..255. */
const OCTET: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));
/** Decimal text of 0..255 followed by '.', so a dotted quad costs three concatenations. */
const OCTET_DOT: readonly string[] = OCTET.map((o) => o + '.');

/**
 * Formats the 4 bytes at `off` as a dotted quad.
 * Contract: `off + 4 <= buf.length` is the caller's responsibility.
 */
export function ipv4ToText(buf: Buffer, off: number): string {
  return (
    (OCTET_DOT[buf[off]!] as string) +
    (OCTET_DOT[buf[off + 1]!] as string) +
    (OCTET_DOT[buf[off + 2]!] as string) +
    (OCTET[buf[off + 3]!] as string)
  );
}

/** Formats an unsigned 32-bit integer (network order value) as a dotted quad. */
export function ipv4IntToText(v: number): string {
  return (
    (OCTET_DOT[(v >>> 24) & 255] as string) +
    (OCTET_DOT[(v >>> 16) & 255] as string) +
    (OCTET_DOT[(v >>> 8) & 255] as string) +
    (OCTET[v & 255] as string)
  );
}

const groups = new Uint16Array(8);

/**
 * Formats the 16 bytes at `off` as RFC 5952 canonical IPv6 text.
 * Contract: `off + 16 <= buf.length` is the caller's responsibility.
 */
export function ipv6ToText(buf: Buffer, off: number): string {
  let bestStart = -1;
  let bestLen = 0;
  let runStart = -1;
  for (let i = 0; i < 8; i++) {
    const g = (buf[off + 2 * i]! << 8) | buf[off + 2 * i + 1]!;
    groups[i] = g;
    if (g === 0) {
      if (runStart < 0) runStart = i;
      const len = i - runStart + 1;
      if (len > bestLen) {
        bestLen = len;
        bestStart = runStart;
      }
    } else {
      runStart = -1;
    }
  }
  // IPv4-mapped ::ffff:a.b.c.d (RFC 5952 section 5).
  if (bestStart === 0 && bestLen === 5 && groups[5] === 0xffff) {
    return '::ffff:' + ipv4ToText(buf, off + 12);
  }
  if (bestLen < 2) bestStart = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += i === 0 ? '::' : ':';
      i += bestLen - 1;
      continue;
    }
    out += groups[i]!.toString(16);
    if (i < 7) out += ':';
  }
  return out;
}

/**
 * Dotted-quad text to its uint32, or -1: exactly four decimal octets 0..255 of at most three
 * digits; with `canonical`, no leading zeros either (the form the decoders write).
 * No allocation.
 */
function dottedQuad(text: string, canonical: boolean): number {
  const n = text.length;
  if (n < 7 || n > 15) return -1;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (canonical && digits === 1 && octet === 0) return -1;
      octet = octet * 10 + (c - 48);
      if (++digits > 3) return -1;
    } else if (c === 46) {
      if (digits === 0 || octet > 255 || ++dots > 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
    } else return -1;
  }
  if (dots !== 3 || digits === 0 || octet > 255) return -1;
  return value * 256 + octet;
}

/**
 * Parses dotted-quad text to an unsigned 32-bit integer, or null when malformed.
 * Accepts exactly four decimal octets 0..255 (leading zeros tolerated).
 */
export function parseIpv4(text: string): number | null {
  const v = dottedQuad(text, false);
  return v < 0 ? null : v;
}

/** parseIpv4 with -1 instead of null (leading zeros tolerated). No allocation. */
export function ipv4Number(text: string): number {
  return dottedQuad(text, false);
}

/**
 * The uint32 of CANONICAL dotted-quad text (four decimal octets 0..255, no leading zeros, as the
 * decoders write them), or -1 for anything else. A table key for IPv4 addresses: canonical text
 * and number map one to one, so keying by the number never merges two distinct texts (text a
 * caller wrote with leading zeros stays on the caller's string-keyed path). No allocation.
 */
export function ipv4Key(text: string): number {
  return dottedQuad(text, true);
}

const parsed = new Uint16Array(8);

/**
 * Writes the IPv6 address in `text` as 16 bytes at `off`; returns false (leaving the bytes
 * unspecified) when the text is not a valid IPv6 address. Accepts "::" compression and a
 * dotted-quad tail; no zone ids. Allocation-free: encoders call it once per record.
 */
export function writeIpv6(text: string, buf: Buffer, off: number): boolean {
  const n = text.length;
  let count = 0;
  let dbl = -1;
  let i = 0;
  if (n >= 2 && text.charCodeAt(0) === 58 && text.charCodeAt(1) === 58) {
    dbl = 0;
    i = 2;
  }
  while (i < n) {
    if (count >= 8) return false;
    const groupStart = i;
    let v = 0;
    let digits = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) d = c - 55;
      else break;
      v = v * 16 + d;
      digits++;
      i++;
    }
    if (i < n && text.charCodeAt(i) === 46) {
      // Dotted-quad tail: must be the last thing in the text.
      if (count > 6) return false;
      const v4 = parseIpv4(text.slice(groupStart));
      if (v4 === null) return false;
      parsed[count++] = v4 >>> 16;
      parsed[count++] = v4 & 0xffff;
      i = n;
      break;
    }
    if (digits === 0 || digits > 4) return false;
    parsed[count++] = v;
    if (i === n) break;
    if (text.charCodeAt(i) !== 58) return false;
    i++;
    if (i < n && text.charCodeAt(i) === 58) {
      if (dbl >= 0) return false;
      dbl = count;
      i++;
    } else if (i === n) {
      return false; // trailing single ':'
    }
  }
  if (dbl < 0 ? count !== 8 : count > 7) return false;
  const gap = 8 - count;
  for (let g = 0, src = 0; g < 8; g++) {
    const inGap = dbl >= 0 && g >= dbl && g < dbl + gap;
    const val = inGap ? 0 : parsed[src++]!;
    buf[off + 2 * g] = val >>> 8;
    buf[off + 2 * g + 1] = val & 255;
  }
  return true;
}

/** Parses IPv6 text to a fresh 16-byte Buffer, or null when malformed. */
export function parseIpv6(text: string): Buffer | null {
  const b = Buffer.alloc(16);
  return writeIpv6(text, b, 0) ? b : null;
}

/**
 * Address text caches: direct-mapped and fixed in size (bounded memory whatever the
 * traffic), so a repeated address (the common case on a home network) costs a hash and a
 * compare instead of building a string, and equal addresses share one string instance (whose
 * hash V8 then computes once for every Map and Set downstream).
 */
const V4_CACHE_BITS = 13;
const v4Keys = new Int32Array(1 << V4_CACHE_BITS);
const v4Text: string[] = new Array<string>(1 << V4_CACHE_BITS).fill('');

/** ipv4ToText through the cache. Contract as ipv4ToText. */
export function ipv4TextCached(buf: Buffer, o: number): string {
  const v = (buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!;
  const i = Math.imul(v, 0x9e3779b1) >>> (32 - V4_CACHE_BITS);
  const hit = v4Text[i]!;
  if (v4Keys[i] === v && hit !== '') return hit;
  const text = ipv4ToText(buf, o);
  v4Keys[i] = v;
  v4Text[i] = text;
  return text;
}

const V6_CACHE_BITS = 12;
const v6Keys = new Int32Array(4 << V6_CACHE_BITS);
const v6Text: string[] = new Array<string>(1 << V6_CACHE_BITS).fill('');

/** ipv6ToText through the cache. Contract as ipv6ToText. */
export function ipv6TextCached(buf: Buffer, o: number): string {
  const a = (buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!;
  const b = (buf[o + 4]! << 24) | (buf[o + 5]! << 16) | (buf[o + 6]! << 8) | buf[o + 7]!;
  const c = (buf[o + 8]! << 24) | (buf[o + 9]! << 16) | (buf[o + 10]! << 8) | buf[o + 11]!;
  const d = (buf[o + 12]! << 24) | (buf[o + 13]! << 16) | (buf[o + 14]! << 8) | buf[o + 15]!;
  const h = Math.imul(a ^ Math.imul(b, 0x85ebca6b) ^ Math.imul(c, 0xc2b2ae35) ^ Math.imul(d, 0x27d4eb2f), 0x9e3779b1);
  const i = h >>> (32 - V6_CACHE_BITS);
  const k = i << 2;
  const hit = v6Text[i]!;
  if (hit !== '' && v6Keys[k] === a && v6Keys[k + 1] === b && v6Keys[k + 2] === c && v6Keys[k + 3] === d) return hit;
  const text = ipv6ToText(buf, o);
  v6Keys[k] = a;
  v6Keys[k + 1] = b;
  v6Keys[k + 2] = c;
  v6Keys[k + 3] = d;
  v6Text[i] = text;
  return text;
}
