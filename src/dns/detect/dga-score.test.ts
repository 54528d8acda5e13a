import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dgaFeatures, scoreName } from './dga-score.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const lines = (file: string) =>
  fs
    .readFileSync(path.join(HERE, 'testdata', file), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0 && !l.startsWith('#'));

const popular = lines('popular-domains.txt').map((l) => {
  const [rank, domain] = l.split(',');
  return { rank: Number(rank), domain: domain as string };
});
const dga = lines('dga-domains.txt').map((l) => {
  const [set, family, domain] = l.split(' ');
  return { set: set as string, family: family as string, domain: domain as string };
});

describe('DGA scorer on labelled data (published DGA samples vs. a public top list)', () => {
  it('reaches the measured precision and recall on the evaluation set (printed below)', () => {
    const legit = popular.filter((p) => p.rank <= 500);
    const bad = dga.filter((d) => d.set === 'eval');
    expect(legit.length).toBeGreaterThanOrEqual(200);
    expect(bad.length).toBeGreaterThanOrEqual(200);
    const fp = legit.filter((p) => scoreName(p.domain)?.dga === true);
    const perFamily = new Map<string, { n: number; tp: number }>();
    for (const d of bad) {
      const e = perFamily.get(d.family) ?? { n: 0, tp: 0 };
      e.n++;
      if (scoreName(d.domain)?.dga) e.tp++;
      perFamily.set(d.family, e);
    }
    const tp = [...perFamily.values()].reduce((s, e) => s + e.tp, 0);
    const precision = tp / (tp + fp.length);
    const recall = tp / bad.length;
    const report = [
      `DGA scorer, evaluation set: ${bad.length} DGA names (12 families) vs ${legit.length} popular domains (ranks 1-500)`,
      `  true positives ${tp}, false negatives ${bad.length - tp}, false positives ${fp.length}, true negatives ${legit.length - fp.length}`,
      `  precision ${precision.toFixed(3)}  recall ${recall.toFixed(3)}  false-positive rate ${(fp.length / legit.length).toFixed(4)}`,
      `  recall per family: ${[...perFamily].map(([f, e]) => `${f} ${e.tp}/${e.n}`).join(', ')}`,
      ...(fp.length ? [`  false positives: ${fp.map((p) => p.domain).join(', ')}`] : []),
    ].join('\n');
    console.log(report);
    // Floors a little below what was measured when the thresholds were fixed (precision 1.000,
    // recall 0.671 on this set): a change to the scorer that loses accuracy fails here.
    expect(precision).toBeGreaterThanOrEqual(0.98);
    expect(recall).toBeGreaterThanOrEqual(0.62);
    // random-character families are caught; pronounceable/word-list ones are out of reach by design
    for (const f of ['necurs', 'ramnit', 'qakbot', 'tinba', 'corebot', 'banjori']) {
      const e = perFamily.get(f) as { n: number; tp: number };
      expect(e.tp / e.n, f).toBeGreaterThanOrEqual(0.7);
    }
  });

  it('on the tuning set too (the data the thresholds were chosen on)', () => {
    const legit = popular.filter((p) => p.rank > 500);
    const bad = dga.filter((d) => d.set === 'tune');
    const fp = legit.filter((p) => scoreName(p.domain)?.dga).length;
    const tp = bad.filter((d) => scoreName(d.domain)?.dga).length;
    console.log(`DGA scorer, tuning set: precision ${(tp / (tp + fp)).toFixed(3)} recall ${(tp / bad.length).toFixed(3)} (${fp} false positives of ${legit.length})`);
    expect(fp).toBeLessThanOrEqual(3);
    expect(tp / bad.length).toBeGreaterThanOrEqual(0.6);
  });

  it('never fires on CDN and cloud host names: only the registrable label is judged', () => {
    const cdn = [
      'd3kx9q2l7m4n8p.cloudfront.net',
      'r4---sn-4g5e6nz7.googlevideo.com',
      'e1234.dscb.akamaiedge.net',
      'scontent-fra3-1.xx.fbcdn.net',
      'xk7f3ns9d2qp.execute-api.eu-west-1.amazonaws.com',
      'mybucket-q8z3x1v9.s3.amazonaws.com',
      'az416426.vo.msecnd.net',
      'fp-afd-nocache-ccp.azureedge.net',
      'ec2-3-120-45-67.eu-central-1.compute.amazonaws.com',
      'p9x2k4m7z1q8.googleusercontent.com',
      'abcdef0123456789abcdef.blob.core.windows.net',
      'zn8qfhgh0vbwxk2f-1.a01.azurefd.net',
    ];
    for (const n of cdn) expect(scoreName(n)?.dga ?? false, n).toBe(false);
  });

  it('judges the label on a dynamic-DNS suffix, and skips local and short names', () => {
    expect(scoreName('7rsl1f34sfq0oj3jwvmfa6c.ddns.net')?.dga).toBe(true);
    expect(scoreName('myhomecamera.duckdns.org')?.dga).toBe(false);
    expect(scoreName('xkcd.com')).toBeUndefined(); // too short to judge
    expect(scoreName('qzkxjvbwtmrp.lan')).toBeUndefined();
    expect(scoreName('4.3.2.1.in-addr.arpa')).toBeUndefined();
    expect(scoreName('<img src=x onerror=alert(1)>.example.com')).toBeUndefined();
  });

  it('features: English words score higher than random strings', () => {
    const word = dgaFeatures('weatherforecast');
    const random = dgaFeatures('xqzvkjwpmrtbn');
    expect(word.likelihood).toBeGreaterThan(random.likelihood);
    expect(random.consonantRun).toBeGreaterThanOrEqual(5);
    expect(dgaFeatures('s63234wluv5v365bwp5')).toMatchObject({ digits: 10 });
    expect(dgaFeatures('spotifycdn').core).toBe('spotify');
  });
});
