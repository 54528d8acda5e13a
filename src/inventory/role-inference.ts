/**
 * Role inference: which of the reference's roles a device most likely has, and why. Rules:
 * a pure function over a RoleProfile (what the scanner, the flows, the MAC vendor and the
 * names say) and the ROLE_RULES table; never throws. Every rule that fires adds its weight
 * to its role; the role with the highest total wins when it reaches MIN_SCORE, else the
 * device is "unknown". Ties go to the role listed first in ROLE_ORDER (the more specific
 * device kind). Confidence is the winning total capped at MAX_CONFIDENCE (never 100: a
 * remote guess can be wrong). Reasons name the rule and the evidence it matched (port
 * numbers, vendor, name, product), strongest first, at most MAX_REASONS; the runner-up is
 * mentioned when it came close. Service-based conditions (product, service, banner) must all
 * hold for one and the same service.
 */
import type { OsGuess, Service } from '../scan/types.js';
import type { Role } from '../store/state-files.js';
import { hostLabel } from './names.js';
import { ROLE_RULES, type RoleRule } from './role-rules.js';

export const MIN_SCORE = 25;
export const MAX_CONFIDENCE = 95;
export const MAX_REASONS = 6;
/** Tie-break order: specific device kinds before general-purpose computers. */
export const ROLE_ORDER: readonly Exclude<Role, 'unknown'>[] = ['gateway', 'camera', 'printer', 'nas', 'tv', 'iot', 'mobile', 'server', 'desktop'];

export interface RoleProfile {
  /** Ports the scanner found open. */
  openPorts: readonly number[];
  /** Ports other hosts connected to, from flows. */
  servedPorts: readonly number[];
  services: readonly Service[];
  os?: OsGuess;
  vendor?: string;
  hostname?: string;
  /** Display name (e.g. a Home Assistant tracker's friendly name). */
  name?: string;
  randomizedMac: boolean;
  /** This address is a default gateway of the homesec host. */
  gateway: boolean;
}

export interface RoleGuess {
  role: Role;
  /** 0..MAX_CONFIDENCE */
  confidence: number;
  reasons: string[];
}

const quote = (s: string) => `"${s.length > 48 ? `${s.slice(0, 47)}…` : s}"`;

function serviceLabel(s: Service): string {
  return `${s.productName ?? s.product ?? s.name}${s.version ? ` ${s.version}` : ''} on port ${s.port}`;
}

function httpTexts(s: Service): string[] {
  const h = s.http;
  if (!h) return [];
  return [h.title, h.server, h.poweredBy, ...h.technologies.map((t) => t.name)].filter((x): x is string => typeof x === 'string');
}

/** The evidence text when `rule` fires for `p`, else undefined. */
function fire(rule: RoleRule, p: RoleProfile, ports: ReadonlySet<number>, names: readonly string[]): string | undefined {
  const bits: string[] = [];
  if (rule.gateway !== undefined && rule.gateway !== p.gateway) return undefined;
  if (rule.randomizedMac !== undefined && rule.randomizedMac !== p.randomizedMac) return undefined;
  if (rule.allPorts) {
    if (!rule.allPorts.every((x) => ports.has(x))) return undefined;
  }
  if (rule.anyPort) {
    const hit = rule.anyPort.filter((x) => ports.has(x));
    if (hit.length === 0) return undefined;
    bits.push(`port ${[...(rule.allPorts ?? []), ...hit].join('/')}`);
  } else if (rule.allPorts) {
    bits.push(`port ${rule.allPorts.join('/')}`);
  }
  if (rule.product || rule.service || rule.banner) {
    const s = p.services.find(
      (x) =>
        (!rule.product || rule.product.test(x.product ?? '') || rule.product.test(x.productName ?? '')) &&
        (!rule.service || rule.service.test(x.name)) &&
        (!rule.banner || rule.banner.test(`${x.banner ?? ''} ${x.extra ?? ''} ${x.distro ?? ''}`)),
    );
    if (!s) return undefined;
    bits.push(serviceLabel(s));
  }
  if (rule.http) {
    let found: string | undefined;
    for (const s of p.services) {
      found = httpTexts(s).find((t) => rule.http?.test(t));
      if (found) break;
    }
    if (!found) return undefined;
    bits.push(`web page ${quote(found)}`);
  }
  if (rule.vendor) {
    if (!p.vendor || !rule.vendor.test(p.vendor)) return undefined;
    bits.push(`vendor ${quote(p.vendor)}`);
  }
  if (rule.host) {
    const hit = names.find((n) => rule.host?.test(n));
    if (!hit) return undefined;
    bits.push(`name ${quote(hit)}`);
  }
  if (rule.os) {
    const text = p.os ? `${p.os.family} ${p.os.detail ?? ''}`.trim() : '';
    if (!text || !rule.os.test(text)) return undefined;
    bits.push(`OS guess ${quote(text)}`);
  }
  return bits.length > 0 ? `${rule.reason} (${bits.join(', ')})` : rule.reason;
}

/** Infers the role of one device (see module rules). */
export function inferRole(p: RoleProfile, rules: readonly RoleRule[] = ROLE_RULES): RoleGuess {
  const ports = new Set<number>([...p.openPorts, ...p.servedPorts]);
  const names: string[] = [];
  if (p.hostname) names.push(hostLabel(p.hostname));
  if (p.name) names.push(p.name.toLowerCase().replace(/[\s'’]+/g, '-'));
  const scores = new Map<Exclude<Role, 'unknown'>, { total: number; hits: { weight: number; text: string }[] }>();
  for (const rule of rules) {
    const text = fire(rule, p, ports, names);
    if (text === undefined) continue;
    const cur = scores.get(rule.role) ?? { total: 0, hits: [] };
    cur.total += rule.weight;
    cur.hits.push({ weight: rule.weight, text });
    scores.set(rule.role, cur);
  }
  const ranked = [...scores.entries()].sort((a, b) => b[1].total - a[1].total || ROLE_ORDER.indexOf(a[0]) - ROLE_ORDER.indexOf(b[0]));
  const best = ranked[0];
  if (!best || best[1].total < MIN_SCORE) {
    const reasons = best ? [`too little evidence (best: ${best[0]}, score ${best[1].total} < ${MIN_SCORE})`] : ['no evidence'];
    return { role: 'unknown', confidence: 0, reasons };
  }
  const reasons = best[1].hits
    .sort((a, b) => b.weight - a.weight)
    .slice(0, MAX_REASONS - 1)
    .map((h) => h.text);
  const second = ranked[1];
  if (second && second[1].total >= best[1].total * 0.7) reasons.push(`also looks like: ${second[0]} (score ${second[1].total} vs ${best[1].total})`);
  return { role: best[0], confidence: Math.min(MAX_CONFIDENCE, best[1].total), reasons };
}
