/**
 * The default gateways of the host homesec runs on: the strongest evidence for the "gateway"
 * role. Rules: pure parsers for `ip -j route show default` (iproute2 JSON: objects with dst
 * "default" and gateway), `ip -j -6 route show default` and /proc/net/route (IPv4:
 * destination 00000000 with the RTF_GATEWAY flag 0x2, the gateway in little-endian hex);
 * at most MAX_GATEWAYS addresses; never throw. The reader uses argv arrays (no shell) and
 * falls back to /proc/net/route; it resolves [] rather than failing (no gateway known is a
 * state, not an error).
 */
import ipaddr from 'ipaddr.js';
import { execFileText, MAX_INPUT, type ExecFn } from './neighbours.js';
import { readCapped } from './read-capped.js';

export const MAX_GATEWAYS = 16;

function usable(text: unknown): string | undefined {
  if (typeof text !== 'string' || text.length > 64 || !ipaddr.isValid(text)) return undefined;
  const a = ipaddr.parse(text);
  const r = a.range();
  return r === 'unspecified' || r === 'multicast' || r === 'loopback' ? undefined : a.toString();
}

/** Gateways in `ip -j route show default` output. */
export function parseIpRouteJson(text: string): string[] {
  let data: unknown;
  try {
    data = JSON.parse(text.length > MAX_INPUT ? '[]' : text);
  } catch {
    return [];
  }
  if (!Array.isArray(data)) return [];
  const out = new Set<string>();
  for (const r of data) {
    if (out.size >= MAX_GATEWAYS) break;
    if (typeof r !== 'object' || r === null) continue;
    const route = r as Record<string, unknown>;
    if (route.dst !== 'default' && route.dst !== '0.0.0.0/0' && route.dst !== '::/0') continue;
    const gw = usable(route.gateway);
    if (gw) out.add(gw);
  }
  return [...out];
}

/** Gateways of the IPv4 default routes in /proc/net/route. */
export function parseProcNetRoute(text: string): string[] {
  const out = new Set<string>();
  for (const line of text.slice(0, MAX_INPUT).split('\n').slice(1)) {
    if (out.size >= MAX_GATEWAYS) break;
    const [, dest, gw, flagsText] = line.trim().split(/\s+/);
    const flags = Number.parseInt(flagsText ?? '', 16);
    if (dest !== '00000000' || !gw || !/^[0-9A-Fa-f]{8}$/.test(gw) || !Number.isFinite(flags) || (flags & 0x2) === 0) continue;
    const n = Number.parseInt(gw, 16);
    const ip = usable(`${n & 0xff}.${(n >>> 8) & 0xff}.${(n >>> 16) & 0xff}.${(n >>> 24) & 0xff}`);
    if (ip) out.add(ip);
  }
  return [...out];
}

/** The host's default gateways (IPv4 and IPv6); [] when none can be read. */
export async function readGateways(opts: { exec?: ExecFn; ipPath?: string; procRoutePath?: string } = {}): Promise<string[]> {
  const exec = opts.exec ?? execFileText;
  const ip = opts.ipPath ?? 'ip';
  const run = { timeoutMs: 3000, maxBytes: 1024 * 1024 };
  try {
    const v4 = parseIpRouteJson(await exec(ip, ['-j', 'route', 'show', 'default'], run));
    const v6 = await exec(ip, ['-j', '-6', 'route', 'show', 'default'], run).then(parseIpRouteJson, () => []);
    return [...new Set([...v4, ...v6])].slice(0, MAX_GATEWAYS);
  } catch {
    try {
      return parseProcNetRoute((await readCapped(opts.procRoutePath ?? '/proc/net/route', 1024 * 1024)).text);
    } catch {
      return [];
    }
  }
}
