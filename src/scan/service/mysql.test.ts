import { describe, expect, it } from 'vitest';
import { mysqlMatch, parseMysqlGreeting } from './mysql.js';
import { mysqlErrPacket, mysqlHandshakeV10 } from './testdata/builders.js';

describe('parseMysqlGreeting', () => {
  it('reads the version of a HandshakeV10', () => {
    expect(parseMysqlGreeting(mysqlHandshakeV10('8.0.39-0ubuntu0.22.04.1'))).toEqual({ kind: 'handshake', version: '8.0.39-0ubuntu0.22.04.1' });
  });

  it('reads code and message of an ERR packet, with or without the #SQLSTATE marker', () => {
    expect(parseMysqlGreeting(mysqlErrPacket(1130, "Host 'x' is not allowed"))).toEqual({ kind: 'error', code: 1130, message: "Host 'x' is not allowed" });
    expect(parseMysqlGreeting(mysqlErrPacket(1040, '#08004Too many connections'))).toEqual({ kind: 'error', code: 1040, message: 'Too many connections' });
  });

  it('rejects what is not a greeting', () => {
    const good = mysqlHandshakeV10('8.0.39');
    const wrongSeq = good.slice();
    wrongSeq[3] = 1;
    expect(parseMysqlGreeting(wrongSeq)).toBeUndefined();
    expect(parseMysqlGreeting(mysqlHandshakeV10('abc'))).toBeUndefined();
    expect(parseMysqlGreeting(mysqlHandshakeV10('8.0\x1b[2J'))).toBeUndefined();
    expect(parseMysqlGreeting(mysqlHandshakeV10(`8.${'9'.repeat(100)}`))).toBeUndefined();
    expect(parseMysqlGreeting(mysqlErrPacket(99, 'low code'))).toBeUndefined();
    expect(parseMysqlGreeting(Uint8Array.from([0x05, 0, 0, 0, 0x0a]))).toBeUndefined();
    expect(parseMysqlGreeting(new TextEncoder().encode('SSH-2.0-OpenSSH_9.2p1\r\n'))).toBeUndefined();
  });

  it('does not read past the packet length for the version', () => {
    const packet = mysqlHandshakeV10('8.0.39');
    packet[0] = 4; // payload claims 4 bytes: "\x0a8.0" with no NUL inside
    expect(parseMysqlGreeting(packet)).toBeUndefined();
  });
});

describe('mysqlMatch', () => {
  it('keeps an unusual version text as extra without inventing a version', () => {
    const m = mysqlMatch(mysqlHandshakeV10('5.7'));
    expect(m).toMatchObject({ name: 'mysql', product: 'mysql', extra: '5.7', confidence: 8 });
    expect(m?.version).toBeUndefined();
  });

  it('names an unknown error code', () => {
    expect(mysqlMatch(mysqlErrPacket(1045, 'Access denied'))).toMatchObject({ extra: 'error 1045' });
  });
});
