/**
 * What can be blocked, and what a finding asks to block. Rules:
 * - A subject is one IP address (IPv4 or IPv6, canonical text; IPv4-mapped IPv6 becomes
 *   IPv4) or one domain name (lower case, no trailing dot, letters/digits/"-"/"_" labels);
 *   networks are never blocked. canonicalSubject() is the only way text becomes a subject,
 *   and it refuses anything else (attacker-controlled text never reaches a target as is).
 * - subjectsOf() is pure: it reads only the fields the detectors document, and yields
 *   nothing for categories it does not know, for findings about internal scanners, and for
 *   evidence of the wrong type.
 *     blacklist      → evidence.external_ip (flow hit) or evidence.name (DNS name hit)
 *     dns_blacklist  → evidence.listed (the listed domain; subdomains are covered)
 *     beaconing      → evidence.destination (the external peer)
 *     port_scan      → sourceIp, only when evidence.direction is "inbound" (from outside)
 *     dns_tunnel     → evidence.parent (not for the per-client "record_volume" variant)
 */
import { canonicalIp } from '../intel/ip.js';
import type { Finding } from '../findings/types.js';

export type SubjectKind = 'ip' | 'domain';

export interface Subject {
  kind: SubjectKind;
  /** Canonical IP text or lower-case domain name. */
  value: string;
}

/** A domain name homesec may block: 2+ labels of [a-z0-9_-] (no leading/trailing "-"), at most 253 characters, not all-numeric at the end. */
export const DOMAIN_RE = /^(?=.{3,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** The subject `text` names, or undefined when it is neither an IP address nor a domain name. */
export function canonicalSubject(text: unknown): Subject | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > 254) return undefined;
  const t = text.trim();
  const ip = canonicalIp(t);
  if (ip) return { kind: 'ip', value: ip };
  const name = t.toLowerCase().replace(/\.$/, '');
  return DOMAIN_RE.test(name) ? { kind: 'domain', value: name } : undefined;
}

/** The IPv4 or IPv6 family of an IP subject's value. */
export function ipFamily(value: string): 4 | 6 {
  return value.includes(':') ? 6 : 4;
}

function only(kind: SubjectKind, v: unknown): Subject[] {
  const s = canonicalSubject(v);
  return s && s.kind === kind ? [s] : [];
}

/** The subjects a finding asks to block (see module rules); [] for anything else. */
export function subjectsOf(f: Pick<Finding, 'category' | 'sourceIp' | 'evidence'>): Subject[] {
  const e = f.evidence ?? {};
  switch (f.category) {
    case 'blacklist':
      return typeof e.external_ip === 'string' ? only('ip', e.external_ip) : only('domain', e.name);
    case 'dns_blacklist':
      return only('domain', e.listed);
    case 'beaconing':
      return only('ip', e.destination);
    case 'port_scan':
      return e.direction === 'inbound' ? only('ip', f.sourceIp) : [];
    case 'dns_tunnel':
      return e.variant === 'record_volume' ? [] : only('domain', e.parent);
    default:
      return [];
  }
}
