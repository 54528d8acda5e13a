/**
 * Fuzzing the scanner's raw HTTP response parser (hostile-input catalogue 15, 16): recorded
 * responses of real servers (testdata fixtures and captures) mutated, plus random bytes. Rules:
 * never throws; everything it returns stays within the module's caps (200 headers, 100-character
 * names, 4 KiB values, 50 repeats, 200-character reason); the body never outgrows the input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzz, hostileBytes } from '../../test/support/fuzz.js';
import { loadFixtures } from './http/test-kit.js';
import { parseHttpResponse } from './http-response.js';
import captures from './service/testdata/captures.json' with { type: 'json' };

function rawResponse(status: number, headers: Record<string, string | string[]>, body: string, chunked = false): Buffer {
  const lines = [`HTTP/1.1 ${status} OK`];
  for (const [k, v] of Object.entries(headers)) for (const x of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${x}`);
  if (chunked) {
    lines.push('Transfer-Encoding: chunked');
    const b = Buffer.from(body, 'utf8');
    const parts = [b.subarray(0, b.length >> 1), b.subarray(b.length >> 1)].filter((p) => p.length > 0);
    body = parts.map((p) => `${p.length.toString(16)}\r\n${p.toString('utf8')}\r\n`).join('') + '0\r\n\r\n';
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`, 'utf8');
}

const SEEDS: Buffer[] = [
  ...loadFixtures().flatMap((f) => [rawResponse(f.status, f.headers, f.body.slice(0, 4000)), rawResponse(f.status, f.headers, f.body.slice(0, 2000), true)]),
  ...captures.filter((c) => c.hex.startsWith('48545450')).map((c) => Buffer.from(c.hex, 'hex')),
];

describe('parseHttpResponse fuzz', () => {
  it('fuzz: mutated real responses and random bytes never throw and stay within the caps', async ({ task }) => {
    await fuzz(
      task,
      'scan/http-response',
      fc.oneof(hostileBytes(SEEDS), fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\n'), a]))),
      (raw) => {
        const r = parseHttpResponse(raw);
        if (r === undefined) return;
        expect(r.version).toMatch(/^HTTP\/\d(\.\d)?$/);
        expect(Number.isInteger(r.status) && r.status >= 0 && r.status <= 999).toBe(true);
        expect(r.reason.length).toBeLessThanOrEqual(200);
        const names = Object.keys(r.headers);
        expect(names.length).toBeLessThanOrEqual(200);
        for (const name of names) {
          expect(name).toMatch(/^[a-z0-9!#$%&'*+.^_`|~-]{1,100}$/);
          const v = r.headers[name]!;
          const values = Array.isArray(v) ? v : [v];
          expect(values.length).toBeLessThanOrEqual(50);
          for (const x of values) expect(x.length).toBeLessThanOrEqual(4096);
        }
        expect(r.body.length).toBeLessThanOrEqual(raw.length);
      },
      5000,
    );
  });
});
