/**
 * Messages between the page and the layout worker (layout-worker.ts). Rules: numbers only,
 * packed in typed arrays that are transferred, never copied twice; every message about nodes
 * carries the generation of the node set it refers to, and answers of an older generation are
 * ignored (the order of nodes changes with each set).
 */

/** Per node in `set`: x, y, vx, vy, fx (NaN = free), fy, charge, pull. */
export const NODE_STRIDE = 8;
/** Per link in `set`: source index, target index, distance, strength. */
export const LINK_STRIDE = 4;
/** Per node in `positions`: x, y, vx, vy. */
export const POS_STRIDE = 4;

export type ToWorker =
  | { type: 'set'; gen: number; nodes: Float64Array; links: Float64Array; heat: number; settle: boolean }
  | { type: 'pin'; gen: number; index: number; x: number; y: number }
  | { type: 'unpin'; gen: number; index: number }
  | { type: 'pause'; paused: boolean }
  | { type: 'ack' };

export type FromWorker = { type: 'positions'; gen: number; pos: Float64Array; alpha: number; running: boolean };
