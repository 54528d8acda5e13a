/**
 * Vite build of the homesec dashboard (web/ → web/dist). Rules:
 * - `base: './'`: every asset URL is relative, so the same build works at `/`, at
 *   `/api/homesec/panel/` and under any Home Assistant ingress sub-path.
 * - Preact through esbuild's automatic JSX runtime (no framework plugin needed).
 * - CSP `script-src 'self'; style-src 'self'`: no inline scripts or styles are emitted (CSS
 *   goes to one file, the module-preload polyfill that Vite would inline is off), no
 *   external resources, assets are never inlined as data: URLs.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root,
  base: './',
  publicDir: path.join(root, 'public'),
  logLevel: 'warn',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  // The map's layout worker (src/map/layout-worker.ts) is a module worker: a same-origin file
  // under assets/, allowed by script-src 'self'.
  worker: { format: 'es' },
  build: {
    outDir: path.join(root, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    sourcemap: false,
    reportCompressedSize: false,
  },
});
