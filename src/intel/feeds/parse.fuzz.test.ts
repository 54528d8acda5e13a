/**
 * Fuzzing the blacklist feed parser (hostile-input catalogue 17, 28): the real feed formats of
 * testdata/ (Feodo text and CSV, URLhaus hostfile, CIDR and domain lists) mutated as text and
 * as bytes, under small limits so the caps are exercised. Rules: nothing throws; entries never
 * exceed maxEntries; every IP and CIDR is canonical and valid (no prefix broader than
 * MIN_PREFIX); every domain is one cleanHostname accepts unchanged; counters are sane.
 */
import fs from 'node:fs';
import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzz, hostileBytes, mutatedText } from '../../../test/support/fuzz.js';
import { cleanHostname } from '../sanitise.js';
import { MIN_PREFIX, parseFeed, type FeedLimits } from './parse.js';

const FILES = ['feodo-ipblocklist.txt', 'feodo-ipblocklist.csv', 'urlhaus-hostfile.txt', 'drop-cidr.txt', 'domains.txt'];
const SEEDS = FILES.map((f) => fs.readFileSync(new URL(`../testdata/${f}`, import.meta.url), 'utf8').slice(0, 6000));
const LIMITS: FeedLimits = { maxEntries: 300, maxLineLength: 512 };

describe('parseFeed fuzz', () => {
  it('fuzz: mutated real feeds (text and bytes) under small limits', async ({ task }) => {
    const input = fc.oneof(
      { weight: 3, arbitrary: mutatedText(SEEDS) },
      { weight: 1, arbitrary: hostileBytes(SEEDS.map((s) => Buffer.from(s)), 4096).map((b) => new Uint8Array(b)) },
    );
    await fuzz(task, 'intel/feeds parse', input, (text) => {
      const f = parseFeed(text, 'fuzz', LIMITS);
      expect(f.ips.length + f.cidrs.length + f.domains.length).toBeLessThanOrEqual(LIMITS.maxEntries);
      for (const ip of f.ips) expect(isIP(ip)).not.toBe(0);
      for (const c of f.cidrs) {
        const [addr, bits] = c.split('/');
        const v = isIP(addr ?? '');
        expect(v).not.toBe(0);
        expect(Number(bits)).toBeGreaterThanOrEqual(MIN_PREFIX[v as 4 | 6]);
      }
      for (const d of f.domains) expect(cleanHostname(d)).toBe(d);
      for (const n of [f.lines, f.comments, ...Object.values(f.errors)]) expect(Number.isInteger(n) && n >= 0).toBe(true);
    }, 1500);
  });
});
