/**
 * Blacklist matcher: is this address or name listed, and by which feeds? Rules: built once
 * per feed change from parsed feeds (immutable afterwards, so lookups need no locking);
 * lookups cost O(number of distinct prefix lengths present) hash probes (at most 33 for
 * IPv4, 129 for IPv6; typically 2-5), independent of how many entries the feeds hold:
 * exact IPs are /32 or /128 prefixes, each prefix length has its own hash map keyed by the
 * masked network. IPv4-mapped IPv6 addresses match IPv4 entries. Domains match themselves
 * and their subdomains (a listed `evil.example` also flags `cdn.evil.example`), never a
 * bare TLD. Feeds are identified by a bit (at most MAX_FEEDS); total entries are capped
 * (`maxEntries`, the rest counted as dropped) so memory stays bounded.
 */
import { parseIp } from '../ip.js';
import type { ParsedFeed } from './parse.js';

export const MAX_FEEDS = 32;
export const DEFAULT_MAX_MATCHER_ENTRIES = 1_000_000;

export interface FeedMatcher {
  /** Names of the feeds listing this address (or a network holding it); undefined when none. */
  matchIp(ip: string): readonly string[] | undefined;
  /** Names of the feeds listing this name or a parent domain; undefined when none. */
  matchDomain(name: string): readonly string[] | undefined;
  /** Feed names, in bit order. */
  readonly feeds: readonly string[];
  readonly counts: { ips: number; cidrs: number; domains: number; dropped: number };
}

/** Builds a matcher from feeds (feeds past MAX_FEEDS are ignored; see module rules). */
export function buildMatcher(feeds: readonly ParsedFeed[], maxEntries = DEFAULT_MAX_MATCHER_ENTRIES): FeedMatcher {
  const used = feeds.slice(0, MAX_FEEDS);
  const names = used.map((f) => f.source);
  const v4: (Map<number, number> | undefined)[] = new Array(33);
  const v6: (Map<bigint, number> | undefined)[] = new Array(129);
  const domains = new Map<string, number>();
  const counts = { ips: 0, cidrs: 0, domains: 0, dropped: 0 };
  let total = 0;

  const addNet = (text: string, bit: number, kind: 'ips' | 'cidrs') => {
    const slash = text.indexOf('/');
    const p = parseIp(slash < 0 ? text : text.slice(0, slash));
    if (!p) return;
    const len = slash < 0 ? (p.v === 4 ? 32 : 128) : Number(text.slice(slash + 1));
    if (p.v === 4) {
      if (!(len >= 1 && len <= 32)) return;
      const m = (v4[len] ??= new Map());
      const key = p.n >>> (32 - len);
      const prev = m.get(key);
      if (prev === undefined) counts[kind]++;
      m.set(key, ((prev ?? 0) | bit) >>> 0);
    } else {
      if (!(len >= 1 && len <= 128)) return;
      const m = (v6[len] ??= new Map());
      const key = p.n >> BigInt(128 - len);
      const prev = m.get(key);
      if (prev === undefined) counts[kind]++;
      m.set(key, ((prev ?? 0) | bit) >>> 0);
    }
  };

  used.forEach((f, i) => {
    const bit = (1 << i) >>> 0;
    const add = (list: readonly string[], fn: (s: string) => void) => {
      for (const s of list) {
        if (total >= maxEntries) {
          counts.dropped++;
          continue;
        }
        total++;
        fn(s);
      }
    };
    add(f.ips, (s) => addNet(s, bit, 'ips'));
    add(f.cidrs, (s) => addNet(s, bit, 'cidrs'));
    add(f.domains, (d) => {
      const prev = domains.get(d);
      if (prev === undefined) counts.domains++;
      domains.set(d, ((prev ?? 0) | bit) >>> 0);
    });
  });

  const v4Lens: number[] = [];
  for (let len = 32; len >= 1; len--) if (v4[len]) v4Lens.push(len);
  const v6Lens: number[] = [];
  const v6Shift: bigint[] = [];
  for (let len = 128; len >= 1; len--) {
    if (v6[len]) {
      v6Lens.push(len);
      v6Shift.push(BigInt(128 - len));
    }
  }

  const byMask = new Map<number, readonly string[]>();
  const namesOf = (mask: number): readonly string[] | undefined => {
    if (mask === 0) return undefined;
    let n = byMask.get(mask);
    if (!n) {
      n = names.filter((_, i) => (mask & (1 << i)) !== 0);
      byMask.set(mask, n);
    }
    return n;
  };

  return {
    feeds: names,
    counts,
    matchIp(ip) {
      const p = parseIp(ip);
      if (!p) return undefined;
      let mask = 0;
      if (p.v === 4) {
        for (const len of v4Lens) mask |= (v4[len] as Map<number, number>).get(p.n >>> (32 - len)) ?? 0;
      } else {
        for (let i = 0; i < v6Lens.length; i++) {
          mask |= (v6[v6Lens[i] as number] as Map<bigint, number>).get(p.n >> (v6Shift[i] as bigint)) ?? 0;
        }
      }
      return namesOf(mask >>> 0);
    },
    matchDomain(name) {
      if (domains.size === 0 || name.length > 253) return undefined;
      let s = name.toLowerCase();
      if (s.endsWith('.')) s = s.slice(0, -1);
      let mask = 0;
      for (;;) {
        const dot = s.indexOf('.');
        if (dot < 0) break;
        mask |= domains.get(s) ?? 0;
        s = s.slice(dot + 1);
      }
      return namesOf(mask >>> 0);
    },
  };
}
