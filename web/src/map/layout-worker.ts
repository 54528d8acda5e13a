/**
 * The layout worker: runs the force simulation off the page's main thread, so drawing,
 * panning and zooming keep their frame rate while a large graph lays itself out. Rules:
 * - It ticks on its own loop (~60 Hz) while the simulation is hot (alpha above alphaMin or
 *   a drag holding alphaTarget up) and not paused, and sleeps otherwise.
 * - One tick per painted frame: positions are sent after a tick, and the next tick waits for
 *   the page's acknowledgement, which it sends after painting them (back-pressure: a slow
 *   page slows the layout down instead of queueing positions or losing frames).
 * - `settle` (reduced motion) computes the whole layout at once and sends it once.
 * - It holds numbers only (positions, strengths); nothing from the network reaches it.
 */
import type { Simulation } from 'd3-force';
import { createForces, setGraph, ticksToSettle, type ForceLink, type ForceNode } from './forces';
import { LINK_STRIDE, NODE_STRIDE, POS_STRIDE, type FromWorker, type ToWorker } from './layout-protocol';

interface WNode extends ForceNode {
  fx?: number | null;
  fy?: number | null;
}
type WLink = ForceLink<WNode>;

const scope = self as unknown as { postMessage(m: FromWorker, transfer: Transferable[]): void; onmessage: ((e: MessageEvent<ToWorker>) => void) | null };
const sim: Simulation<WNode, WLink> = createForces<WNode, WLink>();
let nodes: WNode[] = [];
let gen = 0;
let paused = false;
let acked = true;
let pending = false;
let timer: ReturnType<typeof setTimeout> | undefined;
const FRAME_MS = 16;

const hot = () => !paused && (sim.alpha() >= sim.alphaMin() || sim.alphaTarget() > 0);

function send(): void {
  const pos = new Float64Array(nodes.length * POS_STRIDE);
  nodes.forEach((n, i) => {
    pos[i * POS_STRIDE] = n.x ?? 0;
    pos[i * POS_STRIDE + 1] = n.y ?? 0;
    pos[i * POS_STRIDE + 2] = n.vx ?? 0;
    pos[i * POS_STRIDE + 3] = n.vy ?? 0;
  });
  acked = false;
  pending = false;
  scope.postMessage({ type: 'positions', gen, pos, alpha: sim.alpha(), running: hot() }, [pos.buffer]);
}

/**
 * One step: tick once and send, but only after the page acknowledged the previous positions
 * (it acks after painting them), and no sooner than a frame after the previous tick. The
 * layout therefore advances at the page's frame rate and never starves its main thread.
 */
function loop(): void {
  timer = undefined;
  if (!acked) return; // the ack wakes the loop
  if (!hot()) {
    if (pending) send();
    return;
  }
  const t0 = performance.now();
  sim.tick();
  pending = true;
  send();
  timer = setTimeout(loop, Math.max(0, FRAME_MS - (performance.now() - t0)));
}

function wake(): void {
  if (timer === undefined) timer = setTimeout(loop, 0);
}

scope.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  switch (m.type) {
    case 'set': {
      gen = m.gen;
      const n = m.nodes.length / NODE_STRIDE;
      nodes = new Array<WNode>(n);
      for (let i = 0; i < n; i++) {
        const o = i * NODE_STRIDE;
        const fx = m.nodes[o + 4] as number;
        const fy = m.nodes[o + 5] as number;
        nodes[i] = { x: m.nodes[o], vx: m.nodes[o + 2], y: m.nodes[o + 1], vy: m.nodes[o + 3], fx: Number.isNaN(fx) ? null : fx, fy: Number.isNaN(fy) ? null : fy, charge: m.nodes[o + 6] as number, pull: m.nodes[o + 7] as number };
      }
      const links: WLink[] = [];
      for (let o = 0; o + LINK_STRIDE <= m.links.length; o += LINK_STRIDE) {
        const s = nodes[m.links[o] as number];
        const t = nodes[m.links[o + 1] as number];
        if (s && t) links.push({ source: s, target: t, distance: m.links[o + 2] as number, strength: m.links[o + 3] as number });
      }
      setGraph(sim, nodes, links);
      if (m.heat > 0) sim.alpha(Math.max(sim.alpha(), m.heat));
      if (m.settle) {
        sim.tick(ticksToSettle(sim.alpha()));
        sim.alpha(0);
        pending = true;
        acked = true;
        send();
        return;
      }
      pending = true;
      wake();
      return;
    }
    case 'pin':
    case 'unpin': {
      if (m.gen !== gen) return;
      const n = nodes[m.index];
      if (!n) return;
      if (m.type === 'pin') {
        n.fx = m.x;
        n.fy = m.y;
        sim.alphaTarget(0.2);
      } else {
        n.fx = null;
        n.fy = null;
        sim.alphaTarget(0);
      }
      wake();
      return;
    }
    case 'pause':
      paused = m.paused;
      if (!paused) {
        sim.alpha(Math.max(sim.alpha(), 0.1));
        wake();
      }
      return;
    case 'ack':
      acked = true;
      wake();
      return;
  }
};
