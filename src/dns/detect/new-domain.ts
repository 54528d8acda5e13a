/**
 * Newly observed domains per device (category `dns_new_domain`, key `dns_new_domain:<client>`,
 * severity low).
 *
 * Rules:
 * - Each device's profile is the set of registrable domains (names.ts) it has looked up,
 *   with when it was first seen. For dns_learning_hours after the device's first query
 *   everything is learning. After that a domain outside the profile is "new" (it is added
 *   and counted, for the dashboard).
 * - Only devices whose profile is small (at most stableMax domains: cameras, plugs, TVs,
 *   printers, which talk to a fixed set of services) raise findings: for them a new domain
 *   is unusual. A device that browses the web (large profile) only gets counts, so ordinary
 *   browsing never raises findings. At most one report per device per repeatMs; the
 *   evidence lists the latest new domains (bounded).
 * - Bounded: at most `devices` profiles (LRU) and maxDomains per profile (beyond that the
 *   device is "not stable" and no longer grows). Changes are kept for the monitor to persist
 *   (drainChanges) and profiles are restored with seed() at start.
 */
import type { NameParts } from '../names.js';
import type { DnsQuery } from '../types.js';
import { LruMap, createRepeatGuard, evictionCounter, type DnsDetector, type DnsDetectorContext } from './dns-detector.js';

export const NAME = 'dns_new_domain';
const RECENT = 10;

interface Profile {
  firstSeenMs: number;
  domains: Map<string, number>;
  full: boolean;
  newCount: number;
  recent: { domain: string; name: string; atMs: number }[];
}

export interface DomainChange {
  device: string;
  /** '' records the device's first-seen time. */
  domain: string;
  firstSeenMs: number;
}

export interface NewDomainDetector extends DnsDetector {
  /** Restores one stored row (device first-seen when domain is ''). */
  seed(change: DomainChange): void;
  /** Changes since the previous call, for persistence. */
  drainChanges(): DomainChange[];
  /** New domains counted for a device since start, with the latest examples. */
  newDomains(device: string): { count: number; learning: boolean; known: number; recent: { domain: string; atMs: number }[] };
}

export interface NewDomainOptions {
  devices: number;
  maxDomains: number;
  stableMax: number;
  repeatMs: number;
}

export const NEW_DOMAIN_DEFAULTS: NewDomainOptions = { devices: 2000, maxDomains: 2000, stableMax: 150, repeatMs: 3_600_000 };

/** Creates the detector from ctx.config (dns_learning_hours). */
export function createNewDomainDetector(ctx: DnsDetectorContext, options: Partial<NewDomainOptions> = {}): NewDomainDetector {
  const o = { ...NEW_DOMAIN_DEFAULTS, ...options };
  const learnMs = ctx.config.dns_learning_hours * 3_600_000;
  const profiles = new LruMap<string, Profile>(o.devices, evictionCounter(ctx.metrics, NAME));
  const guard = createRepeatGuard(o.devices, o.repeatMs);
  let changes: DomainChange[] = [];
  const MAX_CHANGES = 100_000;

  const profile = (device: string, atMs: number, record: boolean): Profile => {
    let p = profiles.get(device);
    if (!p) {
      p = { firstSeenMs: atMs, domains: new Map(), full: false, newCount: 0, recent: [] };
      profiles.set(device, p);
      if (record && changes.length < MAX_CHANGES) changes.push({ device, domain: '', firstSeenMs: atMs });
    }
    return p;
  };

  return {
    name: NAME,
    seed(c) {
      const p = profile(c.device, c.firstSeenMs, false);
      if (c.domain === '') p.firstSeenMs = Math.min(p.firstSeenMs, c.firstSeenMs);
      else if (p.domains.size < o.maxDomains) p.domains.set(c.domain, c.firstSeenMs);
      else p.full = true;
    },
    drainChanges() {
      const out = changes;
      changes = [];
      return out;
    },
    newDomains(device) {
      const p = profiles.peek(device);
      if (!p) return { count: 0, learning: true, known: 0, recent: [] };
      return { count: p.newCount, learning: false, known: p.domains.size, recent: p.recent.map((r) => ({ domain: r.domain, atMs: r.atMs })) };
    },
    observe(q: DnsQuery, parts: NameParts) {
      if (parts.local || !parts.registrable) return;
      const p = profile(q.client, q.timeMs, true);
      const domain = parts.registrable;
      if (p.domains.has(domain)) return;
      if (p.domains.size >= o.maxDomains) {
        p.full = true;
        return;
      }
      p.domains.set(domain, q.timeMs);
      if (changes.length < MAX_CHANGES) changes.push({ device: q.client, domain, firstSeenMs: q.timeMs });
      if (q.timeMs - p.firstSeenMs < learnMs) return;
      p.newCount++;
      ctx.metrics.inc('homesec_dns_new_domains_total');
      p.recent.push({ domain, name: q.name, atMs: q.timeMs });
      if (p.recent.length > RECENT) p.recent.shift();
      if (p.full || p.domains.size > o.stableMax) return;
      if (!guard.due(q.client, q.timeMs)) return;
      ctx.report({
        key: `${NAME}:${q.client}`,
        category: NAME,
        severity: 'low',
        sourceIp: q.client,
        title: `${q.client} contacted a domain it never used before: ${domain}`,
        detail:
          `${q.client} has used the same ${p.domains.size - 1} domains since ${new Date(p.firstSeenMs).toISOString()}; ` +
          `it now looked up ${q.name}. A device with a fixed set of services reaching a new one can mean a firmware change or a compromise.`,
        atMs: q.timeMs,
        evidence: { domain, name: q.name, knownDomains: p.domains.size - 1, recentNew: p.recent.map((r) => ({ domain: r.domain, name: r.name, atMs: r.atMs })) },
      });
    },
    tick() {
      /* profiles expire by LRU */
    },
    size: () => profiles.size,
  };
}
