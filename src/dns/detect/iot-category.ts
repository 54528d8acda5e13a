/**
 * IoT devices querying unusual categories (category `dns_iot_category`, key
 * `dns_iot_category:<client>:<category>`).
 *
 * Rules:
 * - A device counts as IoT when a person gave it an IoT role (homesec_roles.yaml: camera,
 *   iot, tv, printer), or when, after dns_learning_hours since its first query, it has used
 *   at most MAX_IOT_DOMAINS distinct domains and at least half of them are IoT vendor
 *   clouds (data/categories.ts 'iot_cloud'). Until then it is not judged.
 * - An IoT device looking up a domain in a category it has no business with (mining pools,
 *   Tor gateways, tunnel services, paste sites, IP-check services, dynamic-DNS names) raises
 *   a finding naming the category and the name: high for mining and anonymizers, medium
 *   otherwise; each (device, category) at most once per repeatMs.
 * - Bounded: at most `devices` tracked (LRU), each counting at most MAX_IOT_DOMAINS + 1
 *   distinct domains.
 */
import type { NameParts } from '../names.js';
import type { DnsQuery } from '../types.js';
import { categoryOf, type Category } from '../data/categories.js';
import { LruMap, createRepeatGuard, evictionCounter, type DnsDetector, type DnsDetectorContext, type DnsDetectorFactory } from './dns-detector.js';

export const NAME = 'dns_iot_category';
export const IOT_ROLES: readonly string[] = ['camera', 'iot', 'tv', 'printer'];
export const MAX_IOT_DOMAINS = 50;
const RISKY: ReadonlySet<Category> = new Set(['mining', 'anonymizer', 'tunnel', 'paste', 'ip_check', 'dynamic_dns']);

interface Device {
  firstSeenMs: number;
  domains: Set<string>;
  iotDomains: number;
}

/** Creates the detector from ctx.config (dns_learning_hours) and ctx.roleOf. */
export function createIotCategoryDetector(ctx: DnsDetectorContext, opts = { devices: 2000, repeatMs: 3_600_000 }): DnsDetector {
  const learnMs = ctx.config.dns_learning_hours * 3_600_000;
  const devices = new LruMap<string, Device>(opts.devices, evictionCounter(ctx.metrics, NAME));
  const guard = createRepeatGuard(opts.devices * 4, opts.repeatMs);

  const isIot = (ip: string, d: Device, nowMs: number): 'role' | 'profile' | undefined => {
    const role = ctx.roleOf?.(ip);
    if (role && IOT_ROLES.includes(role)) return 'role';
    if (nowMs - d.firstSeenMs < learnMs) return undefined;
    if (d.domains.size === 0 || d.domains.size > MAX_IOT_DOMAINS) return undefined;
    return d.iotDomains * 2 >= d.domains.size ? 'profile' : undefined;
  };

  return {
    name: NAME,
    observe(q: DnsQuery, parts: NameParts) {
      if (parts.local || !parts.registrable) return;
      let d = devices.get(q.client);
      if (!d) {
        d = { firstSeenMs: q.timeMs, domains: new Set(), iotDomains: 0 };
        devices.set(q.client, d);
      }
      const category = categoryOf(q.name, parts.dynamicDns);
      const risky = category !== undefined && RISKY.has(category);
      const why = risky ? isIot(q.client, d, q.timeMs) : undefined;
      if (!d.domains.has(parts.registrable) && d.domains.size <= MAX_IOT_DOMAINS) {
        d.domains.add(parts.registrable);
        if (category === 'iot_cloud') d.iotDomains++;
      }
      if (!risky || !why || !category) return;
      const key = `${NAME}:${q.client}:${category}`;
      if (!guard.due(key, q.timeMs)) return;
      const severe = category === 'mining' || category === 'anonymizer';
      ctx.report({
        key,
        category: NAME,
        severity: severe ? 'high' : 'medium',
        sourceIp: q.client,
        title: `IoT device ${q.client} looked up a ${category.replace('_', ' ')} domain: ${parts.registrable}`,
        detail:
          `${q.client} (${why === 'role' ? `role ${ctx.roleOf?.(q.client) ?? ''}` : 'behaves like an IoT device: it talks mostly to vendor clouds'}) ` +
          `queried ${q.name}. Devices of this kind have no reason to use ${category.replace('_', ' ')} services; compromised IoT devices do (mining, proxies, C2).`,
        atMs: q.timeMs,
        evidence: { name: q.name, domain: parts.registrable, domainCategory: category, iotBy: why, knownDomains: d.domains.size },
      });
    },
    tick() {
      /* devices expire by LRU */
    },
    size: () => devices.size,
  };
}

export const iotCategoryDetector: DnsDetectorFactory = (ctx) => createIotCategoryDetector(ctx);
