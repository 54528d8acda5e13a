import { describe, expect, it } from 'vitest';
import { parseCpe, parseCpe22, parseCpe23, plainValue, valueCovers, vendorProduct } from './cpe-name.js';

describe('CPE names', () => {
  it('reads NVD criteria with ANY, NA and specific values', () => {
    const n = parseCpe23('cpe:2.3:a:openbsd:openssh:9.8:-:*:*:*:*:*:*');
    expect(n && vendorProduct(n)).toBe('openbsd:openssh');
    expect(n?.version).toEqual({ kind: 'value', text: '9.8' });
    expect(n?.update).toEqual({ kind: 'na' });
    expect(n?.edition).toEqual({ kind: 'any' });
    const nginx = parseCpe23('cpe:2.3:a:f5:nginx:*:*:*:*:open_source:*:*:*');
    expect(nginx && plainValue(nginx.swEdition)).toBe('open_source');
  });

  it('unquotes backslash escapes (Joomla!, colons) and lower-cases', () => {
    const j = parseCpe23('cpe:2.3:a:joomla:joomla\\!:*:*:*:*:*:*:*:*');
    expect(j && vendorProduct(j)).toBe('joomla:joomla!');
    const c = parseCpe23('cpe:2.3:a:Vendor:pro\\:duct:1.0:*:*:*:*:*:*:*');
    expect(c && vendorProduct(c)).toBe('vendor:pro:duct');
  });

  it('keeps unquoted * and ? inside a value as wildcards', () => {
    const w = parseCpe23('cpe:2.3:a:*:open?sh:8.*:*:*:*:*:*:*:*');
    expect(w?.vendor).toEqual({ kind: 'any' });
    expect(w && vendorProduct(w)).toBeUndefined();
    expect(w && valueCovers(w.product, 'openssh')).toBe(true);
    expect(w && valueCovers(w.version, '8.4')).toBe(true);
    expect(w && valueCovers(w.version, '9.4')).toBe(false);
  });

  it("reads nmap's 2.2 URIs, percent-decoded", () => {
    const n = parseCpe22('cpe:/a:igor_sysoev:nginx:1.22.1');
    expect(n && vendorProduct(n)).toBe('igor_sysoev:nginx');
    expect(n && plainValue(n.version)).toBe('1.22.1');
    expect(n?.targetSw).toEqual({ kind: 'any' });
    expect(parseCpe('cpe:/o:linux:linux_kernel')?.part).toEqual({ kind: 'value', text: 'o' });
    expect(parseCpe22('cpe:/a:x%20y:z') && plainValue(parseCpe22('cpe:/a:x%20y:z')!.vendor)).toBeUndefined();
  });

  it.each([
    'cpe:2.3:a:too:few',
    'cpe:2.3:x:vendor:product:*:*:*:*:*:*:*:*',
    'cpe:2.3:a:v:p:*:*:*:*:*:*:*:*:extra',
    'cpe:2.3:a:v:p:1 0:*:*:*:*:*:*:*',
    'cpe:2.3:a:v:p:1\u001b[2J:*:*:*:*:*:*:*',
    `cpe:2.3:a:${'v'.repeat(500)}:p:*:*:*:*:*:*:*:*`,
    'cpe:2.3:a:v::*:*:*:*:*:*:*:*',
    'cpe:/a:%E0%A4%A:p',
    'http://example.com',
    '',
  ])('rejects %j', (s) => {
    expect(parseCpe(s)).toBeUndefined();
  });

  it('rejects non-strings', () => {
    expect(parseCpe(undefined)).toBeUndefined();
    expect(parseCpe({ toString: () => 'cpe:2.3:a:v:p:*:*:*:*:*:*:*:*' })).toBeUndefined();
  });
});
