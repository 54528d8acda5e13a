/**
 * Port-scan detector (category `port_scan`, key `port_scan:<srcIp>`, severity high).
 *
 * Rules:
 * - Looks at flows towards the home network: directions 'internal' (internal → internal) and
 *   'inbound' (external → internal). Outbound and transit flows are ignored.
 * - Counts only flows that look like probes (isProbe): TCP/UDP/SCTP (ports exist), at most
 *   MAX_PROBE_PACKETS packets before sampling (nmap -sT / -sS probes are 1-3 packets: SYN,
 *   SYN+RST, SYN+ACK+RST), and not the answering side of a conversation: a service port
 *   talking to a client port (src < 1024 <= dst, or src < dst with dst in the ephemeral range
 *   >= 32768), a symmetric service exchange (src port == dst port: NetBIOS, NTP, IKE), or TCP
 *   whose flags show an answer (ACK without SYN: RST/ACK refusals, mid-stream; exactly SYN+ACK).
 *   Trade-offs: ACK scans (-sA) and probes of ephemeral-range ports above the scanner's own
 *   source port are not counted; a 1000-port or full-range scan still has plenty of others.
 * - Per source, distinct destination ports and distinct destination hosts are counted in a
 *   sliding window of scan_window_seconds of FLOW time (each probe at its endMs; the window
 *   ends at the newest probe seen from that source; probes older than the window are ignored).
 *   When either count reaches scan_port_threshold, ONE finding is raised for the burst:
 *   variant 'vertical' (many ports), 'sweep' (many hosts: one service across the network) or
 *   'block' (both). The source's counts are then reset and its probes ignored until
 *   scan_window_seconds of flow time after the finding; a burst after that raises again
 *   (so a finding key is reported at most once per window).
 * - Memory is bounded: at most maxSources sources (default MAX_SOURCES, lowered so their
 *   port/host tables fit SLOT_BUDGET when the threshold is large), evicted by the CLOCK rule
 *   (clock-ring.ts) and counted in homesec_detector_evictions_total{detector="port_scan"};
 *   each source's tables hold at most `threshold` keys (windowed-set.ts). Sources idle for
 *   2 * scan_window_seconds of ingest time are dropped in tick().
 * - observe() is O(1) amortised and allocates only for a new source (evicted ones are recycled),
 *   a table growth, or a finding.
 */
import { ipv4Key } from '../flow/ip-text.js';
import type { FlowRecord } from '../flow/types.js';
import { BoundedTable, type TableEntry } from './bounded-table.js';
import { NOT_SEEN } from './clock-ring.js';
import type { Detector, DetectorContext, DetectorFactory, Direction, FlowKeys } from './detector.js';
import { WindowedSet, hashText, maxSlots } from './windowed-set.js';

export const NAME = 'port_scan';
/** Sources tracked at most (fewer when the threshold is very large; see SLOT_BUDGET). */
export const MAX_SOURCES = 10_000;
/** Table slots (12 bytes each) all sources may grow to together: about 48 MiB. */
export const SLOT_BUDGET = 1 << 22;
/** Sources tracked at least, whatever the threshold. */
const MIN_SOURCES = 16;
/** Packets (before sampling) above which a flow is a conversation, not a probe. */
export const MAX_PROBE_PACKETS = 4;
/** Ports listed in a finding's evidence at most. */
const EVIDENCE_PORTS = 32;

const TCP = 6;
const UDP = 17;
const SCTP = 132;
const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const PSH = 0x08;
const ACK = 0x10;

/**
 * True when a flow looks like a scan probe rather than part of a real conversation or an
 * answer to one (see the module rules). Pure; O(1).
 */
export function isProbe(flow: FlowRecord): boolean {
  const proto = flow.protocol;
  if (proto !== TCP && proto !== UDP && proto !== SCTP) return false;
  const rate = flow.samplingRate > 1 ? flow.samplingRate : 1;
  if (flow.packets > MAX_PROBE_PACKETS * rate) return false;
  const sp = flow.srcPort;
  const dp = flow.dstPort;
  if (sp === dp) return false;
  if (sp < 1024 && dp >= 1024) return false;
  if (sp < dp && dp >= 32768) return false;
  if (proto === TCP && flow.tcpFlags !== 0) {
    const f = flow.tcpFlags;
    if ((f & SYN) === 0 && (f & ACK) !== 0) return false;
    if ((f & (SYN | ACK | RST | FIN | PSH)) === (SYN | ACK)) return false;
  }
  return true;
}

/** Per-source scan state (recycled on eviction). */
class ScanSource implements TableEntry {
  slot = -1;
  touched = false;
  seenMs = NOT_SEEN;
  /** Source IP. */
  key = '';
  /** ipv4Key(key) (set by the table). */
  num = -1;
  /** Newest probe time (flow time) seen since the last reset. */
  maxT = Number.NEGATIVE_INFINITY;
  /** Oldest probe time counted since the last reset. */
  minT = Number.POSITIVE_INFINITY;
  /** Probes are ignored before this flow time (the burst was reported). */
  suppressUntil = Number.NEGATIVE_INFINITY;
  lastDst = '';
  direction: Direction = 'internal';
  /** Bit set of protocols seen: 1 TCP, 2 UDP, 4 SCTP. */
  protocols = 0;
  readonly ports: WindowedSet;
  readonly hosts: WindowedSet;

  constructor(limit: number) {
    this.ports = new WindowedSet(limit);
    this.hosts = new WindowedSet(limit);
  }

  /** Re-initialises the entry for a new source. */
  reset(): void {
    this.suppressUntil = Number.NEGATIVE_INFINITY;
    this.clearBurst();
  }

  /** Forgets the counted probes (keeps identity and suppression). */
  clearBurst(): void {
    this.maxT = Number.NEGATIVE_INFINITY;
    this.minT = Number.POSITIVE_INFINITY;
    this.lastDst = '';
    this.protocols = 0;
    this.ports.clear();
    this.hosts.clear();
  }
}

export interface PortScanOptions {
  /** Overrides the source cap (tests). */
  maxSources?: number;
}

export interface PortScanDetector extends Detector {
  /** The source cap in force. */
  readonly capacity: number;
}

/**
 * Creates the port-scan detector from ctx.config (scan_window_seconds, scan_port_threshold).
 * Findings are reported synchronously from observe() when a burst crosses the threshold.
 */
export function createPortScanDetector(ctx: DetectorContext, opts: PortScanOptions = {}): PortScanDetector {
  const windowMs = ctx.config.scan_window_seconds * 1000;
  const threshold = ctx.config.scan_port_threshold;
  const idleMs = 2 * windowMs;
  const perSource = 2 * maxSlots(threshold);
  const capacity = opts.maxSources ?? Math.min(MAX_SOURCES, Math.max(MIN_SOURCES, Math.floor(SLOT_BUDGET / perSource)));
  const sources = new BoundedTable(capacity, ctx.metrics, NAME, () => new ScanSource(threshold));

  const raise = (s: ScanSource): void => {
    const ip = s.key;
    const cutoff = s.maxT - windowMs;
    const nPorts = s.ports.prune(cutoff);
    const nHosts = s.hosts.prune(cutoff);
    const variant = nHosts >= threshold ? (nPorts >= threshold ? 'block' : 'sweep') : 'vertical';
    const ports = s.ports.collect(cutoff, [], EVIDENCE_PORTS).sort((a, b) => a - b);
    const protocols: string[] = [];
    if (s.protocols & 1) protocols.push('tcp');
    if (s.protocols & 2) protocols.push('udp');
    if (s.protocols & 4) protocols.push('sctp');
    const what =
      variant === 'sweep'
        ? `${nHosts} hosts`
        : `${nPorts} distinct ports on ${nHosts === 1 ? s.lastDst : `${nHosts} hosts`}`;
    ctx.report({
      key: `${NAME}:${ip}`,
      category: NAME,
      severity: 'high',
      sourceIp: ip,
      title: variant === 'sweep' ? `Network sweep from ${ip}` : `Port scan from ${ip}`,
      detail:
        `${ip} (${s.direction === 'inbound' ? 'external' : 'internal'}) probed ${what} within ` +
        `${windowMs / 1000} s (threshold ${threshold}).`,
      atMs: s.maxT,
      evidence: {
        variant,
        direction: s.direction,
        uniquePorts: nPorts,
        uniqueHosts: nHosts,
        ports,
        portsTruncated: nPorts > ports.length,
        lastTarget: s.lastDst,
        protocols,
        windowSeconds: windowMs / 1000,
        threshold,
        firstProbeMs: Math.max(s.minT, cutoff),
        lastProbeMs: s.maxT,
      },
    });
    s.suppressUntil = s.maxT + windowMs;
    s.clearBurst();
  };

  return {
    name: NAME,
    capacity,

    /** Counts a probe-looking flow towards its source's window; raises at most one finding per burst. O(1) amortised. */
    observe(flow: FlowRecord, direction: Direction, keys?: FlowKeys): void {
      if (direction !== 'internal' && direction !== 'inbound') return;
      if (!isProbe(flow)) return;
      const t = flow.endMs >= flow.startMs ? flow.endMs : flow.startMs;
      const num = keys !== undefined ? keys.src : ipv4Key(flow.srcAddr);
      let s = sources.get(flow.srcAddr, num);
      if (s === undefined) s = sources.track(flow.srcAddr, num);
      else s.touched = true;
      s.seenMs = sources.tickMs;
      if (t < s.suppressUntil) return;
      if (t > s.maxT) s.maxT = t;
      const cutoff = s.maxT - windowMs;
      if (t < cutoff) return;
      if (t < s.minT) s.minT = t;
      s.lastDst = flow.dstAddr;
      s.direction = direction;
      s.protocols |= flow.protocol === TCP ? 1 : flow.protocol === UDP ? 2 : 4;
      const nPorts = s.ports.add(flow.dstPort, t, cutoff);
      const nHosts = s.hosts.add(hashText(flow.dstAddr), t, cutoff);
      if (nPorts >= threshold || nHosts >= threshold) raise(s);
    },

    /** Drops sources idle for 2 windows of ingest time; publishes metrics. O(sources). */
    tick(nowMs: number): void {
      sources.tick(nowMs, idleMs);
    },

    size(): number {
      return sources.size;
    },
  };
}

/** The registry's factory. */
export const portScanDetector: DetectorFactory = (ctx) => createPortScanDetector(ctx);
