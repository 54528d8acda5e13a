import { describe, expect, it } from 'vitest';
import type { OsGuess, Service } from '../scan/types.js';
import type { Role } from '../store/state-files.js';
import { isRandomizedMac, normaliseMac } from './mac.js';
import { macVendor } from './oui.js';
import { MIN_SCORE, inferRole, type RoleProfile } from './role-inference.js';

const svc = (port: number, name: string, over: Partial<Service> = {}): Service => ({
  port,
  protocol: 'tcp',
  name,
  method: 'banner',
  confidence: 8,
  ...over,
});
const http = (port: number, title: string, over: Partial<Service> = {}, tech: string[] = []): Service =>
  svc(port, port === 443 ? 'https' : 'http', {
    http: { status: 200, title, technologies: tech.map((n) => ({ name: n, confidence: 100, categories: [] })) },
    ...over,
  });
const os = (family: string, detail?: string): OsGuess => ({ family, detail, confidence: 60, reasons: [] });

interface Case {
  name: string;
  expect: Role;
  /** A real MAC whose OUI is the vendor's (looked up in oui-data, not given here). */
  mac?: string;
  ports?: number[];
  served?: number[];
  services?: Service[];
  host?: string;
  trackerName?: string;
  os?: OsGuess;
  gateway?: boolean;
}

function profile(c: Case): RoleProfile {
  const mac = c.mac ? normaliseMac(c.mac) : undefined;
  if (c.mac && !mac) throw new Error(`bad test MAC ${c.mac}`);
  return {
    openPorts: c.ports ?? (c.services ?? []).map((s) => s.port),
    servedPorts: c.served ?? [],
    services: c.services ?? [],
    os: c.os,
    vendor: mac ? macVendor(mac) : undefined,
    hostname: c.host,
    name: c.trackerName,
    randomizedMac: mac ? isRandomizedMac(mac) : false,
    gateway: c.gateway ?? false,
  };
}

const CASES: Case[] = [
  // cameras
  { name: 'Hikvision camera (vendor + web server + RTSP)', expect: 'camera', mac: 'C0:56:E3:12:34:56', ports: [80, 554, 8000], services: [svc(80, 'http', { product: 'hikvision-webs', productName: 'Hikvision App-webs' }), svc(554, 'rtsp')] },
  { name: 'Dahua NVR (port 37777 + RTSP)', expect: 'camera', mac: '08:ED:ED:01:02:03', ports: [80, 554, 37777] },
  { name: 'Reolink camera by vendor and RTSP', expect: 'camera', mac: 'EC:71:DB:AA:BB:CC', ports: [80, 443, 554, 9000] },
  { name: 'Wyze cam with no open ports (vendor only)', expect: 'camera', mac: '2C:AA:8E:11:22:33', ports: [] },
  { name: 'Ring doorbell by vendor and hostname', expect: 'camera', mac: '00:B4:63:44:55:66', ports: [], host: 'RingDoorbell-5a' },
  { name: 'generic XMEye DVR by port 34567 and title', expect: 'camera', ports: [80, 34567], services: [http(80, 'NETSurveillance WEB - DVR')] },
  // printers
  { name: 'HP LaserJet (9100/631 + title)', expect: 'printer', mac: '50:81:40:01:02:03', ports: [80, 443, 631, 9100], services: [http(80, 'HP LaserJet Pro MFP M428fdw')], host: 'NPI8C2F41' },
  { name: 'Brother printer (515/631/9100 + vendor)', expect: 'printer', mac: '00:1B:A9:12:34:56', ports: [80, 515, 631, 9100], host: 'BRN001BA9123456' },
  { name: 'Epson EcoTank (IPP + vendor + title)', expect: 'printer', mac: '38:1A:52:00:11:22', ports: [80, 443, 631], services: [http(80, 'EPSON ET-2850 Series'), svc(631, 'ipp')] },
  { name: 'Canon PIXMA by vendor and IPP', expect: 'printer', mac: '88:87:17:AA:00:01', ports: [80, 631] },
  // NAS
  { name: 'Synology DiskStation', expect: 'nas', mac: '00:11:32:AB:CD:EF', ports: [22, 139, 445, 5000, 5001], host: 'DiskStation' },
  { name: 'QNAP NAS by vendor and title', expect: 'nas', mac: '24:5E:BE:00:00:01', ports: [80, 443, 445, 8080], services: [http(8080, 'QTS Login')] },
  { name: 'TrueNAS on a generic PC (NFS + SMB + title)', expect: 'nas', ports: [22, 80, 445, 2049], services: [http(80, 'TrueNAS'), svc(445, 'microsoft-ds', { product: 'samba', productName: 'Samba smbd' })] },
  // gateways
  { name: 'OpenWrt router that is the default gateway', expect: 'gateway', ports: [22, 53, 80, 443], services: [svc(22, 'ssh', { product: 'dropbear' }), svc(80, 'http', { product: 'uhttpd' })], gateway: true },
  { name: 'FRITZ!Box by vendor, DNS + web + TR-064', expect: 'gateway', mac: '80:23:95:12:34:56', ports: [53, 80, 443, 49000], host: 'fritz.box' },
  { name: 'MikroTik by Winbox port and RouterOS SSH', expect: 'gateway', mac: '00:0C:42:01:02:03', ports: [22, 8291], services: [svc(22, 'ssh', { product: 'routeros-sshd' })] },
  { name: 'UniFi gateway (Ubiquiti, DNS, web, default route)', expect: 'gateway', mac: '60:22:32:00:00:01', ports: [22, 53, 80, 443], gateway: true },
  // computers
  { name: 'Windows desktop (RPC+SMB, Windows OS, Dell)', expect: 'desktop', mac: '10:65:30:11:22:33', ports: [135, 139, 445], os: os('Windows'), host: 'DESKTOP-7H3K2LQ' },
  { name: 'MacBook by hostname, Apple vendor, macOS', expect: 'desktop', mac: '10:00:20:AA:BB:CC', ports: [22, 5900], os: os('macOS/iOS'), host: 'Johns-MacBook-Pro.local' },
  { name: 'Lenovo ThinkPad with nothing open', expect: 'desktop', mac: '20:76:93:00:11:22', ports: [], host: 'thinkpad-x1' },
  { name: 'Ubuntu server: SSH + nginx + PostgreSQL', expect: 'server', ports: [22, 80, 443, 5432], services: [svc(22, 'ssh', { product: 'openssh', productName: 'OpenSSH', version: '9.6p1', banner: 'SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13', distro: 'ubuntu' }), svc(80, 'http', { product: 'nginx', productName: 'nginx' })] },
  { name: 'Raspberry Pi running Home Assistant and Mosquitto', expect: 'server', mac: '28:CD:C1:01:02:03', ports: [22, 1883, 8123], host: 'homeassistant' },
  { name: 'Proxmox VE host', expect: 'server', mac: 'BC:24:11:00:00:01', ports: [22, 8006] },
  { name: 'Windows domain controller', expect: 'server', ports: [53, 88, 135, 389, 445, 3389], os: os('Windows') },
  { name: 'Pi-hole in a KVM VM (virtual NIC, web app, DNS only seen in flows)', expect: 'server', mac: '52:54:00:12:34:56', ports: [22, 80], served: [53], services: [http(80, 'Pi-hole Admin Console', {}, ['Pi-hole'])] },
  // phones
  { name: 'iPhone with a private address (62078 + randomised MAC)', expect: 'mobile', mac: '3A:12:9F:00:11:22', ports: [62078], os: os('macOS/iOS', 'iOS') },
  { name: 'Android phone: randomised MAC and android- hostname', expect: 'mobile', mac: 'DA:A1:19:5C:00:01', ports: [], host: 'android-5a3c9f0e12ab' },
  { name: 'Pixel named by a Home Assistant tracker', expect: 'mobile', mac: 'FE:11:22:33:44:55', ports: [], trackerName: 'Pixel 7' },
  { name: 'OnePlus phone with its real MAC', expect: 'mobile', mac: '48:74:12:00:AA:BB', ports: [] },
  // TV / media
  { name: 'Chromecast (Cast ports, Google)', expect: 'tv', mac: '20:33:89:00:00:01', ports: [8008, 8009, 8443] },
  { name: 'Roku (ECP port 8060, vendor)', expect: 'tv', mac: '10:59:32:11:22:33', ports: [8060] },
  { name: 'Samsung Tizen TV (8001/8002 + Samsung)', expect: 'tv', mac: '10:30:47:00:00:09', ports: [7676, 8001, 8002, 9197] },
  { name: 'LG webOS TV (3000/3001, LG)', expect: 'tv', mac: '20:17:42:00:00:01', ports: [3000, 3001, 1754], host: 'LGwebOSTV' },
  { name: 'NVIDIA Shield with ADB open', expect: 'tv', mac: '48:31:06:00:00:01', ports: [5555, 8008, 8009] },
  // IoT
  { name: 'Sonos speaker (1400 + vendor)', expect: 'iot', mac: '00:0E:58:12:34:56', ports: [1400, 1443] },
  { name: 'Philips Hue bridge (vendor + title)', expect: 'iot', mac: '00:17:88:01:02:03', ports: [80, 443], services: [http(80, 'hue personal wireless lighting')] },
  { name: 'ESP8266 smart plug (Espressif, ESP_ hostname)', expect: 'iot', mac: '14:08:08:AB:CD:EF', ports: [80], host: 'ESP_3A5F21' },
  { name: 'Shelly relay (Espressif + Shelly web page)', expect: 'iot', mac: '14:08:08:11:11:11', ports: [80], services: [http(80, 'Shelly 1PM')] },
  { name: 'Tuya smart bulb (vendor + 6668)', expect: 'iot', mac: '70:89:76:00:00:02', ports: [6668] },
  { name: 'Amazon Echo (vendor only)', expect: 'iot', mac: '10:96:93:00:00:03', ports: [], host: 'amazon-3f2a1b0c9' },
  // unknown
  { name: 'nothing known at all', expect: 'unknown', ports: [] },
  { name: 'only SSH open, no banner distribution, no vendor', expect: 'unknown', ports: [22], services: [svc(22, 'ssh', { product: 'openssh', banner: 'SSH-2.0-OpenSSH_9.2' })] },
];

describe('role inference over realistic profiles', () => {
  it(`has at least 30 profiles (${CASES.length})`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });
  for (const c of CASES) {
    it(`${c.name} → ${c.expect}`, () => {
      const p = profile(c);
      const g = inferRole(p);
      expect(g.role, JSON.stringify({ vendor: p.vendor, g })).toBe(c.expect);
      if (c.expect === 'unknown') {
        expect(g.confidence).toBe(0);
      } else {
        expect(g.confidence).toBeGreaterThanOrEqual(MIN_SCORE);
        expect(g.reasons.length).toBeGreaterThan(0);
      }
    });
  }
});

describe('role inference reasons and bounds', () => {
  it('names the evidence behind the role', () => {
    const g = inferRole(profile(CASES[0] as Case));
    expect(g.reasons.join(' | ')).toMatch(/camera vendor \(vendor "Hangzhou Hikvision/);
    expect(g.reasons.join(' | ')).toMatch(/RTSP streaming port open \(port 554\)/);
    expect(g.confidence).toBeLessThanOrEqual(95);
  });

  it('mentions a close runner-up', () => {
    // An Espressif board streaming RTSP: IoT vendor (45) against an RTSP port (40).
    const g = inferRole({ openPorts: [554], servedPorts: [], services: [], vendor: 'Espressif Inc.', randomizedMac: false, gateway: false });
    expect(g.role).toBe('iot');
    expect(g.reasons[g.reasons.length - 1]).toBe('also looks like: camera (score 40 vs 45)');
  });

  it('a weak hint alone stays unknown and says why', () => {
    const g = inferRole({ openPorts: [], servedPorts: [], services: [], vendor: 'Apple, Inc.', randomizedMac: false, gateway: false });
    expect(g).toEqual({ role: 'unknown', confidence: 0, reasons: ['too little evidence (best: mobile, score 15 < 25)'] });
  });

  it('rules are data: a custom table changes the answer', () => {
    const g = inferRole({ openPorts: [9999], servedPorts: [], services: [], randomizedMac: false, gateway: false }, [
      { role: 'nas', weight: 60, reason: 'custom port', anyPort: [9999] },
    ]);
    expect(g).toEqual({ role: 'nas', confidence: 60, reasons: ['custom port (port 9999)'] });
  });

  it('ports seen served in flows count like open ports', () => {
    const g = inferRole({ openPorts: [], servedPorts: [554], services: [], randomizedMac: false, gateway: false, vendor: 'Zhejiang Dahua Technology Co., Ltd.' });
    expect(g.role).toBe('camera');
    expect(g.reasons.some((r) => r.includes('port 554'))).toBe(true);
  });

  it('a hostile hostname is matched as text and quoted bounded in reasons', () => {
    const g = inferRole({
      openPorts: [],
      servedPorts: [],
      services: [],
      hostname: `iphone-${'a'.repeat(200)}`,
      randomizedMac: true,
      gateway: false,
    });
    expect(g.role).toBe('mobile');
    for (const r of g.reasons) expect(r.length).toBeLessThan(200);
  });
});
