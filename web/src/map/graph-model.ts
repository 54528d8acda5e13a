/**
 * The network map's data model (pure; no DOM, so Node tests can import it). Rules:
 * - Node objects are kept by id across data refreshes: `mergeGraph` updates attributes in
 *   place and keeps x/y/vx/vy (and a pinned fx/fy), so a live update never resets the
 *   layout. New nodes start next to a neighbour that already has a position (or on a ring
 *   by kind), never at the origin pile-up.
 * - Nodes that left the data are kept (hidden) for `keepMs` so a short gap in traffic does
 *   not throw their position away; after that they are dropped.
 * - Filters pick what is drawn and simulated: all, scanned devices, flow-only devices, or
 *   external peers with the devices talking to them. Links are drawn only between drawn
 *   nodes.
 */
import type { SimulationLinkDatum, SimulationNodeDatum } from 'd3-force';
import type { GraphNode, GraphResponse } from '../../../src/api/contract.js';

export type MapFilter = 'all' | 'scanned' | 'flow' | 'external';

export interface SimNode extends SimulationNodeDatum {
  id: string;
  data: GraphNode;
  /** Drawn radius in world units. */
  r: number;
  /** Degree over all links of the last merge. */
  degree: number;
  /** When it was last present in the data (ms). */
  seenMs: number;
  present: boolean;
}

export interface SimLink extends SimulationLinkDatum<SimNode> {
  id: string;
  source: SimNode;
  target: SimNode;
  kind: 'internal' | 'external';
  bytes: number;
  flows: number;
  /** The external end is rated medium/high or the device end is at risk. */
  hot: boolean;
}

export interface GraphModel {
  nodes: Map<string, SimNode>;
  links: SimLink[];
}

export function emptyModel(): GraphModel {
  return { nodes: new Map(), links: [] };
}

/** Node radius: by kind, grown gently (log) with the bytes drawn for it. */
export function radiusOf(n: GraphNode): number {
  const base = n.gateway ? 11 : n.kind === 'external' ? 5 : 7;
  return base + Math.min(7, Math.log10(1 + Math.max(0, n.bytes)) * 0.8);
}

/** A small deterministic hash of a string (stable initial angles per id). */
function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0) / 4294967296;
}

/**
 * Merges a graph answer into the model (see module rules); returns whether the set of
 * nodes or links changed (the simulation then needs a gentle reheat), and the model.
 */
export function mergeGraph(model: GraphModel, g: Pick<GraphResponse, 'nodes' | 'edges'>, nowMs: number, keepMs = 10 * 60_000): { changed: boolean; added: number; removed: number } {
  let added = 0;
  let removed = 0;
  const present = new Set<string>();
  for (const d of g.nodes) {
    present.add(d.id);
    const old = model.nodes.get(d.id);
    if (old) {
      if (!old.present) added++;
      old.data = d;
      old.r = radiusOf(d);
      old.seenMs = nowMs;
      old.present = true;
    } else {
      model.nodes.set(d.id, { id: d.id, data: d, r: radiusOf(d), degree: 0, seenMs: nowMs, present: true });
      added++;
    }
  }
  for (const [id, n] of model.nodes) {
    if (present.has(id)) continue;
    if (n.present) {
      n.present = false;
      removed++;
    }
    if (nowMs - n.seenMs > keepMs) model.nodes.delete(id);
  }

  const oldLinks = new Set(model.links.map((l) => l.id));
  const links: SimLink[] = [];
  for (const n of model.nodes.values()) n.degree = 0;
  for (const e of g.edges) {
    const s = model.nodes.get(e.source);
    const t = model.nodes.get(e.target);
    if (!s || !t || s === t) continue;
    const ext = s.data.kind === 'external' ? s : t.data.kind === 'external' ? t : undefined;
    const dev = ext === s ? t : s;
    const threat = ext?.data.threat?.level;
    links.push({
      id: `${e.source}|${e.target}`,
      source: s,
      target: t,
      kind: e.kind,
      bytes: e.bytes,
      flows: e.flows,
      hot: threat === 'medium' || threat === 'high' || (ext !== undefined && dev.data.atRisk),
    });
    s.degree++;
    t.degree++;
  }
  const linkChanged = links.length !== oldLinks.size || links.some((l) => !oldLinks.has(l.id));
  model.links = links;
  placeNew(model);
  return { changed: added > 0 || removed > 0 || linkChanged, added, removed };
}

/** Gives unplaced nodes a start position next to a placed neighbour, else on a ring. */
function placeNew(model: GraphModel): void {
  const neighbour = new Map<string, SimNode>();
  for (const l of model.links) {
    if (l.source.x !== undefined && l.target.x === undefined) neighbour.set(l.target.id, l.source);
    if (l.target.x !== undefined && l.source.x === undefined) neighbour.set(l.source.id, l.target);
  }
  for (const n of model.nodes.values()) {
    if (n.x !== undefined && n.y !== undefined) continue;
    const a = hash(n.id) * Math.PI * 2;
    const nb = neighbour.get(n.id);
    if (nb && nb.x !== undefined && nb.y !== undefined) {
      n.x = nb.x + Math.cos(a) * 30;
      n.y = nb.y + Math.sin(a) * 30;
    } else {
      const ring = n.data.gateway ? 0 : n.data.kind === 'external' ? 320 : 140 + hash(`${n.id}#`) * 60;
      n.x = Math.cos(a) * ring;
      n.y = Math.sin(a) * ring;
    }
    n.vx = 0;
    n.vy = 0;
  }
}

/** Is the node drawn under this filter? (External: the peers and the devices that talk to them.) */
export function visibleNodes(model: GraphModel, filter: MapFilter): SimNode[] {
  const present = [...model.nodes.values()].filter((n) => n.present);
  switch (filter) {
    case 'all':
      return present;
    case 'scanned':
      return present.filter((n) => n.data.kind === 'device' && n.data.scanned);
    case 'flow':
      return present.filter((n) => n.data.kind === 'device' && n.data.flowOnly);
    case 'external': {
      const keep = new Set<SimNode>();
      for (const l of model.links) {
        if (l.kind !== 'external') continue;
        keep.add(l.source).add(l.target);
      }
      for (const n of present) if (n.data.kind === 'external') keep.add(n);
      return present.filter((n) => keep.has(n));
    }
  }
}

export function visibleLinks(model: GraphModel, nodes: readonly SimNode[]): SimLink[] {
  const set = new Set(nodes);
  return model.links.filter((l) => set.has(l.source) && set.has(l.target));
}

/** Bounds of the nodes (world units), for "fit to view". */
export function bounds(nodes: readonly SimNode[]): { x0: number; y0: number; x1: number; y1: number } | undefined {
  if (nodes.length === 0) return undefined;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const n of nodes) {
    const x = n.x ?? 0;
    const y = n.y ?? 0;
    x0 = Math.min(x0, x - n.r);
    y0 = Math.min(y0, y - n.r);
    x1 = Math.max(x1, x + n.r);
    y1 = Math.max(y1, y + n.r);
  }
  return { x0, y0, x1, y1 };
}
