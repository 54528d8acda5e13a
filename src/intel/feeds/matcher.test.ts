import { describe, expect, it } from 'vitest';
import { buildMatcher, MAX_FEEDS } from './matcher.js';
import { parseFeed } from './parse.js';

describe('feed matcher', () => {
  const a = parseFeed('203.0.113.9\n198.51.100.0/26\n2001:db8:bad::/48\n2001:db8::77\nevil.example\n', 'feed-a');
  const b = parseFeed('203.0.113.0/24\n0.0.0.0 evil.example\n', 'feed-b');
  const m = buildMatcher([a, b]);

  it('matches exact IPs and CIDRs (v4 and v6), naming every feed that lists it', () => {
    expect(m.matchIp('203.0.113.9')).toEqual(['feed-a', 'feed-b']);
    expect(m.matchIp('203.0.113.10')).toEqual(['feed-b']);
    expect(m.matchIp('198.51.100.63')).toEqual(['feed-a']);
    expect(m.matchIp('198.51.100.64')).toBeUndefined();
    expect(m.matchIp('2001:db8:bad:ffff::1')).toEqual(['feed-a']);
    expect(m.matchIp('2001:db8:bae::1')).toBeUndefined();
    expect(m.matchIp('2001:db8:0:0:0:0:0:77')).toEqual(['feed-a']);
    expect(m.matchIp('::ffff:203.0.113.9')).toEqual(['feed-a', 'feed-b']);
    expect(m.matchIp('not an ip')).toBeUndefined();
    expect(m.counts).toEqual({ ips: 2, cidrs: 3, domains: 1, dropped: 0 });
  });

  it('matches domains and their subdomains, case-insensitively, never a bare TLD', () => {
    expect(m.matchDomain('evil.example')).toEqual(['feed-a', 'feed-b']);
    expect(m.matchDomain('CDN.Evil.Example.')).toEqual(['feed-a', 'feed-b']);
    expect(m.matchDomain('notevil.example')).toBeUndefined();
    expect(m.matchDomain('example')).toBeUndefined();
    expect(buildMatcher([parseFeed('example\n', 'x')]).matchDomain('a.example')).toBeUndefined();
  });

  it('caps total entries and feeds', () => {
    const big = parseFeed(Array.from({ length: 100 }, (_, i) => `198.51.100.${i}`).join('\n'), 'big');
    const capped = buildMatcher([big], 60);
    expect(capped.counts).toMatchObject({ ips: 60, dropped: 40 });
    const many = Array.from({ length: MAX_FEEDS + 5 }, (_, i) => parseFeed(`192.0.2.${i}\n`, `f${i}`));
    const mm = buildMatcher(many);
    expect(mm.feeds.length).toBe(MAX_FEEDS);
    expect(mm.matchIp(`192.0.2.${MAX_FEEDS - 1}`)).toEqual([`f${MAX_FEEDS - 1}`]);
    expect(mm.matchIp(`192.0.2.${MAX_FEEDS}`)).toBeUndefined();
  });

  it('lookups do not scan the list: 200k entries, 200k lookups stay far below a linear scan', () => {
    const lines: string[] = [];
    for (let i = 0; i < 200_000; i++) lines.push(i % 10 === 0 ? `100.${(i >> 8) & 255}.${i & 255}.0/24` : `198.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    const big = buildMatcher([parseFeed(lines.join('\n'), 'big')]);
    const t0 = Date.now();
    let hits = 0;
    for (let i = 0; i < 200_000; i++) if (big.matchIp(`198.${(i >> 16) & 255}.${(i >> 8) & 255}.${(i + 1) & 255}`)) hits++;
    // a linear scan would be 4e10 comparisons; hash probes are a few per lookup
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(hits).toBeGreaterThan(150_000);
  });
});
