/**
 * Test kit for the DNS detector tests (no production code imports it). Rules: deterministic
 * (seeded PRNG from ../test-kit.ts, fixed instants); traffic generators produce DnsQuery
 * streams in the shape the sources emit.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMetrics, type Metrics } from '../../core/metrics.js';
import type { FindingReport } from '../../findings/types.js';
import { DNS_DEFAULTS, type DnsConfig } from '../dns-config.js';
import { nameParts } from '../names.js';
import { prng, query } from '../test-kit.js';
import type { DnsQuery } from '../types.js';
import type { DnsDetector, DnsDetectorContext } from './dns-detector.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** 2026-01-01T00:00:00Z. */
export const T0 = Date.UTC(2026, 0, 1);

export interface TestDnsContext {
  ctx: DnsDetectorContext;
  findings: FindingReport[];
  metrics: Metrics;
}

/** A detector context collecting findings (config = defaults + overrides). */
export function testContext(overrides: Partial<DnsConfig> = {}, extra: Partial<DnsDetectorContext> = {}): TestDnsContext {
  const metrics = createMetrics();
  const findings: FindingReport[] = [];
  const config: DnsConfig = { ...DNS_DEFAULTS, internal_networks: ['192.168.0.0/16', '10.0.0.0/8', 'fd00::/8'], ...overrides };
  return { ctx: { config, metrics, report: (f) => findings.push(f), ...extra }, findings, metrics };
}

/** Feeds queries to detectors (with their name parts), ticking every simulated minute. */
export function feed(detectors: readonly DnsDetector[], queries: readonly DnsQuery[]): void {
  let nextTick = queries[0]?.timeMs ?? T0;
  for (const q of queries) {
    const parts = nameParts(q.name);
    for (const d of detectors) d.observe(q, parts);
    if (q.timeMs >= nextTick) {
      for (const d of detectors) d.tick(q.timeMs);
      nextTick = q.timeMs + 60_000;
    }
  }
}

/** The popular domains of testdata/popular-domains.txt (rank order). */
export function popularDomains(): string[] {
  return fs
    .readFileSync(path.join(HERE, 'testdata', 'popular-domains.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0 && !l.startsWith('#'))
    .map((l) => l.split(',')[1] as string);
}

const B32 = 'abcdefghijklmnopqrstuvwxyz012345';

/**
 * An iodine-like stream: upstream data base32-encoded into query names under one tunnel
 * domain (labels of up to 63 characters, a command/user prefix, type NULL as iodine uses by
 * default), interleaved with short ping queries. About `rate` queries per second.
 */
export function iodineStream(opts: { client: string; domain: string; startMs: number; seconds: number; rate: number; seed: number; type?: string }): DnsQuery[] {
  const rnd = prng(opts.seed);
  const out: DnsQuery[] = [];
  const n = opts.seconds * opts.rate;
  for (let i = 0; i < n; i++) {
    const timeMs = opts.startMs + Math.floor((i * 1000) / opts.rate);
    let name: string;
    if (i % 10 === 9) {
      name = `p${(i % 16).toString(16)}${Array.from({ length: 8 }, () => B32[Math.floor(rnd() * 32)]).join('')}.${opts.domain}`;
    } else {
      const len = 90 + Math.floor(rnd() * 90);
      const data = Array.from({ length: len }, () => B32[Math.floor(rnd() * 32)]).join('');
      const labels = (`0${(i % 16).toString(16)}` + data).match(/.{1,57}/g) as string[];
      name = `${labels.join('.')}.${opts.domain}`;
    }
    out.push(query({ timeMs, client: opts.client, name, type: opts.type ?? 'NULL', rcode: 'NOERROR', answers: [] }));
  }
  return out;
}

/**
 * Ordinary home browsing: a laptop and a phone visiting popular sites (with their CDN,
 * API and tracking host names, A/AAAA/HTTPS lookups, some NXDOMAIN typos, local names and
 * reverse lookups) and a TV streaming from a fixed set of services, for `hours` hours.
 */
export function browsingTrace(seed: number, hours: number): DnsQuery[] {
  const rnd = prng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)] as T;
  const popular = popularDomains();
  const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rnd() * 16)]).join('');
  const alnum = (n: number) => Array.from({ length: n }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(rnd() * 36)]).join('');
  const cdnHost = (): string =>
    pick([
      () => `d${alnum(13)}.cloudfront.net`,
      () => `r${1 + Math.floor(rnd() * 8)}---sn-${alnum(4)}${alnum(4)}.googlevideo.com`,
      () => `e${1000 + Math.floor(rnd() * 9000)}.dscb.akamaiedge.net`,
      () => `scontent-${pick(['fra3', 'ams4', 'lhr8'])}-1.xx.fbcdn.net`,
      () => `${hex(16)}.azureedge.net`,
      () => `lh${3 + Math.floor(rnd() * 3)}.googleusercontent.com`,
      () => `i${Math.floor(rnd() * 9)}.ytimg.com`,
      () => `${alnum(10)}.execute-api.eu-west-1.amazonaws.com`,
    ])();
  const sub = () => pick(['www.', 'www.', 'api.', 'cdn.', 'static.', 'img.', 'm.', '', 'login.', 'accounts.']);
  const typos = ['gooogle.com', 'facebok.com', 'amazno.com', 'wikipedai.org'];
  const tvSet = ['netflix.com', 'nflxvideo.net', 'nflximg.com', 'youtube.com', 'googlevideo.com', 'ytimg.com', 'roku.com', 'lgtvcommon.com', 'pool.ntp.org'];
  const out: DnsQuery[] = [];
  const end = T0 + hours * 3_600_000;
  for (const [client, perMinute, sites] of [
    ['192.168.1.20', 14, popular.slice(0, 450)],
    ['192.168.1.21', 10, popular.slice(100, 600)],
  ] as const) {
    for (let t = T0; t < end; t += Math.floor(60_000 / perMinute)) {
      const r = rnd();
      let name: string;
      let type = pick(['A', 'A', 'AAAA', 'HTTPS']);
      let rcode = 'NOERROR';
      if (r < 0.5) name = `${sub()}${pick(sites)}`;
      else if (r < 0.85) name = cdnHost();
      else if (r < 0.9) {
        name = `${Math.floor(rnd() * 254) + 1}.1.168.192.in-addr.arpa`;
        type = 'PTR';
      } else if (r < 0.95) name = pick(['printer.lan', 'nas.local', 'router.lan', 'wpad.lan', '_ipp._tcp.local']);
      else if (r < 0.97) {
        name = pick(typos);
        rcode = 'NXDOMAIN';
      } else name = pick(['msftncsi.com', 'www.msftconnecttest.com', 'connectivitycheck.gstatic.com', 'time.apple.com', 'pool.ntp.org']);
      out.push(query({ timeMs: t, client, name, type, rcode, answers: rcode === 'NOERROR' ? ['203.0.113.10'] : [] }));
    }
  }
  for (let t = T0; t < end; t += 20_000) {
    const d = pick(tvSet);
    out.push(query({ timeMs: t, client: '192.168.1.30', name: d === 'googlevideo.com' || d === 'nflxvideo.net' ? `ipv4-c${Math.floor(rnd() * 99)}-fra00${Math.floor(rnd() * 9)}.1.oca.${d}` : `www.${d}`, type: 'A' }));
  }
  return out.sort((a, b) => a.timeMs - b.timeMs);
}
