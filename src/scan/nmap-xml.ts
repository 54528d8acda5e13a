/**
 * Parser of nmap's XML output (`-oX`, xmloutputversion 1.05) into homesec's scan shapes.
 * Rules: pure; tolerant (missing elements are simply absent; non-nmap XML gives no hosts);
 * bounded (at most 65,536 hosts and 65,536 ports per host are read); every string nmap
 * reports is untrusted text (it echoes what services said): kept as sanitizeText output, at
 * most 300 characters, control characters escaped. nmap's CPEs are
 * kept as nmap wrote them (cpe:/a:…, 2.2 URI form); the vulnerability matcher maps vendors.
 */
import { XMLParser } from 'fast-xml-parser';
import { sanitizeText } from './service/sanitize.js';
import type { OsGuess, PortState, Service } from './types.js';

export interface NmapPort {
  port: number;
  state: PortState | string;
  service?: Service;
}

export interface NmapHost {
  ip: string;
  up: boolean;
  mac?: string;
  ports: NmapPort[];
  os?: OsGuess;
  /** Network distance in hops, when nmap measured it. */
  distance?: number;
}

type Node = Record<string, unknown>;

const ARRAYS = new Set(['host', 'port', 'address', 'cpe', 'osmatch', 'osclass', 'hostname']);
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  processEntities: true,
  isArray: (name) => ARRAYS.has(name),
});

function arr(v: unknown): Node[] {
  return Array.isArray(v) ? (v as Node[]) : v && typeof v === 'object' ? [v as Node] : [];
}

/** A value nmap reported, as plain text of at most 300 characters (control characters escaped). */
function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? sanitizeText(v, 300) : typeof v === 'number' ? String(v) : undefined;
}

/** A number nmap reported, as an integer within [min, max] (0 when unusable). */
function clampInt(v: unknown, min: number, max: number): number {
  const n = Math.trunc(Number(v));
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : min;
}

function cpes(node: Node): string[] {
  return (Array.isArray(node.cpe) ? node.cpe : [])
    .map((c: unknown) => str(typeof c === 'string' ? c : (c as Node)?.['#text']))
    .filter((c): c is string => typeof c === 'string')
    .slice(0, 10);
}

function serviceOf(port: number, svc: Node | undefined): Service | undefined {
  if (!svc) return undefined;
  const name = str(svc.name) ?? 'unknown';
  const product = str(svc.product);
  const out: Service = {
    port,
    protocol: 'tcp',
    name: svc.tunnel === 'ssl' && name === 'http' ? 'https' : name,
    method: 'nmap',
    confidence: clampInt(svc.conf, 0, 10),
  };
  if (product) {
    out.productName = product;
    out.product = product.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  }
  const version = str(svc.version);
  if (version) out.version = version;
  const extra = str(svc.extrainfo);
  if (extra) out.extra = extra;
  const os = str(svc.ostype);
  if (os) out.osHint = os.toLowerCase();
  const c = cpes(svc);
  if (c.length) out.cpe = c;
  return out;
}

function osOf(node: Node | undefined): OsGuess | undefined {
  const match = arr(node?.osmatch)[0];
  if (!match) return undefined;
  const cls = arr(match.osclass)[0];
  return {
    family: str(cls?.osfamily) ?? str(match.name) ?? 'unknown',
    detail: str(match.name),
    confidence: clampInt(match.accuracy, 0, 100),
    reasons: ['nmap OS detection'],
  };
}

/** Parses nmap XML text; hosts in document order. */
export function parseNmapXml(xml: string): NmapHost[] {
  let doc: Node;
  try {
    doc = parser.parse(xml) as Node;
  } catch {
    return [];
  }
  const run = doc.nmaprun as Node | undefined;
  const hosts: NmapHost[] = [];
  for (const h of arr(run?.host).slice(0, 65_536)) {
    const addrs = arr(h.address);
    const ip = str(addrs.find((a) => a.addrtype === 'ipv4' || a.addrtype === 'ipv6')?.addr);
    if (!ip) continue;
    const host: NmapHost = { ip, up: (h.status as Node | undefined)?.state === 'up', ports: [] };
    const mac = str(addrs.find((a) => a.addrtype === 'mac')?.addr);
    if (mac) host.mac = mac;
    for (const p of arr((h.ports as Node | undefined)?.port).slice(0, 65_536)) {
      if (p.protocol !== 'tcp') continue;
      const port = Number(p.portid);
      if (!Number.isInteger(port) || port < 1 || port > 65535) continue;
      const entry: NmapPort = { port, state: str((p.state as Node | undefined)?.state) ?? 'unknown' };
      const svc = entry.state === 'open' ? serviceOf(port, p.service as Node | undefined) : undefined;
      if (svc) entry.service = svc;
      host.ports.push(entry);
    }
    const os = osOf(h.os as Node | undefined);
    if (os) host.os = os;
    const dist = Number((h.distance as Node | undefined)?.value);
    if (Number.isInteger(dist) && dist >= 0 && dist <= 255) host.distance = dist;
    hosts.push(host);
  }
  return hosts;
}
