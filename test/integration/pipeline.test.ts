/**
 * The whole daemon in-process (createApp with a temp data dir, loopback ports): real
 * softflowd exports of a pcap with a TCP connect scan plus ordinary traffic, and encoded
 * NetFlow v9 of a beaconing device, go through collector → traffic → detectors → findings.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import dgram from 'node:dgram';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setPassword } from '../../src/api/auth/password.js';
import { createApp, type App } from '../../src/app.js';
import { configSchema } from '../../src/config/schema.js';
import { createSilentLogger } from '../../src/core/logger.js';
import { encodeV9 } from '../../src/flow/encode/index.js';
import type { FlowRecord } from '../../src/flow/types.js';
import { freeTcpPort, freeUdpPort } from '../support/daemon.js';
import { softflowdExport } from '../support/flow-tools.js';
import { homeFlows, packetsOf, prng, writePcap, type PacketSpec } from '../support/pcap.js';

let dir: string;
let app: App | undefined;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-pipe-'));
});
afterEach(async () => {
  await app?.stop();
  app = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function startApp(over: Record<string, unknown> = {}): Promise<{ app: App; udpPort: number }> {
  const udpPort = await freeUdpPort();
  // Scanner, intel and NVD stay off: these flows name addresses outside any test namespace.
  const config = configSchema.parse({
    data_dir: dir,
    bind_host: '127.0.0.1',
    bind_port: udpPort,
    web_port: await freeTcpPort(),
    enable_scanner: false,
    enable_threat_intel: false,
    enable_nvd: false,
    ...over,
  });
  const a = createApp(config, { log: createSilentLogger() });
  await a.start();
  app = a;
  return { app: a, udpPort };
}

async function until(pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

/** A TCP connect scan (nmap -sT shape): SYN from the scanner, RST|ACK back from closed ports, full handshake on open ones. */
function connectScan(scanner: string, target: string, ports: number[], t0: number): PacketSpec[] {
  const out: PacketSpec[] = [];
  ports.forEach((port, i) => {
    const t = t0 + i * 2;
    const sport = 40000 + i;
    out.push({ tsMs: t, src: scanner, dst: target, sport, dport: port, proto: 6, flags: 0x02, payload: 0 });
    out.push({ tsMs: t + 1, src: target, dst: scanner, sport: port, dport: sport, proto: 6, flags: 0x14, payload: 0 });
  });
  return out;
}

describe('daemon pipeline', () => {
  it('a TCP connect scan exported by softflowd raises exactly one port-scan finding naming the scanner', async () => {
    const { app: a, udpPort } = await startApp();
    const t0 = Date.now() - 120_000;
    const ports = Array.from({ length: 1000 }, (_, i) => i + 1);
    const packets = [...packetsOf(homeFlows(200, 3, t0)), ...connectScan('192.168.1.66', '192.168.1.10', ports, t0 + 1000)].sort((x, y) => x.tsMs - y.tsMs);
    const pcap = path.join(dir, 'scan.pcap');
    writePcap(pcap, packets);
    await softflowdExport(pcap, udpPort, 9, dir);
    await until(() => a.traffic.totalFlows >= 2200);
    a.traffic.tick(Date.now());
    const scans = a.findings.list().filter((f) => f.category === 'port_scan');
    expect(scans).toHaveLength(1);
    expect(scans[0]?.sourceIp).toBe('192.168.1.66');
    expect(scans[0]?.key).toBe('port_scan:192.168.1.66');
    expect(a.traffic.device('192.168.1.10')?.servicePorts.size).toBeGreaterThan(100);
  });

  it('a device beaconing every 60 s ± 2 s is found; a device with random traffic is not', async () => {
    const { app: a, udpPort } = await startApp();
    const rnd = prng(11);
    const start = Date.now() - 3 * 3_600_000;
    const recs: FlowRecord[] = [];
    const mk = (src: string, dst: string, t: number, bytes: number): FlowRecord => ({
      ipVersion: 4, srcAddr: src, dstAddr: dst, srcPort: 40000 + Math.floor(rnd() * 20000), dstPort: 443, protocol: 6,
      bytes, packets: 6, tcpFlags: 0x1b, startMs: t, endMs: t + 300, exporter: '127.0.0.1', inputIf: 1, outputIf: 2, samplingRate: 1,
    });
    for (let t = start, i = 0; i < 150; i++, t += 60_000 + Math.round((rnd() * 2 - 1) * 2000)) recs.push(mk('192.168.1.77', '203.0.113.50', t, 620 + Math.floor(rnd() * 10)));
    for (let t = start, i = 0; i < 150; i++, t += Math.round(-Math.log(1 - rnd()) * 60_000)) recs.push(mk('192.168.1.78', '198.51.100.9', t, 300 + Math.floor(rnd() * 40_000)));
    recs.sort((x, y) => x.startMs - y.startMs);
    const now = Date.now();
    const dgrams: Buffer[] = [];
    for (let off = 0; off < recs.length; off += 30) {
      dgrams.push(...encodeV9(recs.slice(off, off + 30), { sysUptimeMs: 4 * 3_600_000, unixMs: now, sequence: off / 30, sourceId: 0, includeTemplate: off === 0 }));
    }
    const s = dgram.createSocket('udp4');
    for (const d of dgrams) await new Promise<void>((r) => s.send(d, udpPort, '127.0.0.1', () => r()));
    s.close();
    await until(() => a.traffic.totalFlows >= 300);
    a.traffic.tick(Date.now());
    const beacons = a.findings.list().filter((f) => f.category === 'beaconing');
    expect(beacons.map((f) => f.key)).toEqual(['beaconing:192.168.1.77:203.0.113.50']);
    expect(a.collector.health.get('127.0.0.1')?.sequenceGaps).toBe(0);
    const view = a.collector.exporters();
    expect(view).toHaveLength(1);
    expect(view[0]).toMatchObject({ exporter: '127.0.0.1', records: 300, versions: ['v9'], templates: 2, sequenceGaps: 0 });
  });

  it('findings, flow totals and v9 templates survive a restart (data-only datagrams decode at once)', async () => {
    const first = await startApp();
    first.app.findings.report({ key: 'port_scan:10.0.0.9', category: 'port_scan', severity: 'high', sourceIp: '10.0.0.9', title: 't', detail: 'd', atMs: Date.now(), evidence: {} });
    first.app.findings.dismiss('port_scan:10.0.0.9');
    const now = Date.now();
    const rec = (i: number): FlowRecord => ({
      ipVersion: 4, srcAddr: '192.168.1.5', dstAddr: '198.51.100.7', srcPort: 50000 + i, dstPort: 443, protocol: 6, bytes: 900, packets: 7,
      tcpFlags: 0x1b, startMs: now - 5000, endMs: now - 1000, exporter: '127.0.0.1', inputIf: 1, outputIf: 2, samplingRate: 1,
    });
    const send = async (port: number, bufs: Buffer[]) => {
      const s = dgram.createSocket('udp4');
      for (const d of bufs) await new Promise<void>((r) => s.send(d, port, '127.0.0.1', () => r()));
      s.close();
    };
    await send(first.udpPort, encodeV9([rec(1), rec(2)], { sysUptimeMs: 100_000, unixMs: now, sequence: 0, sourceId: 3, includeTemplate: true }));
    await until(() => first.app.traffic.totalFlows === 2);
    await first.app.stop();
    app = undefined;
    const second = await startApp();
    expect(second.app.findings.get('port_scan:10.0.0.9')?.dismissed).toBe(true);
    expect(second.app.traffic.totalFlows).toBe(2);
    await send(second.udpPort, encodeV9([rec(3)], { sysUptimeMs: 101_000, unixMs: now, sequence: 1, sourceId: 3, includeTemplate: false }));
    await until(() => second.app.traffic.totalFlows === 3);
    expect(second.app.traffic.totalFlows).toBe(3);
    expect(second.app.collector.health.get('127.0.0.1')?.drops.template_missing).toBeUndefined();
  });

  it('a device talking to an address on a blacklist feed gets a high finding naming the feed; /api/intel answers', async () => {
    // The feed is served on loopback; providers (budget 0) and reverse DNS stay off: no traffic leaves the machine.
    const feed = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', etag: '"v1"' });
      res.end('# test feed\n203.0.113.66\n198.51.100.0/24\n');
    });
    await new Promise<void>((r) => feed.listen(0, '127.0.0.1', r));
    const feedUrl = `http://127.0.0.1:${(feed.address() as { port: number }).port}/ipblocklist.txt`;
    try {
      const { app: a, udpPort } = await startApp({
        enable_threat_intel: true,
        blacklist_urls: feedUrl,
        enable_dns_resolution: false,
        ipinfo_daily_budget: 0,
        virustotal_daily_budget: 0,
        shodan_daily_budget: 0,
        abuseipdb_daily_budget: 0,
      });
      await until(() => (a.intel?.stats().feeds[0]?.entries.ips ?? 0) > 0);
      expect(a.intel?.stats().feeds[0]?.entries).toEqual({ ips: 1, cidrs: 1, domains: 0 });
      const now = Date.now();
      const rec = (dst: string, i: number): FlowRecord => ({
        ipVersion: 4, srcAddr: '192.168.1.40', dstAddr: dst, srcPort: 50000 + i, dstPort: 443, protocol: 6, bytes: 900, packets: 7,
        tcpFlags: 0x1b, startMs: now - 5000, endMs: now - 1000, exporter: '127.0.0.1', inputIf: 1, outputIf: 2, samplingRate: 1,
      });
      const s = dgram.createSocket('udp4');
      const bufs = encodeV9([rec('203.0.113.66', 1), rec('198.51.100.20', 2), rec('192.0.2.80', 3)], { sysUptimeMs: 100_000, unixMs: now, sequence: 0, sourceId: 1, includeTemplate: true });
      for (const d of bufs) await new Promise<void>((r) => s.send(d, udpPort, '127.0.0.1', () => r()));
      s.close();
      await until(() => a.findings.list().filter((f) => f.category === 'blacklist').length >= 2);
      const hits = a.findings.list().filter((f) => f.category === 'blacklist');
      expect(hits.map((f) => f.key).sort()).toEqual(['blacklist:192.168.1.40:198.51.100.20', 'blacklist:192.168.1.40:203.0.113.66']);
      expect(hits.every((f) => f.severity === 'high')).toBe(true);
      expect(hits[0]!.detail + hits[0]!.title).toContain('127.0.0.1');
      expect((await a.api!.app!.inject({ method: 'POST', url: '/api/intel/203.0.113.66' })).statusCode).toBe(401);
      await setPassword(a.store.db, 'pipeline test password', Date.now());
      const headers = { authorization: 'Bearer pipeline test password' };
      const res = await a.api!.app!.inject({ method: 'POST', url: '/api/intel/203.0.113.66', headers });
      expect(res.statusCode).toBe(200);
      expect(JSON.stringify(res.json())).toContain('blacklist');
      expect((await a.api!.app!.inject({ method: 'POST', url: '/api/intel/not-an-ip', headers })).statusCode).toBe(400);
    } finally {
      await new Promise((r) => feed.close(r));
    }
  });
});
