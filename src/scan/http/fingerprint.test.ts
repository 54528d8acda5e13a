import { describe, expect, it } from 'vitest';
import { extractTitle, fingerprintHttp, type FingerprintInput } from './fingerprint.js';
import { buildRuleDatabase, type RawTechnologies } from './rules.js';
import { loadFixtures } from './test-kit.js';

/** The reference README's list (home-security-assistant-readme.txt, "HTTP fingerprinting"). */
const REFERENCE_LIST = [
  'WordPress', 'WooCommerce', 'Joomla', 'Drupal', 'Magento', 'Tomcat', 'IIS', 'Caddy', 'Varnish', 'HAProxy',
  'Grafana', 'GitLab', 'Nextcloud', 'Jenkins', 'phpMyAdmin', 'Pi-hole', 'Synology DSM', 'UniFi', 'Elasticsearch',
  'Prometheus', 'PHP', 'Node.js (Express)', 'ASP.NET', 'Apache', 'nginx', 'lighttpd',
];

const fixtures = loadFixtures();

describe('recorded responses of every technology the reference names', () => {
  it('has one fixture per technology of the reference list', () => {
    expect(fixtures.map((f) => f.technology).sort()).toEqual([...REFERENCE_LIST].sort());
  });

  it.each(fixtures.map((f) => [f.technology, f] as const))('%s', (_name, fixture) => {
    const found = fingerprintHttp(fixture);
    for (const want of fixture.expect) {
      const tech = found.find((t) => t.name === want.name);
      expect(tech, `${want.name} in ${found.map((t) => t.name).join(', ')}`).toBeDefined();
      if (want.version !== undefined) expect(tech?.version).toBe(want.version);
      expect(tech?.confidence).toBeGreaterThan(0);
      expect(tech?.categories.length).toBeGreaterThan(0);
    }
    const names = found.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('attaches the rule database CPE (vendor:product, version "*")', () => {
    const wp = fingerprintHttp(fixtures.find((f) => f.id === 'wordpress')!);
    expect(wp.find((t) => t.name === 'WordPress')?.cpe).toBe('cpe:2.3:a:wordpress:wordpress:*:*:*:*:*:*:*:*');
    const nginx = fingerprintHttp(fixtures.find((f) => f.id === 'nginx')!);
    expect(nginx.find((t) => t.name === 'Nginx')?.cpe).toBe('cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*');
  });

  it('needs the extra page for versions only an API shows', () => {
    const prometheus = fixtures.find((f) => f.id === 'prometheus')!;
    const without = fingerprintHttp({ ...prometheus, extraPages: [] }).find((t) => t.name === 'Prometheus');
    expect(without).toBeDefined();
    expect(without?.version).toBeUndefined();
    const notOk = fingerprintHttp({ ...prometheus, extraPages: prometheus.extraPages!.map((p) => ({ ...p, status: 500 })) });
    expect(notOk.find((t) => t.name === 'Prometheus')?.version).toBeUndefined();
  });

  it('does not see technologies in an unrelated page', () => {
    const found = fingerprintHttp(fixtures.find((f) => f.id === 'lighttpd')!).map((t) => t.name);
    for (const other of ['WordPress', 'Pi-hole', 'HAProxy', 'Prometheus', 'Grafana', 'Nginx']) expect(found).not.toContain(other);
  });
});

/** A small rule set exercising each field and relation of the Wappalyzer format. */
const RULES: RawTechnologies = {
  Server: { cats: [1], cpe: 'cpe:2.3:a:acme:server:*:*:*:*:*:*:*:*', headers: { 'X-Acme-Server': 'Acme/([\\d.]+)\\;version:\\1' } },
  Cookie: { cats: [1], cookies: { acme_sid: '', 'sess[a-f0-9]{4}': '' } },
  Meta: { cats: [1], meta: { generator: '^AcmeCMS(?: ([\\d.]+))?\\;version:\\1' }, implies: ['Lang\\;confidence:50'] },
  Lang: { cats: [2], implies: ['Runtime'] },
  Runtime: { cats: [2] },
  Script: { cats: [1], scriptSrc: ['acme-([\\d.]+)\\.min\\.js\\;version:\\1'] },
  Inline: { cats: [1], scripts: ['acmeBoot\\(\\{"v":"([\\d.]+)"\\;version:\\1'] },
  Url: { cats: [1], url: ['/acme/'] },
  Title: { cats: [1], title: ['^Acme Router$'] },
  Issuer: { cats: [1], certIssuer: 'Acme CA' },
  Robots: { cats: [1], robots: ['Disallow: /acme-private/'] },
  Probe: { cats: [1], probe: { '/acme/version': 'acme ([\\d.]+)\\;version:\\1' } },
  Weak: { cats: [1], html: ['<div class="weak-a"\\;confidence:30', '<div class="weak-b"\\;confidence:30'] },
  Zero: { cats: [1], html: ['<div class="zero"\\;confidence:0'] },
  Ternary: { cats: [1], html: ['<b class="ed-(pro)?">\\;version:\\1?Pro:Free'] },
  Excluder: { cats: [1], html: ['<div id="excluder"'], excludes: ['Excluded'] },
  Excluded: { cats: [1], html: ['<div id="excluded"'] },
  Plugin: { cats: [3], html: ['<div id="plugin"'], requires: ['Meta'] },
  CatPlugin: { cats: [3], html: ['<div id="catplugin"'], requiresCategory: [2] },
  Broken: { cats: [1], html: ['<div (unclosed'] },
};
const CATEGORIES = { '1': { name: 'One', priority: 1 }, '2': { name: 'Two', priority: 2 }, '3': { name: 'Three', priority: 3 } };

function run(input: Partial<FingerprintInput>) {
  const db = buildRuleDatabase(RULES, CATEGORIES);
  const found = fingerprintHttp({ url: 'http://192.0.2.1/', status: 200, headers: {}, body: '', ...input }, db);
  return { found, db, get: (name: string) => found.find((t) => t.name === name) };
}

describe('fingerprintHttp semantics (Wappalyzer format)', () => {
  it('matches header names case-insensitively and extracts the version', () => {
    const { get } = run({ headers: { 'x-ACME-server': 'Acme/2.1.3' } });
    expect(get('Server')).toEqual({ name: 'Server', version: '2.1.3', confidence: 100, categories: ['One'], cpe: 'cpe:2.3:a:acme:server:*:*:*:*:*:*:*:*' });
  });

  it('reads cookies from Set-Cookie, with regex cookie names', () => {
    expect(run({ headers: { 'set-cookie': ['ACME_SID=1; Path=/'] } }).get('Cookie')).toBeDefined();
    expect(run({ headers: { 'Set-Cookie': 'sessbeef=2; HttpOnly' } }).get('Cookie')).toBeDefined();
    expect(run({ headers: { 'set-cookie': ['sessbeefbeef=2'] } }).get('Cookie')).toBeUndefined();
    expect(run({ headers: { 'x-note': 'acme_sid=1' } }).get('Cookie')).toBeUndefined();
  });

  it('reads meta tags (name or property, any attribute order or quoting)', () => {
    expect(run({ body: '<meta content="AcmeCMS 4.2" name="Generator">' }).get('Meta')?.version).toBe('4.2');
    expect(run({ body: "<meta property='generator' content='AcmeCMS'>" }).get('Meta')).toBeDefined();
    expect(run({ body: '<meta name="description" content="AcmeCMS 4.2">' }).get('Meta')).toBeUndefined();
  });

  it('implies transitively with the lower confidence', () => {
    const { get } = run({ body: '<meta name="generator" content="AcmeCMS 1.0">' });
    expect(get('Lang')?.confidence).toBe(50);
    expect(get('Runtime')?.confidence).toBe(50);
    expect(get('Runtime')?.categories).toEqual(['Two']);
  });

  it('matches script src, inline scripts, url, title, TLS issuer', () => {
    expect(run({ body: '<script src="/js/acme-3.1.min.js"></script>' }).get('Script')?.version).toBe('3.1');
    expect(run({ body: '<script>acme-3.1.min.js</script>' }).get('Script')).toBeUndefined();
    expect(run({ body: '<script>acmeBoot({"v":"7.0"})</script>' }).get('Inline')?.version).toBe('7.0');
    expect(run({ url: 'http://192.0.2.1/acme/index' }).get('Url')).toBeDefined();
    expect(run({ body: '<title>\n Acme&#32;Router </title>' }).get('Title')).toBeDefined();
    expect(run({ certIssuer: 'CN=Acme CA, O=Acme' }).get('Issuer')).toBeDefined();
    expect(run({ certIssuer: 'CN=Other' }).get('Issuer')).toBeUndefined();
  });

  it('matches robots and probe rules only on the extra page with that path and a 2xx status', () => {
    const robots = { path: '/robots.txt', status: 200, headers: {}, body: 'User-agent: *\nDisallow: /acme-private/\n' };
    expect(run({ extraPages: [robots] }).get('Robots')).toBeDefined();
    expect(run({ body: robots.body }).get('Robots')).toBeUndefined();
    const probe = { path: '/acme/version', status: 200, headers: {}, body: 'acme 5.5' };
    expect(run({ extraPages: [probe] }).get('Probe')?.version).toBe('5.5');
    expect(run({ extraPages: [{ ...probe, status: 404 }] }).get('Probe')).toBeUndefined();
    expect(run({ extraPages: [{ ...probe, path: '/other' }] }).get('Probe')).toBeUndefined();
  });

  it("does not read an extra page's URL (the scanner chose it): a 404 for /acme/x is no sign of Url", () => {
    expect(run({ extraPages: [{ path: '/acme/x', status: 404, headers: {}, body: 'not found' }] }).get('Url')).toBeUndefined();
    expect(run({ extraPages: [{ path: '/acme/x', status: 200, headers: {}, body: '' }] }).get('Url')).toBeUndefined();
  });

  it('sums confidences, caps at 100 and drops zero-confidence technologies', () => {
    expect(run({ body: '<div class="weak-a">' }).get('Weak')?.confidence).toBe(30);
    expect(run({ body: '<div class="weak-a"><div class="weak-b">' }).get('Weak')?.confidence).toBe(60);
    expect(run({ headers: { 'x-acme-server': ['Acme/1', 'Acme/1.2'] } }).get('Server')).toMatchObject({ confidence: 100, version: '1.2' });
    expect(run({ body: '<div class="zero">' }).get('Zero')).toBeUndefined();
  });

  it('resolves the ternary version syntax', () => {
    expect(run({ body: '<b class="ed-pro">' }).get('Ternary')?.version).toBe('Pro');
    expect(run({ body: '<b class="ed-">' }).get('Ternary')?.version).toBe('Free');
  });

  it('applies excludes', () => {
    expect(run({ body: '<div id="excluded">' }).get('Excluded')).toBeDefined();
    const both = run({ body: '<div id="excluded"><div id="excluder">' });
    expect(both.get('Excluder')).toBeDefined();
    expect(both.get('Excluded')).toBeUndefined();
  });

  it('tries requires / requiresCategory rules only after their requirement is found', () => {
    expect(run({ body: '<div id="plugin">' }).get('Plugin')).toBeUndefined();
    expect(run({ body: '<div id="plugin"><meta name="generator" content="AcmeCMS">' }).get('Plugin')).toBeDefined();
    expect(run({ body: '<div id="catplugin">' }).get('CatPlugin')).toBeUndefined();
    // Category 2 arrives through an implied technology (Lang).
    expect(run({ body: '<div id="catplugin"><meta name="generator" content="AcmeCMS">' }).get('CatPlugin')).toBeDefined();
  });

  it('counts a regex that does not compile and goes on', () => {
    const { found, db } = run({ body: '<div (unclosed <div id="excluded">' });
    expect(found.map((t) => t.name)).toContain('Excluded');
    expect(db.stats.badPatterns).toBe(1);
  });

  it('adds the technology of a known favicon hash when it has a rule', () => {
    const found = fingerprintHttp({ url: 'http://192.0.2.1/', status: 200, headers: {}, body: '', faviconHash: 81586312 });
    expect(found.map((t) => t.name)).toContain('Jenkins');
    expect(fingerprintHttp({ url: 'http://192.0.2.1/', status: 200, headers: {}, body: '', faviconHash: 1 })).toEqual([]);
  });

  it('survives malformed input values', () => {
    const input = { url: 'not a url', status: 200, headers: { a: 5 as unknown as string, b: [null as unknown as string] }, body: undefined as unknown as string, extraPages: [null as unknown as never, { path: 7 } as unknown as never] };
    expect(() => fingerprintHttp(input)).not.toThrow();
  });

  it('re-exports extractTitle', () => {
    expect(extractTitle('<title>a</title>')).toBe('a');
  });
});
