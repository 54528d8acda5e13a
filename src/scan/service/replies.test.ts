import { describe, expect, it } from 'vitest';
import { mongodbIsMasterQuery, mongodbMatch, MONGODB_REQUEST_ID, mqttConnackMatch, postgresMatch, telnetMatch } from './replies.js';
import { bson, mongoOpReply } from './testdata/builders.js';

describe('mqttConnackMatch', () => {
  it('reads the MQTT 3.1.1 return codes (§3.2.2.3)', () => {
    const codes = [0, 1, 2, 3, 4, 5].map((c) => mqttConnackMatch(Uint8Array.from([0x20, 2, 0, c]))?.extra);
    expect(codes).toEqual([
      'connection accepted',
      'unacceptable protocol version',
      'identifier rejected',
      'server unavailable',
      'bad user name or password',
      'not authorized',
    ]);
    expect(mqttConnackMatch(Uint8Array.from([0x20, 2, 1, 0]))?.extra).toBe('connection accepted');
    expect(mqttConnackMatch(Uint8Array.from([0x20, 2, 0, 9]))?.extra).toBe('return code 9');
  });

  it('accepts an MQTT 5 CONNACK with properties and rejects other packets', () => {
    expect(mqttConnackMatch(Uint8Array.from([0x20, 0x09, 0x00, 0x00, 0x06, 0x22, 0x00, 0x0a, 0x21, 0x00, 0x14]))?.name).toBe('mqtt');
    expect(mqttConnackMatch(Uint8Array.from([0x30, 2, 0, 0]))).toBeUndefined();
    expect(mqttConnackMatch(Uint8Array.from([0x20, 2, 0x80, 0]))).toBeUndefined();
    expect(mqttConnackMatch(Uint8Array.from([0x20, 0]))).toBeUndefined();
  });
});

describe('telnetMatch', () => {
  it('needs IAC followed by WILL, WONT, DO or DONT', () => {
    expect(telnetMatch(Uint8Array.from([0xff, 0xfb, 0x01]))?.name).toBe('telnet');
    expect(telnetMatch(Uint8Array.from([0xff, 0xfa, 0x01]))).toBeUndefined();
    expect(telnetMatch(Uint8Array.from([0x41, 0xfb, 0x01]))).toBeUndefined();
  });
});

describe('postgresMatch', () => {
  it('knows S, N and an ErrorResponse, nothing else', () => {
    expect(postgresMatch(Uint8Array.of(0x53))?.extra).toBe('TLS available');
    expect(postgresMatch(Uint8Array.of(0x4e))?.extra).toBe('TLS not offered');
    expect(postgresMatch(Uint8Array.of(0x4e, 0x4e))).toBeUndefined();
    expect(postgresMatch(new TextEncoder().encode('E\0\0\0\x10hello world'))).toBeUndefined();
  });
});

describe('mongodbIsMasterQuery / mongodbMatch', () => {
  it('builds an OP_QUERY on admin.$cmd for {isMaster: 1}', () => {
    const q = Buffer.from(mongodbIsMasterQuery());
    expect(q.readInt32LE(0)).toBe(q.length);
    expect(q.readInt32LE(4)).toBe(MONGODB_REQUEST_ID);
    expect(q.readInt32LE(12)).toBe(2004);
    expect(q.subarray(20, 31).toString('latin1')).toBe('admin.$cmd\0');
    const doc = q.subarray(39);
    expect(doc.readInt32LE(0)).toBe(doc.length);
    expect(Buffer.compare(doc, bson({ isMaster: 1 }))).toBe(0);
  });

  it('accepts isWritablePrimary (MongoDB 5+) and ignores replies without the handshake key', () => {
    expect(mongodbMatch(mongoOpReply(MONGODB_REQUEST_ID, bson({ isWritablePrimary: true, maxWireVersion: 25 })))?.extra).toBe('wire version 25');
    expect(mongodbMatch(mongoOpReply(MONGODB_REQUEST_ID, bson({ ok: 0, errmsg: 'no' })))).toBeUndefined();
    const short = mongoOpReply(MONGODB_REQUEST_ID, bson({ ismaster: true }));
    expect(mongodbMatch(short.subarray(0, 30))).toBeUndefined();
  });
});
