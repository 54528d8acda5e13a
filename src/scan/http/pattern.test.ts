import { describe, expect, it } from 'vitest';
import { boundRegexSource, compilePattern, isPathological, parsePattern, requiredLiterals, resolveVersion } from './pattern.js';
import { getRuleDatabase } from './rules.js';
import { loadFixtures } from './test-kit.js';

describe('parsePattern', () => {
  it('splits the regex from its tags', () => {
    expect(parsePattern('^WordPress(?: ([\\d.]+))?\\;version:\\1')).toEqual({ source: '^WordPress(?: ([\\d.]+))?', confidence: 100, version: '\\1' });
    expect(parsePattern('foo\\;confidence:50\\;version:\\1?a:b')).toEqual({ source: 'foo', confidence: 50, version: '\\1?a:b' });
    expect(parsePattern('\\;confidence:25')).toEqual({ source: '', confidence: 25, version: '' });
  });

  it('keeps colons inside tag values and ignores unknown or broken tags', () => {
    expect(parsePattern('x\\;version:\\1?1 (Enterprise):1 (Community)').version).toBe('\\1?1 (Enterprise):1 (Community)');
    expect(parsePattern('x\\;confidence:lots\\;nonsense\\;foo:bar').confidence).toBe(100);
    expect(parsePattern('x\\;confidence:900').confidence).toBe(100);
  });
});

describe('resolveVersion (webappanalyzer README "Version syntax")', () => {
  const m = (re: RegExp, s: string) => re.exec(s)!;
  it('replaces back references', () => {
    expect(resolveVersion('\\1', m(/v([\d.]+)/, 'v1.2.3'))).toBe('1.2.3');
    expect(resolveVersion('foo\\1', m(/v(\d)/, 'v7'))).toBe('foo7');
    expect(resolveVersion('\\1.\\2', m(/(\d)-(\d)/, '4-5'))).toBe('4.5');
    expect(resolveVersion('\\1', m(/v(\d)?/, 'v'))).toBe('');
    expect(resolveVersion('', m(/v(\d)/, 'v7'))).toBe('');
  });
  it('evaluates ternaries', () => {
    const re = /ed-(pro)?/;
    expect(resolveVersion('\\1?a:b', m(re, 'ed-pro'))).toBe('a');
    expect(resolveVersion('\\1?a:b', m(re, 'ed-'))).toBe('b');
    expect(resolveVersion('\\1?a:', m(re, 'ed-'))).toBe('');
    expect(resolveVersion('\\1?:b', m(re, 'ed-pro'))).toBe('');
    expect(resolveVersion('\\1?:b', m(re, 'ed-'))).toBe('b');
  });
});

describe('boundRegexSource', () => {
  it('bounds * + and {n,} outside classes and escapes, keeping laziness', () => {
    expect(boundRegexSource('a+b*c+?', false)).toBe('a{1,250}b{0,250}c{1,250}?');
    expect(boundRegexSource('[+*]\\+\\*x{2,}', false)).toBe('[+*]\\+\\*x{2,250}');
    expect(boundRegexSource('x{2}y{1,3}', false)).toBe('x{2}y{1,3}');
  });
  it('rewrites [^>] to [^<>] for body patterns only', () => {
    expect(boundRegexSource('<link[^>]+wp', true)).toBe('<link[^<>]{1,250}wp');
    expect(boundRegexSource('<link[^>]+wp', false)).toBe('<link[^>]{1,250}wp');
    expect(boundRegexSource('[^>"]', true)).toBe('[^>"]');
  });
  it('compiles to the same language on ordinary input', () => {
    const re = compilePattern('<meta[^>]+generator[^>]+content="([^"]+)"', true)!;
    expect(re.exec('<meta name="generator" content="Hugo 0.1">')?.[1]).toBe('Hugo 0.1');
    expect(re.flags).toBe('i');
    expect(compilePattern('(unclosed', true)).toBeUndefined();
  });
});

describe('isPathological', () => {
  it('flags quantified groups holding quantifiers', () => {
    expect(isPathological('(a+)+')).toBe(true);
    expect(isPathological('<[^>]+/binaries/(?:[^/]+/)*content')).toBe(true);
    expect(isPathological('(\\d+(\\.\\d+)+)')).toBe(true);
    expect(isPathological('(?:ab)+c*')).toBe(false);
    expect(isPathological('([\\d.]+)?')).toBe(false);
    expect(isPathological('\\(a+\\)+')).toBe(false);
  });
});

describe('requiredLiterals', () => {
  it('finds mandatory literal runs, lower-cased, and alternatives', () => {
    expect(requiredLiterals('^WordPress(?: ([\\d.]+))?')).toEqual(['wordpress']);
    expect(requiredLiterals('wp-embed\\.min\\.js')).toEqual(['wp-embed.min.js']);
    expect(requiredLiterals('(?:<div id="abc"|<span class="xyz)')).toEqual(['<div id="abc"', '<span class="xyz']);
    expect(requiredLiterals('colou?r-scheme')).toEqual(['r-scheme']);
  });
  it('gives null when an alternative has no literal or the pattern is empty', () => {
    expect(requiredLiterals('abc|\\d+')).toBeNull();
    expect(requiredLiterals('')).toBeNull();
    expect(requiredLiterals('(?:abcd)?x')).toBeNull();
    expect(requiredLiterals('(?=abcd)x')).toBeNull();
  });
  it('never rejects a subject the regex matches (all body patterns of the database, all fixtures)', () => {
    const db = getRuleDatabase();
    const subjects = loadFixtures().flatMap((f) => [f.body, ...(f.extraPages ?? []).map((p) => p.body)]);
    let checked = 0;
    for (const rule of db.rules) {
      for (const p of [...rule.html, ...rule.scripts, ...rule.text, ...rule.css, ...rule.scriptSrc]) {
        const re = compilePattern(p.source, p.body);
        if (!re || !p.literals) continue;
        for (const s of subjects) {
          if (!re.test(s)) continue;
          checked++;
          const lower = s.toLowerCase();
          expect(p.literals.some((l) => lower.includes(l)), `${rule.name}: ${p.source}`).toBe(true);
        }
      }
    }
    expect(checked).toBeGreaterThan(10);
  });
});
