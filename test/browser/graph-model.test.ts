/**
 * The network map's model without a browser: live updates keep every node's position and
 * velocity (the layout is never reset), new nodes start next to a placed neighbour,
 * nodes that left stay hidden for a while and are dropped later, and the filters pick
 * the nodes the reference's toggles name.
 */
import { describe, expect, it } from 'vitest';
import type { GraphEdge, GraphNode } from '../../src/api/contract.js';
import { bounds, emptyModel, mergeGraph, visibleLinks, visibleNodes } from '../../web/src/map/graph-model.js';
import { fit, toWorld, zoomAt } from '../../web/src/map/camera.js';

const dev = (ip: string, over: Partial<GraphNode> = {}): GraphNode => ({ id: ip, kind: 'device', ip, label: ip, atRisk: false, scanned: true, flowOnly: false, gateway: false, bytes: 1000, flows: 1, ...over });
const ext = (ip: string, level: 'unknown' | 'high' = 'unknown'): GraphNode => ({ id: ip, kind: 'external', ip, label: ip, atRisk: false, scanned: false, flowOnly: false, gateway: false, threat: { level, score: level === 'high' ? 90 : 0 }, bytes: 5000, flows: 2 });
const edge = (source: string, target: string, kind: 'internal' | 'external' = 'internal'): GraphEdge => ({ source, target, kind, bytes: 100, flows: 1, lastSeenMs: 0 });

const base = () => ({
  nodes: [dev('192.168.1.1', { gateway: true }), dev('192.168.1.2'), dev('192.168.1.3', { scanned: false, flowOnly: true }), ext('203.0.113.9', 'high'), ext('203.0.113.10')],
  edges: [edge('192.168.1.1', '192.168.1.2'), edge('192.168.1.3', '192.168.1.1'), edge('192.168.1.2', '203.0.113.9', 'external')],
});

describe('network map model', () => {
  it('keeps node objects, positions and velocities across a refresh, and reports structural change only', () => {
    const m = emptyModel();
    const first = mergeGraph(m, base(), 1000);
    expect(first).toMatchObject({ changed: true, added: 5 });
    const a = m.nodes.get('192.168.1.2');
    if (!a) throw new Error('missing node');
    a.x = 123.5;
    a.y = -42;
    a.vx = 3;
    a.vy = -1;
    a.fx = 120; // pinned by a drag
    const g = base();
    (g.nodes[1] as GraphNode).bytes = 99_999; // attributes change, structure does not
    const again = mergeGraph(m, g, 2000);
    expect(again.changed).toBe(false);
    const b = m.nodes.get('192.168.1.2');
    expect(b).toBe(a);
    expect(b).toMatchObject({ x: 123.5, y: -42, vx: 3, vy: -1, fx: 120 });
    expect(b?.data.bytes).toBe(99_999);
    // Links point at the same node objects the simulation holds.
    expect(m.links.find((l) => l.id === '192.168.1.1|192.168.1.2')?.target).toBe(a);
  });

  it('places a new node next to its placed neighbour, not at the origin', () => {
    const m = emptyModel();
    mergeGraph(m, base(), 0);
    const gw = m.nodes.get('192.168.1.1');
    if (!gw) throw new Error('missing node');
    gw.x = 500;
    gw.y = 500;
    const g = base();
    g.nodes.push(dev('192.168.1.77'));
    g.edges.push(edge('192.168.1.77', '192.168.1.1'));
    expect(mergeGraph(m, g, 10).changed).toBe(true);
    const n = m.nodes.get('192.168.1.77');
    expect(Math.hypot((n?.x ?? 0) - 500, (n?.y ?? 0) - 500)).toBeCloseTo(30, 5);
  });

  it('hides nodes that left the data, keeps their position for a while, then drops them', () => {
    const m = emptyModel();
    mergeGraph(m, base(), 0);
    const gone = m.nodes.get('203.0.113.10');
    if (!gone) throw new Error('missing node');
    gone.x = 77;
    const g = base();
    g.nodes = g.nodes.filter((n) => n.id !== '203.0.113.10');
    expect(mergeGraph(m, g, 1000, 60_000)).toMatchObject({ changed: true, removed: 1 });
    expect(visibleNodes(m, 'all').map((n) => n.id)).not.toContain('203.0.113.10');
    expect(m.nodes.get('203.0.113.10')?.x).toBe(77);
    mergeGraph(m, base(), 2000, 60_000); // back: same object, same place
    expect(m.nodes.get('203.0.113.10')).toBe(gone);
    mergeGraph(m, g, 3000, 60_000);
    mergeGraph(m, g, 70_000, 60_000);
    expect(m.nodes.has('203.0.113.10')).toBe(false);
  });

  it('filters: all, scanned devices, flow-only devices, external peers with the devices talking to them', () => {
    const m = emptyModel();
    mergeGraph(m, base(), 0);
    const ids = (f: Parameters<typeof visibleNodes>[1]) => visibleNodes(m, f).map((n) => n.id).sort();
    expect(ids('all')).toHaveLength(5);
    expect(ids('scanned')).toEqual(['192.168.1.1', '192.168.1.2']);
    expect(ids('flow')).toEqual(['192.168.1.3']);
    expect(ids('external')).toEqual(['192.168.1.2', '203.0.113.10', '203.0.113.9']);
    // Links only between drawn nodes; the link to a high-rated peer is "hot".
    const links = visibleLinks(m, visibleNodes(m, 'external'));
    expect(links.map((l) => l.id)).toEqual(['192.168.1.2|203.0.113.9']);
    expect(links[0]?.hot).toBe(true);
  });

  it('camera: zoom keeps the point under the cursor, fit frames the bounds', () => {
    const c = zoomAt({ x: 10, y: 20, k: 1 }, 300, 200, 2);
    const before = toWorld({ x: 10, y: 20, k: 1 }, 300, 200);
    const after = toWorld(c, 300, 200);
    expect(after[0]).toBeCloseTo(before[0], 9);
    expect(after[1]).toBeCloseTo(before[1], 9);
    const m = emptyModel();
    mergeGraph(m, base(), 0);
    const b = bounds(visibleNodes(m, 'all'));
    const f = fit(b, 800, 600);
    if (!b) throw new Error('no bounds');
    const [x0, y0] = [b.x0 * f.k + f.x, b.y0 * f.k + f.y];
    const [x1, y1] = [b.x1 * f.k + f.x, b.y1 * f.k + f.y];
    expect(Math.min(x0, y0)).toBeGreaterThanOrEqual(29.9);
    expect(x1).toBeLessThanOrEqual(770.1);
    expect(y1).toBeLessThanOrEqual(570.1);
  });
});
