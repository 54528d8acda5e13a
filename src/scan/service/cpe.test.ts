import { describe, expect, it } from 'vitest';
import { cpe23 } from './cpe.js';

describe('cpe23', () => {
  it('builds product-level and version-level CPE 2.3 strings', () => {
    expect(cpe23('f5:nginx')).toBe('cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*');
    expect(cpe23('apache:http_server', '2.4.62')).toBe('cpe:2.3:a:apache:http_server:2.4.62:*:*:*:*:*:*:*');
  });

  it('splits OpenSSH portable versions into version and update like the NVD dictionary', () => {
    expect(cpe23('openbsd:openssh', '9.2p1', 'openssh')).toBe('cpe:2.3:a:openbsd:openssh:9.2:p1:*:*:*:*:*:*');
    expect(cpe23('openbsd:openssh', '9.6', 'openssh')).toBe('cpe:2.3:a:openbsd:openssh:9.6:*:*:*:*:*:*:*');
    expect(cpe23('foo:bar', '9.2p1')).toBe('cpe:2.3:a:foo:bar:9.2p1:*:*:*:*:*:*:*');
  });

  it('uses the first word of a version and quotes special characters', () => {
    expect(cpe23('filezilla-project:filezilla_server', '0.9.60 beta')).toBe('cpe:2.3:a:filezilla-project:filezilla_server:0.9.60:*:*:*:*:*:*:*');
    expect(cpe23('x:y', '1.0+deb12:a*')).toBe('cpe:2.3:a:x:y:1.0\\+deb12\\:a\\*:*:*:*:*:*:*:*');
  });

  it('falls back to product level for an unusable version and refuses bad names', () => {
    expect(cpe23('x:y', 'v'.repeat(41))).toBe('cpe:2.3:a:x:y:*:*:*:*:*:*:*:*');
    expect(cpe23('x:y', '-1')).toBe('cpe:2.3:a:x:y:*:*:*:*:*:*:*:*');
    expect(cpe23('nocolon')).toBeUndefined();
    expect(cpe23('a:b:c')).toBeUndefined();
    expect(cpe23('a b:c')).toBeUndefined();
  });
});
