import { describe, expect, it } from 'vitest';
import { getRuleDatabase } from './rules.js';
import { MAX_SAFE_PATHS, SAFE_PATHS } from './safe-paths.js';
import { loadFixtures } from './test-kit.js';

describe('SAFE_PATHS', () => {
  it('is a short list of distinct absolute paths without queries or traversal', () => {
    expect(SAFE_PATHS.length).toBeGreaterThan(0);
    expect(SAFE_PATHS.length).toBeLessThanOrEqual(MAX_SAFE_PATHS);
    expect(new Set(SAFE_PATHS.map((p) => p.path)).size).toBe(SAFE_PATHS.length);
    for (const p of SAFE_PATHS) {
      expect(p.path).toMatch(/^\/[A-Za-z0-9._\-/]*$/);
      expect(p.path).not.toContain('..');
      expect(p.why.length).toBeGreaterThan(10);
    }
  });

  it('only names technologies that have a rule, and API paths are read by a probe rule', () => {
    const db = getRuleDatabase();
    for (const p of SAFE_PATHS) {
      for (const name of p.confirms) {
        const rule = db.byName.get(name);
        expect(rule, `${p.path}: ${name}`).toBeDefined();
        if (p.path === '/robots.txt') expect(rule?.robots.length).toBeGreaterThan(0);
      }
      const probed = db.rules.some((r) => r.probe.has(p.path));
      const page = p.confirms.some((n) => {
        const r = db.byName.get(n)!;
        return r.title.length + r.html.length + r.headers.size + r.cookies.length > 0;
      });
      expect(probed || page || p.path === '/robots.txt', p.path).toBe(true);
    }
  });

  it('covers the extra pages the fixtures use', () => {
    const used = loadFixtures().flatMap((f) => (f.extraPages ?? []).map((e) => e.path));
    for (const path of used) expect(SAFE_PATHS.map((p) => p.path)).toContain(path);
  });
});
