import { describe, expect, it } from 'vitest';
import { fixture } from '../test-kit.js';
import { classifyToken, parseFeed, splitCsv } from './parse.js';

describe('parseFeed formats', () => {
  it('Feodo Tracker ipblocklist.txt (CRLF, # comments, one IP a line)', () => {
    const f = parseFeed(fixture('feodo-ipblocklist.txt'), 'feodo');
    expect(f.ips).toEqual(['203.0.113.9', '198.51.100.77', '192.0.2.200']);
    expect(f.cidrs).toEqual([]);
    expect(f.domains).toEqual([]);
    expect(f.comments).toBe(9);
    expect(f.errors).toEqual({ invalid: 0, tooLong: 0, binary: 0, overCap: 0, tooBroad: 0 });
  });

  it('Feodo Tracker CSV with quoted fields: the dst_ip column, IPv6 included', () => {
    const f = parseFeed(fixture('feodo-ipblocklist.csv'), 'feodo-csv');
    expect(f.ips).toEqual(['203.0.113.9', '198.51.100.77', '2001:db8:dead::beef']);
    expect(f.errors.invalid).toBe(0);
  });

  it('URLhaus hostfile: 127.0.0.1<TAB>domain, CRLF; an IP in the host column is an IP', () => {
    const f = parseFeed(fixture('urlhaus-hostfile.txt'), 'urlhaus');
    expect(f.domains).toEqual(['malware.example.com', 'drop.bad.example', 'stage2.evil.example']);
    expect(f.ips).toEqual([]);
    expect(f.errors.invalid).toBe(1); // "127.0.0.1 192.0.2.66": a sink line without a domain
  });

  it('hosts files with several names a line and 0.0.0.0 sinks; localhost entries ignored', () => {
    const f = parseFeed('0.0.0.0 a.bad.example b.bad.example\n127.0.0.1 localhost\n::1 ip6-localhost\n0.0.0.0 c.bad.example # note\n', 'hosts');
    expect(f.domains).toEqual(['a.bad.example', 'b.bad.example', 'c.bad.example']);
  });

  it('CIDR lists with ; comments: networks normalised, too broad refused', () => {
    const f = parseFeed(fixture('drop-cidr.txt'), 'drop');
    expect(f.cidrs).toEqual(['203.0.113.128/25', '198.51.100.0/26', '2001:db8:bad::/48']);
    expect(f.errors.tooBroad).toBe(1);
    const g = parseFeed('10.1.2.3/8\n192.0.2.77/32\n2001:db8::1/128\n1.2.3.4/33\n1.2.3.4/x\n', 'g');
    expect(g.cidrs).toEqual(['10.0.0.0/8']);
    expect(g.ips).toEqual(['192.0.2.77', '2001:db8::1']);
    expect(g.errors.invalid).toBe(2);
  });

  it('domain lists: plain, wildcard, adblock, URLs, trailing dots and capitals', () => {
    const f = parseFeed(fixture('domains.txt'), 'domains');
    expect(f.domains).toEqual(['evil.example', 'phish.example', 'tracker.bad.example', 'download.malware.example', 'cdn.mixed-case.example']);
    expect(f.errors.invalid).toBe(1);
  });

  it('plain IP lists with ports, brackets and extra columns; IPv4-mapped IPv6 becomes IPv4', () => {
    const f = parseFeed('198.51.100.1:443\n[2001:db8::5]:8443\n198.51.100.2\t12\tbotnet\n::ffff:198.51.100.3\n', 'x');
    expect(f.ips).toEqual(['198.51.100.1', '2001:db8::5', '198.51.100.2', '198.51.100.3']);
  });

  it('helpers: CSV quotes, token classification', () => {
    expect(splitCsv('"a,b","c""d",e')).toEqual(['a,b', 'c"d', 'e']);
    expect(classifyToken('http://[2001:db8::7]:80/x')).toEqual({ kind: 'ip', text: '2001:db8::7' });
    expect(classifyToken('127.1')).toBeUndefined();
    expect(classifyToken('123456')).toBeUndefined();
    expect(classifyToken('<script>')).toBeUndefined();
  });
});

describe('parseFeed is bounded on hostile input', () => {
  it('10^6 lines: parsing stops at maxEntries and counts the rest', () => {
    const lines: string[] = [];
    for (let i = 0; i < 1_000_000; i++) lines.push(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    const text = lines.join('\n');
    const t0 = Date.now();
    const f = parseFeed(text, 'big', { maxEntries: 100_000, maxLineLength: 4096 });
    expect(f.ips.length).toBe(100_000);
    expect(f.errors.overCap).toBe(900_000);
    expect(f.lines).toBe(1_000_000);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('10^6 garbage lines cost a bounded, counted error each', () => {
    const f = parseFeed('<<garbage>> %%\n'.repeat(1_000_000), 'junk', { maxEntries: 10, maxLineLength: 100 });
    expect(f.ips.length + f.domains.length + f.cidrs.length).toBe(0);
    expect(f.errors.invalid).toBe(1_000_000);
  });

  it('binary data and invalid UTF-8 are counted, never parsed', () => {
    const bytes = Buffer.alloc(64 * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 255;
    const withGood = Buffer.concat([bytes, Buffer.from('\n198.51.100.9\n'), Buffer.from([0xc3, 0x28, 0x0a]), Buffer.from('evil\u0000.example\n')]);
    const f = parseFeed(withGood, 'bin');
    expect(f.ips).toEqual(['198.51.100.9']);
    expect(f.domains).toEqual([]);
    expect(f.errors.binary).toBeGreaterThan(0);
  });

  it('a 1 MB line is skipped without being parsed and the next line still counts', () => {
    const f = parseFeed(`${'a'.repeat(1024 * 1024)}\n198.51.100.10\n${'1.2.3.4,'.repeat(200_000)}\n`, 'long');
    expect(f.errors.tooLong).toBe(2);
    expect(f.ips).toEqual(['198.51.100.10']);
  });
});
