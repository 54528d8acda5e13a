import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventBus } from '../core/events.js';
import { FakeClock, flushMicrotasks } from '../core/fake-clock.js';
import { createSilentLogger } from '../core/logger.js';
import { createMetrics } from '../core/metrics.js';
import type { FindingReport } from '../findings/types.js';
import type { FlowRecord } from '../flow/types.js';
import { openDatabase, type Db } from '../store/database.js';
import { MIGRATIONS } from '../store/migrations.js';
import { DNS_DEFAULTS, type DnsConfig } from './dns-config.js';
import { createDnsMonitor } from './dns-monitor.js';
import { DNS_MIGRATION } from './migration-sql.js';
import { query } from './test-kit.js';
import type { DnsQuery, DnsSource, DnsSourceStatus } from './types.js';

const T0 = Date.UTC(2026, 0, 1, 10);
const HOSTILE = '<img src=x onerror=alert(1)>.example.com';

/** A scripted source: each poll returns the next batch (or throws when the batch is an Error). */
function scriptedSource(batches: (DnsQuery[] | Error)[]): DnsSource & { polls: number; stopped: boolean } {
  const st: DnsSourceStatus = { kind: 'pihole6', state: 'idle', polls: 0, queries: 0, badRecords: 0, errors: 0, counters: {} };
  const s = {
    kind: 'pihole6' as const,
    polls: 0,
    stopped: false,
    async start() {},
    async poll() {
      s.polls++;
      st.polls++;
      const next = batches.shift() ?? [];
      if (next instanceof Error) throw next;
      st.state = 'ok';
      st.queries += next.length;
      return next;
    },
    async stop() {
      s.stopped = true;
    },
    status: () => ({ ...st }),
  };
  return s;
}

let dir = '';
let db: Db | undefined;
afterEach(() => {
  db?.close();
  db = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = '';
});

function setup(source: DnsSource | undefined, overrides: Partial<DnsConfig> = {}, file?: string) {
  dir ||= fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-dnsmon-'));
  // migration 7 may already be in MIGRATIONS once the lead appends it
  db = openDatabase(file ?? path.join(dir, 'homesec.db'), [...MIGRATIONS.filter((m) => m.version !== DNS_MIGRATION.version), DNS_MIGRATION]).db;
  const clock = new FakeClock(T0);
  const bus = createEventBus();
  const findings: FindingReport[] = [];
  const events: DnsQuery[][] = [];
  bus.on('dns.queries', (e) => events.push(e.queries));
  const metrics = createMetrics();
  const config: DnsConfig = { ...DNS_DEFAULTS, dns_source: 'pihole6', dns_poll_seconds: 5, internal_networks: ['192.168.0.0/16'], dns_local_resolvers: ['192.168.1.2'], ...overrides };
  const store = { db: db as Db };
  const monitor = createDnsMonitor(config, {
    bus,
    findings: { report: (f) => findings.push(f) },
    store,
    clock,
    metrics,
    log: createSilentLogger(),
    threatMatch: (n) => (n === 'evil.example.net' ? ['urlhaus.abuse.ch'] : undefined),
    ...(source ? { source } : {}),
  });
  return { monitor, clock, bus, findings, events, metrics, store };
}

describe('DNS monitor', () => {
  it('polls on its timer, feeds statistics and detectors, emits dns.queries, reports findings', async () => {
    const batch1 = [
      query({ timeMs: T0, client: '192.168.1.20', name: 'www.example.com' }),
      query({ timeMs: T0 + 1, client: '192.168.1.20', name: 'img.example.com' }),
      query({ timeMs: T0 + 2, client: '192.168.1.20', name: 'ads.tracker.net', blocked: true, status: 'blocked' }),
      query({ timeMs: T0 + 3, client: '192.168.1.20', name: HOSTILE, type: 'TXT', rcode: 'NXDOMAIN' }),
      query({ timeMs: T0 + 4, client: '192.168.1.21', name: 'x.evil.example.net' }),
    ];
    const dga = ['knpqxlxcwtlvgrdyhd.com', 'ectdsitvvoydawmfni.com', 'wxxnufbeacmrtdam.com'].map((name, i) => query({ timeMs: T0 + 6000 + i, client: '192.168.1.22', name, rcode: 'NXDOMAIN', answers: [] }));
    const source = scriptedSource([batch1, dga]);
    const { monitor, clock, findings, events, metrics } = setup(source);
    await monitor.start();
    expect(source.polls).toBe(0);
    await clock.advance(5000);
    await flushMicrotasks();
    expect(source.polls).toBe(1);
    await clock.advance(5000);
    await flushMicrotasks();
    expect(source.polls).toBe(2);
    expect(events.flat()).toHaveLength(8);
    const dev = monitor.stats('192.168.1.20');
    expect(dev).toMatchObject({ queries: 4, blocked: 1, blockedShare: 0.25, nxdomain: 1, types: { A: 3, TXT: 1 } });
    expect(dev?.topDomains).toEqual([
      { domain: 'example.com', count: 2 },
      { domain: HOSTILE, count: 1 },
      { domain: 'tracker.net', count: 1 },
    ]);
    expect(dev?.topBlocked).toEqual([{ domain: 'tracker.net', count: 1 }]);
    expect(monitor.stats()).toMatchObject({ queries: 8, blocked: 1, devices: 3 });
    expect(findings.map((f) => f.key).sort()).toEqual(['dns_blacklist:192.168.1.21:evil.example.net', 'dns_dga:192.168.1.22']);
    expect(metrics.get('homesec_dns_queries_total', { source: 'pihole6' })).toBe(8);
    expect(monitor.sourceStatus()).toMatchObject({ kind: 'pihole6', state: 'ok', queries: 8 });
    expect(monitor.hostSection('192.168.1.20')).toMatchObject({ ip: '192.168.1.20', source: 'pihole6', stats: { queries: 4 }, newDomains: { count: 0 } });
    await monitor.stop();
    expect(source.stopped).toBe(true);
  });

  it('keeps going when the source throws, and watches flows even without a DNS source', async () => {
    const source = scriptedSource([new Error('boom'), [query({ timeMs: T0, name: 'ok.example.com' })]]);
    const { monitor, metrics } = setup(source);
    await monitor.start();
    expect(await monitor.pollNow()).toBe(0);
    expect(await monitor.pollNow()).toBe(1);
    expect(metrics.get('homesec_dns_errors_total', { where: 'poll' })).toBe(1);
    await monitor.stop();

    const none = setup(undefined, { dns_source: 'none' });
    await none.monitor.start();
    expect(none.monitor.sourceStatus()).toMatchObject({ kind: 'none', state: 'idle' });
    const flow: FlowRecord = { ipVersion: 4, srcAddr: '192.168.1.30', dstAddr: '8.8.8.8', srcPort: 40000, dstPort: 53, protocol: 17, bytes: 80, packets: 1, tcpFlags: 0, startMs: T0, endMs: T0, exporter: '192.168.1.1', inputIf: 0, outputIf: 0, samplingRate: 1 };
    none.bus.emit('flow.records', { exporter: '192.168.1.1', records: [flow, { ...flow, srcAddr: '192.168.1.2' }] });
    expect(none.findings.map((f) => f.key)).toEqual(['dns_outside_resolver:192.168.1.30']);
    await none.monitor.stop();
    none.bus.emit('flow.records', { exporter: '192.168.1.1', records: [{ ...flow, srcAddr: '192.168.1.31' }] });
    expect(none.findings).toHaveLength(1);
  });

  it('saves statistics and domain profiles at stop and restores them at start', async () => {
    const source = scriptedSource([[query({ timeMs: T0, client: '192.168.1.40', name: 'api.tuyaeu.com' }), query({ timeMs: T0, client: '192.168.1.40', name: 'x.ntp.org', blocked: true, status: 'blocked' })]]);
    const first = setup(source, { dns_learning_hours: 1 });
    await first.monitor.start();
    await first.monitor.pollNow();
    await first.monitor.stop();
    const file = path.join(dir, 'homesec.db');
    expect((first.store.db.prepare('SELECT COUNT(*) AS n FROM dns_device_domains').get() as { n: number }).n).toBe(2);
    db?.close();
    const later = [query({ timeMs: T0 + 2 * 3_600_000, client: '192.168.1.40', name: 'api.tuyaeu.com' }), query({ timeMs: T0 + 2 * 3_600_000, client: '192.168.1.40', name: 'evil-new.example.org' })];
    const second = setup(scriptedSource([later]), { dns_learning_hours: 1 }, file);
    await second.monitor.start();
    expect(second.monitor.stats('192.168.1.40')).toMatchObject({ queries: 2, blocked: 1 });
    await second.monitor.pollNow();
    expect(second.monitor.stats('192.168.1.40')).toMatchObject({ queries: 4, blocked: 1 });
    // the restored profile knows tuyaeu.com and ntp.org: only the new domain is reported
    expect(second.findings.map((f) => [f.key, (f.evidence as { domain: string }).domain])).toEqual([['dns_new_domain:192.168.1.40', 'example.org']]);
    await second.monitor.stop();
  });

  it('runs without the DNS tables (migration not applied): memory only, no crash', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-dnsmon-'));
    db = openDatabase(path.join(dir, 'plain.db'), MIGRATIONS.filter((m) => m.version !== DNS_MIGRATION.version)).db;
    const source = scriptedSource([[query({ timeMs: T0, name: 'www.example.com' })]]);
    const monitor = createDnsMonitor(
      { ...DNS_DEFAULTS, dns_source: 'pihole6', internal_networks: ['192.168.0.0/16'] },
      { bus: createEventBus(), findings: { report: () => undefined }, store: { db }, clock: new FakeClock(T0), metrics: createMetrics(), log: createSilentLogger(), source },
    );
    await monitor.start();
    expect(await monitor.pollNow()).toBe(1);
    await monitor.stop();
    expect(monitor.stats()).toMatchObject({ queries: 1 });
  });
});

describe('local resolvers', () => {
  it('adds the host of dns_url when it is an IP address', async () => {
    const { localResolvers } = await import('./dns-monitor.js');
    expect(localResolvers({ dns_source: 'pihole6', dns_url: 'http://192.168.1.2:8080', dns_local_resolvers: ['10.0.0.1'] }).sort()).toEqual(['10.0.0.1', '192.168.1.2']);
    expect(localResolvers({ dns_source: 'adguard', dns_url: 'http://[fd00::53]/', dns_local_resolvers: [] })).toEqual(['fd00::53']);
    expect(localResolvers({ dns_source: 'pihole6', dns_url: 'http://pi.hole', dns_local_resolvers: [] })).toEqual([]);
    expect(localResolvers({ dns_source: 'none', dns_url: 'http://192.168.1.2', dns_local_resolvers: [] })).toEqual([]);
  });
});
