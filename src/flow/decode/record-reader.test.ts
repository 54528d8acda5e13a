import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { ipv4ToText as ipv4ToString, ipv6ToText as ipv6ToString } from '../ip-text.js';
import { ntpToMs, readUint } from './record-reader.js';

describe('record-reader primitives', () => {
  it('formats IPv6 per RFC 5952 (cross-checked against ipaddr.js)', () => {
    expect(ipv6ToString(Buffer.from(ipaddr.parse('2001:db8:0:0:1:0:0:1').toByteArray()), 0)).toBe('2001:db8::1:0:0:1');
    expect(ipv6ToString(Buffer.alloc(16), 0)).toBe('::');
    expect(ipv6ToString(Buffer.from(ipaddr.parse('::1').toByteArray()), 0)).toBe('::1');
    expect(ipv6ToString(Buffer.from(ipaddr.parse('2001:db8:0:1:1:1:1:1').toByteArray()), 0)).toBe('2001:db8:0:1:1:1:1:1');
    expect(ipv6ToString(Buffer.from(ipaddr.parse('::ffff:10.1.2.3').toByteArray()), 0)).toBe('::ffff:10.1.2.3');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.boolean(), (bytes, sparse) => {
        const b = Buffer.from(bytes);
        if (sparse) for (let i = 0; i < 16; i += 2) if (b[i]! & 1) b.writeUInt16BE(0, i);
        const ours = ipv6ToString(b, 0);
        const addr = ipaddr.IPv6.parse(ours);
        expect(Buffer.from(addr.toByteArray()).equals(b)).toBe(true);
        if (!addr.isIPv4MappedAddress()) expect(ours).toBe(addr.toRFC5952String());
      }),
      { numRuns: 5000, seed: 99 },
    );
  });

  it('formats IPv4 and reads unsigned integers of 1..8 octets', () => {
    expect(ipv4ToString(Buffer.from([0, 255, 10, 1]), 0)).toBe('0.255.10.1');
    const b = Buffer.from([0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0x08]);
    for (let len = 1; len <= 8; len++) {
      expect(readUint(b, 0, len)).toBe(Number(BigInt('0x' + b.subarray(0, len).toString('hex'))));
    }
  });

  it('converts NTP timestamps, including NTP era 1 after 2036', () => {
    const b = Buffer.alloc(8);
    b.writeUInt32BE(2_208_988_800 + 1_700_000_000, 0);
    b.writeUInt32BE(0x80000000, 4);
    expect(ntpToMs(b, 0)).toBe(1_700_000_000_500);
    b.writeUInt32BE(10, 0); // 2036-02-07T06:28:26Z
    b.writeUInt32BE(0, 4);
    expect(ntpToMs(b, 0)).toBe((2 ** 32 - 2_208_988_800 + 10) * 1000);
  });
});
