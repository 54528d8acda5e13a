/**
 * Small binary answers that name a protocol: telnet option negotiation, MQTT CONNACK,
 * PostgreSQL's answer to SSLRequest, MongoDB's answer to isMaster.
 *
 * Rules:
 * - Each recogniser looks at the first bytes only, checks every length it reads and returns a
 *   Match (rule.ts) or undefined. None of them names a product the bytes do not name: an MQTT
 *   CONNACK looks the same from Mosquitto, EMQX or HiveMQ.
 * - The probe payloads these answer are built in probes.ts from the constants here.
 * - Pure, bounded, never throw.
 */
import { makeMatch, type Match } from './rule.js';

/** RFC 854: IAC, and the option verbs WILL (251) … DONT (254). */
const IAC = 0xff;
const WILL = 0xfb;
const DONT = 0xfe;

/** A server that opens with telnet option negotiation (IAC WILL/WONT/DO/DONT). */
export function telnetMatch(b: Uint8Array): Match | undefined {
  if (b.length < 3 || b[0] !== IAC) return undefined;
  const verb = b[1] ?? 0;
  if (verb < WILL || verb > DONT) return undefined;
  return makeMatch({ name: 'telnet' });
}

/** MQTT 3.1.1 §3.2.2.3 CONNACK return codes. */
const CONNACK_CODES: readonly string[] = [
  'connection accepted',
  'unacceptable protocol version',
  'identifier rejected',
  'server unavailable',
  'bad user name or password',
  'not authorized',
];

/**
 * An MQTT CONNACK (fixed header 0x20, remaining length 2 in MQTT 3.1.1 §3.2, longer with
 * MQTT 5 properties): name mqtt, extra the return code's meaning.
 */
export function mqttConnackMatch(b: Uint8Array): Match | undefined {
  if (b.length < 4 || b[0] !== 0x20) return undefined;
  const remaining = b[1] ?? 0;
  if (remaining < 2 || remaining > 127) return undefined;
  const flags = b[2] ?? 0;
  if ((flags & 0xfe) !== 0) return undefined;
  const code = b[3] ?? 0;
  const meaning = remaining === 2 ? CONNACK_CODES[code] : code === 0 ? 'connection accepted' : undefined;
  return makeMatch({ name: 'mqtt', extra: meaning ?? `return code ${code}` });
}

/** PostgreSQL SSLRequest (docs "Frontend/Backend Protocol", Message Formats): Int32 length 8, Int32 code 80877103. */
export const POSTGRES_SSL_REQUEST: Uint8Array = Uint8Array.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

/**
 * PostgreSQL's answer to SSLRequest: the single byte 'S' (will do TLS) or 'N' (will not), or
 * an ErrorResponse ('E', int32 length, fields such as "SFATAL"). Only trusted as the answer to
 * our SSLRequest (a lone byte means nothing elsewhere).
 */
export function postgresMatch(b: Uint8Array): Match | undefined {
  const first = b[0];
  if (b.length === 1 && (first === 0x53 || first === 0x4e)) {
    return makeMatch({
      name: 'postgresql',
      product: 'postgresql',
      productName: 'PostgreSQL DB',
      extra: first === 0x53 ? 'TLS available' : 'TLS not offered',
      cpe: ['postgresql:postgresql'],
    });
  }
  if (first === 0x45 && b.length >= 9) {
    let text = '';
    for (let i = 5; i < Math.min(b.length, 200); i++) text += String.fromCharCode(b[i] ?? 0);
    if (/S(?:FATAL|ERROR)\0/.test(text) || /^FATAL: /.test(text)) {
      return makeMatch({ name: 'postgresql', product: 'postgresql', productName: 'PostgreSQL DB', cpe: ['postgresql:postgresql'] });
    }
  }
  return undefined;
}

/** Request id of our isMaster query; the reply must answer it (responseTo). */
export const MONGODB_REQUEST_ID = 0x686f6d65;

/**
 * OP_QUERY on admin.$cmd for {isMaster: 1}: the legacy handshake every MongoDB server from
 * 2.x to 8.x still answers (OP_QUERY is kept for hello/isMaster only since 5.1).
 */
export function mongodbIsMasterQuery(): Uint8Array {
  const bson = Buffer.concat([Buffer.from([19, 0, 0, 0, 0x10]), Buffer.from('isMaster\0', 'latin1'), Buffer.from([1, 0, 0, 0, 0])]);
  const body = Buffer.concat([
    Buffer.from([0, 0, 0, 0]),
    Buffer.from('admin.$cmd\0', 'latin1'),
    Buffer.from([0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]),
    bson,
  ]);
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + body.length, 0);
  header.writeInt32LE(MONGODB_REQUEST_ID, 4);
  header.writeInt32LE(0, 8);
  header.writeInt32LE(2004, 12);
  return new Uint8Array(Buffer.concat([header, body]));
}

const OP_REPLY = 1;
const OP_MSG = 2013;
const MAX_MONGO_SCAN = 4096;

function indexOf(b: Uint8Array, needle: Uint8Array, from: number, to: number): number {
  outer: for (let i = from; i + needle.length <= to; i++) {
    for (let k = 0; k < needle.length; k++) if (b[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

const ISMASTER_KEY = Buffer.from('\x08ismaster\0', 'latin1');
const WRITABLE_PRIMARY_KEY = Buffer.from('\x08isWritablePrimary\0', 'latin1');
const MAX_WIRE_KEY = Buffer.from('\x10maxWireVersion\0', 'latin1');

/**
 * MongoDB's answer to mongodbIsMasterQuery(): a message answering our request id (OP_REPLY,
 * or OP_MSG) whose document has the boolean `ismaster` / `isWritablePrimary`. extra gives the
 * wire version (the protocol level, not the server version).
 */
export function mongodbMatch(b: Uint8Array): Match | undefined {
  if (b.length < 36) return undefined;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const length = view.getInt32(0, true);
  const responseTo = view.getInt32(8, true);
  const opCode = view.getInt32(12, true);
  if (length < 36 || responseTo !== MONGODB_REQUEST_ID || (opCode !== OP_REPLY && opCode !== OP_MSG)) return undefined;
  const end = Math.min(b.length, length, MAX_MONGO_SCAN);
  if (indexOf(b, ISMASTER_KEY, 16, end) < 0 && indexOf(b, WRITABLE_PRIMARY_KEY, 16, end) < 0) return undefined;
  const wire = indexOf(b, MAX_WIRE_KEY, 16, end);
  let extra: string | undefined;
  if (wire >= 0 && wire + MAX_WIRE_KEY.length + 4 <= end) {
    const n = view.getInt32(wire + MAX_WIRE_KEY.length, true);
    if (n >= 0 && n < 1000) extra = `wire version ${n}`;
  }
  return makeMatch({ name: 'mongodb', product: 'mongodb', productName: 'MongoDB', extra, cpe: ['mongodb:mongodb'] });
}
