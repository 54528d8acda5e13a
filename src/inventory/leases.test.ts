import { describe, expect, it } from 'vitest';
import { parseDnsmasqLeases, parseIscLeases, parseLeases } from './leases.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const inAnHour = Math.floor(NOW / 1000) + 3600;

describe('dnsmasq lease file', () => {
  const text = [
    `${inAnHour} b8:27:eb:01:02:03 192.168.1.50 raspberrypi 01:b8:27:eb:01:02:03`,
    `0 00:11:32:ab:cd:ef 192.168.1.10 DiskStation *`,
    `${inAnHour} da:a1:19:5c:00:01 192.168.1.80 * *`,
    `${Math.floor(NOW / 1000) - 10} 00:11:22:33:44:55 192.168.1.90 expired *`,
    `${inAnHour} 00:11:22:33:44:66 192.168.1.91 <img/src=x/onerror=alert(1)> *`,
    `${inAnHour} 01:00:5e:00:00:01 192.168.1.92 multicast *`,
    'duid 00:01:00:01:2c:5e:11:22:52:54:00:aa:bb:cc',
    `${inAnHour} 1234567 fd00::50 raspberrypi 00:01:00:01:aa`,
  ].join('\n');

  it('reads current IPv4 leases with cleaned hostnames; skips expired, DHCPv6 and non-unicast entries', () => {
    expect(parseDnsmasqLeases(text, NOW)).toEqual([
      { ip: '192.168.1.50', mac: 'b8:27:eb:01:02:03', hostname: 'raspberrypi', expiresMs: inAnHour * 1000 },
      { ip: '192.168.1.10', mac: '00:11:32:ab:cd:ef', hostname: 'DiskStation' },
      { ip: '192.168.1.80', mac: 'da:a1:19:5c:00:01', expiresMs: inAnHour * 1000 },
      { ip: '192.168.1.91', mac: '00:11:22:33:44:66', expiresMs: inAnHour * 1000 },
    ]);
    expect(parseLeases(text, NOW)).toEqual(parseDnsmasqLeases(text, NOW));
  });
});

describe('ISC dhcpd.leases', () => {
  const text = `# The format of this file is documented in the dhcpd.leases(5) manual page.
# This lease file was written by isc-dhcp-4.4.3
authoring-byte-order little-endian;
server-duid "\\000\\001\\000\\001)\\2330\\317RT\\000\\022";
failover peer "dhcp-failover" state {
  my state normal at 1 2025/12/01 10:00:00;
}
lease 192.168.1.100 {
  starts 3 2025/12/31 10:00:00;
  ends 5 2026/01/02 10:00:00;
  cltt 3 2025/12/31 10:00:00;
  binding state active;
  next binding state free;
  hardware ethernet 3c:22:fb:aa:bb:cc;
  uid "\\001<\\"\\373\\252\\273\\314";
  client-hostname "Johns-MacBook";
}
lease 192.168.1.101 {
  starts 3 2025/12/31 10:00:00;
  ends 3 2025/12/31 11:00:00;
  binding state active;
  hardware ethernet 00:11:32:00:00:01;
  client-hostname "stale";
}
lease 192.168.1.102 {
  ends never;
  binding state active;
  hardware ethernet b8:27:eb:00:00:02;
  client-hostname "weird}name{";
  set vendor-class-identifier = "MSFT 5.0";
}
lease 192.168.1.103 {
  ends epoch ${inAnHour}; # Thu Jan 01 13:00:00 2026
  binding state active;
  hardware ethernet 00:11:32:00:00:03;
}
lease 192.168.1.100 {
  starts 4 2026/01/01 11:00:00;
  ends 6 2026/01/03 11:00:00;
  binding state free;
  hardware ethernet 3c:22:fb:aa:bb:cc;
}
lease 192.168.1.104 {
  starts 4 2026/01/01 11:00:00;
  ends 6 2026/01/03 11:00:00;
  binding state free;
  hardware ethernet 00:11:32:00:00:04;
}
lease 192.168.1.104 {
  starts 4 2026/01/01 11:30:00;
  ends 6 2026/01/03 11:30:00;
  binding state active;
  hardware ethernet 00:11:32:00:00:05;
  client-hostname "printer";
}
ia-na "\\001\\000\\000\\000\\000\\003" {
  iaaddr fd00::100 { binding state active; }
}
`;

  it('the last block per address wins; free, expired and unparseable leases are dropped', () => {
    expect(parseIscLeases(text, NOW)).toEqual([
      { ip: '192.168.1.102', mac: 'b8:27:eb:00:00:02' },
      { ip: '192.168.1.103', mac: '00:11:32:00:00:03', expiresMs: inAnHour * 1000 },
      { ip: '192.168.1.104', mac: '00:11:32:00:00:05', hostname: 'printer', expiresMs: Date.UTC(2026, 0, 3, 11, 30, 0) },
    ]);
    expect(parseLeases(text, NOW)).toEqual(parseIscLeases(text, NOW));
  });

  it('an active lease before it is superseded is returned with its hostname', () => {
    const first = text.split('lease 192.168.1.101')[0] as string;
    expect(parseIscLeases(first, NOW)).toEqual([{ ip: '192.168.1.100', mac: '3c:22:fb:aa:bb:cc', hostname: 'Johns-MacBook', expiresMs: Date.UTC(2026, 0, 2, 10, 0, 0) }]);
  });

  it('never throws on truncated or garbage input', () => {
    for (const t of ['lease 1.2.3.4 {', 'lease 1.2.3.4 { hardware ethernet', '}}}{{{', '"unterminated', 'lease {', '\u0000\u0001']) {
      expect(() => parseLeases(t, NOW)).not.toThrow();
    }
  });
});
