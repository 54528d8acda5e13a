/**
 * Reading CPE names: the 2.3 formatted strings NVD uses in `criteria` (and the scanner and
 * Wappalyzer write), and the 2.2 URIs nmap writes (`cpe:/a:igor_sysoev:nginx:1.22.1`).
 *
 * Rules:
 * - Pure; never throws; a string that is not a CPE name (wrong prefix, wrong field count, a
 *   field over MAX_FIELD, more than MAX_CPE_CHARS) gives undefined.
 * - Attribute values follow NISTIR 7695: "*" is ANY, "-" is NA, a backslash quotes the next
 *   character ("joomla\!" is the value "joomla!"), and an unquoted "*" or "?" inside a value is
 *   a wildcard (CPE 2.3 matching, NISTIR 7696), kept as a small anchored RegExp.
 * - Values are lower-cased: CPE matching is case-insensitive.
 */

export const MAX_CPE_CHARS = 400;
const MAX_FIELD = 120;

/** One attribute value. */
export type CpeValue = { kind: 'any' } | { kind: 'na' } | { kind: 'value'; text: string; wildcard?: RegExp };

export const ANY: CpeValue = Object.freeze({ kind: 'any' });
export const NA: CpeValue = Object.freeze({ kind: 'na' });

/** The eleven attributes of a CPE name (2.2 URIs fill the ones they lack with ANY). */
export interface CpeName {
  part: CpeValue;
  vendor: CpeValue;
  product: CpeValue;
  version: CpeValue;
  update: CpeValue;
  edition: CpeValue;
  language: CpeValue;
  swEdition: CpeValue;
  targetSw: CpeValue;
  targetHw: CpeValue;
  other: CpeValue;
}

export const CPE_FIELDS = ['part', 'vendor', 'product', 'version', 'update', 'edition', 'language', 'swEdition', 'targetSw', 'targetHw', 'other'] as const;

/** Splits on ":" not quoted by a backslash; undefined past `max` parts. */
function splitFields(s: string, max: number): string[] | undefined {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (ch === '\\' && i + 1 < s.length) {
      cur += ch + (s[i + 1] as string);
      i++;
    } else if (ch === ':') {
      out.push(cur);
      cur = '';
      if (out.length > max) return undefined;
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out.length > max ? undefined : out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

const PLAIN_VALUE = /^[A-Za-z0-9._-]+$/;

/** A 2.3 formatted-string value (see module rules), or undefined when malformed. */
export function parseFsValue(raw: string): CpeValue | undefined {
  if (raw.length === 0 || raw.length > MAX_FIELD) return undefined;
  if (raw === '*') return ANY;
  if (raw === '-') return NA;
  if (PLAIN_VALUE.test(raw)) return { kind: 'value', text: raw.toLowerCase() };
  let text = '';
  let pattern = '';
  let wild = false;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] as string;
    if (ch === '\\') {
      const next = raw[i + 1];
      if (next === undefined) return undefined;
      text += next;
      pattern += escapeRegExp(next.toLowerCase());
      i++;
    } else if (ch === '*' || ch === '?') {
      wild = true;
      pattern += ch === '*' ? '.*' : '.';
    } else {
      if (/[\s\u0000-\u001f\u007f]/.test(ch)) return undefined;
      text += ch;
      pattern += escapeRegExp(ch.toLowerCase());
    }
  }
  const lower = text.toLowerCase();
  return wild ? { kind: 'value', text: lower, wildcard: new RegExp(`^${pattern}$`) } : { kind: 'value', text: lower };
}

/** Parsed names are immutable and NVD repeats the same criteria across thousands of CVEs: memoised, bounded. */
const MEMO_MAX = 50_000;
const memo = new Map<string, CpeName | null>();

/** A CPE 2.3 formatted string ("cpe:2.3:a:vendor:product:..."), or undefined. */
export function parseCpe23(s: unknown): CpeName | undefined {
  if (typeof s !== 'string' || s.length > MAX_CPE_CHARS || !s.startsWith('cpe:2.3:')) return undefined;
  const hit = memo.get(s);
  if (hit !== undefined) return hit ?? undefined;
  const parsed = parseCpe23Uncached(s);
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(s, parsed ? Object.freeze(parsed) : null);
  return parsed;
}

function parseCpe23Uncached(s: string): CpeName | undefined {
  const fields = splitFields(s.slice('cpe:2.3:'.length), 11);
  if (!fields || fields.length !== 11) return undefined;
  const values: CpeValue[] = [];
  for (const f of fields) {
    const v = parseFsValue(f);
    if (!v) return undefined;
    values.push(v);
  }
  const part = values[0] as CpeValue;
  if (part.kind === 'value' && !['a', 'o', 'h'].includes(part.text)) return undefined;
  return Object.fromEntries(CPE_FIELDS.map((k, i) => [k, values[i]])) as unknown as CpeName;
}

/** A CPE 2.2 URI ("cpe:/a:vendor:product:version:update:edition:language"), or undefined. */
export function parseCpe22(s: unknown): CpeName | undefined {
  if (typeof s !== 'string' || s.length > MAX_CPE_CHARS || !/^cpe:\/[aho]?(?::|$)/i.test(s)) return undefined;
  const parts = s.slice('cpe:/'.length).split(':');
  if (parts.length > 7) return undefined;
  const values: CpeValue[] = [];
  for (const p of parts) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(p);
    } catch {
      return undefined;
    }
    if (decoded.length > MAX_FIELD || /[\s\u0000-\u001f\u007f]/.test(decoded)) return undefined;
    values.push(decoded === '' ? ANY : decoded === '-' ? NA : { kind: 'value', text: decoded.toLowerCase() });
  }
  const name: Record<string, CpeValue> = {};
  CPE_FIELDS.forEach((k, i) => {
    name[k] = i < 7 ? (values[i] ?? ANY) : ANY;
  });
  return name as unknown as CpeName;
}

/** Either form. */
export function parseCpe(s: unknown): CpeName | undefined {
  return parseCpe23(s) ?? parseCpe22(s);
}

/** The plain text of a value without wildcards, or undefined for ANY, NA and wildcards. */
export function plainValue(v: CpeValue): string | undefined {
  return v.kind === 'value' && !v.wildcard ? v.text : undefined;
}

/** "vendor:product" when both are plain values, else undefined. */
export function vendorProduct(name: CpeName): string | undefined {
  const vendor = plainValue(name.vendor);
  const product = plainValue(name.product);
  return vendor && product ? `${vendor}:${product}` : undefined;
}

/** True when a source value (criteria) covers the target text (CPE name matching, values only). */
export function valueCovers(source: CpeValue, target: string): boolean {
  if (source.kind === 'any') return true;
  if (source.kind === 'na') return target === '-';
  return source.wildcard ? source.wildcard.test(target) : source.text === target;
}
