/**
 * Reusable config field types. Rules: every field accepts what a person (or the Home
 * Assistant add-on's flat options, or an environment variable) naturally writes — numbers as
 * numbers or numeric strings, lists as YAML lists or comma-separated strings — and produces
 * one canonical typed value. Rejections say what was expected; the loader adds the key and
 * the bad value. Nothing here is ever passed to a shell.
 */
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

/** Splits "a, b ,c" or a list into trimmed, non-empty strings. */
export function splitList(v: unknown): unknown {
  if (typeof v === 'string') {
    return v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  }
  if (v === null) return [];
  return v;
}

/** Parses a port spec like "22,80,443,8000-9000" into sorted unique ports; throws a message on error. */
export function parsePortSpec(spec: string | readonly (string | number)[]): number[] {
  const parts = typeof spec === 'string' ? (splitList(spec) as string[]) : spec.map((p) => String(p).trim());
  const out = new Set<number>();
  for (const part of parts) {
    const m = /^(\d{1,5})(?:\s*-\s*(\d{1,5}))?$/.exec(part);
    if (!m) throw new Error(`"${part}" is not a port or port range (use e.g. 22,80,8000-9000)`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo < 1 || hi > 65535 || lo > 65535) throw new Error(`"${part}" is outside 1-65535`);
    if (hi < lo) throw new Error(`"${part}" is a range whose end is below its start`);
    for (let p = lo; p <= hi; p++) out.add(p);
  }
  return [...out].sort((a, b) => a - b);
}

/** Formats sorted ports back into the compact spec ("21-23,25"). */
export function formatPortSpec(ports: readonly number[]): string {
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] as number) + 1) j++;
    out.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.join(',');
}

/** Canonical CIDR text ("10.0.0.0/8"); throws a message when invalid (prefix too long, bad address). */
export function parseCidr(text: string): string {
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a CIDR (address/prefix, e.g. 192.168.0.0/16)`);
  const addrText = m[1] as string;
  const prefix = Number(m[2]);
  if (!ipaddr.isValid(addrText)) throw new Error(`"${text}": "${addrText}" is not an IP address`);
  const addr = ipaddr.parse(addrText);
  const max = addr.kind() === 'ipv4' ? 32 : 128;
  if (prefix > max) throw new Error(`"${text}": prefix /${prefix} is longer than /${max}`);
  const [net] = ipaddr.parseCIDR(`${addrText}/${prefix}`);
  const bytes = net.toByteArray();
  // zero the host bits so the canonical form names the network
  for (let bit = prefix; bit < bytes.length * 8; bit++) {
    const idx = bit >> 3;
    bytes[idx] = (bytes[idx] as number) & ~(0x80 >> (bit & 7));
  }
  return `${ipaddr.fromByteArray(bytes).toString()}/${prefix}`;
}

/** Canonical IP text; throws a message when invalid. */
export function parseIp(text: string): string {
  const t = text.trim();
  if (!ipaddr.isValid(t)) throw new Error(`"${text}" is not an IP address`);
  const a = ipaddr.parse(t);
  return a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()
    ? (a as ipaddr.IPv6).toIPv4Address().toString()
    : a.toString();
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** Parses a byte size: a number of bytes or "50MB" / "50 MiB"; throws a message on error. */
export function parseSize(v: string | number): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) throw new Error(`${v} is not a size in bytes`);
    return Math.floor(v);
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)?\s*$/i.exec(v);
  if (!m) throw new Error(`"${v}" is not a size (e.g. 52428800, 50MB, 50MiB)`);
  return Math.floor(Number(m[1]) * (SIZE_UNITS[(m[2] ?? '').toLowerCase()] ?? 1));
}

/** Wraps a throwing parser as a zod transform that reports the thrown message as an issue. */
export function parsed<I, O>(fn: (v: I) => O) {
  return (v: I, ctx: z.RefinementCtx): O => {
    try {
      return fn(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  };
}

/** Turns numeric strings ("2055", " 20 ") into numbers; anything else passes through for the schema to reject. */
function coerceNumber(v: unknown): unknown {
  return typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v;
}

const BOOL_WORDS: Record<string, boolean> = { true: true, yes: true, on: true, '1': true, false: false, no: false, off: false, '0': false };

/** Turns "true"/"no"/"1"/... into booleans; anything else passes through for the schema to reject. */
function coerceBool(v: unknown): unknown {
  if (typeof v === 'string') {
    const b = BOOL_WORDS[v.trim().toLowerCase()];
    if (b !== undefined) return b;
  }
  return v;
}

/** A zod error map that rewords only wrong-type issues (range issues keep zod's precise text). */
function typeError(text: string) {
  return (iss: { code?: string }) => (iss.code === 'invalid_type' ? text : undefined);
}

/** An integer in [min, max]; numeric strings accepted. */
export function int(min: number, max: number) {
  return z.preprocess(coerceNumber, z.number({ error: typeError('expected a number') }).int('expected a whole number').min(min).max(max));
}

/** A number in [min, max]; numeric strings accepted. */
export function num(min: number, max: number) {
  return z.preprocess(coerceNumber, z.number({ error: typeError('expected a number') }).min(min).max(max));
}

/** A port number 1-65535. */
export function port() {
  return int(1, 65535);
}

/** A boolean; also "true"/"false"/"yes"/"no"/"on"/"off"/"1"/"0" (environment variables). */
export function bool() {
  return z.preprocess(coerceBool, z.boolean({ error: typeError('expected true or false') }));
}

/** A list of strings (YAML list or comma-separated string). */
export function stringList() {
  return z.preprocess(splitList, z.array(z.string().trim().min(1)));
}

/** A port list like "22,80,443,8000-9000" or [22, "80-81"]. */
export function portList() {
  return z.preprocess(
    (v) => (typeof v === 'number' ? String(v) : v),
    z.union([z.string(), z.array(z.union([z.string(), z.number()]))]).transform(parsed(parsePortSpec)),
  );
}

/** A list of CIDRs, each validated and canonicalised. */
export function cidrList() {
  return z.preprocess(splitList, z.array(z.string().transform(parsed(parseCidr))));
}

/** A list of IPs, each validated and canonicalised. */
export function ipList() {
  return z.preprocess(splitList, z.array(z.string().transform(parsed(parseIp))));
}

/** A list of http(s) URLs. */
export function urlList() {
  return z.preprocess(splitList, z.array(httpUrl()));
}

/** One http(s) URL. */
export function httpUrl() {
  return z
    .string()
    .trim()
    .refine((s) => {
      try {
        const u = new URL(s);
        return u.protocol === 'http:' || u.protocol === 'https:';
      } catch {
        return false;
      }
    }, 'expected an http:// or https:// URL');
}

/** A byte size (number of bytes, or "50MB"/"50MiB"). */
export function size() {
  return z.union([z.number(), z.string()]).transform(parsed(parseSize));
}

/** A secret string (API key, token, password): masked in output, redacted in logs, file mode 0600. */
export function secret() {
  return z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string({ error: typeError('expected a string') }));
}
