/**
 * Canvas drawing of the network map. Rules:
 * - One pass per frame, batched: all plain edges in one path, hot edges in another, nodes
 *   grouped by style (one fill/stroke call per group), so 1,000 nodes stay cheap.
 * - Styling: gateways are squares with a ring, devices with a scan result are filled, devices
 *   seen only in flows are hollow, at-risk devices get a red ring, external peers are
 *   coloured by threat level. Colours come from CSS custom properties (the theme).
 * - Labels are drawn with fillText (text, never markup): always for gateways, at-risk and
 *   selected/hovered nodes and their neighbours; for every node when zoomed in.
 */
import type { Camera } from './camera';
import type { SimLink, SimNode } from './graph-model';

export interface Palette {
  bg: string;
  edge: string;
  edgeExt: string;
  hot: string;
  device: string;
  gateway: string;
  risk: string;
  extUnknown: string;
  extClean: string;
  extLow: string;
  extMedium: string;
  extHigh: string;
  label: string;
  labelBg: string;
  select: string;
}

const VARS: Record<keyof Palette, string> = {
  bg: '--map-bg',
  edge: '--map-edge',
  edgeExt: '--map-edge-ext',
  hot: '--map-hot',
  device: '--map-device',
  gateway: '--map-gateway',
  risk: '--map-risk',
  extUnknown: '--map-ext-unknown',
  extClean: '--map-ext-clean',
  extLow: '--map-ext-low',
  extMedium: '--map-ext-medium',
  extHigh: '--map-ext-high',
  label: '--map-label',
  labelBg: '--map-label-bg',
  select: '--map-select',
};

export function readPalette(el: Element): Palette {
  const cs = getComputedStyle(el);
  const out = {} as Palette;
  for (const [k, v] of Object.entries(VARS) as [keyof Palette, string][]) out[k] = cs.getPropertyValue(v).trim() || '#888';
  return out;
}

export interface DrawState {
  width: number;
  height: number;
  dpr: number;
  camera: Camera;
  nodes: readonly SimNode[];
  links: readonly SimLink[];
  palette: Palette;
  selected?: SimNode | undefined;
  hovered?: SimNode | undefined;
}

function extColour(p: Palette, n: SimNode): string {
  switch (n.data.threat?.level) {
    case 'high':
      return p.extHigh;
    case 'medium':
      return p.extMedium;
    case 'low':
      return p.extLow;
    case 'clean':
      return p.extClean;
    default:
      return p.extUnknown;
  }
}

function circle(ctx: CanvasRenderingContext2D, n: SimNode, r: number): void {
  const x = n.x ?? 0;
  const y = n.y ?? 0;
  ctx.moveTo(x + r, y);
  ctx.arc(x, y, r, 0, Math.PI * 2);
}

function square(ctx: CanvasRenderingContext2D, n: SimNode, r: number): void {
  ctx.rect((n.x ?? 0) - r, (n.y ?? 0) - r, r * 2, r * 2);
}

export function draw(ctx: CanvasRenderingContext2D, s: DrawState): void {
  const { camera: c, dpr, palette: p } = s;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = p.bg;
  ctx.fillRect(0, 0, s.width, s.height);
  ctx.setTransform(dpr * c.k, 0, 0, dpr * c.k, dpr * c.x, dpr * c.y);
  const px = 1 / c.k;

  const focus = s.selected ?? s.hovered;
  const near = new Set<SimNode>();
  // Edges: plain internal, plain external, hot, focused.
  const groups: [string, number, (l: SimLink) => boolean][] = [
    [p.edge, 1, (l) => !l.hot && l.kind === 'internal'],
    [p.edgeExt, 1, (l) => !l.hot && l.kind === 'external'],
    [p.hot, 1.5, (l) => l.hot],
  ];
  ctx.globalAlpha = focus ? 0.35 : 0.8;
  for (const [colour, w, pick] of groups) {
    ctx.beginPath();
    for (const l of s.links) {
      if (!pick(l)) continue;
      ctx.moveTo(l.source.x ?? 0, l.source.y ?? 0);
      ctx.lineTo(l.target.x ?? 0, l.target.y ?? 0);
    }
    ctx.strokeStyle = colour;
    ctx.lineWidth = w * px;
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
  if (focus) {
    ctx.beginPath();
    for (const l of s.links) {
      if (l.source !== focus && l.target !== focus) continue;
      near.add(l.source).add(l.target);
      ctx.moveTo(l.source.x ?? 0, l.source.y ?? 0);
      ctx.lineTo(l.target.x ?? 0, l.target.y ?? 0);
    }
    ctx.strokeStyle = p.select;
    ctx.lineWidth = 2 * px;
    ctx.stroke();
  }

  // Nodes, grouped by style.
  const filled = new Map<string, SimNode[]>();
  const hollow: SimNode[] = [];
  const gateways: SimNode[] = [];
  const risky: SimNode[] = [];
  for (const n of s.nodes) {
    if (n.data.gateway) gateways.push(n);
    else if (n.data.kind === 'external') {
      const col = extColour(p, n);
      let g = filled.get(col);
      if (!g) filled.set(col, (g = []));
      g.push(n);
    } else if (n.data.flowOnly) hollow.push(n);
    else {
      let g = filled.get(p.device);
      if (!g) filled.set(p.device, (g = []));
      g.push(n);
    }
    if (n.data.atRisk) risky.push(n);
  }
  for (const [col, list] of filled) {
    ctx.beginPath();
    for (const n of list) circle(ctx, n, n.r);
    ctx.fillStyle = col;
    ctx.fill();
  }
  if (hollow.length > 0) {
    ctx.beginPath();
    for (const n of hollow) circle(ctx, n, n.r);
    ctx.fillStyle = p.bg;
    ctx.fill();
    ctx.strokeStyle = p.device;
    ctx.lineWidth = 2 * px;
    ctx.stroke();
  }
  if (gateways.length > 0) {
    ctx.beginPath();
    for (const n of gateways) square(ctx, n, n.r * 0.9);
    ctx.fillStyle = p.gateway;
    ctx.fill();
    ctx.beginPath();
    for (const n of gateways) square(ctx, n, n.r * 0.9 + 3 * px);
    ctx.strokeStyle = p.gateway;
    ctx.lineWidth = 1.5 * px;
    ctx.stroke();
  }
  if (risky.length > 0) {
    ctx.beginPath();
    for (const n of risky) circle(ctx, n, n.r + 3 * px);
    ctx.strokeStyle = p.risk;
    ctx.lineWidth = 3 * px;
    ctx.stroke();
  }
  for (const n of [s.hovered, s.selected]) {
    if (!n) continue;
    ctx.beginPath();
    circle(ctx, n, n.r + 6 * px);
    ctx.strokeStyle = p.select;
    ctx.lineWidth = 2.5 * px;
    ctx.stroke();
  }

  // Labels in screen space (constant size).
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.font = '12px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  const all = c.k >= 1.4 || s.nodes.length <= 40;
  let drawn = 0;
  for (const n of s.nodes) {
    const important = n.data.gateway || n.data.atRisk || n === s.selected || n === s.hovered || near.has(n) || n.data.threat?.level === 'high';
    if (!all && !important) continue;
    if (drawn++ > 400) break;
    const sx = (n.x ?? 0) * c.k + c.x;
    const sy = (n.y ?? 0) * c.k + c.y;
    if (sx < -100 || sy < -20 || sx > s.width + 20 || sy > s.height + 20) continue;
    const text = n.data.label.length > 32 ? `${n.data.label.slice(0, 31)}…` : n.data.label;
    const tx = sx + n.r * c.k + 4;
    const w = ctx.measureText(text).width;
    ctx.fillStyle = p.labelBg;
    ctx.fillRect(tx - 2, sy - 8, w + 4, 16);
    ctx.fillStyle = p.label;
    ctx.fillText(text, tx, sy);
  }
}
