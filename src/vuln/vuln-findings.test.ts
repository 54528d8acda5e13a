import { describe, expect, it } from 'vitest';
import { findingSeverity, findingsForHost } from './vuln-findings.js';
import type { HostVulns, VulnMatch } from './types.js';

const match = (fields: Partial<VulnMatch>): VulnMatch => ({
  cve: 'CVE-2024-6387',
  status: 'affected',
  severity: 'high',
  kev: false,
  description: 'A race condition in sshd.',
  criteria: ['cpe:2.3:a:openbsd:openssh:*:*:*:*:*:*:*:*; >= 8.6, < 9.8'],
  reasons: ['OpenSSH 9.2p1 is within >= 8.6, < 9.8'],
  product: 'openbsd:openssh',
  source: 'product_map',
  cvss: { version: '3.1', score: 8.1, severity: 'high' },
  ...fields,
});

describe('vulnerability findings', () => {
  it.each([
    [{ severity: 'critical' }, 'critical'],
    [{ severity: 'medium' }, 'medium'],
    [{ severity: 'low', kev: true }, 'high'],
    [{ severity: 'critical', kev: true }, 'critical'],
    [{ severity: 'unknown' }, 'medium'],
    [{ severity: 'none' }, 'info'],
    [{ severity: 'critical', backported: 'debian package' }, 'low'],
    [{ severity: 'critical', kev: true, backported: 'debian package' }, 'medium'],
    [{ severity: 'low', backported: 'debian package' }, 'low'],
  ] as const)('%j → %s', (m, want) => {
    expect(findingSeverity(match(m as Partial<VulnMatch>))).toBe(want);
  });

  it("one finding per confirmed CVE (the reference's key), one info finding for the possible ones", () => {
    const host: HostVulns = {
      ip: '192.168.1.10',
      atRisk: true,
      counts: { critical: 0, high: 1, medium: 0, low: 0, none: 0, unknown: 0 },
      possible: 1,
      kev: 0,
      backported: 0,
      services: [
        {
          port: 22,
          service: 'ssh',
          label: 'OpenSSH 9.2p1',
          affected: [match({})],
          possible: [match({ cve: 'CVE-2023-0001', status: 'possible' })],
          dropped: 0,
        },
      ],
    };
    const f = findingsForHost(host, 1234);
    expect(f.map((x) => [x.key, x.category, x.severity])).toEqual([
      ['vuln:192.168.1.10:22:CVE-2024-6387', 'vulnerability', 'high'],
      ['vuln:192.168.1.10:22:possible', 'vulnerability', 'info'],
    ]);
    expect(f[0]?.title).toBe('CVE-2024-6387 (CVSS 8.1 high) in OpenSSH 9.2p1 on 192.168.1.10:22');
    expect(f[0]?.detail).toContain('Why: OpenSSH 9.2p1 is within >= 8.6, < 9.8.');
    expect(f[0]?.evidence).toMatchObject({ cve: 'CVE-2024-6387', port: 22, kev: false, criteria: ['cpe:2.3:a:openbsd:openssh:*:*:*:*:*:*:*:*; >= 8.6, < 9.8'] });
    expect(f[1]?.title).toBe('1 CVEs may affect OpenSSH 9.2p1 on 192.168.1.10:22');
  });
});
