import { describe, expect, it } from 'vitest';
import { DNS_QUERY_ID, parseVersionBindReply, versionBindQuery } from './dns-version.js';
import { dnsVersionAnswer } from './testdata/builders.js';

describe('versionBindQuery', () => {
  it('is a TCP-framed query for version.bind, class CH, type TXT (RFC 1035 §4.1, §4.2.2)', () => {
    const q = Buffer.from(versionBindQuery());
    expect(q.readUInt16BE(0)).toBe(q.length - 2);
    expect(q.readUInt16BE(2)).toBe(DNS_QUERY_ID);
    expect(q.readUInt16BE(4)).toBe(0x0100); // standard query, recursion desired
    expect([q.readUInt16BE(6), q.readUInt16BE(8), q.readUInt16BE(10), q.readUInt16BE(12)]).toEqual([1, 0, 0, 0]);
    expect(q.subarray(14, 28).toString('latin1')).toBe('\x07version\x04bind\x00');
    expect([q.readUInt16BE(28), q.readUInt16BE(30)]).toEqual([16, 3]);
    expect(q.length).toBe(32);
  });
});

describe('parseVersionBindReply', () => {
  it('reads the TXT string and the rcode', () => {
    expect(parseVersionBindReply(dnsVersionAnswer(DNS_QUERY_ID, 'dnsmasq-2.90'))).toEqual({ rcode: 0, version: 'dnsmasq-2.90' });
    expect(parseVersionBindReply(dnsVersionAnswer(DNS_QUERY_ID, undefined, 5))).toEqual({ rcode: 5 });
  });

  it('rejects another id, a query (QR clear) and short input', () => {
    expect(parseVersionBindReply(dnsVersionAnswer(DNS_QUERY_ID + 1, 'x'))).toBeUndefined();
    expect(parseVersionBindReply(versionBindQuery())).toBeUndefined();
    expect(parseVersionBindReply(Uint8Array.from([0, 12, 0x68, 0x6d]))).toBeUndefined();
  });

  it('stops safely on a truncated answer or a TXT length beyond the record', () => {
    const full = dnsVersionAnswer(DNS_QUERY_ID, 'dnsmasq-2.90');
    for (let n = 14; n < full.length; n++) {
      const r = parseVersionBindReply(full.subarray(0, n));
      expect(r?.version === undefined || 'dnsmasq-2.90'.startsWith(r.version)).toBe(true);
    }
    const lying = full.slice();
    lying[lying.length - 13] = 200; // TXT string length larger than rdlength
    expect(parseVersionBindReply(lying)?.version?.length ?? 0).toBeLessThanOrEqual(12);
  });

  it('bounds a name made of endless labels', () => {
    const labels = Array.from({ length: 200 }, () => [1, 0x61]).flat();
    const msg = [DNS_QUERY_ID >> 8, DNS_QUERY_ID & 0xff, 0x84, 0, 0, 1, 0, 1, 0, 0, 0, 0, ...labels, 0, 0, 16, 0, 3];
    const framed = Uint8Array.from([msg.length >> 8, msg.length & 0xff, ...msg]);
    expect(parseVersionBindReply(framed)).toEqual({ rcode: 0 });
  });
});
