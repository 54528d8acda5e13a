/**
 * Threat-feed names (category `dns_blacklist`, key `dns_blacklist:<client>:<listed domain>`,
 * severity high).
 *
 * Rules:
 * - A query name is looked up in the intel feeds (ctx.threatMatch: the domain lists of
 *   src/intel, e.g. URLhaus, ThreatFox) as itself and as each parent, eTLD+1 aware: the walk
 *   stops at the registrable domain with the Public Suffix List's private section
 *   (names.ts threatDomain), so a feed that lists a shared suffix (duckdns.org, blogspot.com,
 *   co.uk) never flags every customer of it, while `evil.duckdns.org` still flags
 *   `c2.evil.duckdns.org`. Local names are not looked up.
 * - Each (client, listed domain) pair is reported at most once per repeatMs; lookups are
 *   memoised per name (bounded), so a chatty device costs a map lookup.
 * - A query the resolver blocked is still reported (the device tried), saying so.
 */
import type { NameParts } from '../names.js';
import type { DnsQuery } from '../types.js';
import { LruMap, createRepeatGuard, evictionCounter, type DnsDetector, type DnsDetectorContext, type DnsDetectorFactory } from './dns-detector.js';

export const NAME = 'dns_blacklist';

/** The candidates checked for a name: itself, then parents down to (and including) the threat domain. */
export function lookupChain(name: string, threatDomain: string): string[] {
  const out = [name];
  let s = name;
  while (s.length > threatDomain.length) {
    const dot = s.indexOf('.');
    if (dot < 0) break;
    s = s.slice(dot + 1);
    if (s.length < threatDomain.length) break;
    out.push(s);
  }
  return out;
}

interface Hit {
  listed: string;
  feeds: readonly string[];
}

/** Creates the detector; it does nothing when ctx.threatMatch is absent (intel disabled). */
export function createThreatNameDetector(ctx: DnsDetectorContext, opts = { repeatMs: 3_600_000, memo: 50_000, pairs: 20_000 }): DnsDetector {
  const memo = new LruMap<string, Hit | null>(opts.memo, evictionCounter(ctx.metrics, NAME));
  const guard = createRepeatGuard(opts.pairs, opts.repeatMs);
  let hits = 0;

  const match = (name: string, parts: NameParts): Hit | undefined => {
    const m = memo.get(name);
    if (m !== undefined) return m ?? undefined;
    let hit: Hit | null = null;
    if (ctx.threatMatch && parts.threatDomain) {
      for (const candidate of lookupChain(name, parts.threatDomain)) {
        const feeds = ctx.threatMatch(candidate);
        if (feeds && feeds.length > 0) {
          hit = { listed: candidate, feeds };
          break;
        }
      }
    }
    memo.set(name, hit);
    return hit ?? undefined;
  };

  return {
    name: NAME,
    observe(q: DnsQuery, parts: NameParts) {
      if (!ctx.threatMatch || parts.local) return;
      const hit = match(q.name, parts);
      if (!hit) return;
      hits++;
      ctx.metrics.inc('homesec_dns_threat_hits_total');
      if (!guard.due(`${q.client}|${hit.listed}`, q.timeMs)) return;
      const feeds = hit.feeds.join(', ');
      ctx.report({
        key: `${NAME}:${q.client}:${hit.listed}`,
        category: NAME,
        severity: 'high',
        sourceIp: q.client,
        title: `${q.client} looked up ${hit.listed}, listed by ${feeds}`,
        detail:
          `DNS ${q.type} query for ${q.name}${q.blocked ? ' (blocked by the resolver)' : ''}. ` +
          `${hit.listed === q.name ? 'The name' : `Its parent domain ${hit.listed}`} is on threat feed${hit.feeds.length > 1 ? 's' : ''}: ${feeds}.`,
        atMs: q.timeMs,
        evidence: { name: q.name, listed: hit.listed, feeds: [...hit.feeds], type: q.type, blocked: q.blocked, hits },
      });
    },
    tick() {
      /* state expires by LRU */
    },
    size: () => memo.size + guard.size,
  };
}

export const threatNameDetector: DnsDetectorFactory = (ctx) => createThreatNameDetector(ctx);
