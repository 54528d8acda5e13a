/**
 * DNS over TCP: the CHAOS-class `version.bind` TXT query and its answer.
 *
 * Rules:
 * - The query is a standard DNS message (RFC 1035 §4.1) for QNAME version.bind, QTYPE TXT (16),
 *   QCLASS CH (3), framed by a two-byte length for TCP (RFC 1035 §4.2.2). BIND, dnsmasq,
 *   Unbound and PowerDNS answer it with their version unless configured to hide it.
 * - The answer is parsed with every length checked against the buffer; names are skipped
 *   label by label (compression pointers end a name), at most MAX_LABELS labels. Only the
 *   first TXT string of the first TXT answer is returned, capped at MAX_TXT bytes.
 * - A reply with our id and the QR bit is DNS even without a version (hidden, REFUSED).
 * - Pure, bounded, never throws.
 */

/** Query id we send and expect back. */
export const DNS_QUERY_ID = 0x686d;
const MAX_LABELS = 64;
const MAX_TXT = 120;
const TYPE_TXT = 16;

/** The TCP-framed version.bind CH TXT query. */
export function versionBindQuery(): Uint8Array {
  const name = [7, ...Buffer.from('version'), 4, ...Buffer.from('bind'), 0];
  const message = [DNS_QUERY_ID >> 8, DNS_QUERY_ID & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, ...name, 0, TYPE_TXT, 0, 3];
  return Uint8Array.from([message.length >> 8, message.length & 0xff, ...message]);
}

export interface DnsVersionReply {
  /** RCODE of the answer (0 = no error, 5 = refused …). */
  rcode: number;
  /** The first TXT string, as Latin-1 text, when the server gave one. */
  version?: string;
}

/** Offset just past the name at `p`, or -1 when it runs off the buffer or loops too long. */
function skipName(b: Uint8Array, p: number, end: number): number {
  for (let labels = 0; labels < MAX_LABELS; labels++) {
    if (p >= end) return -1;
    const len = b[p] ?? 0;
    if (len === 0) return p + 1;
    if ((len & 0xc0) === 0xc0) return p + 2 <= end ? p + 2 : -1;
    if ((len & 0xc0) !== 0) return -1;
    p += 1 + len;
  }
  return -1;
}

function u16(b: Uint8Array, p: number): number {
  return ((b[p] ?? 0) << 8) | (b[p + 1] ?? 0);
}

/** Parses a TCP-framed answer to versionBindQuery(), or undefined when `b` is not one. */
export function parseVersionBindReply(b: Uint8Array): DnsVersionReply | undefined {
  if (b.length < 14) return undefined;
  const framed = u16(b, 0);
  const end = Math.min(b.length, 2 + framed);
  const m = 2;
  if (end - m < 12 || u16(b, m) !== DNS_QUERY_ID) return undefined;
  const flags = u16(b, m + 2);
  if ((flags & 0x8000) === 0) return undefined;
  const reply: DnsVersionReply = { rcode: flags & 0x0f };
  const qd = u16(b, m + 4);
  const an = u16(b, m + 6);
  let p = m + 12;
  for (let i = 0; i < Math.min(qd, 4); i++) {
    p = skipName(b, p, end);
    if (p < 0 || p + 4 > end) return reply;
    p += 4;
  }
  for (let i = 0; i < Math.min(an, 8); i++) {
    p = skipName(b, p, end);
    if (p < 0 || p + 10 > end) return reply;
    const type = u16(b, p);
    const rdlength = u16(b, p + 8);
    p += 10;
    if (p + rdlength > end) return reply;
    if (type === TYPE_TXT && rdlength > 0) {
      const len = Math.min(b[p] ?? 0, rdlength - 1, MAX_TXT);
      let text = '';
      for (let k = 0; k < len; k++) text += String.fromCharCode(b[p + 1 + k] ?? 0);
      reply.version = text;
      return reply;
    }
    p += rdlength;
  }
  return reply;
}
