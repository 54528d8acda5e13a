import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { canonicalIp, isEnrichable, parseIp } from './ip.js';
import { cleanHostname, cleanText } from './sanitise.js';

describe('ip helpers', () => {
  it('parse strictly and canonicalise; IPv4-mapped IPv6 is IPv4', () => {
    expect(parseIp('198.51.100.7')).toEqual({ v: 4, n: 0xc6336407 });
    expect(canonicalIp('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(canonicalIp('::ffff:198.51.100.7')).toBe('198.51.100.7');
    for (const bad of ['127.1', '1.2.3.4.5', '256.1.1.1', 'fe80::1%eth0', '', 'x'.repeat(100), '1.2.3.4/24']) expect(canonicalIp(bad), bad).toBeUndefined();
  });

  it('only public addresses are enrichable (never sent to a provider)', () => {
    for (const ip of ['198.51.100.7', '8.8.8.8', '2606:4700::1111']) expect(isEnrichable(ip), ip).toBe(true);
    for (const ip of ['10.0.0.1', '192.168.1.1', '127.0.0.1', '169.254.1.1', '100.64.0.1', '224.0.0.1', 'fd00::1', 'fe80::1', '::1', '0.0.0.0', '::ffff:10.0.0.1', 'nope']) {
      expect(isEnrichable(ip), ip).toBe(false);
    }
  });

  it('IPv4 is judged exactly as ipaddr.js ranges it: both sides of every special range boundary, and random addresses', () => {
    const judged = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
    const byIpaddr = (text: string) => !['unspecified', 'broadcast', 'multicast', 'linkLocal', 'loopback', 'private', 'carrierGradeNat'].includes(ipaddr.parse(text).range());
    const probes: number[] = [];
    for (const ranges of Object.values((ipaddr.IPv4.prototype as unknown as { SpecialRanges: Record<string, [ipaddr.IPv4, number][]> }).SpecialRanges)) {
      for (const [addr, len] of ranges) {
        const net = addr.toByteArray().reduce((a, b) => a * 256 + b, 0);
        const size = 2 ** (32 - len);
        for (const n of [net - 1, net, net + 1, net + size - 1, net + size]) if (n >= 0 && n <= 0xffffffff) probes.push(n);
      }
    }
    let seed = 12345;
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      probes.push(seed);
    }
    for (const n of probes) expect(isEnrichable(judged(n)), judged(n)).toBe(byIpaddr(judged(n)));
  });
});

describe('sanitise', () => {
  it('hostnames: lowercase, bounded, plain labels, not numeric', () => {
    expect(cleanHostname('Mail.Example.COM.')).toBe('mail.example.com');
    expect(cleanHostname('_dmarc.example.com')).toBe('_dmarc.example.com');
    for (const bad of ['123456', 'localhost', 'a..b', '-a.example', `${'a'.repeat(64)}.example`, `${'a.'.repeat(130)}example`, 'evil.example\u0000', '1.2.3.4', 42]) {
      expect(cleanHostname(bad), String(bad)).toBeUndefined();
    }
  });

  it('text: control and bidi characters removed, whitespace collapsed, bounded', () => {
    expect(cleanText('a\u0000b\u202ec\r\n  d', 100)).toBe('a b c d');
    expect(cleanText('x'.repeat(10_000), 10)).toBe('x'.repeat(10));
    expect(cleanText('   ')).toBeUndefined();
    expect(cleanText(5)).toBeUndefined();
  });
});
