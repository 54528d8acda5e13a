/**
 * DNS tunnelling (category `dns_tunnel`, key `dns_tunnel:<client>:<parent domain>`, severity
 * high).
 *
 * Rules:
 * - Tools such as iodine, dnscat2 and dns2tcp carry data in query names under one parent
 *   domain the attacker controls: every query has a new, long, encoded subdomain, often of
 *   type NULL, TXT, CNAME or MX. Per (client, parent registrable domain) and window (dns_window_minutes
 *   of query time, starting at the pair's first query) the detector counts queries, unique subdomains
 *   (a bounded set), subdomain characters, long labels (>= LONG_LABEL characters) and
 *   data-carrying record types.
 * - A pair is reported when, within the window, it has at least MIN_UNIQUE unique subdomains
 *   whose average length is at least MIN_AVG_SUBDOMAIN (encoded data), or at least
 *   MIN_LONG_LABELS queries with a long label, or at least MIN_DATA_RECORDS TXT/NULL/ANY queries
 *   with at least MIN_UNIQUE / 3 unique subdomains; also one client making MAX_DATA_PER_CLIENT
 *   TXT/NULL queries to any domains in a window (record volume; not repeated for a client that
 *   already got a per-domain tunnel finding in that window).
 * - Ignored: local names, reverse lookups and DNS lookup services (data/lookup-services.ts:
 *   DNS blocklists and anti-virus clouds use encoded names legitimately). CDN names have many
 *   unique but short subdomains and stay below MIN_AVG_SUBDOMAIN.
 * - State is bounded: at most `pairs` tracked pairs (LRU, evictions counted), each keeping at
 *   most 2 * MIN_UNIQUE subdomain hashes; a pair is reported at most once per window.
 */
import type { NameParts } from '../names.js';
import type { DnsQuery } from '../types.js';
import { isLookupService } from '../data/lookup-services.js';
import { LruMap, createRepeatGuard, evictionCounter, type DnsDetector, type DnsDetectorContext, type DnsDetectorFactory } from './dns-detector.js';

export const NAME = 'dns_tunnel';
export const MIN_UNIQUE = 30;
export const MIN_AVG_SUBDOMAIN = 20;
export const LONG_LABEL = 40;
export const MIN_LONG_LABELS = 15;
export const MIN_DATA_RECORDS = 60;
export const MAX_DATA_PER_CLIENT = 300;
const DATA_TYPES = new Set(['TXT', 'NULL', 'ANY', 'CNAME', 'MX', 'SRV', 'PRIVATE', 'TYPE65399']);

interface PairState {
  startMs: number;
  queries: number;
  subdomains: Set<number>;
  subdomainChars: number;
  uniqueCounted: number;
  longLabels: number;
  dataRecords: number;
  examples: string[];
}

interface ClientState {
  startMs: number;
  dataRecords: number;
  parents: Set<string>;
}

function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Creates the detector from ctx.config (dns_window_minutes). */
export function createTunnelDetector(ctx: DnsDetectorContext, opts = { pairs: 20_000, clients: 5000 }): DnsDetector {
  const windowMs = ctx.config.dns_window_minutes * 60_000;
  const evict = evictionCounter(ctx.metrics, NAME);
  const pairs = new LruMap<string, PairState>(opts.pairs, evict);
  const clients = new LruMap<string, ClientState>(opts.clients, evict);
  const guard = createRepeatGuard(opts.pairs, windowMs);
  /** When each client last got a per-domain tunnel finding (a volume finding would repeat it). */
  const reported = new LruMap<string, number>(opts.clients);

  const report = (q: DnsQuery, parent: string, variant: string, s: PairState | undefined, c: ClientState | undefined) => {
    const key = variant === 'record_volume' ? `${NAME}:${q.client}` : `${NAME}:${q.client}:${parent}`;
    if (variant === 'record_volume') {
      const last = reported.peek(q.client);
      if (last !== undefined && q.timeMs - last < windowMs) return;
    }
    if (!guard.due(key, q.timeMs)) return;
    if (variant !== 'record_volume') reported.set(q.client, q.timeMs);
    const avg = s && s.uniqueCounted > 0 ? Math.round(s.subdomainChars / s.uniqueCounted) : 0;
    ctx.report({
      key,
      category: NAME,
      severity: 'high',
      sourceIp: q.client,
      title: variant === 'record_volume' ? `${q.client} sends a tunnel-like volume of TXT/NULL queries` : `DNS tunnel suspected from ${q.client} via ${parent}`,
      detail:
        variant === 'record_volume'
          ? `${c?.dataRecords ?? 0} TXT/NULL/ANY queries within ${windowMs / 60_000} min to ${c?.parents.size ?? 0} domains.`
          : `${s?.queries ?? 0} queries to ${parent} within ${windowMs / 60_000} min with ${s?.subdomains.size ?? 0} unique subdomains ` +
            `(average ${avg} characters), ${s?.longLabels ?? 0} with labels of ${LONG_LABEL}+ characters, ${s?.dataRecords ?? 0} of data-carrying types: ` +
            `the pattern of data carried in DNS names (iodine, dnscat2, dns2tcp). Example: ${s?.examples[0] ?? q.name}.`,
      atMs: q.timeMs,
      evidence: {
        variant,
        parent,
        queries: s?.queries ?? 0,
        uniqueSubdomains: s?.subdomains.size ?? 0,
        averageSubdomainLength: avg,
        longLabels: s?.longLabels ?? 0,
        dataRecords: s?.dataRecords ?? c?.dataRecords ?? 0,
        windowMinutes: windowMs / 60_000,
        examples: s?.examples ?? [q.name],
      },
    });
  };

  return {
    name: NAME,
    observe(q: DnsQuery, parts: NameParts) {
      if (parts.local || !parts.registrable || isLookupService(parts.registrable)) return;
      const data = DATA_TYPES.has(q.type);
      if (data) {
        let c = clients.get(q.client);
        if (!c || q.timeMs - c.startMs > windowMs) {
          c = { startMs: q.timeMs, dataRecords: 0, parents: new Set() };
          clients.set(q.client, c);
        }
        c.dataRecords++;
        if (c.parents.size < 100) c.parents.add(parts.registrable);
        if (c.dataRecords >= MAX_DATA_PER_CLIENT) report(q, parts.registrable, 'record_volume', undefined, c);
      }
      if (!parts.subdomain) return;
      const key = `${q.client}|${parts.registrable}`;
      let s = pairs.get(key);
      if (!s || q.timeMs - s.startMs > windowMs) {
        s = { startMs: q.timeMs, queries: 0, subdomains: new Set(), subdomainChars: 0, uniqueCounted: 0, longLabels: 0, dataRecords: 0, examples: [] };
        pairs.set(key, s);
      }
      s.queries++;
      if (data) s.dataRecords++;
      let long = false;
      for (const label of parts.subdomain.split('.')) if (label.length >= LONG_LABEL) long = true;
      if (long) s.longLabels++;
      const h = hash(parts.subdomain);
      if (!s.subdomains.has(h) && s.subdomains.size < 2 * MIN_UNIQUE) {
        s.subdomains.add(h);
        s.subdomainChars += parts.subdomain.length;
        s.uniqueCounted++;
        if (s.examples.length < 3) s.examples.push(q.name);
      }
      const avg = s.uniqueCounted > 0 ? s.subdomainChars / s.uniqueCounted : 0;
      if (s.subdomains.size >= MIN_UNIQUE && avg >= MIN_AVG_SUBDOMAIN) report(q, parts.registrable, 'encoded_subdomains', s, undefined);
      else if (s.longLabels >= MIN_LONG_LABELS) report(q, parts.registrable, 'long_labels', s, undefined);
      else if (s.dataRecords >= MIN_DATA_RECORDS && s.subdomains.size * 3 >= MIN_UNIQUE) report(q, parts.registrable, 'data_records', s, undefined);
    },
    tick(nowMs: number) {
      for (const [k, s] of [...pairs.entries()]) if (nowMs - s.startMs > windowMs) pairs.delete(k);
      for (const [k, c] of [...clients.entries()]) if (nowMs - c.startMs > windowMs) clients.delete(k);
    },
    size: () => pairs.size + clients.size,
  };
}

export const tunnelDetector: DnsDetectorFactory = (ctx) => createTunnelDetector(ctx);
