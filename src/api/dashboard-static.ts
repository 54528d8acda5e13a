/**
 * Serves the built dashboard (web/dist: index.html + assets/) at `/` and at
 * `/api/homesec/panel/` (the reference's fallback URL). Rules:
 * - Only files found by walking the dist folder (regular files, no symlinks, at most
 *   MAX_FILES and MAX_BYTES in all) can be served: a request is looked up in that list,
 *   never joined onto a path, so `..`, encoded dots, backslashes and NUL cannot reach
 *   anything else; such requests are refused with 400 anyway.
 * - Works under any prefix (Home Assistant ingress strips its own; relative asset URLs):
 *   a path that names a file is served; a path ending in `assets/<file>` below a client-side
 *   route serves that asset; any other extension-less path is a client-side route and gets
 *   index.html; a missing file with an extension is 404.
 * - Cache: files under assets/ (content-hashed names) are immutable for a year; everything
 *   else (index.html) is `no-cache`. Content types by extension; nosniff comes from helmet.
 * - Static files hold no data and need no login; `/api/*` stays the API (unknown routes 404
 *   as JSON). The folder is re-read when index.html changes (checked at most every 2 s).
 * - Without a build, `/` answers 503 with a one-line text telling to run `npm run build`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const PANEL_PREFIX = '/api/homesec/panel';
export const MAX_FILES = 2000;
export const MAX_BYTES = 64 * 1024 * 1024;
const RECHECK_MS = 2000;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

interface StaticFile {
  body: Buffer;
  type: string;
  immutable: boolean;
}

/** The project's web/dist: found from this module's folder upwards (src/api or dist/src/api). */
export function defaultDistDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'web', 'dist');
    dir = path.dirname(dir);
  }
  return path.resolve('web', 'dist');
}

/** Regular files under root by relative "/"-separated path (see module rules for the caps). */
export function readDist(root: string): Map<string, StaticFile> | undefined {
  const files = new Map<string, StaticFile>();
  let total = 0;
  const walk = (dir: string, rel: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (files.size >= MAX_FILES) return;
      const r = rel ? `${rel}/${e.name}` : e.name;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full, r);
      else if (e.isFile()) {
        const body = fs.readFileSync(full);
        if (total + body.length > MAX_BYTES) continue;
        total += body.length;
        const ext = path.extname(e.name).toLowerCase();
        files.set(r, { body, type: TYPES[ext] ?? 'application/octet-stream', immutable: r.startsWith('assets/') });
      }
    }
  };
  if (!fs.existsSync(path.join(root, 'index.html'))) return undefined;
  walk(root, '');
  return files;
}

/** The path below the mount as a list of safe segments, or undefined when it must be refused. */
export function safeSegments(rawPath: string): string[] | undefined {
  if (rawPath.includes('\\') || rawPath.includes('\0') || /%(00|5c|2f)/i.test(rawPath)) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\\') || decoded.includes('\0')) return undefined;
  const segs = decoded.split('/').filter((s) => s !== '');
  if (segs.some((s) => s === '.' || s === '..' || s.startsWith('.'))) return undefined;
  return segs;
}

export interface DashboardStatic {
  routes(app: FastifyInstance): void;
}

/** Creates the static handler over distDir (read lazily). */
export function createDashboardStatic(options: { distDir?: string; now?: () => number } = {}): DashboardStatic {
  const root = options.distDir ?? defaultDistDir();
  const now = options.now ?? (() => Date.now());
  let files: Map<string, StaticFile> | undefined;
  let indexMtime = -1;
  let checkedMs = -Infinity;

  const current = (): Map<string, StaticFile> | undefined => {
    const t = now();
    if (t - checkedMs < RECHECK_MS) return files;
    checkedMs = t;
    let m = -1;
    try {
      m = fs.statSync(path.join(root, 'index.html')).mtimeMs;
    } catch {
      files = undefined;
      indexMtime = -1;
      return undefined;
    }
    if (m !== indexMtime || !files) {
      files = readDist(root);
      indexMtime = m;
    }
    return files;
  };

  const send = (reply: FastifyReply, f: StaticFile) =>
    reply
      .header('content-type', f.type)
      .header('cache-control', f.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .send(f.body);

  const serve = (reply: FastifyReply, below: string) => {
    const segs = safeSegments(below);
    if (!segs) return reply.code(400).type('text/plain; charset=utf-8').send('bad path');
    const dist = current();
    if (!dist) {
      return reply
        .code(503)
        .header('cache-control', 'no-store')
        .type('text/plain; charset=utf-8')
        .send('The homesec dashboard is not built yet: run `npm run build` (it builds web/dist), then reload this page. The API is up (/health).');
    }
    const rel = segs.join('/');
    const exact = rel === '' ? undefined : dist.get(rel);
    if (exact) return send(reply, exact);
    const a = segs.lastIndexOf('assets');
    if (a >= 0 && a < segs.length - 1) {
      const asset = dist.get(segs.slice(a).join('/'));
      if (asset) return send(reply, asset);
    }
    const last = segs[segs.length - 1] ?? '';
    if (last.includes('.')) return reply.code(404).type('text/plain; charset=utf-8').send('not found');
    const index = dist.get('index.html') as StaticFile;
    return send(reply, index);
  };

  const pathOf = (req: FastifyRequest) => (req.raw.url ?? '/').split('?')[0] ?? '/';

  return {
    routes(app) {
      const opts = { schema: { hide: true } };
      app.get(PANEL_PREFIX, opts, (_req, reply) => reply.redirect('panel/', 301));
      app.get(`${PANEL_PREFIX}/*`, opts, (req, reply) => serve(reply, pathOf(req).slice(PANEL_PREFIX.length)));
      app.get('/*', opts, (req, reply) => {
        const p = pathOf(req);
        if (p.startsWith('/api/') || p === '/api') return reply.code(404).send({ error: 'no such API route' });
        return serve(reply, p);
      });
    },
  };
}
