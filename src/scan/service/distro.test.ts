import { describe, expect, it } from 'vitest';
import { distroFrom, distroRelease } from './distro.js';

describe('distroFrom', () => {
  it('names the distribution of package version strings, derivatives first', () => {
    expect(distroFrom('Debian-2+deb12u3')).toEqual({ distro: 'debian', osHint: 'linux' });
    expect(distroFrom('Debian-5ubuntu1')).toEqual({ distro: 'ubuntu', osHint: 'linux' });
    expect(distroFrom('Raspbian-10+deb10u2')).toEqual({ distro: 'raspbian', osHint: 'linux' });
    expect(distroFrom('1:10.11.8+maria~ubu2204')).toEqual({ distro: 'ubuntu', osHint: 'linux' });
    expect(distroFrom('0+deb12u1')).toEqual({ distro: 'debian', osHint: 'linux' });
    expect(distroFrom('Red Hat')).toEqual({ distro: 'rhel', osHint: 'linux' });
    expect(distroFrom('3.el9')).toEqual({ distro: 'rhel', osHint: 'linux' });
  });

  it('gives an OS hint alone for non-Linux systems and nothing for plain text', () => {
    expect(distroFrom('FreeBSD-20230719')).toEqual({ osHint: 'freebsd' });
    expect(distroFrom('Win64')).toEqual({ osHint: 'windows' });
    expect(distroFrom('Unix')).toEqual({ osHint: 'unix' });
    expect(distroFrom('ProFTPD Default Installation')).toEqual({});
    expect(distroFrom('debugging')).toEqual({});
    expect(distroFrom(undefined)).toEqual({});
  });
});

describe('distroRelease', () => {
  it('reads Debian and Ubuntu releases from package versions', () => {
    expect(distroRelease('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3')).toBe('12');
    expect(distroRelease('10.11.6-MariaDB-0+deb12u1')).toBe('12');
    expect(distroRelease('1:10.11.8+maria~deb11')).toBe('11');
    expect(distroRelease('8.0.39-0ubuntu0.22.04.1')).toBe('22.04');
    expect(distroRelease('11.4.2-MariaDB-ubu2404')).toBe('24.04');
    expect(distroRelease('Ubuntu-3ubuntu0.10')).toBeUndefined();
    expect(distroRelease(undefined)).toBeUndefined();
  });
});
