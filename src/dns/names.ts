/**
 * DNS names: the stored form of a query name and the parts detectors reason about.
 *
 * Rules:
 * - Query names are attacker-controlled (hostile-input #17, #18: `<img src=x onerror=...>`
 *   is a valid query name to dnsmasq and is logged verbatim). normaliseName keeps such a
 *   name as PLAIN TEXT (never interpreted; views escape it) but lowercases it, drops one
 *   trailing dot, escapes control/format characters (scan/service/sanitize.ts) and bounds it
 *   to MAX_NAME_CHARS, so it can be stored, logged and shown safely.
 * - nameParts() is pure and cheap (tldts, public suffix list): `registrable` is the ICANN
 *   eTLD+1 (cloudfront.net for d1x.cloudfront.net: CDN customer names are not the unit a
 *   person registers); on a dynamic-DNS provider's shared suffix (data/dynamic-dns.ts) the
 *   unit is the name directly under the provider (abc.duckdns.org), because that is what an
 *   attacker registers there. `threatDomain` is eTLD+1 with the PSL's private section
 *   (x.blogspot.com), used to stop threat lookups at a shared suffix.
 * - Names that are not public (reverse lookups under .arpa, local suffixes such as .lan,
 *   .local, .home.arpa, single labels, names that are not hostnames) are `local`: detectors
 *   about the Internet ignore them.
 */
import { parse } from 'tldts';
import { sanitizeText } from '../scan/service/sanitize.js';
import { dynamicDnsSuffix } from './data/dynamic-dns.js';

/** Characters of a stored query name at most (a DNS name is at most 253 in text form). */
export const MAX_NAME_CHARS = 255;

/**
 * The stored form of a query name (see module rules), or undefined for an empty or
 * non-string value. Never throws; O(min(length, MAX_NAME_CHARS)).
 */
export function normaliseName(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw.length === 0) return undefined;
  let s = raw.length > MAX_NAME_CHARS * 2 ? raw.slice(0, MAX_NAME_CHARS * 2) : raw;
  s = s.trim().toLowerCase();
  if (s.endsWith('.') && s.length > 1) s = s.slice(0, -1);
  const out = sanitizeText(s, MAX_NAME_CHARS);
  return out.length > 0 ? out : undefined;
}

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** True when name is a syntactically valid hostname: labels of [a-z0-9_-] up to 63, 253 in all, at least two labels. */
export function isHostname(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  if (labels.length < 2) return false;
  for (const l of labels) if (!LABEL.test(l)) return false;
  return true;
}

/** Suffixes that never reach the public DNS (RFC 6761/6762/8375 and common router defaults). */
export const LOCAL_SUFFIXES: readonly string[] = [
  'arpa',
  'local',
  'lan',
  'home',
  'internal',
  'intranet',
  'localdomain',
  'localhost',
  'corp',
  'private',
  'test',
  'invalid',
  'example',
  'fritz.box',
  'router',
  'gateway',
];

function localSuffix(name: string): boolean {
  for (const s of LOCAL_SUFFIXES) if (name === s || name.endsWith(`.${s}`)) return true;
  return false;
}

export interface NameParts {
  /** True for names that are not public (see module rules). */
  local: boolean;
  /** The unit a person registers (see module rules); undefined when local. */
  registrable: string | undefined;
  /** The label the registrant chose (registrable minus its suffix). */
  label: string | undefined;
  /** eTLD+1 with the private PSL section (threat lookups stop here). */
  threatDomain: string | undefined;
  /** Part of the name left of `registrable` ('' when none). */
  subdomain: string;
  /** The dynamic-DNS provider suffix when the name is under one. */
  dynamicDns: string | undefined;
}

const LOCAL: NameParts = { local: true, registrable: undefined, label: undefined, threatDomain: undefined, subdomain: '', dynamicDns: undefined };

/** Splits a stored query name into the parts above. Pure; never throws. */
export function nameParts(name: string): NameParts {
  if (!isHostname(name) || localSuffix(name)) return LOCAL;
  const dyn = dynamicDnsSuffix(name);
  const p = parse(name, { allowPrivateDomains: true });
  const threatDomain = p.domain ?? undefined;
  if (dyn) {
    const rest = name.slice(0, -dyn.length - 1);
    const dot = rest.lastIndexOf('.');
    const label = dot < 0 ? rest : rest.slice(dot + 1);
    if (!label) return LOCAL;
    return { local: false, registrable: `${label}.${dyn}`, label, threatDomain, subdomain: dot < 0 ? '' : rest.slice(0, dot), dynamicDns: dyn };
  }
  const icann = parse(name);
  if (!icann.domain || !icann.isIcann || !icann.domainWithoutSuffix) return LOCAL;
  const registrable = icann.domain;
  const subdomain = name.length > registrable.length ? name.slice(0, -registrable.length - 1) : '';
  return { local: false, registrable, label: icann.domainWithoutSuffix, threatDomain, subdomain, dynamicDns: undefined };
}
