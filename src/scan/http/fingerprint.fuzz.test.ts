/**
 * Fuzzing HTTP fingerprinting (hostile-input catalogue 15, 16, 18): the recorded responses of
 * testdata/ with mutated bodies and hostile header names and values, plus the favicon hash on
 * random bytes. Rules: nothing throws; technologies are plain, bounded text (versions escaped
 * and short, confidence 0..100); page extraction stays within its caps (title 200 characters,
 * 8 values per meta name, script sources 2 KiB).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectBoundedText, fuzz, hostileString, mutatedText } from '../../../test/support/fuzz.js';
import { faviconHash } from './favicon-hash.js';
import { fingerprintHttp } from './fingerprint.js';
import { extractPage, MAX_HTML } from './html-extract.js';
import { loadFixtures } from './test-kit.js';

const FIXTURES = loadFixtures();

const headerEdits = fc.array(
  fc.record({ name: fc.oneof(fc.constantFrom('server', 'x-powered-by', 'set-cookie', 'content-type', 'via'), hostileString), value: fc.oneof(hostileString, fc.array(hostileString, { maxLength: 30 })) }),
  { maxLength: 4 },
);

const response = fc
  .tuple(fc.nat({ max: FIXTURES.length - 1 }), mutatedText(FIXTURES.map((f) => f.body)), headerEdits, fc.option(hostileString))
  .map(([i, body, edits, issuer]) => {
    const f = FIXTURES[i]!;
    const headers: Record<string, string | string[]> = { ...f.headers };
    for (const e of edits) headers[e.name.toLowerCase()] = e.value;
    return { url: f.url, status: f.status, headers, body, extraPages: f.extraPages, ...(issuer === null ? {} : { certIssuer: issuer }) };
  });

describe('HTTP fingerprint fuzz', () => {
  it('fuzz: recorded responses with mutated bodies and hostile headers', async ({ task }) => {
    fingerprintHttp({ url: 'http://192.0.2.1/', status: 200, headers: {}, body: '' });
    await fuzz(task, 'scan/http fingerprint', response, (input) => {
      const techs = fingerprintHttp(input);
      for (const t of techs) {
        expect(t.confidence >= 0 && t.confidence <= 100).toBe(true);
        expect((t.version ?? '').length).toBeLessThanOrEqual(64);
      }
      expectBoundedText(techs, 300);
      const parts = extractPage(input.body);
      expect((parts.title ?? '').length).toBeLessThanOrEqual(200);
      for (const values of parts.meta.values()) expect(values.length).toBeLessThanOrEqual(8);
      for (const src of parts.scriptSrc) expect(src.length).toBeLessThanOrEqual(2048);
      expect(parts.text.length).toBeLessThanOrEqual(MAX_HTML);
    }, 150);
  });

  it('fuzz: favicon hash of random bytes', async ({ task }) => {
    await fuzz(task, 'scan/http favicon-hash', fc.uint8Array({ maxLength: 4096 }), (b) => {
      const h = faviconHash(b);
      expect(Number.isInteger(h) && h >= -(2 ** 31) && h < 2 ** 31).toBe(true);
    }, 2000);
  });
});
