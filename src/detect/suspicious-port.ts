/**
 * Suspicious-port detector (category `suspicious_port`, key `suspicious_port:<srcIp>`).
 *
 * Rules:
 * - Looks only at outbound TCP/UDP/SCTP flows (internal source → external destination) whose
 *   destination port is in config.suspicious_ports. A flow from a well-known port (< 1024) to a
 *   non-well-known one is a local service answering a client, not a connection to that port,
 *   and is skipped.
 * - Per source, hits are grouped into windows of scan_window_seconds of flow time: a window
 *   opens at the first hit (its endMs) after the previous window ended. The first tick() after a
 *   window opens reports it ONCE, with what the window has gathered by then (so at most one
 *   finding per key per window); later hits in that window are counted but not reported.
 * - Severity: 'medium' for MEDIUM_PORTS, remote-access and proxy/chat ports that people also use
 *   on purpose (RDP 3389, VNC 5900, SOCKS 1080, IRC 6660-6669, Tor 9001): worth a look, not
 *   alarming on their own; 'high' for every other listed port (telnet 23/2323 as used by Mirai,
 *   Windows RPC/NetBIOS/SMB 135-139/445 and MS-SQL 1433 towards the internet, Metasploit 4444,
 *   Sasser 5554, Android ADB 5555, NetBus 12345, Back Orifice 31337, and any port the user
 *   adds). A window's severity is the highest of its hits up to the report.
 * - Evidence: the distinct ports hit (at most MAX_PORTS), a sample of distinct peers
 *   (ip:port/protocol, at most MAX_PEERS), connection and byte counts, the window.
 * - Memory is bounded: at most maxSources sources (default MAX_SOURCES), evicted by the CLOCK
 *   rule (clock-ring.ts) and counted in homesec_detector_evictions_total{detector="suspicious_port"};
 *   sources idle for 2 windows of ingest time are dropped in tick().
 * - observe() is O(MAX_PORTS + MAX_PEERS) = O(1) (a port lookup table, short scans) and
 *   allocates only for a new source (evicted ones are recycled); tick() is O(sources).
 */
import { ipv4Key } from '../flow/ip-text.js';
import type { FlowRecord } from '../flow/types.js';
import type { Severity } from '../findings/types.js';
import { BoundedTable, type TableEntry } from './bounded-table.js';
import { NOT_SEEN } from './clock-ring.js';
import type { Detector, DetectorContext, DetectorFactory, Direction, FlowKeys } from './detector.js';

export const NAME = 'suspicious_port';
/** Internal sources tracked at most. */
export const MAX_SOURCES = 10_000;
/** Distinct ports kept per window. */
export const MAX_PORTS = 16;
/** Distinct peers (ip, port, protocol) kept per window as evidence. */
export const MAX_PEERS = 10;

/** Ports reported as medium rather than high (see the module rules). */
export const MEDIUM_PORTS: ReadonlySet<number> = new Set([1080, 3389, 5900, 6660, 6661, 6662, 6663, 6664, 6665, 6666, 6667, 6668, 6669, 9001]);

/** What the default suspicious ports are known for (plain text, for finding details). */
export const PORT_NAMES: Readonly<Record<number, string>> = {
  23: 'Telnet',
  135: 'MS-RPC',
  137: 'NetBIOS',
  138: 'NetBIOS',
  139: 'NetBIOS',
  445: 'SMB',
  1080: 'SOCKS',
  1433: 'MS-SQL',
  2323: 'Telnet (alt)',
  3389: 'RDP',
  4444: 'Metasploit default',
  5554: 'Sasser backdoor',
  5555: 'Android ADB',
  5900: 'VNC',
  6667: 'IRC',
  9001: 'Tor',
  12345: 'NetBus',
  31337: 'Back Orifice',
};

const SEV_NONE = 0;
const SEV_MEDIUM = 1;
const SEV_HIGH = 2;

/** Per-source window state (recycled on eviction). */
class PortSource implements TableEntry {
  slot = -1;
  touched = false;
  seenMs = NOT_SEEN;
  /** Source IP. */
  key = '';
  /** ipv4Key(key) (set by the table). */
  num = -1;
  windowStart = Number.NEGATIVE_INFINITY;
  firstT = 0;
  lastT = 0;
  hits = 0;
  bytes = 0;
  severity = SEV_NONE;
  reported = false;
  readonly ports = new Uint16Array(MAX_PORTS);
  nPorts = 0;
  readonly peerIp: string[] = new Array<string>(MAX_PEERS).fill('');
  readonly peerPort = new Uint16Array(MAX_PEERS);
  readonly peerProto = new Uint8Array(MAX_PEERS);
  nPeers = 0;
  /** Distinct peers seen beyond MAX_PEERS (approximate: only counted once the sample is full). */
  morePeers = false;

  reset(): void {
    this.openWindow(Number.NEGATIVE_INFINITY);
  }

  openWindow(t: number): void {
    this.windowStart = t;
    this.firstT = t;
    this.lastT = t;
    this.hits = 0;
    this.bytes = 0;
    this.severity = SEV_NONE;
    this.reported = false;
    this.nPorts = 0;
    this.nPeers = 0;
    this.morePeers = false;
  }

  addPort(port: number): void {
    for (let i = 0; i < this.nPorts; i++) if (this.ports[i] === port) return;
    if (this.nPorts < MAX_PORTS) this.ports[this.nPorts++] = port;
  }

  addPeer(ip: string, port: number, proto: number): void {
    for (let i = 0; i < this.nPeers; i++) {
      if (this.peerPort[i] === port && this.peerProto[i] === proto && this.peerIp[i] === ip) return;
    }
    if (this.nPeers < MAX_PEERS) {
      this.peerIp[this.nPeers] = ip;
      this.peerPort[this.nPeers] = port;
      this.peerProto[this.nPeers] = proto;
      this.nPeers++;
    } else {
      this.morePeers = true;
    }
  }
}

function protoName(p: number): string {
  return p === 6 ? 'tcp' : p === 17 ? 'udp' : p === 132 ? 'sctp' : String(p);
}

/** Formats a peer for evidence: "203.0.113.5:445/tcp", IPv6 as "[2001:db8::1]:445/tcp". */
function peerText(ip: string, port: number, proto: number): string {
  return `${ip.includes(':') ? `[${ip}]` : ip}:${port}/${protoName(proto)}`;
}

export interface SuspiciousPortOptions {
  /** Overrides the source cap (tests). */
  maxSources?: number;
}

/**
 * Creates the suspicious-port detector from ctx.config (suspicious_ports, scan_window_seconds).
 * observe() gathers hits; tick() reports each new window once.
 */
export function createSuspiciousPortDetector(ctx: DetectorContext, opts: SuspiciousPortOptions = {}): Detector {
  const windowMs = ctx.config.scan_window_seconds * 1000;
  const idleMs = 2 * windowMs;
  const severityOf = new Uint8Array(65536);
  for (const p of ctx.config.suspicious_ports) severityOf[p] = MEDIUM_PORTS.has(p) ? SEV_MEDIUM : SEV_HIGH;
  const sources = new BoundedTable(opts.maxSources ?? MAX_SOURCES, ctx.metrics, NAME, () => new PortSource());

  const report = (s: PortSource): void => {
    const ip = s.key;
    s.reported = true;
    const ports = Array.from(s.ports.subarray(0, s.nPorts)).sort((a, b) => a - b);
    const named = ports.map((p) => (PORT_NAMES[p] ? `${p} (${PORT_NAMES[p]})` : String(p)));
    const peers: string[] = [];
    for (let i = 0; i < s.nPeers; i++) peers.push(peerText(s.peerIp[i] as string, s.peerPort[i] as number, s.peerProto[i] as number));
    const severity: Severity = s.severity === SEV_HIGH ? 'high' : 'medium';
    ctx.report({
      key: `${NAME}:${ip}`,
      category: NAME,
      severity,
      sourceIp: ip,
      title: `Outbound connection${s.hits > 1 ? 's' : ''} to suspicious port${ports.length > 1 ? 's' : ''} ${ports.join(', ')} from ${ip}`,
      detail:
        `${ip} connected to external hosts on commonly abused port${ports.length > 1 ? 's' : ''} ` +
        `${named.join(', ')}: ${s.hits} flow${s.hits > 1 ? 's' : ''} to ${s.nPeers}${s.morePeers ? '+' : ''} ` +
        `peer${s.nPeers > 1 || s.morePeers ? 's' : ''} within ${windowMs / 1000} s.`,
      atMs: s.lastT,
      evidence: {
        ports,
        peers,
        peersTruncated: s.morePeers,
        flows: s.hits,
        bytes: s.bytes,
        windowSeconds: windowMs / 1000,
        firstSeenMs: s.firstT,
        lastSeenMs: s.lastT,
      },
    });
  };

  /** tick()'s visitor: reports the source's window once it has hits and is not yet reported. */
  const reportNew = (s: PortSource): void => {
    if (s.hits > 0 && !s.reported) report(s);
  };

  return {
    name: NAME,

    /** Records an outbound flow to a suspicious port in its source's window. O(1), no allocation in the steady state. */
    observe(flow: FlowRecord, direction: Direction, keys?: FlowKeys): void {
      if (direction !== 'outbound') return;
      const sev = severityOf[flow.dstPort] as number;
      if (sev === SEV_NONE) return;
      if (flow.srcPort < 1024 && flow.dstPort >= 1024) return;
      const proto = flow.protocol;
      if (proto !== 6 && proto !== 17 && proto !== 132) return; // no ports (ICMP type/code sit in dstPort)
      const num = keys !== undefined ? keys.src : ipv4Key(flow.srcAddr);
      let s = sources.get(flow.srcAddr, num);
      if (s === undefined) s = sources.track(flow.srcAddr, num);
      else s.touched = true;
      s.seenMs = sources.tickMs;
      const t = flow.endMs >= flow.startMs ? flow.endMs : flow.startMs;
      if (t >= s.windowStart + windowMs) s.openWindow(t);
      if (t < s.firstT) s.firstT = t;
      if (t > s.lastT) s.lastT = t;
      s.hits++;
      s.bytes += flow.bytes;
      if (!s.reported && sev > s.severity) s.severity = sev;
      s.addPort(flow.dstPort);
      s.addPeer(flow.dstAddr, flow.dstPort, flow.protocol);
    },

    /** Reports every window not yet reported; drops sources idle for 2 windows of ingest time. O(sources). */
    tick(nowMs: number): void {
      sources.tick(nowMs, idleMs, reportNew);
    },

    size(): number {
      return sources.size;
    },
  };
}

/** The registry's factory. */
export const suspiciousPortDetector: DetectorFactory = (ctx) => createSuspiciousPortDetector(ctx);
