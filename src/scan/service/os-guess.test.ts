import { describe, expect, it } from 'vitest';
import type { Service } from '../types.js';
import { identifyService } from './identify.js';
import { deviceHints, guessOs } from './os-guess.js';
import { latin1 } from './testdata/builders.js';

const debianSsh = identifyService({ port: 22, banner: latin1('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n') });
const iis = identifyService({ port: 80, httpServerHeader: 'Microsoft-IIS/10.0' });
const port = (p: number): Service => identifyService({ port: p });

describe('guessOs', () => {
  it('OpenSSH Debian banner + TTL 64 → Linux, Debian 12', () => {
    const g = guessOs({ ttl: 61, openPorts: [22], services: [debianSsh] });
    expect(g.family).toBe('Linux');
    expect(g.detail).toBe('Debian 12');
    expect(g.confidence).toBe(75);
    expect(g.reasons).toEqual(['OpenSSH 9.2p1 on port 22 names Debian', 'TTL 61 → initial 64, consistent']);
  });

  it('IIS + RDP + MS-RPC + SMB + TTL 128 → Windows with high confidence', () => {
    const g = guessOs({ ttl: 127, openPorts: [80, 135, 445, 3389], services: [iis, port(135), port(445), port(3389)] });
    expect(g.family).toBe('Windows');
    expect(g.confidence).toBe(95);
    expect(g.reasons).toContain('MS-RPC 135 and SMB 445 open');
    expect(g.reasons).toContain('Microsoft IIS httpd 10.0 on port 80 names Windows');
  });

  it('printer ports 9100 + 631 + 515 → embedded printer firmware', () => {
    const g = guessOs({ ttl: 64, openPorts: [80, 515, 631, 9100], services: [port(515), port(631), port(9100)] });
    expect(g).toMatchObject({ family: 'Embedded/RTOS', detail: 'printer firmware' });
    expect(g.confidence).toBeGreaterThanOrEqual(70);
  });

  it('a banner beats the TTL: Linux stays Linux behind a TTL-128 path, with less confidence and the conflict stated', () => {
    const fits = guessOs({ ttl: 64, openPorts: [22], services: [debianSsh] });
    const conflict = guessOs({ ttl: 120, openPorts: [22], services: [debianSsh] });
    expect(conflict.family).toBe('Linux');
    expect(conflict.confidence).toBeLessThan(fits.confidence);
    expect(conflict.reasons.some((r) => r.includes('does not fit Linux'))).toBe(true);
  });

  it('TTL alone gives a weak family guess', () => {
    expect(guessOs({ ttl: 57, openPorts: [], services: [] })).toMatchObject({ family: 'Linux/Unix', confidence: 30 });
    expect(guessOs({ ttl: 113, openPorts: [], services: [] })).toMatchObject({ family: 'Windows', confidence: 45 });
    expect(guessOs({ ttl: 250, openPorts: [], services: [] })).toMatchObject({ family: 'Network device', confidence: 30 });
    expect(guessOs({ ttl: 30, openPorts: [], services: [] })).toMatchObject({ family: 'Embedded/RTOS', confidence: 15 });
  });

  it('ignores impossible TTLs and says unknown without evidence', () => {
    for (const ttl of [0, -1, 256, 1.5, Number.NaN]) {
      expect(guessOs({ ttl, openPorts: [8080], services: [port(8080)] })).toEqual({ family: 'unknown', confidence: 0, reasons: ['no TTL, banner or port evidence'] });
    }
  });

  it('a Unix-only hint (vsftpd) supports a Linux banner rather than competing with it', () => {
    const vsftpd = identifyService({ port: 21, banner: latin1('220 (vsFTPd 3.0.3)\r\n') });
    const g = guessOs({ ttl: 64, openPorts: [21, 22], services: [vsftpd, debianSsh] });
    expect(g.family).toBe('Linux');
    expect(g.reasons).toContain('vsftpd 3.0.3 on port 21 names Linux/Unix');
    expect(g.confidence).toBeGreaterThan(guessOs({ ttl: 64, openPorts: [22], services: [debianSsh] }).confidence);
    expect(guessOs({ ttl: 64, openPorts: [21], services: [vsftpd] })).toMatchObject({ family: 'Linux/Unix' });
  });

  it('Dropbear → embedded Linux; iOS lockdown port → iOS; ADB → Android', () => {
    const dropbear = identifyService({ port: 22, banner: latin1('SSH-2.0-dropbear_2020.81\r\n') });
    expect(guessOs({ ttl: 64, openPorts: [22, 53, 80], services: [dropbear] })).toMatchObject({ family: 'Linux', detail: 'embedded Linux' });
    expect(guessOs({ ttl: 64, openPorts: [62078], services: [] })).toMatchObject({ family: 'macOS/iOS', detail: 'iOS' });
    expect(guessOs({ ttl: 64, openPorts: [5555], services: [] })).toMatchObject({ family: 'Linux', detail: 'Android' });
  });

  it('the TTL decides between two families with evidence (Debian OpenSSH under WSL on Windows)', () => {
    const windowsHost = guessOs({ ttl: 128, openPorts: [22, 135, 445], services: [debianSsh] });
    expect(windowsHost.family).toBe('Windows');
    expect(windowsHost.reasons).toContain('also seen: OpenSSH 9.2p1 on port 22 names Debian (Linux)');
    expect(guessOs({ ttl: 64, openPorts: [22, 135, 445], services: [debianSsh] }).family).toBe('Linux');
  });

  it('lists conflicting evidence and caps the reasons', () => {
    const services = [debianSsh, ...[2222, 2223, 2224, 2225, 2226, 2227, 2228, 2229].map((p) => ({ ...debianSsh, port: p }))];
    const g = guessOs({ ttl: 128, openPorts: [22, 135, 445], services });
    expect(g.family).toBe('Linux');
    expect(g.reasons.length).toBe(8);
    expect(g.reasons).toContain('TTL 128 → initial 128 does not fit Linux (NAT, VM or proxy in between?)');
    const mixed = guessOs({ ttl: 64, openPorts: [22, 135, 445], services: [debianSsh] });
    expect(mixed.reasons.some((r) => r.startsWith('also seen: MS-RPC 135 and SMB 445 open (Windows)'))).toBe(true);
  });
});

describe('deviceHints', () => {
  it('printer from its ports', () => {
    expect(deviceHints([80, 631, 9100], [])).toEqual(['printer: port 9100/631']);
  });

  it('camera from an RTSP server product or the RTSP port', () => {
    const live555 = identifyService({
      port: 554,
      probe: 'rtsp-options',
      response: latin1('RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: LIVE555 Streaming Media v2023.03.30\r\n\r\n'),
    });
    expect(deviceHints([554], [live555])).toEqual(['camera: LIVE555 Streaming Media 2023.03.30 on port 554']);
    expect(deviceHints([80, 554], [])).toEqual(['camera: port 554 (RTSP)']);
  });

  it('NAS (Synology DSM 5000/5001, NFS), TV/cast, IoT hub, Android, telnet', () => {
    expect(deviceHints([5000, 5001, 445], [])).toEqual(['nas: port 5000/5001 (Synology DSM)', 'file-sharing: port 445 (SMB)']);
    expect(deviceHints([2049], [])).toEqual(['nas: port 2049 (NFS/AFP)']);
    expect(deviceHints([8008, 8009], [])).toEqual(['tv/cast: port 8008/8009 (Google Cast)']);
    expect(deviceHints([1883], [])).toEqual(['iot-hub: port 1883 (MQTT broker)']);
    expect(deviceHints([5555], [])).toEqual(['android: port 5555 (ADB debug bridge)']);
    expect(deviceHints([23], [])).toEqual(['telnet: port 23 (cleartext login, common on IoT devices)']);
  });

  it('router from DNS + web admin, or from MiniUPnPd', () => {
    expect(deviceHints([53, 80], [])).toEqual(['router: port 53/80 (DNS + web admin)']);
    const upnp = identifyService({ port: 5000, httpServerHeader: 'OpenWRT/OpenWrt UPnP/1.1 MiniUPnPd/2.1' });
    expect(deviceHints([5000], [upnp])).toEqual(['router: MiniUPnP 2.1 on port 5000']);
    expect(deviceHints([80], [])).toEqual([]);
  });

  it('a plain Linux box with SSH gets no hint', () => {
    expect(deviceHints([22], [debianSsh])).toEqual([]);
  });
});
