/**
 * Names of internal devices: reverse DNS through the system's resolvers (on a home network
 * that is usually the router, which answers with the DHCP hostnames it handed out), then the
 * device's own mDNS responder (mdns.ts) when DNS knows no name. Rules: resolvers are
 * injectable (tests never query a real server); each lookup is bounded by the injected
 * clock's deadline on top of the resolver's own timeout; the first answer that is a plain
 * hostname (names.ts cleanHostname) wins, errors and hostile answers are "no name"; never
 * rejects.
 */
import { Resolver } from 'node:dns/promises';
import type { Clock } from '../core/clock.js';
import { mdnsName } from './mdns.js';
import { cleanHostname } from './names.js';

/** The one resolver call needed (node:dns Resolver has it). */
export interface PtrResolver {
  reverse(ip: string): Promise<string[]>;
}

/** Answers at most this many PTR names are looked at. */
const MAX_ANSWERS = 8;

/** A name with where it came from. */
export interface NameAnswer {
  name: string;
  source: 'rdns' | 'mdns';
}

/** A name lookup: a hostname (taken as reverse DNS), a NameAnswer, or undefined. */
export type ResolveName = (ip: string) => Promise<string | NameAnswer | undefined>;

/** Reverse-DNS name lookup over `resolver` (default: the system's servers, 2 s per try, 1 try). */
export function createReverseNameLookup(deps: { clock: Clock; resolver?: PtrResolver; timeoutMs?: number }): (ip: string) => Promise<string | undefined> {
  const timeoutMs = deps.timeoutMs ?? 2500;
  const resolver = deps.resolver ?? new Resolver({ timeout: Math.min(2000, timeoutMs), tries: 1 });
  return async (ip) => {
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    const deadline = new Promise<undefined>((resolve) => {
      timer = deps.clock.setTimeout(() => resolve(undefined), timeoutMs);
    });
    try {
      const answers = await Promise.race([resolver.reverse(ip).catch(() => undefined), deadline]);
      if (!Array.isArray(answers)) return undefined;
      for (const a of answers.slice(0, MAX_ANSWERS)) {
        const name = cleanHostname(a);
        if (name) return name;
      }
      return undefined;
    } finally {
      if (timer) deps.clock.clearTimeout(timer);
    }
  };
}

/** Reverse DNS, then the device's mDNS responder (see module rules). */
export function createDeviceNameLookup(deps: { clock: Clock; resolver?: PtrResolver; mdnsPort?: number; timeoutMs?: number }): ResolveName {
  const rdns = createReverseNameLookup(deps);
  return async (ip) => {
    const dns = await rdns(ip);
    if (dns) return { name: dns, source: 'rdns' };
    const local = await mdnsName(ip, { clock: deps.clock, timeoutMs: Math.min(1500, deps.timeoutMs ?? 1500), port: deps.mdnsPort }).catch(() => undefined);
    return local ? { name: local, source: 'mdns' } : undefined;
  };
}
