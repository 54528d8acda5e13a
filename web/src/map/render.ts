/**
 * Canvas drawing of the network map. Rules:
 * - One pass per frame in device pixels. Edges are batched (all plain internal edges in one
 *   path, external in another, hot ones in a third); edges whose both ends lie on the same
 *   side outside the view are skipped.
 * - Nodes are drawn from sprites: each look (colour, hollow or filled, gateway square, at-risk
 *   ring) at each on-screen size is rasterised once into a small canvas and then copied at
 *   whole-pixel positions. With software rasterisation (no GPU) copying is several times
 *   cheaper than filling and stroking a thousand arcs every frame. The sprite cache is
 *   bounded and dropped when the theme changes.
 * - Styling: gateways are squares with a ring, devices with a scan result are filled, devices
 *   seen only in flows are hollow, at-risk devices get a red ring, external peers are
 *   coloured by threat level. Colours come from CSS custom properties (the theme).
 * - Labels are drawn with fillText (text, never markup) once into a cached sprite per label
 *   and theme, then copied: always for gateways, at-risk and selected/hovered nodes and their
 *   neighbours; for every node when zoomed in (at most 300 a frame).
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

interface Look {
  fill: string;
  hollow: boolean;
  square: boolean;
  ring?: string | undefined;
}

function lookOf(p: Palette, n: SimNode): Look {
  if (n.data.gateway) return { fill: p.gateway, hollow: false, square: true, ring: n.data.atRisk ? p.risk : p.gateway };
  if (n.data.kind === 'external') return { fill: extColour(p, n), hollow: false, square: false, ring: n.data.atRisk ? p.risk : undefined };
  return { fill: p.device, hollow: n.data.flowOnly, square: false, ring: n.data.atRisk ? p.risk : undefined };
}

const MAX_SPRITES = 600;

/** Sprites of node looks by size (see module rules). */
export class SpriteCache {
  private readonly map = new Map<string, { img: HTMLCanvasElement; half: number }>();
  private palette: Palette | undefined;

  get(p: Palette, look: Look, rPx: number, dpr: number, bg: string): { img: HTMLCanvasElement; half: number } {
    if (p !== this.palette) {
      this.map.clear();
      this.palette = p;
    }
    const r = Math.max(1, Math.round(rPx * 2) / 2);
    const key = `${look.fill}|${look.hollow ? 1 : 0}|${look.square ? 1 : 0}|${look.ring ?? ''}|${r}`;
    let s = this.map.get(key);
    if (s) return s;
    if (this.map.size >= MAX_SPRITES) this.map.clear();
    const ringW = Math.max(1.5, 2.5 * dpr);
    const pad = (look.ring ? ringW * 2 + 2 * dpr : 0) + 2;
    const half = Math.ceil(r + pad);
    const img = document.createElement('canvas');
    img.width = img.height = half * 2;
    const g = img.getContext('2d');
    if (g) {
      g.translate(half, half);
      g.beginPath();
      if (look.square) g.rect(-r * 0.9, -r * 0.9, r * 1.8, r * 1.8);
      else g.arc(0, 0, r, 0, Math.PI * 2);
      if (look.hollow) {
        g.fillStyle = bg;
        g.fill();
        g.lineWidth = Math.max(1, 1.5 * dpr);
        g.strokeStyle = look.fill;
        g.stroke();
      } else {
        g.fillStyle = look.fill;
        g.fill();
      }
      if (look.ring) {
        g.beginPath();
        const rr = r + ringW / 2 + dpr;
        if (look.square) g.rect(-rr, -rr, rr * 2, rr * 2);
        else g.arc(0, 0, rr, 0, Math.PI * 2);
        g.lineWidth = look.square ? Math.max(1, 1.5 * dpr) : ringW;
        g.strokeStyle = look.ring;
        g.stroke();
      }
    }
    s = { img, half };
    this.map.set(key, s);
    return s;
  }
}

const MAX_LABELS = 2000;

/** Text sprites of node labels (see module rules): rendered once per label and theme. */
export class LabelCache {
  private readonly map = new Map<string, HTMLCanvasElement>();
  private palette: Palette | undefined;
  private dpr = 1;

  get(label: string, p: Palette, dpr: number): HTMLCanvasElement {
    if (p !== this.palette || dpr !== this.dpr) {
      this.map.clear();
      this.palette = p;
      this.dpr = dpr;
    }
    let img = this.map.get(label);
    if (img) return img;
    if (this.map.size >= MAX_LABELS) this.map.clear();
    const text = label.length > 32 ? `${label.slice(0, 31)}…` : label;
    img = document.createElement('canvas');
    const g = img.getContext('2d');
    const font = `${12 * dpr}px system-ui, sans-serif`;
    let w = 40;
    if (g) {
      g.font = font;
      w = Math.ceil(g.measureText(text).width);
    }
    img.width = w + Math.ceil(4 * dpr);
    img.height = Math.ceil(16 * dpr);
    const g2 = img.getContext('2d');
    if (g2) {
      g2.fillStyle = p.labelBg;
      g2.fillRect(0, 0, img.width, img.height);
      g2.font = font;
      g2.textBaseline = 'middle';
      g2.fillStyle = p.label;
      g2.fillText(text, 2 * dpr, img.height / 2);
    }
    this.map.set(label, img);
    return img;
  }
}

const defaultSprites = new SpriteCache();
const defaultLabels = new LabelCache();

export function draw(ctx: CanvasRenderingContext2D, s: DrawState, sprites: SpriteCache = defaultSprites, labels: LabelCache = defaultLabels): void {
  const { camera: c, dpr, palette: p } = s;
  const W = s.width * dpr;
  const H = s.height * dpr;
  const k = c.k * dpr;
  const ox = c.x * dpr;
  const oy = c.y * dpr;
  const sx = (n: SimNode) => (n.x ?? 0) * k + ox;
  const sy = (n: SimNode) => (n.y ?? 0) * k + oy;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.globalAlpha = 1;
  ctx.fillStyle = p.bg;
  ctx.fillRect(0, 0, W, H);

  const focus = s.selected ?? s.hovered;
  const near = new Set<SimNode>();
  const outside = (ax: number, ay: number, bx: number, by: number) => (ax < 0 && bx < 0) || (ay < 0 && by < 0) || (ax > W && bx > W) || (ay > H && by > H);
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
      const ax = sx(l.source);
      const ay = sy(l.source);
      const bx = sx(l.target);
      const by = sy(l.target);
      if (outside(ax, ay, bx, by)) continue;
      ctx.moveTo(ax, ay);
      ctx.lineTo(bx, by);
    }
    ctx.strokeStyle = colour;
    ctx.lineWidth = w * dpr;
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
  if (focus) {
    ctx.beginPath();
    for (const l of s.links) {
      if (l.source !== focus && l.target !== focus) continue;
      near.add(l.source).add(l.target);
      ctx.moveTo(sx(l.source), sy(l.source));
      ctx.lineTo(sx(l.target), sy(l.target));
    }
    ctx.strokeStyle = p.select;
    ctx.lineWidth = 2 * dpr;
    ctx.stroke();
  }

  // Nodes from sprites, at whole device pixels.
  for (const n of s.nodes) {
    const x = sx(n);
    const y = sy(n);
    const r = n.r * k;
    if (x < -r - 8 || y < -r - 8 || x > W + r + 8 || y > H + r + 8) continue;
    const sp = sprites.get(p, lookOf(p, n), r, dpr, p.bg);
    ctx.drawImage(sp.img, Math.round(x - sp.half), Math.round(y - sp.half));
  }
  for (const n of [s.hovered, s.selected]) {
    if (!n) continue;
    ctx.beginPath();
    ctx.arc(sx(n), sy(n), n.r * k + 6 * dpr, 0, Math.PI * 2);
    ctx.strokeStyle = p.select;
    ctx.lineWidth = 2.5 * dpr;
    ctx.stroke();
  }

  // Labels (constant size on screen), from cached text sprites.
  const all = c.k >= 1.4 || s.nodes.length <= 40;
  let drawn = 0;
  for (const n of s.nodes) {
    const important = n.data.gateway || n.data.atRisk || n === s.selected || n === s.hovered || near.has(n) || n.data.threat?.level === 'high';
    if (!all && !important) continue;
    const x = sx(n);
    const y = sy(n);
    if (x < -100 * dpr || y < -20 * dpr || x > W + 20 * dpr || y > H + 20 * dpr) continue;
    if (drawn++ > 300) break;
    const img = labels.get(n.data.label, p, dpr);
    ctx.drawImage(img, Math.round(x + n.r * k + 2 * dpr), Math.round(y - img.height / 2));
  }
}
