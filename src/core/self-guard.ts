/**
 * The SSRF guard of the HTTP client: user-supplied URLs (blacklist feeds, notification
 * channels and webhooks, DNS sources, NVD/KEV endpoints) must not reach homesec's own admin
 * endpoint (the API at web_host:web_port) unless the config explicitly allows it
 * (`allow_self_requests`). Rules:
 * - Hosts are compared as parsed addresses, never as string prefixes (hostile-input #26:
 *   `localhost.evil.com` is not localhost, `0x7f000001`, `127.1` and `[::ffff:127.0.0.1]` are).
 * - A URL is "own" when its port (the scheme's default when absent) is an own endpoint's
 *   port and its host is, or resolves to, an address that reaches that endpoint: any
 *   loopback address (127.0.0.0/8, ::1), the unspecified address (0.0.0.0, ::), the
 *   endpoint's own host, or — when it listens on all interfaces — any address of this
 *   machine. `localhost` and `*.localhost` are loopback without asking DNS (RFC 6761); other
 *   names are resolved (only when the port matches, so ordinary requests cost nothing).
 * - The guard is process-wide state set by the composition root once the API listens (the
 *   one HTTP client has many callers, none of which knows the API's address); nothing is
 *   guarded until then, and guardOwnEndpoint returns the function that lifts it again.
 * - Not defended: a name that resolves to a public address when checked and to this machine
 *   when fetch connects (DNS rebinding between the two lookups); docs/security.md says so.
 */
import dns from 'node:dns/promises';
import os from 'node:os';
import ipaddr from 'ipaddr.js';

export interface OwnEndpoint {
  /** The listen host (web_host), e.g. 127.0.0.1, 0.0.0.0, ::, 192.168.1.5 or a name. */
  host: string;
  port: number;
}

const guarded: OwnEndpoint[] = [];

/** Starts refusing URLs that reach `endpoint`; returns the function that stops it. */
export function guardOwnEndpoint(endpoint: OwnEndpoint): () => void {
  const entry = { ...endpoint };
  guarded.push(entry);
  return () => {
    const i = guarded.indexOf(entry);
    if (i >= 0) guarded.splice(i, 1);
  };
}

function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const t = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (!ipaddr.isValid(t)) return undefined;
  try {
    return ipaddr.process(t.replace(/%.*$/, ''));
  } catch {
    return undefined;
  }
}

function isLocalName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost');
}

function machineAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .map((i) => (i ? parseAddress(i.address)?.toString() : undefined))
    .filter((a): a is string => a !== undefined);
}

/** True when `addr` reaches a listener on `listenHost`. */
function reaches(addr: ipaddr.IPv4 | ipaddr.IPv6, listenHost: string): boolean {
  const range = addr.range();
  if (range === 'loopback' || range === 'unspecified') return true;
  const text = addr.toString();
  const listen = parseAddress(listenHost);
  if (listen === undefined) return isLocalName(listenHost) ? false : machineAddresses().includes(text);
  if (listen.range() === 'unspecified') return machineAddresses().includes(text);
  return listen.toString() === text;
}

async function addressesOf(host: string): Promise<(ipaddr.IPv4 | ipaddr.IPv6)[]> {
  const literal = parseAddress(host);
  if (literal) return [literal];
  if (isLocalName(host)) return [ipaddr.parse('127.0.0.1'), ipaddr.parse('::1')];
  try {
    const found = await dns.lookup(host, { all: true, verbatim: true });
    return found.map((f) => parseAddress(f.address)).filter((a): a is ipaddr.IPv4 | ipaddr.IPv6 => a !== undefined);
  } catch {
    return []; // unresolvable: the request itself will fail
  }
}

/**
 * Why `url` may not be requested (it reaches homesec's own API), or undefined when it may.
 * The reason names no part of the URL (it may hold a token).
 */
export async function ownEndpointRefusal(url: string): Promise<string | undefined> {
  if (guarded.length === 0) return undefined;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : u.protocol === 'http:' ? 80 : NaN));
  const candidates = guarded.filter((g) => g.port === port);
  if (candidates.length === 0) return undefined;
  const addrs = await addressesOf(u.hostname);
  for (const g of candidates) {
    if (addrs.some((a) => reaches(a, g.host))) {
      return `refused: the URL points at homesec's own API (port ${g.port}); set allow_self_requests: true to allow it`;
    }
  }
  return undefined;
}
