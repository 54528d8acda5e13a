import { describe, expect, it } from 'vitest';
import { candidatesFor } from './candidates.js';
import { planPrefetch } from './prefetch-plan.js';
import { svc } from './test-kit.js';

const detected = [
  svc(22, { product: 'openssh', version: '9.2p1' }),
  svc(80, {
    product: 'nginx',
    version: '1.22.1',
    http: { status: 200, technologies: [{ name: 'WordPress', version: '6.4.3', confidence: 100, categories: ['CMS'], cpe: 'cpe:2.3:a:wordpress:wordpress:*:*:*:*:*:*:*:*' }] },
  }),
  svc(8000, { banner: 'Server: MiniServ/1.890' }),
  svc(2222, { method: 'nmap', cpe: ['cpe:/a:matt_johnston:dropbear_ssh_server:2020.81'] }),
].flatMap((s) => candidatesFor(s));

describe('prefetch plan', () => {
  it('configured keywords plus detected products only, each with its source', () => {
    const plan = planPrefetch(['OpenSSH', 'WordPress plugin', 'openssh', ' ', 'Apache HTTP Server'], detected);
    expect(plan.map((p) => [p.label, p.source, p.queries.map((q) => `${q.kind}=${q.value}`)])).toEqual([
      ['OpenSSH', 'custom', ['cpe=cpe:2.3:a:openbsd:openssh']],
      ['WordPress plugin', 'custom', ['keyword=WordPress plugin']],
      ['Apache HTTP Server', 'custom', ['cpe=cpe:2.3:a:apache:http_server']],
      ['nginx', 'product_map', ['cpe=cpe:2.3:a:f5:nginx', 'cpe=cpe:2.3:a:nginx:nginx']],
      ['WordPress', 'fingerprint', ['cpe=cpe:2.3:a:wordpress:wordpress']],
      ['MiniServ', 'banner', ['keyword=MiniServ']],
      ['Dropbear', 'product_map', ['cpe=cpe:2.3:a:dropbear_ssh_project:dropbear_ssh']],
    ]);
  });

  it('nothing detected, no keywords: nothing to ask', () => {
    expect(planPrefetch([], [])).toEqual([]);
  });

  it('hostile keywords are cleaned and capped', () => {
    const plan = planPrefetch([`\u001b[2Jevil${'x'.repeat(500)}`, ...Array.from({ length: 1000 }, (_, i) => `kw${i}`)], []);
    expect(plan[0]?.label).not.toMatch(/\u001b/);
    expect(plan[0]?.label.length).toBeLessThanOrEqual(100);
    expect(plan.length).toBe(200);
  });
});
