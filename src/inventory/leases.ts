/**
 * DHCP lease files: which MAC holds which address, and the hostname the client asked for.
 * Two formats, detected from the text:
 * - dnsmasq (`dhcp-leasefile`, e.g. /var/lib/misc/dnsmasq.leases): one lease a line,
 *   `<expiry unix seconds, 0 = infinite> <MAC> <IP> <hostname or *> <client-id or *>`; a
 *   `duid <server DUID>` line starts the DHCPv6 leases, whose second field is an IAID (no
 *   MAC): they are skipped.
 * - ISC dhcpd (dhcpd.leases(5)): `lease <ip> { statements; }` blocks, log-structured (the
 *   last block for an address is the current one), with `hardware ethernet <MAC>;`,
 *   `client-hostname "<name>";`, `binding state <state>;`, `ends <weekday> <YYYY/MM/DD>
 *   <HH:MM:SS>;` (UTC), `ends epoch <seconds>;` or `ends never;`. Quoted strings may hold
 *   escapes and braces; `#` starts a comment; other blocks (failover, host, IPv6 ia-na) are
 *   skipped whole.
 * Rules: pure and never throw; the hostname comes from the client (hostile, catalogue #19) and
 * goes through cleanHostname; only leases that are current (not expired at `nowMs`, binding
 * state active when stated) and carry a unicast MAC are returned; at most MAX_LEASES, over at
 * most MAX_INPUT characters.
 */
import ipaddr from 'ipaddr.js';
import { normaliseMac } from './mac.js';
import { cleanHostname } from './names.js';

export const MAX_LEASES = 4096;
export const MAX_INPUT = 8 * 1024 * 1024;

export interface Lease {
  ip: string;
  mac: string;
  hostname?: string;
  /** Unix ms when the lease ends; undefined = never. */
  expiresMs?: number;
}

function ipv4(text: string | undefined): string | undefined {
  return text && ipaddr.IPv4.isValidFourPartDecimal(text) ? ipaddr.IPv4.parse(text).toString() : undefined;
}

/** Parses a dnsmasq lease file (see module rules). */
export function parseDnsmasqLeases(text: string, nowMs: number): Lease[] {
  const out: Lease[] = [];
  for (const line of text.slice(0, MAX_INPUT).split('\n')) {
    if (out.length >= MAX_LEASES) break;
    const f = line.trim().split(/\s+/);
    if (f[0] === 'duid') break;
    if (f.length < 4 || !/^\d{1,12}$/.test(f[0] ?? '')) continue;
    const expirySec = Number(f[0]);
    if (expirySec !== 0 && expirySec * 1000 <= nowMs) continue;
    const mac = normaliseMac(f[1]);
    const ip = ipv4(f[2]);
    if (!mac || !ip) continue;
    const lease: Lease = { ip, mac };
    const hostname = f[3] === '*' ? undefined : cleanHostname(f[3]);
    if (hostname) lease.hostname = hostname;
    if (expirySec !== 0) lease.expiresMs = expirySec * 1000;
    out.push(lease);
  }
  return out;
}

type Token = { t: 'word' | 'string'; v: string } | { t: '{' | '}' | ';' };

/** Splits dhcpd.leases text into tokens (strings unescaped, comments dropped). */
function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i] as string;
    if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '{' || c === '}' || c === ';') {
      out.push({ t: c });
      i++;
    } else if (c === '"') {
      let v = '';
      i++;
      while (i < n && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < n) {
          const oct = /^[0-7]{3}/.exec(text.slice(i + 1, i + 4));
          if (oct) {
            v += String.fromCharCode(parseInt(oct[0], 8));
            i += 4;
            continue;
          }
          i++;
        }
        v += text[i];
        i++;
      }
      i++;
      out.push({ t: 'string', v });
    } else if (/\s/.test(c)) {
      i++;
    } else {
      const start = i;
      while (i < n && !/[\s{};"#]/.test(text[i] as string)) i++;
      out.push({ t: 'word', v: text.slice(start, i) });
    }
  }
  return out;
}

function words(stmt: Token[]): string[] {
  return stmt.map((t) => ('v' in t ? t.v : t.t));
}

/** `ends` statement → ms, null for never, undefined when unreadable. */
function endsMs(w: string[]): number | null | undefined {
  if (w[1] === 'never') return null;
  if (w[1] === 'epoch' && /^\d{1,12}$/.test(w[2] ?? '')) return Number(w[2]) * 1000;
  const d = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(w[2] ?? '');
  const t = /^(\d{1,2}):(\d{2}):(\d{2})$/.exec(w[3] ?? '');
  if (!d || !t) return undefined;
  const ms = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(t[1]), Number(t[2]), Number(t[3]));
  return Number.isFinite(ms) ? ms : undefined;
}

/** Parses an ISC dhcpd.leases file (see module rules). */
export function parseIscLeases(text: string, nowMs: number): Lease[] {
  const tokens = tokenize(text.slice(0, MAX_INPUT));
  const byIp = new Map<string, Lease | null>();
  let stmt: Token[] = [];
  let i = 0;
  const skipBlock = () => {
    // i is just past a '{': skip to its matching '}'
    let depth = 1;
    while (i < tokens.length && depth > 0) {
      const t = tokens[i++] as Token;
      if (t.t === '{') depth++;
      else if (t.t === '}') depth--;
    }
  };
  while (i < tokens.length) {
    const tok = tokens[i++] as Token;
    if (tok.t === ';') {
      stmt = [];
      continue;
    }
    if (tok.t === '}') {
      stmt = [];
      continue;
    }
    if (tok.t !== '{') {
      stmt.push(tok);
      continue;
    }
    const head = words(stmt);
    stmt = [];
    const ip = head[0] === 'lease' && head.length === 2 ? ipv4(head[1]) : undefined;
    if (!ip) {
      skipBlock();
      continue;
    }
    // A lease block: read its statements (nested blocks skipped).
    let mac: string | undefined;
    let hostname: string | undefined;
    let state: string | undefined;
    let ends: number | null | undefined;
    let body: Token[] = [];
    while (i < tokens.length) {
      const t = tokens[i++] as Token;
      if (t.t === '}') break;
      if (t.t === '{') {
        body = [];
        skipBlock();
        continue;
      }
      if (t.t !== ';') {
        body.push(t);
        continue;
      }
      const w = words(body);
      body = [];
      if (w[0] === 'hardware' && w[1] === 'ethernet') mac = normaliseMac(w[2]);
      else if (w[0] === 'client-hostname') hostname = cleanHostname(w[1]);
      else if (w[0] === 'binding' && w[1] === 'state') state = w[2];
      else if (w[0] === 'ends') ends = endsMs(w);
    }
    const current = (state === undefined || state === 'active') && ends !== undefined ? ends === null || ends > nowMs : state === 'active';
    byIp.delete(ip);
    if (current && mac && byIp.size < MAX_LEASES) {
      const lease: Lease = { ip, mac };
      if (hostname) lease.hostname = hostname;
      if (typeof ends === 'number') lease.expiresMs = ends;
      byIp.set(ip, lease);
    } else {
      byIp.set(ip, null);
    }
  }
  return [...byIp.values()].filter((l): l is Lease => l !== null);
}

/** Parses either format, chosen from the text (an ISC file has `lease <ip> {` blocks). */
export function parseLeases(text: string, nowMs: number): Lease[] {
  return /^\s*lease\s+[0-9.]+\s*\{/m.test(text.slice(0, MAX_INPUT)) ? parseIscLeases(text, nowMs) : parseDnsmasqLeases(text, nowMs);
}
