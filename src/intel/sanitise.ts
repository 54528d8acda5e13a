/**
 * Sanitising what providers, feeds and DNS send us. Rules: everything received is hostile
 * (hostile-input catalogue #17, #18, #28): these helpers never throw, turn anything of the
 * wrong type into undefined, strip control characters, and bound every string and array.
 * They do not HTML-escape (the views do): they make values plain and bounded.
 */

/** A plain object, or undefined for anything else (arrays and null included). */
export function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/**
 * A string with control characters (C0, DEL, C1, bidi overrides) replaced by spaces, runs of
 * whitespace collapsed, trimmed and cut to `max` characters; undefined when not a string or
 * empty after cleaning.
 */
export function cleanText(v: unknown, max = 200): string | undefined {
  if (typeof v !== 'string') return undefined;
  const head = v.length > max * 4 ? v.slice(0, max * 4) : v;
  const s = head
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (s.length === 0) return undefined;
  return s.length > max ? s.slice(0, max) : s;
}

/** A finite integer within [min, max] (numbers or numeric strings), else undefined. */
export function cleanInt(v: unknown, min: number, max: number): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d{1,15}$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isFinite(n)) return undefined;
  const i = Math.trunc(n);
  return i >= min && i <= max ? i : undefined;
}

/** Up to maxItems cleaned strings from an array (non-strings dropped). */
export function cleanStringArray(v: unknown, maxItems: number, maxLen: number): string[] {
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (let i = 0; i < v.length && out.length < maxItems; i++) {
    const s = cleanText(v[i], maxLen);
    if (s !== undefined) out.push(s);
  }
  return out;
}

/** Up to maxItems integers within [min, max] from an array. */
export function cleanIntArray(v: unknown, maxItems: number, min: number, max: number): number[] {
  if (!Array.isArray(v)) return [];
  const out: number[] = [];
  for (let i = 0; i < v.length && out.length < maxItems; i++) {
    const n = cleanInt(v[i], min, max);
    if (n !== undefined) out.push(n);
  }
  return out;
}

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * A DNS name as a lowercase, dot-separated hostname (trailing dot removed), or undefined
 * when it is not one: more than 253 characters, a label over 63, characters outside
 * [a-z0-9_-], a single label, or an all-numeric last label (`123456`, resolver error text,
 * IP-looking names; hostile-input #17).
 */
export function cleanHostname(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length === 0 || v.length > 254) return undefined;
  let s = v.toLowerCase();
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (s.length === 0 || s.length > 253) return undefined;
  const labels = s.split('.');
  if (labels.length < 2) return undefined;
  for (const l of labels) if (!LABEL.test(l)) return undefined;
  if (/^\d+$/.test(labels[labels.length - 1] as string)) return undefined;
  return s;
}
