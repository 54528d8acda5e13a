import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareParsed, compareVersions, normalizeVersion, parseVersion, splitVersion } from './version.js';

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);

describe('compareVersions', () => {
  it.each([
    ['9.2p1', '9.2', 1],
    ['9.2', '9.2p1', -1],
    ['9.2p1', '9.2p2', -1],
    ['9.2p1', '9.3', -1],
    ['9.3p2', '9.3p1', 1],
    ['9.2p1', '9.2.1', -1],
    ['10.0p2', '9.9p1', 1],
    ['1.0.2k', '1.0.2', 1],
    ['1.0.2k', '1.0.2l', -1],
    ['1.0.2zf', '1.0.2k', 1],
    ['1.0.2z', '1.0.2za', -1],
    ['1.1.1', '1.0.2zf', 1],
    ['2.4.57', '2.4.9', 1],
    ['2.4.57', '2.4.57', 0],
    ['2.4', '2.4.0', 0],
    ['2.4.0.0', '2.4', 0],
    ['10.11.6-MariaDB', '10.11.6', 0],
    ['10.11.6-MariaDB-0+deb12u1', '10.11.7', -1],
    ['5.7.44-log', '5.7.44', 0],
    ['8.0.36-0ubuntu0.22.04.1', '8.0.36', 0],
    ['9.18.24-1-Debian', '9.18.24', 0],
    ['2.0.0-rc1', '2.0.0', -1],
    ['2.0rc1', '2.0', -1],
    ['2.0rc1', '2.0rc2', -1],
    ['2.0beta3', '2.0rc1', -1],
    ['2.0alpha', '2.0beta', -1],
    ['2.0-dev', '2.0alpha1', -1],
    ['1.0rc1', '1', -1],
    ['2.0.1', '2.0rc1', 1],
    ['1.3.7', '1.3.7a', -1],
    ['1.3.7a', '1.3.7c', -1],
    ['1.3.7c', '1.3.8', -1],
    ['2021.08.04', '2021.05.03', 1],
    ['2022.83', '2020.81', 1],
    ['6.2.4-25556.3', '6.2.4-25556.4', -1],
    ['r22', 'r27', -1],
    ['1.22.0', 'r22', 1],
    ['v1.2.3', '1.2.3', 0],
    ['1:9.2p1', '9.2p1', 0],
    ['2.4.54 (Debian)', '2.4.54', 0],
    ['4.2.8p15', '4.2.8p9', 1],
    ['1.20.0', '1.20', 0],
    ['1.9', '1.10', -1],
  ])('%s vs %s → %i', (a, b, want) => {
    expect(sign(compareVersions(a, b))).toBe(want);
    expect(sign(compareVersions(b, a))).toBe(sign(-want));
    // The matcher's numeric sort keys give the same order.
    expect(sign(compareParsed(parseVersion(a)!, parseVersion(b)!))).toBe(want);
  });

  it('non-versions sort first and never throw', () => {
    expect(compareVersions('', '1.0')).toBeLessThan(0);
    expect(compareVersions('1.0', '(none)')).toBeGreaterThan(0);
    expect(compareVersions('', '')).toBe(0);
    expect(compareVersions('\u0000\u0000', 'x'.repeat(100_000))).toBeLessThan(0);
  });

  it('is a total order on generated versions (antisymmetric, transitive)', () => {
    const part = fc.oneof(fc.integer({ min: 0, max: 30 }).map(String), fc.constantFrom('p1', 'p2', 'rc1', 'beta', 'a', 'k', 'alpha2'));
    const version = fc.array(part, { minLength: 1, maxLength: 5 }).map((ps) => ps.join('.'));
    fc.assert(
      fc.property(version, version, version, (a, b, c) => {
        expect(sign(compareVersions(a, b))).toBe(sign(-compareVersions(b, a)));
        expect(sign(compareParsed(parseVersion(a)!, parseVersion(b)!))).toBe(sign(compareVersions(a, b)));
        if (compareVersions(a, b) <= 0 && compareVersions(b, c) <= 0) expect(compareVersions(a, c)).toBeLessThanOrEqual(0);
      }),
      { numRuns: 500 },
    );
  });
});

describe('normalizeVersion and splitVersion', () => {
  it('keeps the upstream release and drops package builds', () => {
    expect(normalizeVersion('10.11.6-MariaDB-0+deb12u1')).toBe('10.11.6');
    expect(normalizeVersion('1.2.3-1ubuntu0.1')).toBe('1.2.3');
    expect(normalizeVersion('6.2.4-25556.4')).toBe('6.2.4-25556.4');
    expect(normalizeVersion('2.0.0-RC1')).toBe('2.0.0-rc1');
    expect(normalizeVersion('  V2.5 extra words')).toBe('2.5');
    expect(normalizeVersion('-')).toBeUndefined();
    expect(normalizeVersion(42)).toBeUndefined();
    expect(normalizeVersion('9'.repeat(500))?.length).toBeLessThanOrEqual(64);
  });

  it('splits as NVD splits version and update', () => {
    expect(splitVersion('9.2p1', 'p-suffix')).toMatchObject({ version: '9.2', update: 'p1', updateKind: 'post' });
    expect(splitVersion('9.8', 'p-suffix')).toMatchObject({ version: '9.8', update: '-', updateKind: 'none' });
    expect(splitVersion('1.3.7a', 'letter-suffix')).toMatchObject({ version: '1.3.7', update: 'a' });
    expect(splitVersion('1.0.2k')).toMatchObject({ version: '1.0.2k', update: '-' });
    expect(splitVersion('2.0.0-rc1')).toMatchObject({ version: '2.0.0', update: 'rc1', updateKind: 'pre' });
    expect(splitVersion('4.2.8p15', 'p-suffix')).toMatchObject({ version: '4.2.8', update: 'p15' });
  });

  it('parseVersion tokenises numbers and words, capped', () => {
    expect(parseVersion('9.2p1')?.tokens).toEqual([9, 2, 'p', 1]);
    expect(parseVersion(Array.from({ length: 60 }, () => '1').join('.'))?.tokens.length).toBeLessThanOrEqual(24);
  });
});
