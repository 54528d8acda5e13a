import { describe, expect, it } from 'vitest';
import { createEventBus } from '../core/events.js';
import { FakeClock } from '../core/fake-clock.js';
import type { FindingReport } from '../findings/types.js';
import type { FlowRecord } from '../flow/types.js';
import { createBlacklistWatch, type BlacklistWatchOptions } from './blacklist-watch.js';
import { buildMatcher, type FeedMatcher } from './feeds/matcher.js';
import { parseFeed } from './feeds/parse.js';

const flow = (src: string, dst: string, dstPort = 443, srcPort = 50000): FlowRecord => ({
  ipVersion: src.includes(':') ? 6 : 4,
  srcAddr: src,
  dstAddr: dst,
  srcPort,
  dstPort,
  protocol: 6,
  bytes: 1500,
  packets: 3,
  tcpFlags: 0x1b,
  startMs: 0,
  endMs: 0,
  exporter: '192.168.1.1',
  inputIf: 0,
  outputIf: 0,
  samplingRate: 1,
});

const FEEDS = buildMatcher([
  parseFeed('203.0.113.9\n198.51.100.0/24\n2001:db8:bad::/48\n', 'feodotracker.abuse.ch/downloads/ipblocklist.txt'),
  parseFeed('127.0.0.1\tmalware.example.com\n', 'urlhaus.abuse.ch/downloads/hostfile'),
]);

/** A watch over `matcher()` (FEEDS by default) and the reverse-DNS names in `names`. */
function setup(opts: BlacklistWatchOptions = { maxPairs: 10_000, repeatMs: 3_600_000 }, matcher: () => FeedMatcher = () => FEEDS) {
  const findings: FindingReport[] = [];
  const hits: string[] = [];
  const clock = new FakeClock();
  const bus = createEventBus();
  const names: Record<string, string> = { '192.0.2.50': 'cdn.malware.example.com' };
  const watch = createBlacklistWatch(
    { internal_networks: ['192.168.0.0/16', 'fd00::/8'] },
    {
      bus,
      findings: { report: (f) => findings.push(f) },
      matcher,
      nameHit: (ip) => {
        const n = names[ip];
        const feeds = n ? matcher().matchDomain(n) : undefined;
        return n && feeds ? { name: n, feeds } : undefined;
      },
      onHit: (ip) => hits.push(ip),
      clock,
    },
    opts,
  );
  return { watch, findings, hits, clock, bus, names };
}

describe('blacklist watch', () => {
  it('a device talking to a listed address gets a high finding naming the feed', async () => {
    const { watch, findings, hits, bus } = setup();
    await watch.start();
    bus.emit('flow.records', { exporter: '192.168.1.1', records: [flow('192.168.1.20', '203.0.113.9', 8080)] });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      key: 'blacklist:192.168.1.20:203.0.113.9',
      category: 'blacklist',
      severity: 'high',
      sourceIp: '192.168.1.20',
      evidence: { external_ip: '203.0.113.9', feeds: ['feodotracker.abuse.ch/downloads/ipblocklist.txt'], direction: 'outbound', port: 8080 },
    });
    expect(findings[0]?.title).toContain('feodotracker.abuse.ch/downloads/ipblocklist.txt');
    expect(hits).toEqual(['203.0.113.9']);
    await watch.stop();
    bus.emit('flow.records', { exporter: '192.168.1.1', records: [flow('192.168.1.21', '203.0.113.9')] });
    expect(findings).toHaveLength(1);
  });

  it('CIDR and IPv6 entries match; inbound flows name the internal device; clean, internal and transit flows do not', () => {
    const { watch, findings } = setup();
    watch.observe([
      flow('198.51.100.200', '192.168.1.30', 50000, 22),
      flow('fd00::5', '2001:db8:bad:1::9'),
      flow('192.168.1.20', '8.8.8.8'),
      flow('192.168.1.20', '192.168.1.21'),
      flow('203.0.113.9', '198.51.100.7'),
    ]);
    expect(findings.map((f) => f.key)).toEqual(['blacklist:192.168.1.30:198.51.100.200', 'blacklist:fd00::5:2001:db8:bad:1::9']);
    expect(findings[0]?.evidence.direction).toBe('inbound');
  });

  it("a listed reverse-DNS name flags the address; checkName flags a device's DNS query", () => {
    const { watch, findings } = setup();
    watch.observe([flow('192.168.1.40', '192.0.2.50')]);
    expect(findings[0]).toMatchObject({ key: 'blacklist:192.168.1.40:192.0.2.50', evidence: { name: 'cdn.malware.example.com', feeds: ['urlhaus.abuse.ch/downloads/hostfile'] } });
    expect(watch.checkName('192.168.1.41', 'Malware.Example.com.')).toBe(true);
    expect(watch.checkName('192.168.1.41', 'fine.example')).toBe(false);
    expect(watch.checkName('192.168.1.41', '<script>')).toBe(false);
    expect(findings[1]?.key).toBe('blacklist:192.168.1.41:malware.example.com');
  });

  it('a hot flow reports once per repeat window; the reported-pair set is bounded', async () => {
    const { watch, findings, clock } = setup({ maxPairs: 2, repeatMs: 60_000 });
    const hot = Array.from({ length: 1000 }, () => flow('192.168.1.20', '203.0.113.9'));
    watch.observe(hot);
    watch.observe(hot);
    expect(findings).toHaveLength(1);
    expect(watch.stats()).toMatchObject({ hits: 2000, reported: 1, suppressed: 1999 });
    await clock.advance(60_000);
    watch.observe(hot.slice(0, 1));
    expect(findings).toHaveLength(2);
    watch.observe([flow('192.168.1.21', '203.0.113.9'), flow('192.168.1.22', '203.0.113.9'), flow('192.168.1.23', '203.0.113.9')]);
    expect(watch.stats().pairs).toBe(2);
  });

  it('an address found clean is checked again after a feed reload (a new matcher) and after forget()', () => {
    let matcher = buildMatcher([parseFeed('203.0.113.9\n', 'feed-a')]);
    const { watch, findings, names } = setup(undefined, () => matcher);
    watch.observe([flow('192.168.1.20', '198.51.100.7'), flow('198.51.100.8', '192.168.1.20', 50000, 22)]);
    expect(findings).toHaveLength(0);
    // the reloaded feeds list both addresses (one as a network)
    matcher = buildMatcher([parseFeed('198.51.100.7\n198.51.100.0/28\n', 'feed-b'), parseFeed('evil.example\n', 'feed-c')]);
    watch.observe([flow('192.168.1.20', '198.51.100.7'), flow('198.51.100.8', '192.168.1.20', 50000, 22)]);
    expect(findings.map((f) => f.key)).toEqual(['blacklist:192.168.1.20:198.51.100.7', 'blacklist:192.168.1.20:198.51.100.8']);
    // a clean address whose reverse-DNS name turns out listed: remembered clean until forget(ip)
    watch.observe([flow('192.168.1.21', '192.0.2.80')]);
    names['192.0.2.80'] = 'cdn.evil.example';
    watch.observe([flow('192.168.1.21', '192.0.2.80')]);
    expect(findings).toHaveLength(2);
    watch.forget('192.0.2.80');
    watch.observe([flow('192.168.1.21', '192.0.2.80')]);
    expect(findings[2]).toMatchObject({ key: 'blacklist:192.168.1.21:192.0.2.80', evidence: { name: 'cdn.evil.example', feeds: ['feed-c'] } });
    // forget() without an address forgets every clean verdict
    watch.observe([flow('192.168.1.22', '192.0.2.81')]);
    names['192.0.2.81'] = 'www.evil.example';
    watch.forget();
    watch.observe([flow('192.168.1.22', '192.0.2.81')]);
    expect(findings.map((f) => f.key)).toContain('blacklist:192.168.1.22:192.0.2.81');
  });

  it('a full clean set is emptied and listed addresses are still found', () => {
    const { watch, findings } = setup({ maxPairs: 10, repeatMs: 60_000, maxClean: 4 });
    for (let i = 1; i <= 20; i++) watch.observe([flow('192.168.1.20', `198.18.0.${i}`), flow('192.168.1.20', '203.0.113.9')]);
    expect(findings).toHaveLength(1);
    expect(watch.stats()).toMatchObject({ hits: 20, reported: 1, suppressed: 19 });
  });
});
