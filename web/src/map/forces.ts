/**
 * The map's force set, shared by the layout worker and the main-thread fallback so both lay
 * out the same way. Rules: per-node and per-link parameters are plain numbers on the data
 * (computed by the page: `forceParams`), so the worker needs no knowledge of the graph's
 * meaning; the simulation never runs its own timer (the caller ticks it).
 */
import { forceLink, forceManyBody, forceSimulation, forceX, forceY, type Simulation, type SimulationLinkDatum, type SimulationNodeDatum } from 'd3-force';

export interface ForceNode extends SimulationNodeDatum {
  /** Many-body strength (negative: repulsion). */
  charge: number;
  /** Strength of the pull towards the centre. */
  pull: number;
}

export interface ForceLink<N extends ForceNode> extends SimulationLinkDatum<N> {
  source: N;
  target: N;
  distance: number;
  strength: number;
}

export const ALPHA_DECAY = 0.025;
export const VELOCITY_DECAY = 0.35;

/** A stopped simulation with the map's forces. */
export function createForces<N extends ForceNode, L extends ForceLink<N>>(): Simulation<N, L> {
  return forceSimulation<N, L>([])
    .force('charge', forceManyBody<N>().strength((n) => n.charge).theta(0.9).distanceMax(500))
    .force(
      'link',
      forceLink<N, L>([])
        .distance((l) => l.distance)
        .strength((l) => l.strength),
    )
    .force('x', forceX<N>(0).strength((n) => n.pull))
    .force('y', forceY<N>(0).strength((n) => n.pull))
    .alphaDecay(ALPHA_DECAY)
    .velocityDecay(VELOCITY_DECAY)
    .stop();
}

/** Sets the nodes and links of a simulation (links hold node objects). */
export function setGraph<N extends ForceNode, L extends ForceLink<N>>(sim: Simulation<N, L>, nodes: N[], links: L[]): void {
  sim.nodes(nodes);
  (sim.force('link') as ReturnType<typeof forceLink<N, L>> | undefined)?.links(links);
}

/** Ticks to cool from alpha down to alphaMin (reduced-motion layouts run these at once), at most 300. */
export function ticksToSettle(alpha: number, alphaMin = 0.001): number {
  return Math.max(0, Math.min(300, Math.ceil(Math.log(alphaMin / Math.max(alpha, alphaMin)) / Math.log(1 - ALPHA_DECAY))));
}
