/**
 * A bounded parser for raw HTTP/1.x responses read off a socket by the scanner. Rules: pure;
 * never throws; the head is at most 32 KiB and 200 header lines (longer heads are cut), each
 * header value at most 4 KiB; chunked bodies are de-chunked best effort (a broken chunk size
 * ends the body); the body is decoded as UTF-8 with replacement characters. Header names are
 * lower-cased; repeated headers (Set-Cookie) become arrays.
 */

export interface RawHttpResponse {
  version: string;
  status: number;
  reason: string;
  headers: Record<string, string | string[]>;
  body: string;
}

const MAX_HEAD = 32 * 1024;
const MAX_HEADERS = 200;
const MAX_VALUE = 4096;

function dechunk(buf: Buffer): Buffer {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const eol = buf.indexOf('\r\n', pos);
    if (eol < 0) break;
    const size = parseInt(buf.subarray(pos, eol).toString('latin1').split(';')[0]!.trim(), 16);
    if (!Number.isFinite(size) || size <= 0) break;
    const start = eol + 2;
    out.push(buf.subarray(start, Math.min(buf.length, start + size)));
    pos = start + size + 2;
  }
  return Buffer.concat(out);
}

/** Parses a raw response; undefined when the bytes do not start with an HTTP status line. */
export function parseHttpResponse(raw: Buffer): RawHttpResponse | undefined {
  const m = /^(HTTP\/\d(?:\.\d)?) (\d{3})(?: ([^\r\n]*))?\r?\n/.exec(raw.subarray(0, 256).toString('latin1'));
  if (!m) return undefined;
  let headEnd = raw.indexOf('\r\n\r\n');
  let sepLen = 4;
  if (headEnd < 0) {
    headEnd = raw.indexOf('\n\n');
    sepLen = 2;
  }
  if (headEnd < 0 || headEnd > MAX_HEAD) {
    headEnd = Math.min(raw.length, MAX_HEAD);
    sepLen = 0;
  }
  const lines = raw.subarray(0, headEnd).toString('latin1').split(/\r?\n/).slice(1, MAX_HEADERS + 1);
  const headers: Record<string, string | string[]> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!/^[a-z0-9!#$%&'*+.^_`|~-]{1,100}$/.test(name)) continue;
    const value = line.slice(colon + 1).trim().slice(0, MAX_VALUE);
    const prev = headers[name];
    if (prev === undefined) headers[name] = value;
    else if (Array.isArray(prev)) {
      if (prev.length < 50) prev.push(value);
    } else headers[name] = [prev, value];
  }
  let body = raw.subarray(Math.min(raw.length, headEnd + sepLen));
  const te = headers['transfer-encoding'];
  if (typeof te === 'string' && /chunked/i.test(te)) body = dechunk(body);
  return { version: m[1]!, status: Number(m[2]), reason: (m[3] ?? '').slice(0, 200), headers, body: body.toString('utf8') };
}

/** First value of a header (lower-case name). */
export function headerValue(h: Record<string, string | string[]>, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}
