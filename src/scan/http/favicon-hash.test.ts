import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { base64Lines, faviconHash, murmur3x86_32 } from './favicon-hash.js';
import { FAVICON_HASHES, lookupFaviconHash } from './favicon-hashes.js';
import { getRuleDatabase } from './rules.js';

const s32 = (n: number) => n | 0;

describe('murmur3x86_32', () => {
  // Test vectors of the Python mmh3 module (hajimes/mmh3 tests: mmh3.hash("foo") and the vectors
  // by Ian Boyd, https://stackoverflow.com/a/31929528), which Shodan uses.
  it.each([
    ['foo', 0, -156908512],
    ['', 0, 0],
    ['', 1, 0x514e28b7],
    ['', 0xffffffff, s32(0x81f16f39)],
    ['\x21\x43\x65\x87', 0, s32(0xf55b516b)],
    ['\x21\x43\x65\x87', 0x5082edee, s32(0x2362f9de)],
    ['\x21\x43\x65', 0, s32(0x7e4a8634)],
    ['\x21\x43', 0, s32(0xa0f7b07a)],
    ['\x21', 0, s32(0x72661cf4)],
    ['\xff\xff\xff\xff', 0, s32(0x76293b50)],
    ['\x00\x00\x00', 0, s32(0x85f0b427)],
    ['abc', 0, s32(0xb3dd93fa)],
    ['Hello, world!', 0x9747b28c, s32(0x24884cba)],
    ['The quick brown fox jumps over the lazy dog', 0x9747b28c, s32(0x2fa826cd)],
    ['a'.repeat(256), 0x9747b28c, s32(0x37405bdc)],
  ])('%j seed %d', (text, seed, want) => {
    expect(murmur3x86_32(Buffer.from(text, 'latin1'), seed)).toBe(want);
  });
  it('hashes UTF-8 bytes (mmh3 vector with seed 0x9747b28c)', () => {
    expect(murmur3x86_32(Buffer.from('ππππππππ', 'utf8'), 0x9747b28c)).toBe(s32(0xd58063c1));
  });
});

describe('base64Lines (Python base64.encodebytes)', () => {
  it('wraps at 76 characters and ends every line with a newline', () => {
    expect(base64Lines(Buffer.from('foo'))).toBe('Zm9v\n');
    expect(base64Lines(new Uint8Array())).toBe('');
    const enc = base64Lines(Buffer.alloc(200, 7));
    const lines = enc.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => l.length)).toEqual([76, 76, 76, 40]);
    expect(lines.join('')).toBe(Buffer.alloc(200, 7).toString('base64'));
  });
  it('respects the view of a Uint8Array inside a larger buffer', () => {
    const big = Buffer.from('xxfooxx');
    expect(base64Lines(big.subarray(2, 5))).toBe('Zm9v\n');
  });

  const python = spawnSync('python3', ['-c', 'print(1)']).status === 0;
  it.skipIf(!python)('equals Python base64.encodebytes on random bytes of many lengths', () => {
    const lengths = [1, 2, 3, 56, 57, 58, 114, 1000, 5433];
    const inputs = lengths.map((n) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 131 + n) & 255)));
    const script = 'import sys,base64,json\nfor h in json.load(sys.stdin): sys.stdout.write(base64.encodebytes(bytes.fromhex(h)).decode()+"|")';
    const out = spawnSync('python3', ['-c', script], { input: JSON.stringify(inputs.map((b) => b.toString('hex'))), encoding: 'utf8' });
    expect(out.stdout.split('|').slice(0, -1)).toEqual(inputs.map((b) => base64Lines(b)));
  });
});

describe('faviconHash', () => {
  it('is mmh3 of the wrapped base64 text, signed', () => {
    const icon = Buffer.from(Array.from({ length: 1150 }, (_, i) => (i * 7) & 255));
    expect(faviconHash(icon)).toBe(murmur3x86_32(Buffer.from(base64Lines(icon))));
    expect(faviconHash(icon)).not.toBe(murmur3x86_32(Buffer.from(icon.toString('base64'))));
    expect(faviconHash(new Uint8Array())).toBe(0);
  });
});

describe('favicon hash table', () => {
  it('holds signed 32-bit hashes, each naming one product', () => {
    expect(FAVICON_HASHES.length).toBeGreaterThan(40);
    const seen = new Map<number, string>();
    for (const e of FAVICON_HASHES) {
      expect(Number.isInteger(e.hash) && e.hash === (e.hash | 0)).toBe(true);
      expect(seen.get(e.hash) ?? e.technology).toBe(e.technology);
      seen.set(e.hash, e.technology);
    }
  });
  it('looks hashes up exactly', () => {
    expect(lookupFaviconHash(81586312).map((e) => e.technology)).toEqual(['Jenkins']);
    expect(lookupFaviconHash(81586313)).toEqual([]);
  });
  it('uses rule names for the products the reference names', () => {
    const db = getRuleDatabase();
    for (const name of ['Jenkins', 'GitLab', 'phpMyAdmin', 'Apache Tomcat', 'Prometheus', 'Synology DiskStation', 'IIS', 'Drupal', 'Joomla', 'Magento', 'Elasticsearch']) {
      expect(FAVICON_HASHES.some((e) => e.technology === name), name).toBe(true);
      expect(db.byName.has(name), name).toBe(true);
    }
  });
});
