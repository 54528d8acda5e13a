import { describe, expect, it } from 'vitest';
import { hostAddress, scanTargets } from './targets.js';

describe('scanTargets', () => {
  it('takes observed hosts, then configured ranges, minus exceptions and non-hosts', () => {
    const r = scanTargets({
      observed: ['192.168.1.20', '192.168.1.20', '224.0.0.251', '255.255.255.255', '0.0.0.0', '127.0.0.1', '::ffff:192.168.1.30', 'junk'],
      ranges: ['10.0.0.0/30'],
      exceptions: ['10.0.0.2'],
      max: 100,
    });
    expect(r.targets).toEqual(['192.168.1.20', '192.168.1.30', '10.0.0.1']);
    expect(r.excepted).toBe(1);
    expect(r.skipped).toBe(0);
  });

  it('never sweeps a range that is not configured, and caps the list', () => {
    expect(scanTargets({ observed: [], ranges: [], exceptions: [], max: 10 }).targets).toEqual([]);
    const r = scanTargets({ observed: ['192.168.1.2'], ranges: ['10.0.0.0/8'], exceptions: [], max: 5 });
    expect(r.targets).toHaveLength(5);
    expect(r.skipped).toBeGreaterThan(16_000_000);
  });

  it('a /31 and /32 have no network/broadcast to drop', () => {
    expect(scanTargets({ observed: [], ranges: ['10.1.1.0/31', '10.2.2.2/32'], exceptions: [], max: 9 }).targets).toEqual([
      '10.1.1.0',
      '10.1.1.1',
      '10.2.2.2',
    ]);
  });

  it('hostAddress canonicalises and rejects non-unicast', () => {
    expect(hostAddress('fe80::1')).toBe('fe80::1');
    expect(hostAddress('ff02::1')).toBeUndefined();
    expect(hostAddress('192.168.001.001')).toBeUndefined();
  });
});
