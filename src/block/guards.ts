/**
 * The safety guards: the ONE place that decides whether a subject may be blocked. The
 * engine asks it before recording a block AND again before anything is pushed to a target,
 * so no path (automatic, manual, a hand-edited database row) can put a protected address
 * on a firewall. Rules:
 * - Pure: a Protection (built by buildProtection from config and host facts) plus the
 *   subject and the caller's address in, a verdict out; nothing here does I/O or throws.
 * - IP subjects are refused, most specific reason first: the admin's own client address,
 *   a gateway, a DNS resolver, a Home Assistant host, this homesec host, a block target's
 *   management address, an allowlisted IP or CIDR, an internal network, and finally any
 *   address that is not global unicast (private, loopback, link-local, multicast, CGNAT,
 *   unique-local, documentation/benchmarking and other special ranges).
 * - Domain subjects are refused when they equal, contain or fall under a protected or
 *   allowlisted name (blocking a parent would block the protected name too), when they are
 *   a public suffix themselves (ICANN or private section: `co.uk`, `duckdns.org`), or when
 *   they are not under an ICANN suffix at all or under a special-use one (`.lan`,
 *   `.local`, `home.arpa`, `.internal`, ...), which only ever name things at home.
 */
import ipaddr from 'ipaddr.js';
import { parse as parseDomain } from 'tldts';
import { canonicalSubject, type Subject } from './subjects.js';

export const PROTECTED_CLASSES = [
  'invalid',
  'admin_client',
  'gateway',
  'dns_resolver',
  'home_assistant',
  'homesec_host',
  'block_target',
  'allowlist',
  'internal_network',
  'non_public',
  'public_suffix',
] as const;
export type ProtectedClass = (typeof PROTECTED_CLASSES)[number];

/** Classes a named address or host name can carry (the specific ones). */
export type NamedClass = 'gateway' | 'dns_resolver' | 'home_assistant' | 'homesec_host' | 'block_target' | 'allowlist';

export type Verdict = { ok: true } | { ok: false; cls: ProtectedClass; detail: string };

/** What the guards protect: exact addresses and names by class, and networks. */
export interface Protection {
  ips: ReadonlyMap<string, NamedClass>;
  names: ReadonlyMap<string, NamedClass>;
  networks: readonly { net: ipaddr.IPv4 | ipaddr.IPv6; bits: number; cls: 'allowlist' | 'internal_network'; text: string }[];
}

export interface ProtectionInput {
  internalNetworks: readonly string[];
  /** IPs, CIDRs and domain names (canonical, from block_allowlist). */
  allowlist: readonly string[];
  /** Addresses or host names per class. */
  named: readonly { cls: Exclude<NamedClass, 'allowlist'>; values: readonly string[] }[];
}

/** Precedence when one address is named twice (the more specific class wins). */
const RANK: Record<NamedClass, number> = { gateway: 0, dns_resolver: 1, home_assistant: 2, homesec_host: 3, block_target: 4, allowlist: 5 };

/** Special-use suffixes (RFC 6761, RFC 8375, ICANN .internal) and common home-router zones (fritz.box is AVM's). */
const SPECIAL_SUFFIXES = ['local', 'localhost', 'lan', 'home', 'internal', 'intranet', 'corp', 'private', 'home.arpa', 'arpa', 'test', 'invalid', 'example', 'onion', 'localdomain', 'fritz.box'];

function parseNet(text: string): { net: ipaddr.IPv4 | ipaddr.IPv6; bits: number } | undefined {
  try {
    const [net, bits] = ipaddr.parseCIDR(text);
    return { net, bits };
  } catch {
    return undefined;
  }
}

/** Builds the Protection from its inputs; entries that are neither addresses nor names are skipped. */
export function buildProtection(input: ProtectionInput): Protection {
  const ips = new Map<string, NamedClass>();
  const names = new Map<string, NamedClass>();
  const put = (cls: NamedClass, text: string) => {
    if (text.includes('/')) return;
    const s = canonicalSubject(text);
    if (!s) return;
    const map = s.kind === 'ip' ? ips : names;
    const prev = map.get(s.value);
    if (prev === undefined || RANK[cls] < RANK[prev]) map.set(s.value, cls);
  };
  for (const { cls, values } of input.named) for (const v of values) put(cls, v);
  const networks: Protection['networks'][number][] = [];
  for (const a of input.allowlist) {
    if (!a.includes('/')) {
      put('allowlist', a);
      continue;
    }
    const n = parseNet(a);
    if (n) networks.push({ ...n, cls: 'allowlist', text: a });
  }
  for (const c of input.internalNetworks) {
    const n = parseNet(c);
    if (n) networks.push({ ...n, cls: 'internal_network', text: c });
  }
  return { ips, names, networks };
}

const LABEL: Record<NamedClass, string> = {
  gateway: 'a gateway',
  dns_resolver: 'a DNS resolver',
  home_assistant: 'a Home Assistant host',
  homesec_host: "this homesec host's own address",
  block_target: "a block target's address",
  allowlist: 'allowlisted',
};

function checkIp(value: string, p: Protection, actorIp: string | undefined): Verdict {
  if (actorIp !== undefined && canonicalSubject(actorIp)?.value === value) {
    return { ok: false, cls: 'admin_client', detail: `${value} is the address this request comes from` };
  }
  const named = p.ips.get(value);
  if (named) return { ok: false, cls: named, detail: `${value} is ${LABEL[named]}` };
  const addr = ipaddr.parse(value);
  for (const kind of ['allowlist', 'internal_network'] as const) {
    for (const n of p.networks) {
      if (n.cls !== kind || n.net.kind() !== addr.kind()) continue;
      if (addr.match(n.net, n.bits)) {
        return { ok: false, cls: kind, detail: `${value} is inside ${kind === 'allowlist' ? 'the allowlisted' : 'the internal network'} ${n.text}` };
      }
    }
  }
  const range = addr.range();
  if (range !== 'unicast') return { ok: false, cls: 'non_public', detail: `${value} is not a public address (${range})` };
  return { ok: true };
}

/** True when `a` is `b` or a subdomain of it. */
function under(a: string, b: string): boolean {
  return a === b || a.endsWith(`.${b}`);
}

function checkDomain(value: string, p: Protection): Verdict {
  for (const [name, cls] of p.names) {
    if (under(value, name)) return { ok: false, cls, detail: `${value} is ${name === value ? '' : 'under '}${name}, ${LABEL[cls]} name` };
    if (under(name, value)) return { ok: false, cls, detail: `blocking ${value} would also block ${name}, ${LABEL[cls]} name` };
  }
  const last = value.slice(value.lastIndexOf('.') + 1);
  const special = SPECIAL_SUFFIXES.find((s) => under(value, s) || last === s);
  if (special) return { ok: false, cls: 'non_public', detail: `${value} is a local name (.${special})` };
  const info = parseDomain(value, { allowPrivateDomains: true });
  if (info.isIp) return { ok: false, cls: 'invalid', detail: 'not a domain name' };
  if (info.domain === null || info.domain === undefined) return { ok: false, cls: 'public_suffix', detail: `${value} is a public suffix shared by many sites` };
  const icann = parseDomain(value);
  if (icann.isIcann !== true) return { ok: false, cls: 'non_public', detail: `${value} is not under a public top-level domain` };
  return { ok: true };
}

/**
 * May `subject` be blocked? `actorIp` is the address of the person asking (manual blocks),
 * never blockable by themselves. Anything that is not a canonical subject is 'invalid'.
 */
export function checkSubject(subject: Subject, p: Protection, actorIp?: string): Verdict {
  const canon = canonicalSubject(subject.value);
  if (!canon || canon.kind !== subject.kind || canon.value !== subject.value) return { ok: false, cls: 'invalid', detail: 'not a canonical IP address or domain name' };
  return subject.kind === 'ip' ? checkIp(subject.value, p, actorIp) : checkDomain(subject.value, p);
}
