import { describe, expect, it } from 'vitest';
import { isRandomizedMac, normaliseMac, virtualMacLabel } from './mac.js';
import { macVendor } from './oui.js';

describe('MAC addresses', () => {
  it('accepts the usual spellings and gives one canonical form', () => {
    for (const t of ['B8:27:EB:01:02:03', 'b8-27-eb-01-02-03', 'b827.eb01.0203', 'B827EB010203', ' b8:27:eb:1:2:3 ']) {
      expect(normaliseMac(t), t).toBe('b8:27:eb:01:02:03');
    }
  });

  it('refuses what does not name one device', () => {
    for (const t of ['00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff', '01:00:5e:00:00:fb', '33:33:00:00:00:01', 'b8:27:eb:01:02', 'b8:27-eb:01:02:03', 'zz:27:eb:01:02:03', '', 'x'.repeat(100)]) {
      expect(normaliseMac(t), t).toBeUndefined();
    }
    expect(normaliseMac(12)).toBeUndefined();
  });

  it('flags locally administered addresses as randomised, except known virtual NICs', () => {
    expect(isRandomizedMac('da:a1:19:5c:00:01')).toBe(true);
    expect(isRandomizedMac('3a:12:9f:00:11:22')).toBe(true);
    expect(isRandomizedMac('b8:27:eb:01:02:03')).toBe(false);
    expect(isRandomizedMac('52:54:00:12:34:56')).toBe(false);
    expect(virtualMacLabel('52:54:00:12:34:56')).toBe('QEMU/KVM virtual NIC');
    expect(virtualMacLabel('02:42:ac:11:00:02')).toBe('Docker container');
  });
});

describe('MAC vendors from the IEEE registry (oui-data)', () => {
  it('names the MA-L holder by its first line only', () => {
    expect(macVendor('b8:27:eb:01:02:03')).toBe('Raspberry Pi Foundation');
    expect(macVendor('00:11:32:ab:cd:ef')).toBe('Synology Incorporated');
  });

  it('prefers the MA-M holder inside a block the IEEE sub-divided', () => {
    expect(macVendor('10:06:48:0a:bc:de')).toBe('FLEXTRONICS TECHNOLOGIES (INDIA) PVT LTD');
    expect(macVendor('10:06:48:1a:bc:de')).toBe('KYTRONICS');
  });

  it('has no vendor for randomised or unassigned addresses; virtual NICs get their label', () => {
    expect(macVendor('da:a1:19:5c:00:01')).toBeUndefined();
    expect(macVendor('04:00:00:12:34:56')).toBeUndefined();
    expect(macVendor('52:54:00:12:34:56')).toBe('QEMU/KVM virtual NIC');
  });
});
