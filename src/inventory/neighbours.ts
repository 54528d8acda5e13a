/**
 * The host's neighbour (ARP/NDP) table: which MAC answers for which IP on the links this host
 * is on. Rules: the parsers are pure and never throw; they accept the three forms Linux
 * offers — `ip -j neigh show` (iproute2 JSON: objects with dst, dev, lladdr, state as a list
 * such as ["REACHABLE"], flags such as "router"), `ip neigh show` text (`ADDR dev DEV lladdr
 * MAC [router] STATE`) and /proc/net/arp (IPv4 only: IP, HW type, flags, HW address, mask,
 * device; flags 0x0 = incomplete) — and keep only entries that bind a valid IP to a unicast
 * device MAC (mac.ts) in a usable state (not FAILED, INCOMPLETE or NONE). At most
 * MAX_NEIGHBOURS entries are returned, a parser reads at most MAX_INPUT characters.
 * The reader runs `ip` with an argv array (never a shell), a timeout and an output cap, and
 * falls back from JSON to text to /proc/net/arp; a failure of all three is an error the
 * caller counts.
 */
import { execFile } from 'node:child_process';
import ipaddr from 'ipaddr.js';
import { normaliseMac } from './mac.js';
import { readCapped } from './read-capped.js';

/** Entries kept from one read at most. */
export const MAX_NEIGHBOURS = 4096;
/** Characters of command output or file read at most. */
export const MAX_INPUT = 4 * 1024 * 1024;

export interface NeighbourEntry {
  ip: string;
  mac: string;
  /** Lower-case NUD state, e.g. "reachable", "stale", "permanent"; "unknown" when not given. */
  state: string;
  dev?: string;
  /** IPv6 neighbour announced itself as a router. */
  router?: boolean;
}

const UNUSABLE_STATES = new Set(['failed', 'incomplete', 'none']);

function canonicalIp(text: unknown): string | undefined {
  if (typeof text !== 'string' || text.length > 64 || !ipaddr.isValid(text)) return undefined;
  const a = ipaddr.parse(text);
  if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()) return (a as ipaddr.IPv6).toIPv4Address().toString();
  const range = a.range();
  if (range === 'unspecified' || range === 'multicast' || range === 'loopback' || range === 'broadcast') return undefined;
  return a.toString();
}

function entry(ip: unknown, mac: unknown, state: string, dev: unknown, router: boolean): NeighbourEntry | undefined {
  const cip = canonicalIp(ip);
  const cmac = normaliseMac(mac);
  if (!cip || !cmac || UNUSABLE_STATES.has(state)) return undefined;
  // NUD state names are short words (reachable, stale, permanent, …); anything else is not one.
  const e: NeighbourEntry = { ip: cip, mac: cmac, state: /^[a-z_]{1,16}$/.test(state) ? state : 'unknown' };
  if (typeof dev === 'string' && /^[\w.@:-]{1,32}$/.test(dev)) e.dev = dev;
  if (router) e.router = true;
  return e;
}

/** Parses `ip -j neigh show` output; [] when it is not the expected JSON. */
export function parseIpNeighJson(text: string): NeighbourEntry[] {
  let data: unknown;
  try {
    data = JSON.parse(text.length > MAX_INPUT ? '[]' : text);
  } catch {
    return [];
  }
  if (!Array.isArray(data)) return [];
  const out: NeighbourEntry[] = [];
  for (const raw of data) {
    if (out.length >= MAX_NEIGHBOURS) break;
    if (typeof raw !== 'object' || raw === null) continue;
    const r = raw as Record<string, unknown>;
    const states = Array.isArray(r.state) ? r.state.filter((s): s is string => typeof s === 'string') : [];
    const state = (states[0] ?? 'unknown').toLowerCase();
    const e = entry(r.dst, r.lladdr, state, r.dev, 'router' in r);
    if (e) out.push(e);
  }
  return out;
}

/** Parses `ip neigh show` text output. */
export function parseIpNeighText(text: string): NeighbourEntry[] {
  const out: NeighbourEntry[] = [];
  for (const line of text.slice(0, MAX_INPUT).split('\n')) {
    if (out.length >= MAX_NEIGHBOURS) break;
    const words = line.trim().split(/\s+/);
    if (words.length < 2) continue;
    const at = (k: string) => {
      const i = words.indexOf(k);
      return i >= 0 ? words[i + 1] : undefined;
    };
    const last = (words[words.length - 1] ?? '').toLowerCase();
    const state = /^[a-z]+$/.test(last) && last !== 'router' ? last : 'unknown';
    const e = entry(words[0], at('lladdr'), state, at('dev'), words.includes('router'));
    if (e) out.push(e);
  }
  return out;
}

/** Parses /proc/net/arp (flags 0x2 complete, 0x4 permanent; 0x0 incomplete). */
export function parseProcNetArp(text: string): NeighbourEntry[] {
  const out: NeighbourEntry[] = [];
  const lines = text.slice(0, MAX_INPUT).split('\n');
  for (const line of lines.slice(1)) {
    if (out.length >= MAX_NEIGHBOURS) break;
    const [ip, , flagsText, mac, , dev] = line.trim().split(/\s+/);
    const flags = Number.parseInt(flagsText ?? '', 16);
    if (!Number.isFinite(flags) || (flags & 0x2) === 0) continue;
    const e = entry(ip, mac, (flags & 0x4) !== 0 ? 'permanent' : 'reachable', dev, false);
    if (e) out.push(e);
  }
  return out;
}

/** Runs a command with argv (no shell); resolves stdout. */
export type ExecFn = (file: string, args: readonly string[], opts: { timeoutMs: number; maxBytes: number }) => Promise<string>;

/** node:child_process execFile with a timeout and an output cap. */
export const execFileText: ExecFn = (file, args, opts) =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], { timeout: opts.timeoutMs, maxBuffer: opts.maxBytes, encoding: 'utf8', windowsHide: true }, (err, stdout) => {
      if (err) reject(err);
      else resolve(stdout);
    });
  });

export interface NeighbourReaderOptions {
  exec?: ExecFn;
  /** Path of the kernel's ARP table (tests point it elsewhere). */
  procArpPath?: string;
  ipPath?: string;
  timeoutMs?: number;
}

export interface NeighbourRead {
  entries: NeighbourEntry[];
  /** Which source answered. */
  source: 'ip-json' | 'ip-text' | 'proc';
}

/** Reads the neighbour table (see module rules); rejects when no source could be read. */
export async function readNeighbours(opts: NeighbourReaderOptions = {}): Promise<NeighbourRead> {
  const exec = opts.exec ?? execFileText;
  const ip = opts.ipPath ?? 'ip';
  const run = { timeoutMs: opts.timeoutMs ?? 3000, maxBytes: MAX_INPUT };
  const errors: string[] = [];
  try {
    const out = await exec(ip, ['-j', 'neigh', 'show'], run);
    const trimmed = out.trim();
    if (trimmed.startsWith('[')) return { entries: parseIpNeighJson(trimmed), source: 'ip-json' };
    errors.push('ip -j: not JSON');
  } catch (err) {
    errors.push(`ip -j: ${(err as Error).message}`);
  }
  try {
    return { entries: parseIpNeighText(await exec(ip, ['neigh', 'show'], run)), source: 'ip-text' };
  } catch (err) {
    errors.push(`ip: ${(err as Error).message}`);
  }
  try {
    const { text } = await readCapped(opts.procArpPath ?? '/proc/net/arp', MAX_INPUT);
    return { entries: parseProcNetArp(text), source: 'proc' };
  } catch (err) {
    errors.push(`arp: ${(err as Error).message}`);
  }
  throw new Error(`neighbour table unreadable (${errors.join('; ').slice(0, 400)})`);
}
