/**
 * The network graph (Network Map view): devices and the top external peers as nodes, traffic
 * between them over the edge window as edges. Rules:
 * - Device nodes: the inventory's devices (most recently seen first, at most `maxDevices`),
 *   plus inside addresses on the drawn edges that the inventory does not know yet (flow
 *   only). Flags: gateway (role gateway), at risk, scanned (has a scan result), flow only
 *   (not scanned).
 * - External nodes: the peers with the most bytes in the window, at most `maxExternal`
 *   (caller's choice, capped at 500; picked with a heap, not by sorting every peer), with the
 *   External IPs view's threat rating.
 * - Edges only between drawn nodes, heaviest first, at most `maxEdges`; what the caps leave
 *   out is counted in `omitted`.
 * - Pure over its inputs: the caller passes snapshots; nothing here reads the database.
 */
import type { Device, ExternalPeer, GraphEdge, GraphNode, GraphResponse, ThreatLevel } from '../contract.js';
import type { EdgeTotals, PeerTotals } from './edge-window.js';

export const GRAPH_LIMITS = { maxDevices: 2000, maxExternal: 500, defaultExternal: 50, maxEdges: 6000 };

export interface GraphInputs {
  nowMs: number;
  windowMs: number;
  devices: readonly Device[];
  scanned: ReadonlySet<string>;
  /** Pairs with both ends inside (edge-window.ts). */
  internalEdges: Iterable<EdgeTotals>;
  /** External peers with their totals and pairs (edge-window.ts). */
  peers: Iterable<PeerTotals>;
  /** The threat rating and place of an external address, when known. */
  external(ip: string): { level: ThreatLevel; score: number; country?: string; org?: string; rdns?: string | null } | undefined;
  maxExternal: number;
}

function deviceLabel(d: Device): string {
  return d.name ?? d.hostname ?? d.ip ?? `device ${d.id}`;
}

/** The k peers with the most bytes (ties by address), heaviest first, and how many there were: one pass with a small heap. */
export function topPeers(peers: Iterable<PeerTotals>, k: number): { top: PeerTotals[]; count: number } {
  const lighter = (a: PeerTotals, b: PeerTotals) => a.bytes < b.bytes || (a.bytes === b.bytes && a.ip > b.ip);
  const heap: PeerTotals[] = []; // min-heap by `lighter`
  let count = 0;
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && lighter(heap[l] as PeerTotals, heap[m] as PeerTotals)) m = l;
      if (r < heap.length && lighter(heap[r] as PeerTotals, heap[m] as PeerTotals)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m] as PeerTotals, heap[i] as PeerTotals];
      i = m;
    }
  };
  for (const p of peers) {
    count++;
    if (k === 0) continue;
    if (heap.length < k) {
      heap.push(p);
      for (let i = heap.length - 1; i > 0; ) {
        const parent = (i - 1) >> 1;
        if (!lighter(heap[i] as PeerTotals, heap[parent] as PeerTotals)) break;
        [heap[i], heap[parent]] = [heap[parent] as PeerTotals, heap[i] as PeerTotals];
        i = parent;
      }
    } else if (lighter(heap[0] as PeerTotals, p)) {
      heap[0] = p;
      down(0);
    }
  }
  return { top: heap.sort((a, b) => (lighter(a, b) ? 1 : lighter(b, a) ? -1 : 0)), count };
}

/** Builds the graph (see module rules). */
export function buildGraph(g: GraphInputs): GraphResponse {
  const maxExternal = Math.max(0, Math.min(GRAPH_LIMITS.maxExternal, Math.floor(g.maxExternal)));
  const nodes = new Map<string, GraphNode>();
  let omittedDevices = 0;
  const addDevice = (ip: string, d?: Device) => {
    if (nodes.has(ip)) return;
    if (nodes.size >= GRAPH_LIMITS.maxDevices) {
      omittedDevices++;
      return;
    }
    const scanned = g.scanned.has(ip);
    nodes.set(ip, {
      id: ip,
      kind: 'device',
      ip,
      label: d ? deviceLabel(d) : ip,
      ...(d ? { deviceId: d.id, role: d.role } : {}),
      ...(d?.vendor ? { vendor: d.vendor } : {}),
      atRisk: d?.atRisk ?? false,
      scanned,
      flowOnly: !scanned,
      gateway: d?.role === 'gateway',
      bytes: 0,
      flows: 0,
    });
  };
  for (const d of g.devices) if (d.ip) addDevice(d.ip, d);

  const { top, count } = topPeers(g.peers, maxExternal);
  const candidates: GraphEdge[] = [];
  for (const e of g.internalEdges) {
    addDevice(e.a);
    addDevice(e.b);
    if (nodes.has(e.a) && nodes.has(e.b)) candidates.push({ source: e.a, target: e.b, kind: 'internal', bytes: e.bytes, flows: e.flows, lastSeenMs: e.lastSeenMs });
  }
  const topExternal: ExternalPeer[] = [];
  for (const p of top) {
    const x = g.external(p.ip);
    const label = x?.rdns ?? x?.org ?? p.ip;
    const threat = { level: x?.level ?? ('unknown' as ThreatLevel), score: x?.score ?? 0 };
    const place = { ...(x?.country ? { country: x.country } : {}), ...(x?.org ? { org: x.org } : {}) };
    topExternal.push({ ip: p.ip, label, bytes: p.bytes, flows: p.flows, devices: p.edges.size, threat, ...place });
    nodes.set(p.ip, { id: p.ip, kind: 'external', ip: p.ip, label, atRisk: threat.level === 'high' || threat.level === 'medium', scanned: false, flowOnly: false, gateway: false, threat, ...place, bytes: 0, flows: 0 });
    for (const e of p.edges) {
      const device = e.device as string;
      addDevice(device);
      if (nodes.has(device)) candidates.push({ source: device, target: p.ip, kind: 'external', bytes: e.bytes, flows: e.flows, lastSeenMs: e.lastSeenMs });
    }
  }
  candidates.sort((a, b) => b.bytes - a.bytes);
  const edges = candidates.slice(0, GRAPH_LIMITS.maxEdges);
  for (const e of edges) {
    for (const id of [e.source, e.target]) {
      const n = nodes.get(id) as GraphNode;
      n.bytes += e.bytes;
      n.flows += e.flows;
    }
  }
  return {
    generatedMs: g.nowMs,
    windowMinutes: Math.round(g.windowMs / 60_000),
    nodes: [...nodes.values()],
    edges,
    topExternal,
    omitted: { devices: omittedDevices, external: count - top.length, edges: candidates.length - edges.length },
  };
}
