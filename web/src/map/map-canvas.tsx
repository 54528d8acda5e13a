/**
 * The network map canvas: d3-force layout drawn on a <canvas>, with zoom (wheel, pinch,
 * buttons, +/-), pan (drag, arrow keys), node dragging, hover tooltips and selection.
 * Rules:
 * - Live updates merge into the kept model (graph-model.ts): positions survive, and the
 *   simulation is only reheated gently when nodes or links were added or removed. The view
 *   (zoom/pan) is fitted automatically only until the user moves it.
 * - Only drawn (filtered) nodes are simulated; hidden ones keep their positions.
 * - The force layout runs in a worker when possible (layout.ts), so drawing, panning and
 *   zooming keep their frame rate while it works; frames are drawn on requestAnimationFrame
 *   only while something moves.
 * - prefers-reduced-motion: the layout is computed without animation.
 * - The canvas exposes what it drew as data attributes (data-nodes, data-edges,
 *   data-external, data-frames) for tests and assistive summaries; names are drawn with
 *   fillText, never as markup.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { GraphNode, GraphResponse } from '../api/types';
import { fit, pan, toWorld, zoomAt, type Camera } from './camera';
import { bounds, emptyModel, mergeGraph, visibleLinks, visibleNodes, type MapFilter, type SimLink, type SimNode } from './graph-model';
import { createLayout, type Layout } from './layout';
import { draw, readPalette, type Palette } from './render';

export interface MapCanvasProps {
  graph: GraphResponse | undefined;
  filter: MapFilter;
  selectedId: string | undefined;
  onSelect: (n: GraphNode | undefined) => void;
  /** Bumped by the parent to centre on the selected node. */
  focusSeq?: number;
}

const reducedMotion = () => window.matchMedia?.('(prefers-reduced-motion: reduce)').matches === true;

export function MapCanvas(props: MapCanvasProps) {
  const wrapRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const tipRef = useRef<HTMLDivElement>(null);
  const model = useRef(emptyModel());
  const vis = useRef<{ nodes: SimNode[]; links: SimLink[] }>({ nodes: [], links: [] });
  const cam = useRef<Camera>({ x: 0, y: 0, k: 1 });
  const size = useRef({ w: 0, h: 0, dpr: 1 });
  const palette = useRef<Palette | undefined>(undefined);
  const userMoved = useRef(false);
  const raf = useRef<number | undefined>(undefined);
  const frames = useRef(0);
  const hovered = useRef<SimNode | undefined>(undefined);
  const selected = useRef<SimNode | undefined>(undefined);
  const onSelect = useRef(props.onSelect);
  onSelect.current = props.onSelect;
  const [paused, setPaused] = useState(false);
  const pausedRef = useRef(false);
  const layoutRef = useRef<Layout | undefined>(undefined);

  const requestDraw = () => {
    if (raf.current !== undefined) return;
    raf.current = window.requestAnimationFrame(() => {
      raf.current = undefined;
      paint();
    });
  };

  const paint = () => {
    const cv = canvasRef.current;
    const ctx = cv?.getContext('2d');
    if (!cv || !ctx || size.current.w === 0) return;
    palette.current ??= readPalette(cv);
    // Until the user moves the view, it follows the layout: eased towards "fit" every frame.
    if (!userMoved.current && vis.current.nodes.length > 0) {
      const target = fit(bounds(vis.current.nodes), size.current.w, size.current.h);
      const c = cam.current;
      const t = 0.15;
      const next = { x: c.x + (target.x - c.x) * t, y: c.y + (target.y - c.y) * t, k: c.k + (target.k - c.k) * t };
      const settled = Math.abs(next.k - target.k) < 0.002 * target.k && Math.abs(next.x - target.x) < 0.5 && Math.abs(next.y - target.y) < 0.5;
      cam.current = settled ? target : next;
      if (!settled) requestDraw();
    }
    draw(ctx, {
      width: size.current.w,
      height: size.current.h,
      dpr: size.current.dpr,
      camera: cam.current,
      nodes: vis.current.nodes,
      links: vis.current.links,
      palette: palette.current,
      selected: selected.current,
      hovered: hovered.current,
    });
    frames.current++;
    cv.dataset.frames = String(frames.current);
    const mode = layoutRef.current?.mode;
    if (mode && cv.dataset.layout !== mode) cv.dataset.layout = mode;
  };

  const setCam = (c: Camera, byUser = true) => {
    cam.current = c;
    if (byUser) userMoved.current = true;
    requestDraw();
  };

  /** Fits now and follows the layout again until the user moves the view. */
  const fitNow = () => {
    userMoved.current = false;
    cam.current = fit(bounds(vis.current.nodes), size.current.w, size.current.h);
    requestDraw();
  };

  // The layout engine (a worker when possible), created once.
  useEffect(() => {
    const layout = createLayout(requestDraw);
    layoutRef.current = layout;
    if (canvasRef.current) canvasRef.current.dataset.layout = layout.mode;
    return () => {
      layout.destroy();
      if (raf.current !== undefined) window.cancelAnimationFrame(raf.current);
    };
  }, []);

  const relayout = (heat: number) => {
    const layout = layoutRef.current;
    if (!layout) return;
    const nodes = visibleNodes(model.current, props.filter);
    const links = visibleLinks(model.current, nodes);
    vis.current = { nodes, links };
    layout.set(nodes, links, pausedRef.current ? 0 : heat, reducedMotion());
    const cv = canvasRef.current;
    if (cv) {
      cv.dataset.nodes = String(nodes.length);
      cv.dataset.edges = String(links.length);
      cv.dataset.external = String(nodes.filter((n) => n.data.kind === 'external').length);
      cv.dataset.devices = String(nodes.filter((n) => n.data.kind === 'device').length);
    }
    if (selected.current && !nodes.includes(selected.current)) {
      selected.current = undefined;
      onSelect.current(undefined);
    }
    requestDraw();
  };

  // New data: merge, keep positions, reheat only on structural change.
  useEffect(() => {
    if (!props.graph) return;
    const first = model.current.nodes.size === 0;
    const { changed } = mergeGraph(model.current, props.graph, Date.now());
    if (selected.current) {
      const cur = model.current.nodes.get(selected.current.id);
      selected.current = cur?.present ? cur : undefined;
      if (selected.current) onSelect.current(selected.current.data);
    }
    relayout(first ? 1 : changed ? 0.3 : 0);
    if (first && !userMoved.current) cam.current = fit(bounds(vis.current.nodes), size.current.w, size.current.h);
  }, [props.graph]);

  // Filter change.
  useEffect(() => {
    if (model.current.nodes.size === 0) return;
    relayout(0.4);
  }, [props.filter]);

  // Selection from outside (side list, node table).
  useEffect(() => {
    const n = props.selectedId ? model.current.nodes.get(props.selectedId) : undefined;
    selected.current = n;
    requestDraw();
  }, [props.selectedId]);
  useEffect(() => {
    const n = selected.current;
    if (!props.focusSeq || !n || n.x === undefined || n.y === undefined) return;
    const k = Math.max(cam.current.k, 1.5);
    setCam({ k, x: size.current.w / 2 - n.x * k, y: size.current.h / 2 - (n.y ?? 0) * k });
  }, [props.focusSeq]);

  // Size and theme.
  useEffect(() => {
    const wrap = wrapRef.current;
    const cv = canvasRef.current;
    if (!wrap || !cv) return;
    const resize = () => {
      const dpr = Math.min(2, window.devicePixelRatio || 1);
      const w = wrap.clientWidth;
      const h = wrap.clientHeight;
      const old = size.current;
      if (old.w > 0 && !userMoved.current) cam.current = { ...cam.current, x: cam.current.x + (w - old.w) / 2, y: cam.current.y + (h - old.h) / 2 };
      size.current = { w, h, dpr };
      cv.width = Math.round(w * dpr);
      cv.height = Math.round(h * dpr);
      if (old.w === 0) cam.current = fit(bounds(vis.current.nodes), w, h);
      paint();
    };
    const ro = new ResizeObserver(resize);
    ro.observe(wrap);
    resize();
    const retheme = () => {
      palette.current = undefined;
      requestDraw();
    };
    window.addEventListener('homesec-theme', retheme);
    const mq = window.matchMedia?.('(prefers-color-scheme: dark)');
    mq?.addEventListener?.('change', retheme);
    return () => {
      ro.disconnect();
      window.removeEventListener('homesec-theme', retheme);
      mq?.removeEventListener?.('change', retheme);
    };
  }, []);

  // Pointer and wheel interaction.
  useEffect(() => {
    const cv = canvasRef.current;
    if (!cv) return;
    const pointers = new Map<number, { x: number; y: number }>();
    let mode: 'none' | 'pan' | 'drag' | 'pinch' = 'none';
    let dragNode: SimNode | undefined;
    let moved = 0;
    let pinchDist = 0;
    const local = (e: PointerEvent | WheelEvent | MouseEvent) => {
      const r = cv.getBoundingClientRect();
      return { x: e.clientX - r.left, y: e.clientY - r.top };
    };
    const hit = (sx: number, sy: number) => {
      const [wx, wy] = toWorld(cam.current, sx, sy);
      let best: SimNode | undefined;
      let bestD = Infinity;
      for (const n of vis.current.nodes) {
        const dx = (n.x ?? 0) - wx;
        const dy = (n.y ?? 0) - wy;
        const d = dx * dx + dy * dy;
        const reach = n.r + 4 / cam.current.k;
        if (d <= reach * reach && d < bestD) {
          best = n;
          bestD = d;
        }
      }
      return best;
    };
    const showTip = (n: SimNode | undefined, sx: number, sy: number) => {
      const tip = tipRef.current;
      if (!tip) return;
      if (!n) {
        tip.hidden = true;
        return;
      }
      const d = n.data;
      const lines = [
        d.label,
        d.label !== d.ip ? d.ip : '',
        d.kind === 'external' ? `external · threat ${d.threat?.level ?? 'unknown'}${d.country ? ` · ${d.country}` : ''}` : `${d.role ?? 'device'}${d.vendor ? ` · ${d.vendor}` : ''}`,
        [d.gateway && 'gateway', d.atRisk && 'AT RISK', d.kind === 'device' && (d.scanned ? 'scanned' : 'seen in flows only')].filter(Boolean).join(' · '),
      ].filter(Boolean);
      tip.textContent = lines.join('\n');
      tip.hidden = false;
      tip.style.transform = `translate(${Math.round(Math.min(sx + 14, size.current.w - 220))}px, ${Math.round(sy + 14)}px)`;
    };

    const down = (e: PointerEvent) => {
      cv.setPointerCapture(e.pointerId);
      const p = local(e);
      pointers.set(e.pointerId, p);
      moved = 0;
      if (pointers.size === 2) {
        const [a, b] = [...pointers.values()] as [{ x: number; y: number }, { x: number; y: number }];
        pinchDist = Math.hypot(a.x - b.x, a.y - b.y);
        mode = 'pinch';
        return;
      }
      const n = hit(p.x, p.y);
      if (n) {
        mode = 'drag';
        dragNode = n;
        layoutRef.current?.drag(n, { x: n.x ?? 0, y: n.y ?? 0 });
      } else mode = 'pan';
    };
    const move = (e: PointerEvent) => {
      const p = local(e);
      const prev = pointers.get(e.pointerId);
      if (!prev) {
        const n = hit(p.x, p.y);
        if (n !== hovered.current) {
          hovered.current = n;
          cv.style.cursor = n ? 'pointer' : 'grab';
          requestDraw();
        }
        showTip(n, p.x, p.y);
        return;
      }
      pointers.set(e.pointerId, p);
      moved += Math.abs(p.x - prev.x) + Math.abs(p.y - prev.y);
      if (mode === 'pinch' && pointers.size === 2) {
        const [a, b] = [...pointers.values()] as [{ x: number; y: number }, { x: number; y: number }];
        const dist = Math.hypot(a.x - b.x, a.y - b.y);
        if (pinchDist > 0) setCam(zoomAt(cam.current, (a.x + b.x) / 2, (a.y + b.y) / 2, dist / pinchDist));
        pinchDist = dist;
      } else if (mode === 'pan') setCam(pan(cam.current, p.x - prev.x, p.y - prev.y));
      else if (mode === 'drag' && dragNode) {
        const [wx, wy] = toWorld(cam.current, p.x, p.y);
        layoutRef.current?.drag(dragNode, { x: wx, y: wy });
        requestDraw();
      }
    };
    const up = (e: PointerEvent) => {
      pointers.delete(e.pointerId);
      if (mode === 'drag' && dragNode) {
        if (moved < 4) {
          selected.current = dragNode;
          onSelect.current(dragNode.data);
        }
        layoutRef.current?.drag(dragNode, undefined);
      } else if (mode === 'pan' && moved < 4) {
        selected.current = undefined;
        onSelect.current(undefined);
      }
      dragNode = undefined;
      mode = pointers.size > 0 ? mode : 'none';
      requestDraw();
    };
    const leave = () => {
      if (hovered.current) {
        hovered.current = undefined;
        requestDraw();
      }
      showTip(undefined, 0, 0);
    };
    const wheel = (e: WheelEvent) => {
      e.preventDefault();
      const p = local(e);
      setCam(zoomAt(cam.current, p.x, p.y, Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015))));
    };
    const dbl = (e: MouseEvent) => {
      const p = local(e);
      setCam(zoomAt(cam.current, p.x, p.y, 2));
    };
    cv.addEventListener('pointerdown', down);
    cv.addEventListener('pointermove', move);
    cv.addEventListener('pointerup', up);
    cv.addEventListener('pointercancel', up);
    cv.addEventListener('pointerleave', leave);
    cv.addEventListener('wheel', wheel, { passive: false });
    cv.addEventListener('dblclick', dbl);
    return () => {
      cv.removeEventListener('pointerdown', down);
      cv.removeEventListener('pointermove', move);
      cv.removeEventListener('pointerup', up);
      cv.removeEventListener('pointercancel', up);
      cv.removeEventListener('pointerleave', leave);
      cv.removeEventListener('wheel', wheel);
      cv.removeEventListener('dblclick', dbl);
    };
  }, []);

  const key = (e: KeyboardEvent) => {
    const step = 60;
    const c = cam.current;
    const mid = () => [size.current.w / 2, size.current.h / 2] as const;
    switch (e.key) {
      case 'ArrowLeft':
        setCam(pan(c, step, 0));
        break;
      case 'ArrowRight':
        setCam(pan(c, -step, 0));
        break;
      case 'ArrowUp':
        setCam(pan(c, 0, step));
        break;
      case 'ArrowDown':
        setCam(pan(c, 0, -step));
        break;
      case '+':
      case '=':
        setCam(zoomAt(c, ...mid(), 1.25));
        break;
      case '-':
      case '_':
        setCam(zoomAt(c, ...mid(), 0.8));
        break;
      case '0':
        fitNow();
        break;
      case 'Escape':
        selected.current = undefined;
        onSelect.current(undefined);
        requestDraw();
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  const togglePause = () => {
    const p = !pausedRef.current;
    pausedRef.current = p;
    setPaused(p);
    layoutRef.current?.pause(p);
  };

  const mid = () => [size.current.w / 2, size.current.h / 2] as const;
  return (
    <div class="map-stage">
      <div class="map-controls" role="toolbar" aria-label="Map view">
        <button type="button" class="icon-btn" onClick={() => setCam(zoomAt(cam.current, ...mid(), 1.25))} aria-label="Zoom in">
          +
        </button>
        <button type="button" class="icon-btn" onClick={() => setCam(zoomAt(cam.current, ...mid(), 0.8))} aria-label="Zoom out">
          −
        </button>
        <button type="button" class="icon-btn" onClick={fitNow} aria-label="Fit to view">
          ⤢
        </button>
        <button type="button" class="icon-btn" onClick={togglePause} aria-pressed={paused} aria-label={paused ? 'Resume layout' : 'Pause layout'}>
          {paused ? '▶' : '❚❚'}
        </button>
      </div>
      <div class="map-canvas-wrap" ref={wrapRef}>
        <canvas
          ref={canvasRef}
          class="map-canvas"
          tabIndex={0}
          role="img"
          aria-label={`Network map. Drag to pan, scroll or +/− to zoom, arrow keys to pan, 0 to fit. The node list below the map gives the same information as text.`}
          data-testid="map-canvas"
          onKeyDown={key}
        />
        <div class="map-tip" ref={tipRef} hidden aria-hidden="true" />
      </div>
    </div>
  );
}
