/**
 * Fuzzing the binary and text parsers behind service identification, called directly (the
 * whole identifyService path is fuzzed in identify.fuzz.test.ts): MySQL greetings, the DNS
 * version.bind answer, telnet/MQTT/PostgreSQL/MongoDB replies and HTTP/RTSP/SIP reply heads,
 * each fed recorded captures and builder-made answers, mutated. Rules: nothing throws; every
 * Match is plain text within the rule caps; raw values stay within each parser's own caps.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectBoundedText, fuzz, hostileBytes } from '../../../test/support/fuzz.js';
import { DNS_QUERY_ID, parseVersionBindReply } from './dns-version.js';
import { mysqlMatch, parseMysqlGreeting } from './mysql.js';
import { mongodbMatch, mqttConnackMatch, postgresMatch, telnetMatch, MONGODB_REQUEST_ID } from './replies.js';
import { parseReplyHead } from './reply-head.js';
import { MAX_EXTRA_CHARS, MAX_VERSION_CHARS, type Match } from './rule.js';
import { bson, dnsVersionAnswer, latin1, loadCaptures, mongoOpReply, mysqlErrPacket, mysqlHandshakeV10 } from './testdata/builders.js';

const CAPTURES = [...loadCaptures().values()].map((c) => c.bytes);

function checkMatch(m: Match | undefined): void {
  if (!m) return;
  expectBoundedText(m, 200);
  expect((m.version ?? '').length).toBeLessThanOrEqual(MAX_VERSION_CHARS);
  expect((m.extra ?? '').length).toBeLessThanOrEqual(MAX_EXTRA_CHARS);
  expect(m.confidence >= 0 && m.confidence <= 10).toBe(true);
}

describe('service wire parsers fuzz', () => {
  it('fuzz: MySQL/MariaDB greetings and error packets', async ({ task }) => {
    const seeds = [
      mysqlHandshakeV10('8.0.36'),
      mysqlHandshakeV10('5.5.5-10.11.6-MariaDB-0+deb12u1'),
      mysqlErrPacket(1130, "Host '10.0.0.5' is not allowed to connect to this MariaDB server"),
      mysqlErrPacket(1040, '#08004Too many connections'),
    ];
    await fuzz(task, 'scan/service mysql', hostileBytes(seeds, 200), (b) => {
      const g = parseMysqlGreeting(b);
      if (g?.kind === 'handshake') expect(g.version).toMatch(/^[0-9][\x20-\x7e]{0,79}$/);
      if (g?.kind === 'error') expect(g.message.length).toBeLessThanOrEqual(200);
      checkMatch(mysqlMatch(b));
    }, 4000);
  });

  it('fuzz: DNS version.bind answers', async ({ task }) => {
    const seeds = [dnsVersionAnswer(DNS_QUERY_ID, 'dnsmasq-2.90'), dnsVersionAnswer(DNS_QUERY_ID, undefined, 5), dnsVersionAnswer(DNS_QUERY_ID, '9.18.28-1~deb12u2-Debian')];
    await fuzz(task, 'scan/service dns-version', hostileBytes(seeds, 600), (b) => {
      const r = parseVersionBindReply(b);
      if (r) {
        expect(r.rcode >= 0 && r.rcode <= 15).toBe(true);
        expect((r.version ?? '').length).toBeLessThanOrEqual(255);
      }
    }, 4000);
  });

  it('fuzz: telnet, MQTT CONNACK, PostgreSQL and MongoDB replies', async ({ task }) => {
    const seeds = [
      ...CAPTURES,
      Uint8Array.from([0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20, 0xff, 0xfb, 0x01]),
      Uint8Array.from([0x20, 0x02, 0x00, 0x05]),
      latin1('N'),
      latin1('EFATAL'),
      mongoOpReply(MONGODB_REQUEST_ID, bson({ ismaster: true, maxWireVersion: 17, version: '6.0.12', ok: 1 }, ['ok'])),
    ];
    await fuzz(task, 'scan/service replies', hostileBytes(seeds, 400), (b) => {
      for (const f of [telnetMatch, mqttConnackMatch, postgresMatch, mongodbMatch]) checkMatch(f(b));
    }, 4000);
  });

  it('fuzz: HTTP/RTSP/SIP reply heads', async ({ task }) => {
    const seeds = [
      ...CAPTURES.map((c) => Buffer.from(c).toString('latin1')).filter((t) => t.startsWith('HTTP/')),
      'RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: LIVE555 Streaming Media v2013.04.08\r\nPublic: OPTIONS, DESCRIBE\r\n\r\n',
      'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.2\r\nUser-Agent: FRITZ!OS\r\nAllow: INVITE, ACK\r\n\r\n',
    ];
    const text = fc.oneof(fc.tuple(hostileBytes(seeds.map((s) => latin1(s)), 600), fc.boolean()).map(([b, utf8]) => b.toString(utf8 ? 'utf8' : 'latin1')));
    await fuzz(task, 'scan/service reply-head', text, (t) => {
      const h = parseReplyHead(t);
      if (!h) return;
      expect(['HTTP', 'RTSP', 'SIP']).toContain(h.protocol);
      expect(h.headers.size).toBeLessThanOrEqual(100);
      for (const v of h.headers.values()) expect(v.length).toBeLessThanOrEqual(512);
    }, 4000);
  });
});
