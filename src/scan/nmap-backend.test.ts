import { describe, expect, it } from 'vitest';
import { parsePortSpec } from '../config/fields.js';
import { nmapArgs, runNmap } from './nmap-backend.js';

describe('nmap backend (catalogue 24: argument injection)', () => {
  it('builds an argv array with our own port formatting and IP-literal targets only', () => {
    expect(nmapArgs(['192.168.1.2', '192.168.1.3'], { ports: [22, 80, 81, 82], serviceDetection: true }, false)).toEqual([
      '-sT', '-Pn', '-n', '-T4', '-p', '22,80-82', '-oX', '-', '-sV', '--version-light', '192.168.1.2', '192.168.1.3',
    ]);
    expect(nmapArgs(['fe80::1'], { ports: [22], serviceDetection: false }, true)).toEqual(['-sT', '-Pn', '-n', '-T4', '-p', '22', '-oX', '-', '-O', '--osscan-limit', '-6', 'fe80::1']);
  });

  it('refuses option-looking or non-IP targets and out-of-range ports', () => {
    expect(() => nmapArgs(['--script=x'], { ports: [22], serviceDetection: false }, false)).toThrow(/not an IP address/);
    expect(() => nmapArgs(['10.0.0.1;id'], { ports: [22], serviceDetection: false }, false)).toThrow(/not an IP address/);
    expect(() => nmapArgs(['10.0.0.1'], { ports: [0], serviceDetection: false }, false)).toThrow(/port out of range/);
  });

  it('the port spec parser refuses shell and option text before anything reaches nmap', () => {
    expect(() => parsePortSpec('80;id')).toThrow();
    expect(() => parsePortSpec('--script=x')).toThrow();
  });

  it('a missing nmap binary is a clear error, not a crash', async () => {
    await expect(runNmap(['127.0.0.1'], { path: '/nonexistent/nmap', ports: [22], serviceDetection: false, timeoutMs: 5000 })).rejects.toThrow(
      /nmap not found at \/nonexistent\/nmap/,
    );
  });
});
