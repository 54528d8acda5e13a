/**
 * Internal/external classification by the configured CIDRs. Rules: pure and fast — IPv4
 * text is parsed by hand into a uint32 and tested against (network, mask) pairs without
 * allocating; IPv6 goes through ipaddr.js with a bounded memo. Anything that is not a valid
 * address is external (never trusted as internal).
 */
import ipaddr from 'ipaddr.js';

export interface Classifier {
  isInternal(ip: string): boolean;
}

/** Parses dotted-quad text to a uint32, or -1 when it is not a canonical IPv4 address. */
export function ipv4ToInt(ip: string): number {
  let acc = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return -1;
      acc = acc * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3) return -1;
    } else return -1;
  }
  if (dots !== 3 || digits === 0 || part > 255) return -1;
  return acc * 256 + part;
}

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
  return {
    isInternal(ip: string): boolean {
      const n = ipv4ToInt(ip);
      if (n >= 0) {
        for (let i = 0; i < v4.length; i++) {
          const r = v4[i] as { net: number; mask: number };
          if (((n & r.mask) >>> 0) === r.net) return true;
        }
        return false;
      }
      return ip.includes(':') ? v6Internal(ip) : false;
    },
  };
}
