/**
 * Internal/external classification by the configured CIDRs. Rules: pure and fast — IPv4
 * text is parsed by hand into a uint32 (ip-text.ts) and tested against (network, mask) pairs
 * without allocating (isInternalV4 takes the number when the caller already has it); IPv6
 * goes through ipaddr.js with a bounded memo. Anything that is not a valid address is
 * external (never trusted as internal).
 */
import ipaddr from 'ipaddr.js';
import { ipv4Number } from '../flow/ip-text.js';

export interface Classifier {
  isInternal(ip: string): boolean;
  /** isInternal for an IPv4 address given as its uint32 (what ipv4Key returns). */
  isInternalV4(n: number): boolean;
}

/** Parses dotted-quad text to a uint32, or -1 when it is not an IPv4 address (leading zeros tolerated). */
export const ipv4ToInt: (ip: string) => number = ipv4Number;

const V6_MEMO_MAX = 4096;

/** Builds a classifier for canonical CIDR strings (as the config schema produces). */
export function createClassifier(cidrs: readonly string[]): Classifier {
  const v4: { net: number; mask: number }[] = [];
  const v6: [ipaddr.IPv6, number][] = [];
  for (const c of cidrs) {
    const [addr, bits] = ipaddr.parseCIDR(c);
    if (addr.kind() === 'ipv4') {
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      v4.push({ net: (ipv4ToInt(addr.toString()) & mask) >>> 0, mask });
    } else v6.push([addr as ipaddr.IPv6, bits]);
  }
  const memo = new Map<string, boolean>();
  const v6Internal = (ip: string): boolean => {
    const hit = memo.get(ip);
    if (hit !== undefined) return hit;
    let result = false;
    if (ipaddr.IPv6.isValid(ip)) {
      const a = ipaddr.IPv6.parse(ip);
      if (a.isIPv4MappedAddress()) {
        const n = ipv4ToInt(a.toIPv4Address().toString());
        result = v4.some((r) => ((n & r.mask) >>> 0) === r.net);
      } else result = v6.some(([net, bits]) => a.match(net, bits));
    }
    if (memo.size >= V6_MEMO_MAX) memo.clear();
    memo.set(ip, result);
    return result;
  };
  const isInternalV4 = (n: number): boolean => {
    for (let i = 0; i < v4.length; i++) {
      const r = v4[i] as { net: number; mask: number };
      if (((n & r.mask) >>> 0) === r.net) return true;
    }
    return false;
  };
  return {
    isInternal(ip: string): boolean {
      const n = ipv4ToInt(ip);
      if (n >= 0) return isInternalV4(n);
      return ip.includes(':') ? v6Internal(ip) : false;
    },
    isInternalV4,
  };
}
