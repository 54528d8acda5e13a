/**
 * What the guards learn about this host by themselves: its default gateways (routing
 * table, via inventory/gateways.ts), its resolvers (/etc/resolv.conf `nameserver` lines),
 * its own interface addresses, and the addresses behind the host names of the URLs homesec
 * talks to (Home Assistant, MQTT, the DNS source, the block targets). Rules:
 * - Discovery never fails: a source that cannot be read contributes nothing (the configured
 *   addresses and internal_networks still protect), and every list is bounded.
 * - Name lookups use the system resolver (dns.lookup) with a deadline each; a name that
 *   does not resolve is still protected as a name (domain blocks).
 * - parseResolvConf is pure.
 */
import { lookup } from 'node:dns/promises';
import os from 'node:os';
import type { Clock } from '../core/clock.js';
import { readGateways } from '../inventory/gateways.js';
import { readCapped } from '../inventory/read-capped.js';
import { canonicalSubject } from './subjects.js';

/** Addresses kept per list at most. */
export const MAX_FACTS = 64;

export interface HostFacts {
  gateways: string[];
  resolvers: string[];
  ownAddresses: string[];
}

/** A URL's host: an IP address or a name, or undefined for an empty or invalid URL. */
export function urlHost(url: string): string | undefined {
  if (url === '') return undefined;
  try {
    const h = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return h === '' ? undefined : h.toLowerCase();
  } catch {
    return undefined;
  }
}

/** Canonical nameserver addresses of resolv.conf text (zone ids dropped). */
export function parseResolvConf(text: string): string[] {
  const out = new Set<string>();
  for (const line of text.slice(0, 64 * 1024).split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (!m) continue;
    const s = canonicalSubject((m[1] as string).replace(/%.*$/, ''));
    if (s?.kind === 'ip') out.add(s.value);
    if (out.size >= MAX_FACTS) break;
  }
  return [...out];
}

/** Reads the host's gateways, resolvers and own addresses (see module rules). */
export async function discoverHostFacts(opts: { resolvConf?: string } = {}): Promise<HostFacts> {
  const gateways = await readGateways().catch(() => [] as string[]);
  const resolvers = await readCapped(opts.resolvConf ?? '/etc/resolv.conf', 64 * 1024).then(
    (r) => parseResolvConf(r.text),
    () => [] as string[],
  );
  const own = new Set<string>();
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      const s = canonicalSubject(a.address.replace(/%.*$/, ''));
      if (s?.kind === 'ip' && own.size < MAX_FACTS) own.add(s.value);
    }
  }
  return { gateways: gateways.slice(0, MAX_FACTS), resolvers, ownAddresses: [...own] };
}

/** The addresses `name` resolves to within `timeoutMs` of `clock` time ([] when it does not). */
export async function resolveName(name: string, timeoutMs: number, clock: Clock): Promise<string[]> {
  let timer: ReturnType<Clock['setTimeout']> | undefined;
  const deadline = new Promise<string[]>((resolve) => {
    timer = clock.setTimeout(() => resolve([]), timeoutMs);
  });
  try {
    const found = lookup(name, { all: true, verbatim: true }).then(
      (list) => list.map((a) => canonicalSubject(a.address)?.value).filter((v): v is string => v !== undefined).slice(0, MAX_FACTS),
      () => [] as string[],
    );
    return await Promise.race([found, deadline]);
  } finally {
    if (timer) clock.clearTimeout(timer);
  }
}
