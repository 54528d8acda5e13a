/**
 * Test support: makes sure web/dist is a build of the current web/ sources before a browser
 * test loads the dashboard. Rules: builds (Vite's JS API, web/vite.config.ts) only when
 * web/dist/index.html is missing or older than any source file (web/src, web/index.html,
 * web/public, web/vite.config.ts, src/api/contract.ts); parallel test files serialise on a
 * lock directory (bounded wait; a lock older than 2 minutes is stale and taken over).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../support/daemon.js';

export const WEB = path.join(ROOT, 'web');
export const DIST = path.join(WEB, 'dist');
const LOCK = path.join(WEB, '.build-lock');

function newestMtime(p: string): number {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const e of fs.readdirSync(p)) max = Math.max(max, newestMtime(path.join(p, e)));
  return max;
}

/** True when web/dist is missing or older than its sources. */
export function webBuildStale(): boolean {
  let built: number;
  try {
    built = fs.statSync(path.join(DIST, 'index.html')).mtimeMs;
  } catch {
    return true;
  }
  const sources = [path.join(WEB, 'src'), path.join(WEB, 'index.html'), path.join(WEB, 'public'), path.join(WEB, 'vite.config.ts'), path.join(ROOT, 'src/api/contract.ts')];
  return sources.some((s) => newestMtime(s) > built);
}

/** Builds web/dist when stale (see module rules). */
export async function ensureWebBuilt(): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      fs.mkdirSync(LOCK);
      break;
    } catch {
      let age = 0;
      try {
        age = Date.now() - fs.statSync(LOCK).mtimeMs;
      } catch {
        continue;
      }
      if (age > 120_000) fs.rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error('timed out waiting for another web build');
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    if (!webBuildStale()) return;
    const { build } = await import('vite');
    await build({ configFile: path.join(WEB, 'vite.config.ts'), logLevel: 'warn' });
  } finally {
    fs.rmSync(LOCK, { recursive: true, force: true });
  }
}
