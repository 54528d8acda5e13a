/**
 * Test-only builders for binary server answers, written from the protocol documents (not
 * from our parsers), plus the loader for captures.json.
 *
 * captures.json holds what real servers on this machine (Debian 12 packages, loopback only)
 * answered to the exact payloads of probes.ts; each entry names the package and version.
 */
import { readFileSync } from 'node:fs';

export interface Capture {
  id: string;
  software: string;
  port: number;
  probe?: string;
  bytes: Uint8Array;
}

export function loadCaptures(): Map<string, Capture> {
  const raw = JSON.parse(readFileSync(new URL('./captures.json', import.meta.url), 'utf8')) as Array<Omit<Capture, 'bytes'> & { hex: string }>;
  return new Map(raw.map((c) => [c.id, { id: c.id, software: c.software, port: c.port, probe: c.probe, bytes: new Uint8Array(Buffer.from(c.hex, 'hex')) }]));
}

export const latin1 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

/** MySQL packet: int<3> payload length, int<1> sequence id, payload. */
function mysqlPacket(payload: number[], seq = 0): Uint8Array {
  const n = payload.length;
  return Uint8Array.from([n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, seq, ...payload]);
}

/**
 * Protocol::HandshakeV10 exactly as dev.mysql.com documents it: protocol version 10,
 * string<NUL> server version, int<4> thread id, string[8] auth-plugin-data-part-1, 0x00
 * filler, int<2> capability flags (lower), int<1> character set, int<2> status flags,
 * int<2> capability flags (upper), int<1> auth-plugin-data length, string[10] reserved,
 * auth-plugin-data-part-2 (13 bytes, NUL-terminated), string<NUL> auth plugin name.
 */
export function mysqlHandshakeV10(version: string, threadId = 42): Uint8Array {
  const scramble1 = [0x3a, 0x23, 0x3d, 0x4b, 0x43, 0x4a, 0x2e, 0x43];
  const scramble2 = [0x5b, 0x6c, 0x4a, 0x3e, 0x7a, 0x2f, 0x5c, 0x57, 0x34, 0x2d, 0x6b, 0x21, 0x00];
  return mysqlPacket([
    0x0a,
    ...Buffer.from(version, 'latin1'),
    0x00,
    threadId & 0xff,
    (threadId >> 8) & 0xff,
    (threadId >> 16) & 0xff,
    (threadId >> 24) & 0xff,
    ...scramble1,
    0x00,
    0xff,
    0xf7, // CLIENT_LONG_PASSWORD … CLIENT_SECURE_CONNECTION (lower 16 bits)
    0x2d, // utf8mb4_general_ci
    0x02,
    0x00, // SERVER_STATUS_AUTOCOMMIT
    0xff,
    0x81, // upper capability bits incl. CLIENT_PLUGIN_AUTH
    21,
    ...new Array<number>(10).fill(0),
    ...scramble2,
    ...Buffer.from('mysql_native_password\0', 'latin1'),
  ]);
}

/** ERR_Packet sent before the handshake: 0xff, int<2> error code, string<EOF> message. */
export function mysqlErrPacket(code: number, message: string): Uint8Array {
  return mysqlPacket([0xff, code & 0xff, (code >> 8) & 0xff, ...Buffer.from(message, 'latin1')]);
}

/**
 * TCP-framed DNS answer (RFC 1035 §4.1, §4.2.2) to version.bind CH TXT with id `id`:
 * header (QR, AA, RCODE), the question echoed, and one TXT answer using a compression
 * pointer to the question name (0xc00c), as BIND and dnsmasq send it.
 */
export function dnsVersionAnswer(id: number, txt: string | undefined, rcode = 0): Uint8Array {
  const qname = [7, ...Buffer.from('version'), 4, ...Buffer.from('bind'), 0];
  const answer =
    txt === undefined ? [] : [0xc0, 0x0c, 0, 16, 0, 3, 0, 0, 0, 0, 0, txt.length + 1, txt.length, ...Buffer.from(txt, 'latin1')];
  const msg = [id >> 8, id & 0xff, 0x84, rcode & 0x0f, 0, 1, 0, txt === undefined ? 0 : 1, 0, 0, 0, 0, ...qname, 0, 16, 0, 3, ...answer];
  return Uint8Array.from([msg.length >> 8, msg.length & 0xff, ...msg]);
}

type BsonValue = boolean | number | string;

/** Minimal BSON (bsonspec.org): bool 0x08, int32 0x10, double 0x01, string 0x02. */
export function bson(doc: Record<string, BsonValue>, doubles: readonly string[] = []): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of Object.entries(doc)) {
    const name = Buffer.from(`${key}\0`, 'latin1');
    if (typeof value === 'boolean') parts.push(Buffer.from([0x08]), name, Buffer.from([value ? 1 : 0]));
    else if (typeof value === 'number' && doubles.includes(key)) {
      const d = Buffer.alloc(8);
      d.writeDoubleLE(value);
      parts.push(Buffer.from([0x01]), name, d);
    } else if (typeof value === 'number') {
      const i = Buffer.alloc(4);
      i.writeInt32LE(value);
      parts.push(Buffer.from([0x10]), name, i);
    } else {
      const s = Buffer.from(`${value}\0`, 'utf8');
      const len = Buffer.alloc(4);
      len.writeInt32LE(s.length);
      parts.push(Buffer.from([0x02]), name, len, s);
    }
  }
  const body = Buffer.concat(parts);
  const size = Buffer.alloc(4);
  size.writeInt32LE(body.length + 5);
  return Buffer.concat([size, body, Buffer.from([0])]);
}

/**
 * OP_REPLY (MongoDB legacy wire protocol): MsgHeader {messageLength, requestID, responseTo,
 * opCode 1}, int32 responseFlags, int64 cursorID, int32 startingFrom, int32 numberReturned,
 * then the documents.
 */
export function mongoOpReply(responseTo: number, doc: Buffer): Uint8Array {
  const body = Buffer.alloc(20);
  body.writeInt32LE(8, 0); // AwaitCapable
  body.writeInt32LE(1, 16); // numberReturned
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + body.length + doc.length, 0);
  header.writeInt32LE(7, 4);
  header.writeInt32LE(responseTo, 8);
  header.writeInt32LE(1, 12);
  return new Uint8Array(Buffer.concat([header, body, doc]));
}
