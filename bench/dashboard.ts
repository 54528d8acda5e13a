/**
 * Dashboard benchmark (issue 5): the network map's frame rate in Chromium with 1,000 nodes,
 * and the size of the built bundle. Goal: >= 30 fps.
 *
 * How: web/ is built (Vite), the real daemon runs in-process (createApp: scanner, intel and
 * NVD off, loopback only) and serves it; Debian's Chromium (playwright-core, headless, no
 * GPU) logs in through the form. The map's graph answer is replaced (page.route) by a fixed
 * synthetic network of 1,000 nodes — 1 gateway, 849 devices (5 % at risk, a third seen in
 * flows only) and 150 external peers with mixed threat ratings — and about 2,400 edges, so the
 * figure is the page's drawing and layout cost, not the store's. Frames are counted with
 * requestAnimationFrame in the page over a bounded window: (a) while the force simulation
 * lays out the new graph, (b) while the user pans by dragging (pointer moves every 16 ms)
 * with the simulation reheated, (c) panning over the settled layout. Each window is
 * `seconds` long; everything is bounded in time. BENCH_ONLY=dashboard runs only this.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import { setPassword } from '../src/api/auth/password.js';
import type { GraphEdge, GraphNode, GraphResponse } from '../src/api/contract.js';
import { createApp, type App } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';
import { createSilentLogger } from '../src/core/logger.js';
import { mulberry32, randInt } from '../src/flow/encode/random-records.js';
import { freeTcpPort, freeUdpPort, ROOT } from '../test/support/daemon.js';

export const MAP_NODES = 1000;
const PASSWORD = 'bench password';

/** A deterministic 1,000-node graph in the API's shape. */
export function syntheticGraph(nodes = MAP_NODES, externals = 150): GraphResponse {
  const rng = mulberry32(42);
  const out: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const devices = nodes - externals;
  const levels = ['unknown', 'unknown', 'unknown', 'clean', 'low', 'medium', 'high'] as const;
  for (let i = 0; i < devices; i++) {
    const ip = `10.${Math.floor(i / 250)}.${i % 250}.${(i % 7) + 1}`;
    const flowOnly = i > 0 && i % 3 === 0;
    out.push({ id: ip, kind: 'device', ip, label: i === 0 ? 'gateway' : `device-${i}`, role: i === 0 ? 'gateway' : 'unknown', atRisk: i % 20 === 7, scanned: !flowOnly, flowOnly, gateway: i === 0, bytes: randInt(rng, 1000, 50_000_000), flows: randInt(rng, 1, 5000) });
  }
  for (let i = 0; i < externals; i++) {
    const ip = `203.0.${Math.floor(i / 200)}.${(i % 200) + 1}`;
    const level = levels[randInt(rng, 0, levels.length - 1)] ?? 'unknown';
    out.push({ id: ip, kind: 'external', ip, label: `peer-${i}.example`, atRisk: false, scanned: false, flowOnly: false, gateway: false, threat: { level, score: level === 'high' ? 90 : level === 'medium' ? 60 : 0 }, bytes: randInt(rng, 1000, 90_000_000), flows: randInt(rng, 1, 3000) });
  }
  const gw = out[0] as GraphNode;
  const seen = new Set<string>();
  const add = (a: string, b: string, kind: 'internal' | 'external') => {
    const id = a < b ? `${a}|${b}` : `${b}|${a}`;
    if (a === b || seen.has(id)) return;
    seen.add(id);
    edges.push({ source: a, target: b, kind, bytes: randInt(rng, 100, 10_000_000), flows: randInt(rng, 1, 500), lastSeenMs: Date.now() });
  };
  for (let i = 1; i < devices; i++) {
    const d = out[i] as GraphNode;
    add(d.id, gw.id, 'internal');
    for (let k = randInt(rng, 1, 2); k > 0; k--) add(d.id, (out[devices + randInt(rng, 0, externals - 1)] as GraphNode).id, 'external');
    if (i % 4 === 0) add(d.id, (out[randInt(rng, 1, devices - 1)] as GraphNode).id, 'internal');
  }
  const topExternal = out
    .filter((n) => n.kind === 'external')
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 50)
    .map((n) => ({ ip: n.ip, label: n.label, bytes: n.bytes, flows: n.flows, devices: 3, threat: n.threat ?? { level: 'unknown', score: 0 } }));
  return { generatedMs: Date.now(), windowMinutes: 60, nodes: out, edges, topExternal, omitted: { devices: 0, external: 0, edges: 0 } };
}

interface FrameStats {
  fps: number;
  p95Ms: number;
  maxMs: number;
  frames: number;
  /** Map repaints per second in the same window (data-frames of the canvas). */
  paints?: number;
}

/** measureFrames plus the canvas's own repaint count over the same window. */
async function measureMap(page: Page, ms: number, during?: Promise<void>): Promise<FrameStats> {
  const canvas = page.getByTestId('map-canvas');
  const before = Number(await canvas.getAttribute('data-frames'));
  const [s] = await Promise.all([measureFrames(page, ms), during]);
  const after = Number(await canvas.getAttribute('data-frames'));
  return { ...s, paints: ((after - before) * 1000) / ms };
}

/** Counts requestAnimationFrame callbacks in the page for `ms` (string script: no DOM types here). */
function measureFrames(page: Page, ms: number): Promise<FrameStats> {
  return page.evaluate(`new Promise((resolve) => {
    const deltas = [];
    let last = performance.now();
    const t0 = last;
    const tick = (t) => {
      deltas.push(t - last);
      last = t;
      if (t - t0 < ${ms}) requestAnimationFrame(tick);
      else {
        deltas.sort((a, b) => a - b);
        resolve({ fps: (deltas.length * 1000) / (t - t0), p95Ms: deltas[Math.floor(deltas.length * 0.95)] || 0, maxMs: deltas[deltas.length - 1] || 0, frames: deltas.length });
      }
    };
    requestAnimationFrame(tick);
  })`) as Promise<FrameStats>;
}

/** Drags across the canvas (pointer moves every ~16 ms) until `ms` passed. */
async function pan(page: Page, ms: number): Promise<void> {
  const box = await page.getByTestId('map-canvas').boundingBox();
  if (!box) throw new Error('no map canvas');
  const end = Date.now() + ms;
  let step = 0;
  // Drag in a small circle around a point near the top-left corner (empty canvas: a drag that
  // starts on a node moves the node), so the graph stays in view while it moves.
  const x0 = box.x + 60;
  const y0 = box.y + 60;
  await page.mouse.move(x0 + 40, y0);
  await page.mouse.down();
  while (Date.now() < end) {
    step++;
    const a = step / 8;
    await page.mouse.move(x0 + Math.cos(a) * 40, y0 + Math.sin(a) * 40);
    await new Promise((r) => setTimeout(r, 16));
  }
  await page.mouse.up();
}

function bundleSizes(): { file: string; raw: number; gzip: number }[] {
  const dir = path.join(ROOT, 'web', 'dist', 'assets');
  return fs
    .readdirSync(dir)
    .filter((f) => /\.(js|css)$/.test(f))
    .map((f) => {
      const body = fs.readFileSync(path.join(dir, f));
      return { file: f, raw: body.length, gzip: zlib.gzipSync(body, { level: 9 }).length };
    })
    .sort((a, b) => a.file.localeCompare(b.file));
}

export async function printDashboardBench(quick: boolean): Promise<void> {
  const seconds = quick ? 2 : 5;
  const { build } = await import('vite');
  await build({ configFile: path.join(ROOT, 'web', 'vite.config.ts'), logLevel: 'warn' });
  const sizes = bundleSizes();
  console.log('\n## Dashboard bundle (web/dist/assets, gzip -9)\n');
  console.log('| file | raw | gzip |');
  console.log('|---|---:|---:|');
  for (const s of sizes) console.log(`| ${s.file.replace(/-[A-Za-z0-9_-]{8}\./, '-<hash>.')} | ${(s.raw / 1024).toFixed(1)} KiB | ${(s.gzip / 1024).toFixed(1)} KiB |`);
  const total = sizes.reduce((a, s) => ({ raw: a.raw + s.raw, gzip: a.gzip + s.gzip }), { raw: 0, gzip: 0 });
  console.log(`| total | ${(total.raw / 1024).toFixed(1)} KiB | ${(total.gzip / 1024).toFixed(1)} KiB |`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-bench-web-'));
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-bench-chromium-'));
  let app: App | undefined;
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    viewport: { width: 1280, height: 900 },
    timeout: 30_000,
  });
  try {
    const config = configSchema.parse({
      data_dir: dir,
      bind_host: '127.0.0.1',
      bind_port: await freeUdpPort(),
      web_port: await freeTcpPort(),
      enable_scanner: false,
      enable_threat_intel: false,
      enable_nvd: false,
      inventory_neighbours: false,
      inventory_resolve_names: false,
      log_level: 'error',
    });
    app = createApp(config, { log: createSilentLogger() });
    await app.start();
    await setPassword(app.store.db, PASSWORD, Date.now());
    if (!app.api?.url) throw new Error('API not listening');
    const url = new URL('/', app.api.url).href;
    const graph = JSON.stringify(syntheticGraph());
    const page = context.pages()[0] ?? (await context.newPage());
    await page.route('**/api/graph*', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: graph }));
    await page.goto(url);
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.getByTestId('view-overview').waitFor({ timeout: 20_000 });
    await page.goto(`${url}#/map`);
    const canvas = page.getByTestId('map-canvas');
    for (const end = Date.now() + 20_000; (await canvas.getAttribute('data-nodes')) !== String(MAP_NODES); ) {
      if (Date.now() > end) throw new Error(`the map did not draw ${MAP_NODES} nodes`);
      await page.waitForTimeout(50);
    }
    const layout = await measureMap(page, seconds * 1000);
    const layoutMode = await page.getByTestId('map-canvas').getAttribute('data-layout');
    // Reheat (filter round trip) and pan while the simulation runs.
    await page.getByTestId('map-filter').getByRole('button', { name: 'External', exact: true }).click();
    await page.getByTestId('map-filter').getByRole('button', { name: 'All', exact: true }).click();
    const panHot = await measureMap(page, seconds * 1000, pan(page, seconds * 1000));
    // Let the layout settle (bounded), then pan again.
    await page.waitForTimeout(quick ? 2000 : 6000);
    const panCold = await measureMap(page, seconds * 1000, pan(page, seconds * 1000));
    const frames = await page.getByTestId('map-canvas').getAttribute('data-frames');
    const edges = await page.getByTestId('map-canvas').getAttribute('data-edges');
    console.log(`\n## Network map in Chromium (${MAP_NODES} nodes, ${edges} edges; layout in the ${layoutMode === 'worker' ? 'worker' : 'main thread'}; headless, no GPU; ${seconds} s per row; load average ${os.loadavg()[0]?.toFixed(1)} on ${os.cpus().length} cores; ${frames} map frames drawn in all)\n`);
    console.log('| phase | fps (requestAnimationFrame) | map repaints/s | p95 frame | worst frame |');
    console.log('|---|---:|---:|---:|---:|');
    const row = (name: string, s: FrameStats) => console.log(`| ${name} | ${s.fps.toFixed(1)} | ${(s.paints ?? 0).toFixed(1)} | ${s.p95Ms.toFixed(1)} ms | ${s.maxMs.toFixed(1)} ms |`);
    row('layout running (new graph)', layout);
    row('panning, layout reheated', panHot);
    row('panning, layout settled', panCold);
  } finally {
    await context.close().catch(() => {});
    await app?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(profile, { recursive: true, force: true });
  }
}
