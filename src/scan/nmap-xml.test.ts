import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNmapXml } from './nmap-xml.js';

// Recorded from `nmap -sT -sV --version-light -O -Pn -n -T4 -p 21,22,80,1883,8080 -oX -` (nmap 7.93)
// against three lab namespaces (sshd+nginx; vsftpd+lighttpd with 8080 dropped; mosquitto).
const xml = readFileSync(new URL('./testdata/nmap-lab.xml', import.meta.url), 'utf8');

describe('parseNmapXml', () => {
  const hosts = parseNmapXml(xml);

  it('reads every host with its port states', () => {
    expect(hosts.map((h) => h.ip)).toEqual(['198.18.7.10', '198.18.7.11', '198.18.7.12']);
    expect(hosts.every((h) => h.up)).toBe(true);
    const states = Object.fromEntries(hosts[1]!.ports.map((p) => [p.port, p.state]));
    expect(states).toEqual({ 21: 'open', 22: 'closed', 80: 'open', 1883: 'closed', 8080: 'filtered' });
  });

  it('reads products, versions, extra info and CPEs of open ports', () => {
    const ssh = hosts[0]!.ports.find((p) => p.port === 22)!.service!;
    expect(ssh).toMatchObject({ name: 'ssh', product: 'openssh', productName: 'OpenSSH', version: '9.2p1 Debian 2+deb12u10', extra: 'protocol 2.0', osHint: 'linux', method: 'nmap', confidence: 10 });
    expect(ssh.cpe).toContain('cpe:/a:openbsd:openssh:9.2p1');
    expect(hosts[0]!.ports.find((p) => p.port === 80)!.service).toMatchObject({ product: 'nginx', version: '1.22.1' });
    expect(hosts[1]!.ports.find((p) => p.port === 21)!.service).toMatchObject({ product: 'vsftpd', version: '3.0.3' });
    expect(hosts[1]!.ports.find((p) => p.port === 80)!.service).toMatchObject({ product: 'lighttpd', version: '1.4.69' });
    expect(hosts[2]!.ports.find((p) => p.port === 1883)!.service).toMatchObject({ name: 'mqtt' });
    expect(hosts[0]!.ports.find((p) => p.port === 21)!.service).toBeUndefined();
  });

  it('reads the OS guess and distance', () => {
    expect(hosts[0]!.os?.family).toBe('Linux');
    expect(hosts[0]!.os?.confidence).toBeGreaterThan(50);
    expect(hosts[0]!.distance).toBe(1);
  });

  it('tolerates garbage and non-nmap XML', () => {
    expect(parseNmapXml('')).toEqual([]);
    expect(parseNmapXml('<a><b>')).toEqual([]);
    expect(parseNmapXml('<nmaprun><host><address addr="1.2.3.4" addrtype="ipv4"/><ports><port protocol="tcp" portid="99999"/></ports></host></nmaprun>')).toEqual([
      { ip: '1.2.3.4', up: false, ports: [] },
    ]);
  });
});
