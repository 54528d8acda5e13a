/**
 * Fuzzing the inventory's readers of what devices say about themselves (hostile-input
 * catalogue 17, 19): DHCP lease files (dnsmasq and ISC dhcpd, client-chosen hostnames),
 * the neighbour table in its three forms, and mDNS PTR answers sent by the device itself.
 * Rules: nothing throws; at most MAX_LEASES / MAX_NEIGHBOURS entries; every entry binds a
 * valid IP to a normalised unicast MAC; names are plain bounded text.
 */
import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ensure, expectBoundedText, fuzz, hostileBytes, mutatedText } from '../../test/support/fuzz.js';
import { MAX_LEASES, parseLeases } from './leases.js';
import { normaliseMac } from './mac.js';
import { parsePtrAnswer } from './mdns.js';
import { MAX_NEIGHBOURS, parseIpNeighJson, parseIpNeighText, parseProcNetArp } from './neighbours.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const LATER = Math.floor(NOW / 1000) + 3600;

const LEASES = [
  `${LATER} b8:27:eb:01:02:03 192.168.1.50 raspberrypi 01:b8:27:eb:01:02:03\n0 00:11:32:ab:cd:ef 192.168.1.10 DiskStation *\n${LATER} da:a1:19:5c:00:01 192.168.1.80 * *\nduid 00:01:00:01:2c:5e:11:22:52:54:00:aa:bb:cc\n${LATER} 1234567 fd00::50 raspberrypi 00:01:00:01:aa\n`,
  'authoring-byte-order little-endian;\nlease 192.168.1.100 {\n  starts 3 2025/12/31 10:00:00;\n  ends 5 2026/01/02 10:00:00;\n  binding state active;\n  hardware ethernet 3c:22:fb:aa:bb:cc;\n  uid "\\001<\\"\\373";\n  client-hostname "Johns-MacBook";\n}\nlease 192.168.1.102 {\n  ends never;\n  binding state active;\n  hardware ethernet b8:27:eb:00:00:02;\n  client-hostname "weird}name{";\n}\nfailover peer "x" state {\n  my state normal at 1 2025/12/01 10:00:00;\n}\n',
];
const NEIGHBOURS = [
  JSON.stringify([
    { dst: '192.168.1.1', dev: 'eth0', lladdr: 'a0:63:91:12:34:56', state: ['REACHABLE'] },
    { dst: 'fe80::1', dev: 'eth0', lladdr: 'a0:63:91:12:34:56', router: null, state: ['STALE'] },
    { dst: '192.168.1.77', dev: 'eth0', state: ['FAILED'] },
  ]),
  '192.168.1.1 dev eth0 lladdr a0:63:91:12:34:56 REACHABLE\n192.168.1.50 dev eth0 lladdr b8:27:eb:01:02:03 STALE\nfe80::1 dev eth0 lladdr a0:63:91:12:34:56 router STALE\n',
  'IP address       HW type     Flags       HW address            Mask     Device\n192.168.1.1      0x1         0x2         a0:63:91:12:34:56     *        eth0\n192.168.1.60     0x1         0x0         00:00:00:00:00:00     *        eth0\n',
];
/** An mDNS answer to buildPtrQuery('192.168.1.5', 0x1234): PTR → Johns-MacBook.local (compressed owner name). */
const PTR_ANSWER = Buffer.from('12348400000100010000000001350131033136380331393207696e2d61646472046172706100000c8001c00c000c80010000007800150d4a6f686e732d4d6163426f6f6b056c6f63616c00', 'hex');

function checkBinding(e: { ip: string; mac: string }): void {
  ensure(isIP(e.ip) !== 0, 'not an IP', e);
  ensure(normaliseMac(e.mac) === e.mac, 'MAC not normalised', e);
}

describe('inventory readers fuzz', () => {
  it('fuzz: mutated dnsmasq and ISC dhcpd lease files', async ({ task }) => {
    await fuzz(task, 'inventory/leases', mutatedText(LEASES), (text) => {
      const leases = parseLeases(text, NOW);
      expect(leases.length).toBeLessThanOrEqual(MAX_LEASES);
      leases.forEach(checkBinding);
      expectBoundedText(leases, 253);
    }, 800);
  });

  it('fuzz: mutated neighbour tables (ip -j neigh, ip neigh, /proc/net/arp)', async ({ task }) => {
    await fuzz(task, 'inventory/neighbours', fc.tuple(fc.constantFrom(0, 1, 2), mutatedText(NEIGHBOURS)), ([form, text]) => {
      const entries = [parseIpNeighJson, parseIpNeighText, parseProcNetArp][form]!(text);
      expect(entries.length).toBeLessThanOrEqual(MAX_NEIGHBOURS);
      entries.forEach(checkBinding);
      expectBoundedText(entries, 64);
    }, 800);
  });

  it('fuzz: mutated mDNS PTR answers', async ({ task }) => {
    await fuzz(task, 'inventory/mdns answer', hostileBytes([PTR_ANSWER], 600), (b) => {
      const name = parsePtrAnswer(b, 0x1234);
      if (name !== undefined) expectBoundedText(name, 253);
    }, 3000);
  });
});
