/**
 * Which addresses a scan cycle probes. Rules (the reference: "internal hosts observed in
 * flows"): observed internal hosts first, then hosts of the configured discovery ranges —
 * ranges are never swept unless configured —, minus scan exceptions, minus addresses that
 * are not unicast hosts (unspecified, broadcast, multicast, loopback, the network and
 * broadcast addresses of a range). The list is capped at `max`; the excess is counted, never
 * silently scanned later in the same cycle. IPv6 ranges are not swept (too large to walk);
 * observed IPv6 hosts are scanned.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export interface TargetInput {
  observed: Iterable<string>;
  ranges: readonly string[];
  exceptions: readonly string[];
  max: number;
}

export interface TargetList {
  targets: string[];
  /** Candidates left out because of `max`. */
  skipped: number;
  /** Candidates removed as exceptions. */
  excepted: number;
}

const NOT_HOSTS = new Set(['unspecified', 'broadcast', 'multicast', 'loopback']);

/** Canonical text of a unicast host address, or undefined. */
export function hostAddress(text: string): string | undefined {
  if (isIP(text) === 0) return undefined;
  let a = ipaddr.parse(text);
  if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()) a = (a as ipaddr.IPv6).toIPv4Address();
  if (NOT_HOSTS.has(a.range())) return undefined;
  return a.toString();
}

function* rangeHosts(cidr: string): Generator<string> {
  const [addr, bits] = ipaddr.parseCIDR(cidr);
  if (addr.kind() !== 'ipv4') return;
  const start = ipaddr.IPv4.networkAddressFromCIDR(cidr).toByteArray().reduce((n, b) => n * 256 + b, 0);
  const size = 2 ** (32 - bits);
  const first = size > 2 ? start + 1 : start;
  const last = size > 2 ? start + size - 2 : start + size - 1;
  for (let n = first; n <= last; n++) yield `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Builds the target list of one cycle. */
export function scanTargets(input: TargetInput): TargetList {
  const except = new Set(input.exceptions.map((e) => hostAddress(e) ?? e));
  const seen = new Set<string>();
  const targets: string[] = [];
  let skipped = 0;
  let excepted = 0;
  const consider = (raw: string): void => {
    const ip = hostAddress(raw);
    if (ip === undefined || seen.has(ip)) return;
    seen.add(ip);
    if (except.has(ip)) excepted++;
    else if (targets.length >= input.max) skipped++;
    else targets.push(ip);
  };
  for (const ip of input.observed) consider(ip);
  for (const cidr of input.ranges) {
    for (const ip of rangeHosts(cidr)) {
      if (targets.length >= input.max) {
        // Count the rest without walking a huge range address by address.
        const bits = Number(cidr.split('/')[1]);
        skipped += Math.max(0, 2 ** (32 - bits) - 2);
        break;
      }
      consider(ip);
    }
  }
  return { targets, skipped, excepted };
}
