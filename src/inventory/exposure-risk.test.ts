import { describe, expect, it } from 'vitest';
import type { Service } from '../scan/types.js';
import { EXPOSURE_RULES, findExposures, matchExposureRule } from './exposure-rules.js';
import { assessRisk } from './risk.js';

const svc = (port: number, name: string, over: Partial<Service> = {}): Service => ({ port, protocol: 'tcp', name, method: 'banner', confidence: 8, ...over });
const host = (services: Service[], extraPorts: number[] = []) => ({ openPorts: [...services.map((s) => s.port), ...extraPorts], services });

describe('exposure rules', () => {
  it('telnet and ADB on the LAN are high; unidentified services on their ports count', () => {
    const e = findExposures(host([svc(23, 'telnet')], [5555]));
    expect(e.map((x) => [x.ruleId, x.port, x.severity, x.internet])).toEqual([
      ['telnet', 23, 'high', false],
      ['adb', 5555, 'high', false],
    ]);
    expect(e[0]?.remediation).toMatch(/Turn Telnet off/);
  });

  it('a port whose service is something else is not that service', () => {
    expect(findExposures(host([svc(23, 'ssh', { product: 'openssh' })]))).toEqual([]);
    expect(matchExposureRule(8023, svc(8023, 'telnet'))?.id).toBe('telnet');
  });

  it('MQTT: anonymous access accepted is medium on the LAN; a broker asking for a login is no LAN finding', () => {
    expect(findExposures(host([svc(1883, 'mqtt', { extra: 'connection accepted' })])).map((x) => [x.ruleId, x.severity])).toEqual([['mqtt-anonymous', 'medium']]);
    expect(findExposures(host([svc(1883, 'mqtt', { extra: 'not authorized' })]))).toEqual([]);
    expect(findExposures(host([svc(1883, 'mqtt', { extra: 'not authorized' })]), [{ port: 1883, source: 'upnp mapping' }]).map((x) => [x.ruleId, x.severity])).toEqual([
      ['mqtt', 'high'],
    ]);
  });

  it('SMB is only a finding when reachable from the internet (then critical); unknown forwarded ports are medium', () => {
    const h = host([svc(445, 'microsoft-ds', { product: 'samba' }), svc(8080, 'http')]);
    expect(findExposures(h)).toEqual([]);
    const e = findExposures(h, [
      { port: 445, source: 'inbound flows from 203.0.113.9' },
      { port: 8080, source: 'port forward' },
    ]);
    expect(e.map((x) => [x.ruleId, x.port, x.severity, x.internet, x.source])).toEqual([
      ['smb', 445, 'critical', true, 'inbound flows from 203.0.113.9'],
      ['internet', 8080, 'medium', true, 'port forward'],
    ]);
  });

  it('VNC without authentication is high, with a password low; UPnP is recognised on any port by its server', () => {
    expect(findExposures(host([svc(5900, 'vnc', { extra: 'protocol 3.8; security types: None' })]))[0]?.ruleId).toBe('vnc-noauth');
    expect(findExposures(host([svc(5900, 'vnc', { extra: 'protocol 3.8' })]))[0]).toMatchObject({ ruleId: 'vnc', severity: 'low' });
    expect(findExposures(host([svc(5000, 'http', { product: 'miniupnpd', productName: 'MiniUPnP' })]))[0]).toMatchObject({ ruleId: 'upnp', port: 5000, severity: 'low' });
  });

  it('every rule has text for the user', () => {
    for (const r of EXPOSURE_RULES) {
      expect(r.risk.length, r.id).toBeGreaterThan(20);
      expect(r.remediation.length, r.id).toBeGreaterThan(20);
    }
  });
});

describe('at-risk assessment', () => {
  it('KEV and high/critical CVEs make a device at risk; low/medium alone do not', () => {
    expect(assessRisk([{ cveId: 'CVE-2023-1111', severity: 'medium', kev: false }], [])).toMatchObject({ atRisk: false, reasons: [] });
    const r = assessRisk(
      [
        { cveId: 'CVE-2024-3094', severity: 'critical', kev: true },
        { cveId: 'CVE-2023-38408', severity: 'critical', kev: false },
        { cveId: 'CVE-2023-48795', severity: 'medium', kev: false },
        { cveId: 'CVE-2023-38408', severity: 'high', kev: false },
        { cveId: 'not-a-cve<script>', severity: 'critical', kev: true },
      ],
      [],
    );
    expect(r).toEqual({
      atRisk: true,
      level: 'critical',
      reasons: ['1 actively exploited CVE (CISA KEV): CVE-2024-3094', '2 high/critical CVEs: CVE-2024-3094, CVE-2023-38408'],
      vulnerabilities: { total: 3, high: 0, critical: 2, kev: 1 },
    });
  });

  it('high exposures make a device at risk; low ones do not', () => {
    const telnet = findExposures(host([svc(23, 'telnet')]));
    expect(assessRisk([], telnet)).toMatchObject({ atRisk: true, level: 'high', reasons: ['Telnet on port 23 open'] });
    const rdp = findExposures(host([svc(3389, 'ms-wbt-server')]));
    expect(assessRisk([], rdp).atRisk).toBe(false);
    const rdpInternet = findExposures(host([svc(3389, 'ms-wbt-server')]), [{ port: 3389, source: 'upnp' }]);
    expect(assessRisk([], rdpInternet)).toMatchObject({ atRisk: true, level: 'critical', reasons: ['Remote Desktop (RDP) on port 3389 reachable from the internet'] });
  });

  it('names at most three CVEs per reason', () => {
    const many = Array.from({ length: 7 }, (_, i) => ({ cveId: `CVE-2024-100${i}`, severity: 'high' as const, kev: false }));
    expect(assessRisk(many, []).reasons).toEqual(['7 high/critical CVEs: CVE-2024-1000, CVE-2024-1001, CVE-2024-1002 and 4 more']);
  });
});
