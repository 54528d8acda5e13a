/**
 * `homesec demo` end to end: the real CLI (node + tsx) runs the demo; through its API we
 * check that the dashboard has what a newcomer should see within a minute — devices, flows,
 * scan results of the lab services only, one finding of every story (port scan, suspicious
 * port, beaconing, blacklist, high egress, new device, vulnerability), recommendations, the
 * DEMO label — and that nothing outside loopback was touched: no scan result beyond the lab
 * hosts, no intel provider or reverse-DNS query, no refusal by the demo's network fence.
 * Then Ctrl-C stops it cleanly and its temporary data directory is gone.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ACTIVITIES, DEVICES, LAB_HOSTS } from '../../src/demo/scenario.js';
import { freeTcpPort, freeUdpPort, startDaemon, type Daemon } from '../support/daemon.js';

let daemon: Daemon | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  if (daemon && daemon.proc.exitCode === null && daemon.proc.signalCode === null) {
    daemon.proc.kill('SIGKILL');
    await daemon.exited;
  }
  daemon = undefined;
  // A killed demo cannot remove its temporary data directory.
  if (dataDir?.includes('homesec-demo-')) fs.rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

const EXPECTED = [...new Set([...ACTIVITIES.flatMap((a) => (a.expect ? [a.expect] : [])), 'vulnerability'])].sort();

interface Finding {
  category: string;
  sourceIp: string;
  severity: string;
  title: string;
}

describe('homesec demo', () => {
  it(
    'shows every story within the first minute and a half, scans and contacts nothing but loopback, and stops cleanly',
    async () => {
      const webPort = await freeTcpPort();
      const udpPort = await freeUdpPort();
      // startDaemon sets HOMESEC_* variables (scanner, intel, NVD off): the demo must ignore them.
      daemon = startDaemon(['demo', '--web-port', String(webPort), '--bind-port', String(udpPort), '--duration', '170']);
      const running = await daemon.waitFor(/homesec demo is running/, 60_000);
      expect(running).toMatchObject({ demo: true, dashboard: `http://127.0.0.1:${webPort}/`, listener: `udp://127.0.0.1:${udpPort}` });
      dataDir = String(running.data);
      expect(fs.existsSync(dataDir)).toBe(true);
      expect(daemon.lines.some((l) => l.msg === 'demo: environment variable ignored (the demo never reads your configuration)' && l.variable === 'HOMESEC_ENABLE_SCANNER')).toBe(true);
      // The CLI prints the dashboard address and password on standard error right after.
      for (let i = 0; i < 100 && !/Password:/.test(daemon.stderr.join('')); i++) await new Promise((r) => setTimeout(r, 100));
      const password = /Password:\s+(\S+)/.exec(daemon.stderr.join(''))?.[1];
      expect(password).toBeTruthy();
      // The password reaches standard error only, never the structured log.
      expect(daemon.lines.some((l) => JSON.stringify(l).includes(password as string))).toBe(false);

      const api = async <T>(path: string): Promise<T> => {
        const res = await fetch(`http://127.0.0.1:${webPort}${path}`, { headers: { authorization: `Bearer ${password}` } });
        expect(res.status, path).toBe(200);
        return (await res.json()) as T;
      };

      // Poll (bounded) until every story has raised its finding.
      let findings: Finding[] = [];
      const deadline = Date.now() + 90_000;
      for (;;) {
        findings = (await api<{ findings: Finding[] }>('/api/findings')).findings;
        const got = new Set(findings.map((f) => f.category));
        if (EXPECTED.every((c) => got.has(c)) || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      const by = (c: string) => findings.filter((f) => f.category === c).map((f) => f.sourceIp);
      expect([...new Set(findings.map((f) => f.category))].filter((c) => EXPECTED.includes(c)).sort()).toEqual(EXPECTED);
      expect(by('port_scan')).toEqual(['192.168.1.77']);
      expect(by('new_device')).toEqual(['192.168.1.77']);
      expect(by('suspicious_port')).toEqual(['192.168.1.41']);
      expect(by('beaconing')).toEqual(['192.168.1.31']);
      expect(by('blacklist')).toEqual(['192.168.1.14']);
      expect(by('high_egress')).toEqual(['127.0.0.20']);
      expect(new Set(by('vulnerability'))).toEqual(new Set(['127.0.0.20', '127.0.0.30', '127.0.0.40']));
      expect(findings.find((f) => f.category === 'vulnerability' && f.title.includes('CVE-2021-41773'))?.title).toMatch(/known exploited/);

      // Flows, devices (the scenario's, named from the lease file), scan results, the graph.
      const health = await api<{ flows_total: number; collector: { records: number; dropped: number; decodeErrors: number } }>('/health');
      expect(health.flows_total).toBeGreaterThan(1000);
      expect(health.collector).toMatchObject({ dropped: 0, decodeErrors: 0 });
      const hosts = (await api<{ devices: { ip?: string; hostname?: string; vendor?: string }[] }>('/api/hosts')).devices;
      for (const d of DEVICES) expect(hosts.find((h) => h.ip === d.ip)?.hostname, d.hostname).toBe(d.hostname);
      expect(hosts.find((h) => h.ip === '127.0.0.20')?.vendor).toMatch(/Synology/);
      const scanned = (await api<{ hosts: { ip: string; alive: boolean; services: { product?: string; version?: string }[] }[] }>('/api/scan/hosts')).hosts;
      expect(scanned.map((h) => h.ip).sort()).toEqual([...LAB_HOSTS].sort());
      expect(scanned.flatMap((h) => h.services.map((s) => `${s.product}/${s.version}`)).sort()).toEqual(
        ['apache/2.4.49', 'live555/2018.08.28', 'mosquitto/1.6.9', 'nginx/1.18.0', 'openssh/8.2p1', 'undefined/undefined', 'vsftpd/2.3.4'].sort(),
      );
      const recs = (await api<{ recommendations: unknown[] }>('/api/recommendations')).recommendations;
      expect(recs.length).toBeGreaterThan(0);
      const overview = await api<{ demo: boolean; stats: { devices: { total: number; scanned: number; atRisk: number } } }>('/api/overview');
      expect(overview.demo).toBe(true);
      expect(overview.stats.devices).toMatchObject({ scanned: LAB_HOSTS.length });
      expect(overview.stats.devices.atRisk).toBeGreaterThan(0);
      const graph = await api<{ nodes: { kind: string; ip: string }[]; edges: unknown[] }>('/api/graph');
      expect(graph.nodes.filter((n) => n.kind === 'device').length).toBeGreaterThanOrEqual(DEVICES.length);
      expect(graph.nodes.some((n) => n.kind === 'external' && n.ip === '198.51.100.77')).toBe(true);
      expect(graph.edges.length).toBeGreaterThan(0);

      // Nothing beyond loopback: no provider asked, no reverse DNS, nothing refused by the fence.
      const intel = await api<{ providers: { requests: number }[]; rdns?: unknown }>('/api/intel');
      expect(intel.providers.every((p) => p.requests === 0)).toBe(true);
      expect(intel.rdns ?? null).toBe(null);
      expect(daemon.lines.some((l) => l.msg === 'demo: refused a connection outside loopback')).toBe(false);

      daemon.proc.kill('SIGINT');
      const exit = await daemon.exited;
      expect(exit.code).toBe(0);
      expect(daemon.lines.some((l) => l.msg === 'demo: stopped')).toBe(true);
      expect(fs.existsSync(dataDir)).toBe(false);
    },
    200_000,
  );
});
