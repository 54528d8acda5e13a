/**
 * MySQL / MariaDB greeting parser (server speaks first on 3306).
 *
 * Rules:
 * - The greeting is one packet: 3-byte little-endian payload length, sequence id 0, payload
 *   (MySQL "Protocol::Packet"). The payload is either Protocol::HandshakeV10 (first byte 10,
 *   then the NUL-terminated server version; dev.mysql.com page_protocol_connection_phase_
 *   packets_protocol_handshake_v10) or an ERR packet (0xff, 2-byte error code, message) when
 *   the server refuses the client before the handshake (e.g. 1130 "Host ... is not allowed").
 * - MariaDB 10.x prefixes its version with "5.5.5-" for old replication clients
 *   (mariadb.com/kb "Connection": str_6 "version prefix for MySQL replication = 5.5.5-").
 * - The version must be short printable ASCII starting with a digit and end with NUL within
 *   MAX_VERSION_BYTES; anything else is not a greeting. Pure, bounded, never throws.
 */
import { makeMatch, type Match } from './rule.js';

const MAX_VERSION_BYTES = 80;
const MAX_MESSAGE_BYTES = 200;
const PROTOCOL_V10 = 0x0a;
const ERR_PACKET = 0xff;

export type MysqlGreeting = { kind: 'handshake'; version: string } | { kind: 'error'; code: number; message: string };

function ascii(bytes: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(bytes[i] ?? 0);
  return s;
}

/** Parses the first packet a MySQL-protocol server sends, or returns undefined when `b` is not one. */
export function parseMysqlGreeting(b: Uint8Array): MysqlGreeting | undefined {
  if (b.length < 6) return undefined;
  const length = (b[0] ?? 0) | ((b[1] ?? 0) << 8) | ((b[2] ?? 0) << 16);
  if (b[3] !== 0 || length < 2) return undefined;
  const end = Math.min(b.length, 4 + length);
  if (b[4] === PROTOCOL_V10) {
    const limit = Math.min(end, 5 + MAX_VERSION_BYTES);
    let i = 5;
    while (i < limit && b[i] !== 0) {
      const c = b[i] ?? 0;
      if (c < 0x20 || c > 0x7e) return undefined;
      i++;
    }
    if (i >= limit || i === 5) return undefined;
    const first = b[5] ?? 0;
    if (first < 0x30 || first > 0x39) return undefined;
    return { kind: 'handshake', version: ascii(b, 5, i) };
  }
  if (b[4] === ERR_PACKET && end >= 8) {
    const code = (b[5] ?? 0) | ((b[6] ?? 0) << 8);
    if (code < 1000) return undefined;
    let from = 7;
    // 4.1 protocol ERR packets may carry "#" + 5-character SQL state before the message.
    if (b[7] === 0x23 && end >= 13) from = 13;
    const message = ascii(b, from, Math.min(end, from + MAX_MESSAGE_BYTES));
    return { kind: 'error', code, message };
  }
  return undefined;
}

const MYSQL = { product: 'mysql', productName: 'MySQL', cpe: ['oracle:mysql'] } as const;
const MARIADB = { product: 'mariadb', productName: 'MariaDB', cpe: ['mariadb:mariadb'] } as const;

/** Why a server refused us, for `extra`, by MySQL error code. */
const REFUSALS: ReadonlyMap<number, string> = new Map([
  [1040, 'too many connections'],
  [1129, 'host blocked after connection errors'],
  [1130, 'host not allowed to connect'],
]);

/** The service a MySQL-protocol greeting identifies (name mysql, like nmap), or undefined. */
export function mysqlMatch(bytes: Uint8Array): Match | undefined {
  const greeting = parseMysqlGreeting(bytes);
  if (!greeting) return undefined;
  if (greeting.kind === 'error') {
    const who = /MariaDB/i.test(greeting.message) ? MARIADB : MYSQL;
    return makeMatch({ name: 'mysql', ...who, extra: REFUSALS.get(greeting.code) ?? `error ${greeting.code}` });
  }
  const v = greeting.version;
  const maria = /^(?:5\.5\.5-)?(\d{1,3}\.\d{1,3}\.\d{1,3})-MariaDB(?:-(.*))?$/i.exec(v);
  if (maria) return makeMatch({ name: 'mysql', ...MARIADB, version: maria[1], extra: maria[2], distroText: maria[2] });
  const mysql = /^(\d{1,3}\.\d{1,3}\.\d{1,3})(?:-(.*))?$/.exec(v);
  if (mysql) return makeMatch({ name: 'mysql', ...MYSQL, version: mysql[1], extra: mysql[2], distroText: mysql[2] });
  return makeMatch({ name: 'mysql', ...MYSQL, extra: v });
}
