/**
 * The head of an HTTP, RTSP or SIP reply: status line and header fields.
 *
 * Rules:
 * - The three protocols share the HTTP/1.x message syntax (RTSP: RFC 2326 §7, SIP: RFC 3261
 *   §7.2): "<PROTO>/<major>.<minor> <3-digit status> <reason>" then "Name: value" lines up to
 *   an empty line. Lines may end in CRLF or LF.
 * - Bounded: the caller passes capped text; at most MAX_HEADER_LINES lines are read and each
 *   kept value is cut at MAX_VALUE_CHARS. Values are raw (not sanitised): callers match them
 *   with rules and sanitise what they keep.
 * - Pure, never throws.
 */

const MAX_HEADER_LINES = 100;
const MAX_VALUE_CHARS = 512;

export type ReplyProtocol = 'HTTP' | 'RTSP' | 'SIP';

export interface ReplyHead {
  protocol: ReplyProtocol;
  status: number;
  /** Lower-case header name → first value seen. */
  headers: ReadonlyMap<string, string>;
}

const STATUS_LINE = /^(HTTP|RTSP|SIP)\/\d\.\d (\d{3})(?:[ \r\n]|$)/;

/** Parses the head of `text`, or undefined when it does not start with a status line. */
export function parseReplyHead(text: string): ReplyHead | undefined {
  const status = STATUS_LINE.exec(text);
  if (!status) return undefined;
  const headers = new Map<string, string>();
  let p = text.indexOf('\n');
  for (let n = 0; p >= 0 && n < MAX_HEADER_LINES; n++) {
    const next = text.indexOf('\n', p + 1);
    const line = text.slice(p + 1, next < 0 ? undefined : next).replace(/\r$/, '');
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon > 0) {
      const name = line.slice(0, colon).trim().toLowerCase();
      if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim().slice(0, MAX_VALUE_CHARS));
    }
    p = next;
  }
  return { protocol: status[1] as ReplyProtocol, status: Number(status[2]), headers };
}
