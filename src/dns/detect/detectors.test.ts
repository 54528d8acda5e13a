import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../flow/types.js';
import { nameParts } from '../names.js';
import { prng, query } from '../test-kit.js';
import type { DnsQuery } from '../types.js';
import { createDgaDetector } from './dga.js';
import { createIotCategoryDetector } from './iot-category.js';
import { createNewDomainDetector } from './new-domain.js';
import { createOutsideResolverDetector } from './outside-resolver.js';
import { DNS_DETECTORS } from './registry.js';
import { T0, browsingTrace, feed, iodineStream, testContext } from './test-kit.js';
import { createThreatNameDetector, lookupChain } from './threat-name.js';
import { createTunnelDetector, MIN_UNIQUE } from './tunnel.js';

const flow = (p: Partial<FlowRecord>): FlowRecord => ({
  ipVersion: 4,
  srcAddr: '192.168.1.20',
  dstAddr: '203.0.113.5',
  srcPort: 51000,
  dstPort: 443,
  protocol: 6,
  bytes: 1200,
  packets: 6,
  tcpFlags: 0x1b,
  startMs: T0,
  endMs: T0,
  exporter: '192.168.1.1',
  inputIf: 0,
  outputIf: 0,
  samplingRate: 1,
  ...p,
});

describe('ordinary browsing', () => {
  it('raises no finding from any DNS detector over a 3-hour home browsing trace', () => {
    const { ctx, findings } = testContext({ dns_learning_hours: 1 }, { threatMatch: () => undefined, roleOf: (ip) => (ip === '192.168.1.30' ? 'tv' : undefined) });
    const detectors = DNS_DETECTORS.map((d) => d.create(ctx));
    const trace = browsingTrace(7, 3);
    expect(trace.length).toBeGreaterThan(4000);
    feed(detectors, trace);
    // ordinary flows too: HTTPS to web servers, DNS to the Pi-hole, the Pi-hole forwarding upstream
    const flows = [
      flow({ dstAddr: '142.250.185.78', dstPort: 443 }),
      flow({ dstAddr: '192.168.1.2', dstPort: 53, protocol: 17 }),
      flow({ srcAddr: '192.168.1.2', dstAddr: '1.1.1.1', dstPort: 53, protocol: 17 }),
      flow({ srcAddr: '1.1.1.1', srcPort: 53, dstAddr: '192.168.1.2', dstPort: 40000, protocol: 17 }),
    ];
    const { ctx: fctx, findings: ffindings } = testContext({ dns_local_resolvers: ['192.168.1.2'] });
    const out = createOutsideResolverDetector(fctx);
    out.observeFlows?.(flows);
    expect(findings).toEqual([]);
    expect(ffindings).toEqual([]);
  });
});

describe('DNS tunnelling', () => {
  it('detects an iodine-like stream (NULL queries with base32 data under one domain)', () => {
    const { ctx, findings } = testContext();
    const det = createTunnelDetector(ctx);
    const stream = iodineStream({ client: '192.168.1.40', domain: 't.tunnel-example.com', startMs: T0, seconds: 20, rate: 10, seed: 3 });
    feed([det], stream);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      key: 'dns_tunnel:192.168.1.40:tunnel-example.com',
      category: 'dns_tunnel',
      severity: 'high',
      sourceIp: '192.168.1.40',
      evidence: { parent: 'tunnel-example.com' },
    });
    const ev = findings[0]?.evidence as { uniqueSubdomains: number; averageSubdomainLength: number; examples: string[] };
    expect(ev.uniqueSubdomains).toBeGreaterThanOrEqual(MIN_UNIQUE / 2);
    expect(ev.examples.length).toBeGreaterThan(0);
    // reported once per window, however long the tunnel runs
    feed([det], iodineStream({ client: '192.168.1.40', domain: 't.tunnel-example.com', startMs: T0 + 30_000, seconds: 30, rate: 10, seed: 4 }));
    expect(findings).toHaveLength(1);
  });

  it('detects a dnscat2-like TXT stream with hex labels and a TXT flood', () => {
    const { ctx, findings } = testContext();
    const det = createTunnelDetector(ctx);
    const rnd = prng(11);
    const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rnd() * 16)]).join('');
    const qs: DnsQuery[] = [];
    for (let i = 0; i < 120; i++) qs.push(query({ timeMs: T0 + i * 500, client: '192.168.1.41', type: 'TXT', name: `${hex(60)}.${hex(30)}.c2.example.org` }));
    feed([det], qs);
    expect(findings.map((f) => f.key)).toEqual(['dns_tunnel:192.168.1.41:example.org']);
  });

  it('reports a client flooding TXT/NULL queries over many domains (record volume)', () => {
    const { ctx, findings } = testContext();
    const det = createTunnelDetector(ctx);
    const qs: DnsQuery[] = [];
    for (let i = 0; i < 320; i++) qs.push(query({ timeMs: T0 + i * 1000, client: '192.168.1.42', type: 'TXT', name: `t${i % 3}.domain${i % 150}.example${i % 150}.net` }));
    feed([det], qs);
    expect(findings.map((f) => [f.key, (f.evidence as { variant: string }).variant])).toEqual([['dns_tunnel:192.168.1.42', 'record_volume']]);
  });

  it('ignores DNS blocklist and anti-virus lookups and CDN names', () => {
    const { ctx, findings } = testContext();
    const det = createTunnelDetector(ctx);
    const rnd = prng(5);
    const qs: DnsQuery[] = [];
    for (let i = 0; i < 400; i++) {
      const ip = `${Math.floor(rnd() * 255)}.${Math.floor(rnd() * 255)}.${Math.floor(rnd() * 255)}.${Math.floor(rnd() * 255)}`;
      qs.push(query({ timeMs: T0 + i * 100, client: '192.168.1.50', name: `${ip}.zen.spamhaus.org` }));
      qs.push(query({ timeMs: T0 + i * 100, client: '192.168.1.50', type: 'TXT', name: `${Math.floor(rnd() * 1e12).toString(36)}${Math.floor(rnd() * 1e12).toString(36)}.a.sophosxl.net` }));
      qs.push(query({ timeMs: T0 + i * 100, client: '192.168.1.51', name: `r${i % 9}---sn-${Math.floor(rnd() * 1e8).toString(36)}.googlevideo.com` }));
    }
    feed([det], qs);
    expect(findings).toEqual([]);
  });

  it('keeps memory bounded under a flood of unique parents', () => {
    const { ctx } = testContext();
    const det = createTunnelDetector(ctx, { pairs: 100, clients: 10 });
    const qs: DnsQuery[] = [];
    for (let i = 0; i < 5000; i++) qs.push(query({ timeMs: T0 + i, client: `10.0.${i % 50}.1`, name: `x${i}.p${i}.example${i}.com` }));
    feed([det], qs);
    expect(det.size()).toBeLessThanOrEqual(110);
  });
});

describe('DGA detector', () => {
  it('reports a device looking up several generated names (mostly NXDOMAIN), once per window', () => {
    const { ctx, findings } = testContext({ dns_dga_min_names: 3 });
    const det = createDgaDetector(ctx);
    const names = ['knpqxlxcwtlvgrdyhd.com', 'ectdsitvvoydawmfni.com', 'wxxnufbeacmrtdam.com', 'qvberjspofqsxdnr.com', 'typmyloijdcxtdxd.com'];
    feed(
      [det],
      names.map((name, i) => query({ timeMs: T0 + i * 1000, client: '192.168.1.60', name, rcode: 'NXDOMAIN', answers: [] })),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ key: 'dns_dga:192.168.1.60', severity: 'high', evidence: { domains: 3, nxdomain: 3 } });
    expect((findings[0]?.evidence as { examples: { name: string }[] }).examples.map((e) => e.name).sort()).toEqual(names.slice(0, 3).sort());
  });

  it('does not report names spread over more than the window, or repeats of one name', () => {
    const { ctx, findings } = testContext({ dns_dga_min_names: 3, dns_window_minutes: 10 });
    const det = createDgaDetector(ctx);
    feed(
      [det],
      [
        query({ timeMs: T0, client: '192.168.1.61', name: 'knpqxlxcwtlvgrdyhd.com' }),
        query({ timeMs: T0 + 1000, client: '192.168.1.61', name: 'www.knpqxlxcwtlvgrdyhd.com' }),
        query({ timeMs: T0 + 11 * 60_000, client: '192.168.1.61', name: 'ectdsitvvoydawmfni.com' }),
        query({ timeMs: T0 + 22 * 60_000, client: '192.168.1.61', name: 'wxxnufbeacmrtdam.com' }),
      ],
    );
    expect(findings).toEqual([]);
  });
});

describe('threat-feed names', () => {
  const listed = new Map<string, string[]>([
    ['evil.example.com', ['urlhaus.abuse.ch']],
    ['bad.duckdns.org', ['threatfox.abuse.ch']],
    ['duckdns.org', ['a-careless-feed']],
    ['co.uk', ['a-careless-feed']],
  ]);
  const threatMatch = (n: string) => listed.get(n);

  it('matches names and their parents, stopping at the eTLD+1 (PSL private section included)', () => {
    expect(lookupChain('a.b.evil.example.com', 'example.com')).toEqual(['a.b.evil.example.com', 'b.evil.example.com', 'evil.example.com', 'example.com']);
    const { ctx, findings } = testContext({}, { threatMatch });
    const det = createThreatNameDetector(ctx);
    feed(
      [det],
      [
        query({ client: '192.168.1.70', name: 'cdn.evil.example.com', blocked: true, status: 'blocked' }),
        query({ client: '192.168.1.70', name: 'c2.bad.duckdns.org' }),
        query({ client: '192.168.1.71', name: 'myhome.duckdns.org' }), // only the shared suffix is "listed": no hit
        query({ client: '192.168.1.71', name: 'www.bbc.co.uk' }),
        query({ client: '192.168.1.70', name: 'other.evil.example.com' }), // same pair within the hour
        query({ client: '192.168.1.72', name: '<img src=x onerror=alert(1)>.evil.example.com' }),
      ],
    );
    expect(findings.map((f) => f.key)).toEqual(['dns_blacklist:192.168.1.70:evil.example.com', 'dns_blacklist:192.168.1.70:bad.duckdns.org']);
    expect(findings[0]).toMatchObject({ severity: 'high', evidence: { feeds: ['urlhaus.abuse.ch'], blocked: true, name: 'cdn.evil.example.com' } });
    expect(findings[0]?.detail).toContain('blocked by the resolver');
  });

  it('does nothing without intel', () => {
    const { ctx, findings } = testContext();
    feed([createThreatNameDetector(ctx)], [query({ name: 'evil.example.com' })]);
    expect(findings).toEqual([]);
  });
});

describe('newly observed domains', () => {
  it('learns, then reports new domains of small (stable) devices only, with examples', () => {
    const { ctx, findings } = testContext({ dns_learning_hours: 1 });
    const det = createNewDomainDetector(ctx, { stableMax: 20 });
    const qs: DnsQuery[] = [];
    for (let i = 0; i < 30; i++) qs.push(query({ timeMs: T0 + i * 60_000, client: '192.168.1.80', name: `api.${['tuyaeu.com', 'tuyaus.com', 'ntp.org'][i % 3]}` }));
    for (let i = 0; i < 60; i++) qs.push(query({ timeMs: T0 + i * 60_000, client: '192.168.1.81', name: `www.site${i}.com` }));
    qs.push(query({ timeMs: T0 + 2 * 3_600_000, client: '192.168.1.80', name: 'x.newplace.net' }));
    qs.push(query({ timeMs: T0 + 2 * 3_600_000, client: '192.168.1.81', name: 'www.another-site.com' }));
    qs.sort((a, b) => a.timeMs - b.timeMs);
    feed([det], qs);
    expect(findings.map((f) => f.key)).toEqual(['dns_new_domain:192.168.1.80']);
    expect(findings[0]).toMatchObject({ severity: 'low', evidence: { domain: 'newplace.net', knownDomains: 3 } });
    expect(det.newDomains('192.168.1.81')).toMatchObject({ count: 1, recent: [{ domain: 'another-site.com' }] });
    const changes = det.drainChanges();
    expect(changes.filter((c) => c.device === '192.168.1.80').map((c) => c.domain)).toEqual(['', 'tuyaeu.com', 'tuyaus.com', 'ntp.org', 'newplace.net']);
    expect(det.drainChanges()).toEqual([]);
    // restored profiles: nothing is new after a restart
    const { ctx: ctx2, findings: f2 } = testContext({ dns_learning_hours: 1 });
    const again = createNewDomainDetector(ctx2, { stableMax: 20 });
    for (const c of changes) again.seed(c);
    feed([again], [query({ timeMs: T0 + 3 * 3_600_000, client: '192.168.1.80', name: 'api.tuyaeu.com' })]);
    expect(f2).toEqual([]);
  });
});

describe('IoT categories', () => {
  it('flags an IoT device (by role or by profile) querying a mining pool or a tunnel service', () => {
    const { ctx, findings } = testContext({ dns_learning_hours: 1 }, { roleOf: (ip) => (ip === '192.168.1.90' ? 'camera' : undefined) });
    const det = createIotCategoryDetector(ctx);
    const qs: DnsQuery[] = [
      query({ timeMs: T0, client: '192.168.1.90', name: 'pool.supportxmr.com' }),
      // a plug: only vendor clouds during learning, then ngrok after
      ...Array.from({ length: 10 }, (_, i) => query({ timeMs: T0 + i * 60_000, client: '192.168.1.91', name: `a${i % 2}.tuyaeu.com` })),
      query({ timeMs: T0 + 30 * 60_000, client: '192.168.1.91', name: 'abc.ngrok.io' }), // still learning: not judged
      query({ timeMs: T0 + 2 * 3_600_000, client: '192.168.1.91', name: 'xyz.ngrok-free.app' }),
      // a laptop may use ngrok
      query({ timeMs: T0 + 2 * 3_600_000, client: '192.168.1.92', name: 'abc.ngrok.io' }),
    ];
    feed([det], qs);
    expect(findings.map((f) => [f.key, f.severity])).toEqual([
      ['dns_iot_category:192.168.1.90:mining', 'high'],
      ['dns_iot_category:192.168.1.91:tunnel', 'medium'],
    ]);
    expect(findings[1]?.evidence).toMatchObject({ iotBy: 'profile', domain: 'ngrok-free.app' });
  });
});

describe('outside resolvers (from flows)', () => {
  it('reports plain DNS, DoT and DoH to outside resolvers; exempts the local resolver and answers', () => {
    const { ctx, findings } = testContext({ dns_local_resolvers: ['192.168.1.2'] });
    const det = createOutsideResolverDetector(ctx);
    det.observeFlows?.([
      flow({ srcAddr: '192.168.1.20', dstAddr: '8.8.8.8', dstPort: 53, protocol: 17 }),
      flow({ srcAddr: '192.168.1.20', dstAddr: '8.8.4.4', dstPort: 53, protocol: 17 }), // same device: one finding
      flow({ srcAddr: '192.168.1.21', dstAddr: '9.9.9.9', dstPort: 853 }),
      flow({ srcAddr: '192.168.1.22', dstAddr: '1.1.1.1', dstPort: 443, protocol: 17 }),
      flow({ srcAddr: '192.168.1.23', dstAddr: '2606:4700:4700::1111', ipVersion: 6, dstPort: 443 }),
      flow({ srcAddr: '192.168.1.2', dstAddr: '1.1.1.1', dstPort: 53, protocol: 17 }), // the Pi-hole forwarding
      flow({ srcAddr: '8.8.8.8', srcPort: 53, dstAddr: '192.168.1.24', dstPort: 53000, protocol: 17 }), // an answer
      flow({ srcAddr: '192.168.1.25', dstAddr: '142.250.185.78', dstPort: 443 }), // ordinary HTTPS
    ]);
    expect(findings.map((f) => f.key)).toEqual([
      'dns_outside_resolver:192.168.1.20',
      'dns_outside_resolver:192.168.1.21',
      'dns_outside_resolver:192.168.1.22',
      'dns_outside_resolver:192.168.1.23',
    ]);
    expect(findings[2]?.title).toContain('DNS over HTTPS (cloudflare)');
    expect(findings[1]?.title).toContain('DNS over TLS');
  });
});

describe('name parts', () => {
  it('keeps hostile names plain and local', () => {
    expect(nameParts('<img src=x onerror=alert(1)>.example.com').local).toBe(true);
    expect(nameParts('c2.abc.duckdns.org')).toMatchObject({ registrable: 'abc.duckdns.org', label: 'abc', subdomain: 'c2', dynamicDns: 'duckdns.org' });
    expect(nameParts('a.b.example.co.uk')).toMatchObject({ registrable: 'example.co.uk', label: 'example', subdomain: 'a.b', threatDomain: 'example.co.uk' });
    expect(nameParts('x.y.cloudfront.net')).toMatchObject({ registrable: 'cloudfront.net', threatDomain: 'y.cloudfront.net' });
  });
});
