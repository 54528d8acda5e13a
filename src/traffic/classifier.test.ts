import { describe, expect, it } from 'vitest';
import { createClassifier, ipv4ToInt } from './classifier.js';

describe('classifier', () => {
  const c = createClassifier(['192.168.0.0/16', '10.0.0.0/8', '172.16.0.0/12', 'fd00::/8']);
  it('classifies IPv4 by CIDR', () => {
    for (const ip of ['192.168.1.10', '10.255.255.255', '172.16.0.1', '172.31.255.254']) expect(c.isInternal(ip), ip).toBe(true);
    for (const ip of ['8.8.8.8', '172.32.0.1', '192.169.0.1', '11.0.0.1', '0.0.0.0']) expect(c.isInternal(ip), ip).toBe(false);
  });
  it('classifies IPv6 and v4-mapped IPv6', () => {
    expect(c.isInternal('fd12:3456::1')).toBe(true);
    expect(c.isInternal('2001:db8::1')).toBe(false);
    expect(c.isInternal('::ffff:192.168.1.1')).toBe(true);
  });
  it('treats garbage as external', () => {
    for (const ip of ['', '10.0.0', '10.0.0.256', '10.0.0.1.', '1000.0.0.1', 'abc', '10..0.1', '<img src=x>']) {
      expect(c.isInternal(ip), ip).toBe(false);
    }
  });
  it('parses IPv4 text', () => {
    expect(ipv4ToInt('255.255.255.255')).toBe(0xffffffff);
    expect(ipv4ToInt('1.2.3.4')).toBe(0x01020304);
    expect(ipv4ToInt('1.2.3')).toBe(-1);
  });
  it('a /0 matches everything; /32 only itself', () => {
    expect(createClassifier(['0.0.0.0/0']).isInternal('8.8.8.8')).toBe(true);
    const one = createClassifier(['10.1.2.3/32']);
    expect(one.isInternal('10.1.2.3')).toBe(true);
    expect(one.isInternal('10.1.2.4')).toBe(false);
  });
});
