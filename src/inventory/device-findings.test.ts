import { describe, expect, it } from 'vitest';
import { exposureFinding, newDeviceFinding, newDeviceSeverity } from './device-findings.js';
import { findExposures } from './exposure-rules.js';
import type { Device } from './types.js';

const base: Device = {
  id: 3,
  ip: '192.168.1.30',
  ips: [{ ip: '192.168.1.30', firstSeenMs: 1, lastSeenMs: 2 }],
  macs: [],
  randomizedMac: false,
  role: 'unknown',
  roleSource: 'inferred',
  inferredRole: 'unknown',
  roleConfidence: 0,
  roleReasons: [],
  trusted: false,
  baseline: false,
  firstSeenMs: 1,
  lastSeenMs: 2,
  atRisk: false,
  riskReasons: [],
  vulnerabilities: { total: 0, high: 0, critical: 0, kev: 0 },
  openPorts: [],
  services: [],
  possibleDuplicates: [],
};

describe('inventory findings', () => {
  it('new device severity: medium only for a global MAC without a registered vendor', () => {
    expect(newDeviceSeverity({ mac: '04:00:00:12:34:56', randomizedMac: false, vendor: undefined })).toBe('medium');
    expect(newDeviceSeverity({ mac: 'da:a1:19:00:00:01', randomizedMac: true, vendor: undefined })).toBe('low');
    expect(newDeviceSeverity({ mac: 'b8:27:eb:00:00:01', randomizedMac: false, vendor: 'Raspberry Pi Foundation' })).toBe('low');
    expect(newDeviceSeverity({ mac: undefined, randomizedMac: false, vendor: undefined })).toBe('low');
  });

  it('a device known by address only is keyed by its address', () => {
    const f = newDeviceFinding(base, 1234);
    expect(f).toMatchObject({ key: 'new_device:192.168.1.30', category: 'new_device', severity: 'low', sourceIp: '192.168.1.30', atMs: 1234 });
    expect(f.detail).toBe('First seen at 192.168.1.30; MAC unknown; vendor unknown; hostname none.');
  });

  it('exposure findings carry the service facts and the rule remediation', () => {
    const [e] = findExposures({ openPorts: [5555], services: [{ port: 5555, protocol: 'tcp', name: 'adb', method: 'probe', confidence: 9, banner: 'CNXN'.padEnd(500, 'x') }] });
    const f = exposureFinding({ ...base, role: 'tv', hostname: 'mibox' }, e as NonNullable<typeof e>, 99);
    expect(f).toMatchObject({ key: 'exposure:192.168.1.30:5555', severity: 'high', title: 'Android Debug Bridge open on mibox (192.168.1.30), port 5555', evidence: { role: 'tv', service: 'adb', internet: false } });
    expect(String(f.evidence.banner).length).toBe(200);
    expect(f.remediation).toMatch(/ADB debugging/);
  });
});
