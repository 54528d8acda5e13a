/**
 * The map's view transform (pure): screen = world * k + (x, y). Rules: zoom is clamped to
 * [MIN_K, MAX_K]; zooming keeps the world point under the anchor fixed; fit centres the
 * given bounds with a margin.
 */
export const MIN_K = 0.05;
export const MAX_K = 8;

export interface Camera {
  x: number;
  y: number;
  k: number;
}

export function toWorld(c: Camera, sx: number, sy: number): [number, number] {
  return [(sx - c.x) / c.k, (sy - c.y) / c.k];
}

export function zoomAt(c: Camera, sx: number, sy: number, factor: number): Camera {
  const k = Math.min(MAX_K, Math.max(MIN_K, c.k * factor));
  const [wx, wy] = toWorld(c, sx, sy);
  return { k, x: sx - wx * k, y: sy - wy * k };
}

export function pan(c: Camera, dx: number, dy: number): Camera {
  return { ...c, x: c.x + dx, y: c.y + dy };
}

export function fit(b: { x0: number; y0: number; x1: number; y1: number } | undefined, width: number, height: number, margin = 30): Camera {
  if (!b || width <= 0 || height <= 0) return { x: width / 2, y: height / 2, k: 1 };
  const w = Math.max(1, b.x1 - b.x0);
  const h = Math.max(1, b.y1 - b.y0);
  const k = Math.min(MAX_K, Math.max(MIN_K, Math.min((width - 2 * margin) / w, (height - 2 * margin) / h, 2)));
  const cx = (b.x0 + b.x1) / 2;
  const cy = (b.y0 + b.y1) / 2;
  return { k, x: width / 2 - cx * k, y: height / 2 - cy * k };
}
