/**
 * Text sanitising for everything a scanned service says (banners, headers, titles, versions).
 *
 * Rules:
 * - Output holds no control, format, surrogate, private-use, unassigned or line/paragraph
 *   separator characters: they are written as escapes, so a stored or logged value can never
 *   move a cursor, clear a terminal (ESC[2J), reorder text (bidi overrides) or split a log line.
 * - Bytes (Uint8Array) are treated as opaque: printable ASCII 0x20-0x7e is kept, every other
 *   byte becomes `\xNN`; \r, \n and \t become `\r`, `\n`, `\t`. Invalid UTF-8 is therefore
 *   harmless. Strings keep printable Unicode (a title in German stays readable); escaped code
 *   points are written `\xNN` (below 0x100) or `\u{N}`.
 * - A backslash is written `\\`, so an escape in the output always means an escaped character.
 * - The result never exceeds `max` UTF-16 code units, never ends inside an escape sequence, and
 *   ends with `…` when the input was cut. Work is bounded by `max`, not by the input length
 *   (a 1 MB banner costs the same as a 1 KB one).
 * - Pure functions; never throw.
 */

/** Marker appended (within `max`) when the input did not fit. */
export const TRUNCATION_MARK = '…';

/** Stored banners: at most this many characters (types.ts `Service.banner`). */
export const MAX_BANNER_CHARS = 512;
/** Stored banners: at most this many lines of what the service said. */
export const MAX_BANNER_LINES = 8;

const HEX = '0123456789abcdef';

/** Characters escaped in strings: controls, format (bidi, zero-width), surrogates, private use, unassigned, separators. */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;

function escapeCode(cp: number): string {
  if (cp === 0x0d) return '\\r';
  if (cp === 0x0a) return '\\n';
  if (cp === 0x09) return '\\t';
  if (cp === 0x5c) return '\\\\';
  if (cp < 0x100) return `\\x${HEX[cp >> 4]}${HEX[cp & 15]}`;
  return `\\u{${cp.toString(16)}}`;
}

/**
 * Returns `input` made safe to store, log and display (see module rules), at most `max`
 * characters long. `max` below 1 (or not a number) gives ''.
 */
export function sanitizeText(input: string | Uint8Array, max: number): string {
  const limit = Number.isFinite(max) ? Math.floor(max) : 0;
  if (limit < 1) return '';
  const parts: string[] = [];
  let used = 0;
  let cut = false;
  const push = (piece: string): boolean => {
    if (used + piece.length > limit) {
      cut = true;
      return false;
    }
    parts.push(piece);
    used += piece.length;
    return true;
  };
  if (typeof input === 'string') {
    let i = 0;
    while (i < input.length) {
      const cp = input.codePointAt(i) ?? 0;
      const width = cp > 0xffff ? 2 : 1;
      const ch = input.slice(i, i + width);
      const piece = cp === 0x5c || UNSAFE.test(ch) ? escapeCode(cp) : ch;
      if (!push(piece)) break;
      i += width;
    }
  } else {
    for (let i = 0; i < input.length; i++) {
      const b = input[i] ?? 0;
      const piece = b >= 0x20 && b <= 0x7e && b !== 0x5c ? String.fromCharCode(b) : escapeCode(b);
      if (!push(piece)) break;
    }
  }
  if (!cut) return parts.join('');
  // Make room for the marker by dropping whole pieces (never half an escape).
  while (parts.length > 0 && used + TRUNCATION_MARK.length > limit) used -= parts.pop()?.length ?? 0;
  return used + TRUNCATION_MARK.length <= limit ? parts.join('') + TRUNCATION_MARK : parts.join('');
}

/**
 * The stored form of what a service said: its first MAX_BANNER_LINES lines (a trailing line
 * break dropped), sanitised and capped at MAX_BANNER_CHARS. Returns undefined for no bytes.
 */
export function bannerText(bytes: Uint8Array | undefined): string | undefined {
  if (!bytes || bytes.length === 0) return undefined;
  // Only the bytes that can reach the cap matter (each byte becomes at most 4 characters,
  // at least 1), so a huge banner is never scanned in full.
  let end = Math.min(bytes.length, MAX_BANNER_CHARS + 1);
  let lines = 0;
  for (let i = 0; i < end; i++) {
    if (bytes[i] === 0x0a && ++lines === MAX_BANNER_LINES) {
      end = i + 1;
      break;
    }
  }
  const cutByLines = end < bytes.length && lines === MAX_BANNER_LINES;
  let stop = end;
  if (end === bytes.length || cutByLines) {
    while (stop > 0 && (bytes[stop - 1] === 0x0a || bytes[stop - 1] === 0x0d)) stop--;
  }
  const text = sanitizeText(bytes.subarray(0, stop), MAX_BANNER_CHARS);
  if (text === '') return undefined;
  return cutByLines && !text.endsWith(TRUNCATION_MARK) && text.length < MAX_BANNER_CHARS ? text + TRUNCATION_MARK : text;
}
