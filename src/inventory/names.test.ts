import { describe, expect, it } from 'vitest';
import { MAX_DISPLAY_NAME, cleanDisplayName, cleanHostname, hostLabel } from './names.js';

describe('device names (hostile input #17-19)', () => {
  it('keeps plain hostnames, single labels included, case kept, trailing dot dropped', () => {
    expect(cleanHostname('Johns-iPhone')).toBe('Johns-iPhone');
    expect(cleanHostname('ESP_3A5F21')).toBe('ESP_3A5F21');
    expect(cleanHostname('nas.lan.')).toBe('nas.lan');
    expect(hostLabel('Johns-MacBook-Pro.local')).toBe('johns-macbook-pro');
  });

  it('refuses resolver error text, numeric names, IPs, markup and over-long names', () => {
    for (const bad of [
      "server can't find 5.1.168.192.in-addr.arpa: NXDOMAIN",
      '123456',
      '192.168.1.5',
      '<img src=x onerror=alert(1)>',
      'a'.repeat(64),
      `${'a'.repeat(60)}.`.repeat(5),
      'host name',
      'bad\u0000name',
      '',
      '-leading',
    ]) {
      expect(cleanHostname(bad), bad).toBeUndefined();
    }
    expect(cleanHostname(42)).toBeUndefined();
  });

  it('makes display names plain and bounded, escaping controls and bidi overrides', () => {
    expect(cleanDisplayName("  Anna's   phone ")).toBe("Anna's phone");
    expect(cleanDisplayName('evil\u001b[2Jname')).toBe('evil\\x1b[2Jname');
    expect(cleanDisplayName('abc\u202edef')).toBe('abc\\u{202e}def');
    const long = cleanDisplayName('x'.repeat(10_000)) ?? '';
    expect(long.length).toBeLessThanOrEqual(MAX_DISPLAY_NAME);
    expect(long.endsWith('…')).toBe(true);
    expect(cleanDisplayName('   ')).toBeUndefined();
    expect(cleanDisplayName('<img src=x onerror=alert(1)>')).toBe('<img src=x onerror=alert(1)>');
  });
});
