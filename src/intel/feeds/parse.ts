/**
 * Blacklist feed parser. PURE: bytes or text in, entries and counted errors out; never throws.
 *
 * Formats, detected per line so mixed files work:
 * - plain lists: one IP, CIDR, `ip:port`, URL or domain per line (`*.example.com` and
 *   adblock `||example.com^` give the domain); extra columns after the first are ignored;
 * - CIDR lists with comments (`1.10.16.0/20 ; SBL256894`);
 * - CSV (quoted fields; e.g. Feodo `first_seen_utc,dst_ip,...`): the first field that is
 *   an IP/CIDR, else the first URL/domain field;
 * - hosts files (`0.0.0.0 a.example b.example`, URLhaus `127.0.0.1<TAB>domain`, CRLF):
 *   when the first column is a sink address the other columns are domains.
 * Comment lines start with `#`, `;`, `!` or `//`; inline comments start at whitespace
 * followed by `#` or `;`.
 *
 * Bounds (hostile-input: 10^6 lines, binary, 1 MB lines): lines longer than
 * maxLineLength are skipped without being copied; lines with control characters or
 * invalid UTF-8 are counted as binary; parsing stops after maxEntries entries (the rest
 * counted as overCap); CIDRs broader than /8 (IPv4) or /16 (IPv6) are refused as tooBroad
 * so a broken or poisoned feed cannot flag the whole Internet.
 */
import { cleanHostname } from '../sanitise.js';
import { ipText, parseIp, type ParsedIp } from '../ip.js';

export interface FeedLimits {
  maxEntries: number;
  maxLineLength: number;
}

export const DEFAULT_FEED_LIMITS: FeedLimits = { maxEntries: 500_000, maxLineLength: 4096 };

/** Narrowest prefix accepted per family (see module rules). */
export const MIN_PREFIX = { 4: 8, 6: 16 } as const;

export interface FeedParseErrors {
  /** Lines that held nothing usable. */
  invalid: number;
  tooLong: number;
  binary: number;
  /** Lines not parsed because maxEntries was reached. */
  overCap: number;
  tooBroad: number;
}

export interface ParsedFeed {
  source: string;
  /** Canonical address text. */
  ips: string[];
  /** Canonical `network/prefix`. */
  cidrs: string[];
  /** Lowercase hostnames. */
  domains: string[];
  lines: number;
  comments: number;
  errors: FeedParseErrors;
}

type Entry = { kind: 'ip'; text: string } | { kind: 'cidr'; text: string } | { kind: 'domain'; text: string } | { kind: 'broad' };

const SINKS = new Set(['0.0.0.0', '127.0.0.1', '::', '::1']);
const LOCAL_NAMES = new Set(['localhost.localdomain', 'ip6-localhost.localdomain']);
const BAD_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/;

function maskV4(n: number, bits: number): number {
  return bits === 0 ? 0 : (n & ((0xffffffff << (32 - bits)) >>> 0)) >>> 0;
}

function maskV6(n: bigint, bits: number): bigint {
  const host = 128n - BigInt(bits);
  return (n >> host) << host;
}

function cidrEntry(addr: ParsedIp, bits: number): Entry {
  if (addr.v === 4) {
    if (bits === 32) return { kind: 'ip', text: ipText(addr) };
    if (bits < MIN_PREFIX[4]) return { kind: 'broad' };
    return { kind: 'cidr', text: `${ipText({ v: 4, n: maskV4(addr.n, bits) })}/${bits}` };
  }
  if (bits === 128) return { kind: 'ip', text: ipText(addr) };
  if (bits < MIN_PREFIX[6]) return { kind: 'broad' };
  return { kind: 'cidr', text: `${ipText({ v: 6, n: maskV6(addr.n, bits) })}/${bits}` };
}

function hostEntry(host: string): Entry | undefined {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const ip = parseIp(h);
  if (ip) return { kind: 'ip', text: ipText(ip) };
  const d = cleanHostname(h);
  return d && !LOCAL_NAMES.has(d) ? { kind: 'domain', text: d } : undefined;
}

/** Classifies one token (IP, CIDR, ip:port, URL, domain); undefined when it is none. */
export function classifyToken(raw: string): Entry | undefined {
  let t = raw.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t[t.length - 1] === t[0]) t = t.slice(1, -1).trim();
  if (t.length === 0 || t.length > 2048) return undefined;
  if (/^[a-z][a-z0-9+.-]{0,15}:\/\//i.test(t)) {
    try {
      return hostEntry(new URL(t).hostname);
    } catch {
      return undefined;
    }
  }
  if (t.startsWith('||')) t = t.slice(2).replace(/\^.*$/, '');
  if (t.startsWith('*.')) t = t.slice(2);
  const slash = t.indexOf('/');
  if (slash > 0) {
    const addr = parseIp(t.slice(0, slash));
    const bitsText = t.slice(slash + 1);
    if (!addr || !/^\d{1,3}$/.test(bitsText)) return undefined;
    const bits = Number(bitsText);
    if (bits > (addr.v === 4 ? 32 : 128) || (addr.v === 4 && t.slice(0, slash).includes(':'))) return undefined;
    return cidrEntry(addr, bits);
  }
  const v4port = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(t);
  if (v4port) return hostEntry(v4port[1] as string);
  const v6port = /^\[([0-9a-fA-F:.]+)\]:\d{1,5}$/.exec(t);
  if (v6port) return hostEntry(v6port[1] as string);
  return hostEntry(t);
}

/** Splits one CSV line (RFC 4180 quotes; no multi-line fields). */
export function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quoted) {
      if (c === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else quoted = false;
      } else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function lineEntries(line: string): Entry[] {
  if (line.includes(',')) {
    const fields = splitCsv(line).map((f) => classifyToken(f));
    const ip = fields.find((e) => e && e.kind !== 'domain');
    if (ip) return [ip];
    const dom = fields.find((e) => e !== undefined);
    return dom ? [dom] : [];
  }
  const tokens = line.split(/\s+/);
  const first = classifyToken(tokens[0] as string);
  if (tokens.length >= 2 && first?.kind === 'ip' && SINKS.has(first.text)) {
    const out: Entry[] = [];
    for (const tok of tokens.slice(1)) {
      const e = classifyToken(tok);
      if (e?.kind === 'domain') out.push(e);
    }
    return out;
  }
  return first ? [first] : [];
}

/** Parses a feed (see module rules). `source` names it in the result. */
export function parseFeed(input: string | Uint8Array, source: string, limits: FeedLimits = DEFAULT_FEED_LIMITS): ParsedFeed {
  let text = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const out: ParsedFeed = {
    source,
    ips: [],
    cidrs: [],
    domains: [],
    lines: 0,
    comments: 0,
    errors: { invalid: 0, tooLong: 0, binary: 0, overCap: 0, tooBroad: 0 },
  };
  let entries = 0;
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const start = pos;
    pos = end + 1;
    out.lines++;
    if (end - start > limits.maxLineLength) {
      out.errors.tooLong++;
      continue;
    }
    if (entries >= limits.maxEntries) {
      if (text.slice(start, end).trim() !== '') out.errors.overCap++;
      continue;
    }
    const raw = text.slice(start, end);
    if (BAD_CHARS.test(raw)) {
      out.errors.binary++;
      continue;
    }
    let line = raw.trim();
    if (line.length === 0) continue;
    if (line[0] === '#' || line[0] === ';' || line[0] === '!' || line.startsWith('//')) {
      out.comments++;
      continue;
    }
    const cut = /\s[#;]/.exec(line);
    if (cut) line = line.slice(0, cut.index).trim();
    const found = lineEntries(line);
    if (found.length === 0) {
      out.errors.invalid++;
      continue;
    }
    for (const e of found) {
      if (e.kind === 'broad') {
        out.errors.tooBroad++;
        continue;
      }
      if (entries >= limits.maxEntries) {
        out.errors.overCap++;
        break;
      }
      entries++;
      if (e.kind === 'ip') out.ips.push(e.text);
      else if (e.kind === 'cidr') out.cidrs.push(e.text);
      else out.domains.push(e.text);
    }
  }
  return out;
}

/** Entries in a parsed feed. */
export function feedSize(f: ParsedFeed): number {
  return f.ips.length + f.cidrs.length + f.domains.length;
}
