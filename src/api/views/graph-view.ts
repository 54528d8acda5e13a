/**
 * The network graph (Network Map view): devices and the top external peers as nodes, traffic
 * between them over the edge window as edges. Rules:
 * - Device nodes: the inventory's devices (most recently seen first, at most `maxDevices`),
 *   plus internal addresses seen in the window that the inventory does not know yet (flow
 *   only). Flags: gateway (role gateway), at risk, scanned (has a scan result), flow only
 *   (not scanned).
 * - External nodes: the peers with the most bytes in the window, at most `maxExternal`
 *   (caller's choice, capped at 500), with the External IPs view's threat rating.
 * - Edges only between drawn nodes, heaviest first, at most `maxEdges`; what the caps leave
 *   out is counted in `omitted`.
 * - Pure over its inputs: the caller passes snapshots; nothing here reads the database.
 */
import type { Device, ExternalPeer, GraphEdge, GraphNode, GraphResponse, ThreatLevel } from '../contract.js';
import type { EdgeTotals } from './edge-window.js';

export const GRAPH_LIMITS = { maxDevices: 2000, maxExternal: 500, defaultExternal: 50, maxEdges: 6000 };

export interface GraphInputs {
  nowMs: number;
  windowMs: number;
  devices: readonly Device[];
  scanned: ReadonlySet<string>;
  edges: Iterable<EdgeTotals>;
  isInternal(ip: string): boolean;
  /** The threat rating and place of an external address, when known. */
  external(ip: string): { level: ThreatLevel; score: number; country?: string; org?: string; rdns?: string | null } | undefined;
  maxExternal: number;
}

interface Peer {
  ip: string;
  bytes: number;
  flows: number;
  devices: Set<string>;
}

function deviceLabel(d: Device): string {
  return d.name ?? d.hostname ?? d.ip ?? `device ${d.id}`;
}

/** Builds the graph (see module rules). */
export function buildGraph(g: GraphInputs): GraphResponse {
  const maxExternal = Math.max(0, Math.min(GRAPH_LIMITS.maxExternal, Math.floor(g.maxExternal)));
  const nodes = new Map<string, GraphNode>();
  let omittedDevices = 0;
  for (const d of g.devices) {
    if (!d.ip || nodes.has(d.ip)) continue;
    if (nodes.size >= GRAPH_LIMITS.maxDevices) {
      omittedDevices++;
      continue;
    }
    const scanned = g.scanned.has(d.ip);
    nodes.set(d.ip, {
      id: d.ip,
      kind: 'device',
      ip: d.ip,
      label: deviceLabel(d),
      deviceId: d.id,
      role: d.role,
      ...(d.vendor ? { vendor: d.vendor } : {}),
      atRisk: d.atRisk,
      scanned,
      flowOnly: !scanned,
      gateway: d.role === 'gateway',
      bytes: 0,
      flows: 0,
    });
  }

  const peers = new Map<string, Peer>();
  const internalEdges: EdgeTotals[] = [];
  const externalEdges: { e: EdgeTotals; device: string; peer: string }[] = [];
  const flowOnly = new Set<string>();
  for (const e of g.edges) {
    const ai = g.isInternal(e.a);
    const bi = g.isInternal(e.b);
    if (ai && bi) {
      internalEdges.push(e);
      flowOnly.add(e.a).add(e.b);
    } else if (ai || bi) {
      const device = ai ? e.a : e.b;
      const peer = ai ? e.b : e.a;
      externalEdges.push({ e, device, peer });
      flowOnly.add(device);
      let p = peers.get(peer);
      if (!p) peers.set(peer, (p = { ip: peer, bytes: 0, flows: 0, devices: new Set() }));
      p.bytes += e.bytes;
      p.flows += e.flows;
      p.devices.add(device);
    }
  }
  for (const ip of flowOnly) {
    if (nodes.has(ip)) continue;
    if (nodes.size >= GRAPH_LIMITS.maxDevices) {
      omittedDevices++;
      continue;
    }
    nodes.set(ip, { id: ip, kind: 'device', ip, label: ip, atRisk: false, scanned: g.scanned.has(ip), flowOnly: !g.scanned.has(ip), gateway: false, bytes: 0, flows: 0 });
  }

  const ranked = [...peers.values()].sort((a, b) => b.bytes - a.bytes || (a.ip < b.ip ? -1 : 1));
  const top = ranked.slice(0, maxExternal);
  const topExternal: ExternalPeer[] = [];
  for (const p of top) {
    const x = g.external(p.ip);
    const label = x?.rdns ?? x?.org ?? p.ip;
    const threat = { level: x?.level ?? ('unknown' as ThreatLevel), score: x?.score ?? 0 };
    topExternal.push({ ip: p.ip, label, bytes: p.bytes, flows: p.flows, devices: p.devices.size, threat, ...(x?.country ? { country: x.country } : {}), ...(x?.org ? { org: x.org } : {}) });
    nodes.set(p.ip, {
      id: p.ip,
      kind: 'external',
      ip: p.ip,
      label,
      atRisk: threat.level === 'high' || threat.level === 'medium',
      scanned: false,
      flowOnly: false,
      gateway: false,
      threat,
      ...(x?.country ? { country: x.country } : {}),
      ...(x?.org ? { org: x.org } : {}),
      bytes: 0,
      flows: 0,
    });
  }

  const candidates: GraphEdge[] = [];
  for (const e of internalEdges) {
    if (nodes.has(e.a) && nodes.has(e.b)) candidates.push({ source: e.a, target: e.b, kind: 'internal', bytes: e.bytes, flows: e.flows, lastSeenMs: e.lastSeenMs });
  }
  for (const { e, device, peer } of externalEdges) {
    if (nodes.has(device) && nodes.has(peer)) candidates.push({ source: device, target: peer, kind: 'external', bytes: e.bytes, flows: e.flows, lastSeenMs: e.lastSeenMs });
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
    omitted: { devices: omittedDevices, external: Math.max(0, ranked.length - top.length), edges: candidates.length - edges.length },
  };
}
