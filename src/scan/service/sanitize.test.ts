import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bannerText, MAX_BANNER_CHARS, MAX_BANNER_LINES, sanitizeText, TRUNCATION_MARK } from './sanitize.js';

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
/** Nothing a terminal or log line would act on: C0/C1 controls, DEL, bidi and zero-width marks, separators. */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;

describe('sanitizeText on bytes', () => {
  it('keeps printable ASCII as is', () => {
    expect(sanitizeText(bytes('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3'), 100)).toBe('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3');
  });

  it('escapes NUL, ESC[2J, CR/LF/TAB, DEL and high bytes', () => {
    const input = Uint8Array.from([0x41, 0x00, 0x1b, 0x5b, 0x32, 0x4a, 0x0d, 0x0a, 0x09, 0x7f, 0xc3, 0x28, 0xff]);
    expect(sanitizeText(input, 100)).toBe('A\\x00\\x1b[2J\\r\\n\\t\\x7f\\xc3(\\xff');
  });

  it('escapes the backslash so escapes in the output are unambiguous', () => {
    expect(sanitizeText(bytes('C:\\x00'), 100)).toBe('C:\\\\x00');
  });

  it('caps the length with a marker and never cuts an escape in half', () => {
    const out = sanitizeText(Uint8Array.from([0x41, 0x42, 0x00, 0x00, 0x00]), 8);
    expect(out).toBe(`AB\\x00${TRUNCATION_MARK}`);
    expect(out.length).toBeLessThanOrEqual(8);
  });

  it('returns empty text for a cap below 1 or not a number', () => {
    expect(sanitizeText(bytes('abc'), 0)).toBe('');
    expect(sanitizeText(bytes('abc'), Number.NaN)).toBe('');
    expect(sanitizeText(bytes('abc'), 1)).toBe(TRUNCATION_MARK);
  });

  it('costs the same for a 1 MB input as for a short one (reads only up to the cap)', () => {
    const huge = new Uint8Array(1 << 20).fill(0x41);
    const start = performance.now();
    for (let i = 0; i < 200; i++) sanitizeText(huge, 64);
    expect(performance.now() - start).toBeLessThan(500);
    expect(sanitizeText(huge, 64)).toBe('A'.repeat(63) + TRUNCATION_MARK);
  });
});

describe('sanitizeText on strings', () => {
  it('keeps printable Unicode and escapes controls, bidi overrides and zero-width characters', () => {
    expect(sanitizeText('Überwachung – Kamera', 100)).toBe('Überwachung – Kamera');
    expect(sanitizeText('a\u202Eb\u200Bc\u2028d\u0085e', 100)).toBe('a\\u{202e}b\\u{200b}c\\u{2028}d\\x85e');
    expect(sanitizeText('x\u001b[2Jy', 100)).toBe('x\\x1b[2Jy');
  });

  it('escapes a lone surrogate and keeps a valid pair whole', () => {
    expect(sanitizeText('a\uD800b', 100)).toBe('a\\u{d800}b');
    expect(sanitizeText('🙂', 2)).toBe('🙂');
    expect(sanitizeText('a🙂', 2)).toBe(`a${TRUNCATION_MARK}`);
  });

  it('never outputs an unsafe character and never exceeds the cap (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.integer({ min: 0, max: 120 }), (s, max) => {
        const out = sanitizeText(s, max);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(UNSAFE.test(out)).toBe(false);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 120 }), (b, max) => {
        const out = sanitizeText(b, max);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(/^[\x20-\x7e…]*$/.test(out)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('bannerText', () => {
  it('drops the trailing line break of a one-line banner', () => {
    expect(bannerText(bytes('220 (vsFTPd 3.0.3)\r\n'))).toBe('220 (vsFTPd 3.0.3)');
  });

  it('keeps inner line breaks escaped', () => {
    expect(bannerText(bytes('220-FileZilla Server 1.8.1\r\n220 Please visit https://filezilla-project.org/\r\n'))).toBe(
      '220-FileZilla Server 1.8.1\\r\\n220 Please visit https://filezilla-project.org/',
    );
  });

  it(`keeps at most ${MAX_BANNER_LINES} lines and marks the cut`, () => {
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
    const out = bannerText(bytes(lines)) ?? '';
    expect(out).toContain('line 7');
    expect(out).not.toContain('line 8');
    expect(out.endsWith(TRUNCATION_MARK)).toBe(true);
  });

  it(`caps a 1 MB banner at ${MAX_BANNER_CHARS} characters`, () => {
    const huge = new Uint8Array(1 << 20).fill(0x58);
    const out = bannerText(huge) ?? '';
    expect(out.length).toBe(MAX_BANNER_CHARS);
    expect(out.endsWith(TRUNCATION_MARK)).toBe(true);
  });

  it('returns undefined for no bytes or only line breaks', () => {
    expect(bannerText(undefined)).toBeUndefined();
    expect(bannerText(new Uint8Array(0))).toBeUndefined();
    expect(bannerText(bytes('\r\n'))).toBeUndefined();
  });
});
