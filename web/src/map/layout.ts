/**
 * The map's layout engine as the canvas sees it: give it the drawn nodes and links, it moves
 * their x/y and calls `onMove`. Rules:
 * - Preferred: the force simulation runs in a module worker (layout-worker.ts), so the main
 *   thread only draws. If a worker cannot be created (old browser, policy), the same forces
 *   run on the main thread, ticked once per animation frame.
 * - The page owns the node objects; the engine only writes x, y, vx, vy (and honours a drag's
 *   fx/fy). Positions of an older node set are never applied to a newer one.
 * - Reduced motion (`settle`): the layout is computed at once, without animation.
 */
import { createForces, setGraph, ticksToSettle } from './forces';
import type { SimLink, SimNode } from './graph-model';
import { LINK_STRIDE, NODE_STRIDE, POS_STRIDE, type FromWorker, type ToWorker } from './layout-protocol';

export interface Layout {
  /** Replaces the simulated set; `heat` > 0 reheats the simulation to at least that alpha. */
  set(nodes: SimNode[], links: SimLink[], heat: number, settle: boolean): void;
  /** Pins a dragged node at (x, y); `undefined` releases it. */
  drag(n: SimNode, at: { x: number; y: number } | undefined): void;
  pause(paused: boolean): void;
  /** Whether it is still moving nodes (the page keeps drawing while so). */
  running(): boolean;
  /** Where the simulation runs now: 'worker', or 'main' (no worker, or it failed to load). */
  readonly mode: 'worker' | 'main';
  destroy(): void;
}

/** Per-node and per-link force parameters (what the worker needs to know of the graph). */
export function forceParams(n: SimNode): { charge: number; pull: number } {
  return { charge: n.data.gateway ? -400 : n.data.kind === 'external' ? -50 : -110, pull: n.data.kind === 'external' ? 0.02 : 0.05 };
}

export function linkParams(l: SimLink): { distance: number; strength: number } {
  return { distance: l.kind === 'external' ? 80 : 50, strength: 0.7 / Math.max(1, Math.min(l.source.degree, l.target.degree)) };
}

export function createLayout(onMove: () => void): Layout {
  try {
    const w = new Worker(new URL('./layout-worker.ts', import.meta.url), { type: 'module', name: 'homesec-map-layout' });
    return workerLayout(w, onMove);
  } catch {
    return mainLayout(onMove);
  }
}

function workerLayout(w: Worker, onMove: () => void): Layout {
  let gen = 0;
  let nodes: SimNode[] = [];
  let lastLinks: SimLink[] = [];
  let index = new Map<SimNode, number>();
  let moving = false;
  let fallback: Layout | undefined;
  const post = (m: ToWorker, transfer: Transferable[] = []) => w.postMessage(m, transfer);
  w.onmessage = (e: MessageEvent<FromWorker>) => {
    const m = e.data;
    if (m.type !== 'positions') return;
    if (m.gen === gen) {
      const n = Math.min(nodes.length, m.pos.length / POS_STRIDE);
      for (let i = 0; i < n; i++) {
        const d = nodes[i] as SimNode;
        const o = i * POS_STRIDE;
        d.x = m.pos[o];
        d.y = m.pos[o + 1];
        d.vx = m.pos[o + 2];
        d.vy = m.pos[o + 3];
      }
      moving = m.running;
      onMove();
    }
    // Acknowledged after the next frame (the page paints these positions first).
    requestAnimationFrame(() => post({ type: 'ack' }));
  };
  // A worker that fails to load (e.g. a proxy blocking the file) hands over to the main thread.
  w.onerror = (e) => {
    e.preventDefault?.();
    w.terminate();
    fallback = mainLayout(onMove);
    fallback.set(nodes, lastLinks, 1, false);
  };
  return {
    get mode() {
      return fallback ? 'main' : 'worker';
    },
    set(ns, links, heat, settle) {
      if (fallback) return fallback.set(ns, links, heat, settle);
      gen++;
      nodes = ns;
      lastLinks = links;
      index = new Map(ns.map((n, i) => [n, i]));
      const nb = new Float64Array(ns.length * NODE_STRIDE);
      ns.forEach((n, i) => {
        const o = i * NODE_STRIDE;
        const p = forceParams(n);
        nb[o] = n.x ?? 0;
        nb[o + 1] = n.y ?? 0;
        nb[o + 2] = n.vx ?? 0;
        nb[o + 3] = n.vy ?? 0;
        nb[o + 4] = n.fx ?? NaN;
        nb[o + 5] = n.fy ?? NaN;
        nb[o + 6] = p.charge;
        nb[o + 7] = p.pull;
      });
      const lb = new Float64Array(links.length * LINK_STRIDE);
      let k = 0;
      for (const l of links) {
        const s = index.get(l.source);
        const t = index.get(l.target);
        if (s === undefined || t === undefined) continue;
        const p = linkParams(l);
        lb[k++] = s;
        lb[k++] = t;
        lb[k++] = p.distance;
        lb[k++] = p.strength;
      }
      if (heat > 0) moving = true;
      post({ type: 'set', gen, nodes: nb, links: lb.subarray(0, k), heat, settle }, [nb.buffer]);
    },
    drag(n, at) {
      if (fallback) return fallback.drag(n, at);
      const i = index.get(n);
      if (at) {
        n.fx = n.x = at.x;
        n.fy = n.y = at.y;
      } else {
        n.fx = null;
        n.fy = null;
      }
      if (i === undefined) return;
      moving = true;
      post(at ? { type: 'pin', gen, index: i, x: at.x, y: at.y } : { type: 'unpin', gen, index: i });
    },
    pause(paused) {
      if (fallback) return fallback.pause(paused);
      post({ type: 'pause', paused });
    },
    running: () => (fallback ? fallback.running() : moving),
    destroy() {
      fallback?.destroy();
      w.terminate();
    },
  };
}

function mainLayout(onMove: () => void): Layout {
  interface MNode extends SimNode {
    charge: number;
    pull: number;
  }
  interface MLink extends SimLink {
    source: MNode;
    target: MNode;
    distance: number;
    strength: number;
  }
  const sim = createForces<MNode, MLink>();
  let paused = false;
  let raf: number | undefined;
  const hot = () => !paused && (sim.alpha() >= sim.alphaMin() || sim.alphaTarget() > 0);
  const frame = () => {
    raf = undefined;
    if (!hot()) return;
    sim.tick();
    onMove();
    raf = requestAnimationFrame(frame);
  };
  const wake = () => {
    if (raf === undefined && hot()) raf = requestAnimationFrame(frame);
  };
  return {
    mode: 'main',
    set(ns, links, heat, settle) {
      for (const n of ns) Object.assign(n, forceParams(n));
      for (const l of links) Object.assign(l, linkParams(l));
      setGraph(sim, ns as MNode[], links as MLink[]);
      if (heat > 0) sim.alpha(Math.max(sim.alpha(), heat));
      if (settle) {
        sim.tick(ticksToSettle(sim.alpha()));
        sim.alpha(0);
        onMove();
        return;
      }
      wake();
    },
    drag(n, at) {
      if (at) {
        n.fx = n.x = at.x;
        n.fy = n.y = at.y;
        sim.alphaTarget(0.2);
      } else {
        n.fx = null;
        n.fy = null;
        sim.alphaTarget(0);
      }
      wake();
    },
    pause(p) {
      paused = p;
      if (!p) sim.alpha(Math.max(sim.alpha(), 0.1));
      wake();
    },
    running: hot,
    destroy() {
      if (raf !== undefined) cancelAnimationFrame(raf);
      sim.stop();
    },
  };
}
