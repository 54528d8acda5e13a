/**
 * The active scanner against real hosts: network namespaces on a lab bridge (198.18.0.0/15)
 * running Debian's sshd, nginx, lighttpd, vsftpd and mosquitto, with ICMP blocked on some and
 * ports dropped by nftables on others. nmap is the oracle: homesec must report exactly the
 * open ports `nmap -sT` reports, the SSH/FTP/HTTP products and versions `nmap -sV` reports,
 * and find the ping-blocking hosts alive.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCAN_PORTS } from '../../src/config/schema.js';
import { parsePortSpec } from '../../src/config/fields.js';
import { connectScan } from '../../src/scan/connect-scan.js';
import { parseNmapXml, type NmapHost } from '../../src/scan/nmap-xml.js';
import { runScanCycle } from '../../src/scan/scan-cycle.js';
import { createScanProbes } from '../../src/scan/scan-probes.js';
import type { HostScan } from '../../src/scan/types.js';
import { createLab, labSupport, type Lab, type LabHostSpec } from '../support/netns-lab.js';

const run = promisify(execFile);
const PORTS = parsePortSpec(DEFAULT_SCAN_PORTS);

const SPECS: LabHostSpec[] = [
  { services: ['ssh', 'nginx'] },
  { services: ['vsftpd', 'lighttpd'], filteredPorts: [443, 8080] },
  { services: ['mosquitto'] },
  { services: ['ssh'], blockIcmp: true },
  { services: ['nginx'], blockIcmp: true, filteredPorts: [22, 3306] },
  { services: ['vsftpd', 'mosquitto'] },
  { services: ['lighttpd', 'ssh'] },
  { services: [] },
  { services: ['ssh', 'nginx', 'vsftpd', 'mosquitto'], filteredPorts: [5432, 6379] },
];

const why = labSupport() ?? (existsSync('/usr/bin/nmap') ? undefined : 'nmap is not installed (scripts/install-test-deps.sh)');

describe.skipIf(why !== undefined)('scanner in a namespace lab (nmap as oracle)', () => {
  let lab: Lab;
  let ours: HostScan[];
  let nmapT: NmapHost[];
  let nmapV: NmapHost[];

  beforeAll(async () => {
    lab = await createLab(SPECS);
    const ips = lab.hosts.map((h) => h.ip);
    const probes = createScanProbes({ serviceTimeoutMs: 5000, pingWaitSeconds: 1 });
    ours = await runScanCycle(
      ips,
      {
        ports: PORTS,
        timeoutMs: 1000,
        minTimeoutMs: 100,
        retries: 1,
        concurrency: 512,
        hostConcurrency: 64,
        serviceDetection: true,
        serviceConcurrency: 128,
        pingConcurrency: 64,
      },
      { ...probes, now: Date.now },
    );
    await probes.close();
    const portArg = ['-p', PORTS.join(',')];
    nmapT = parseNmapXml((await run('nmap', ['-sT', '-Pn', '-n', '-T4', ...portArg, '-oX', '-', ...ips], { maxBuffer: 1 << 24 })).stdout);
    nmapV = parseNmapXml(
      (await run('nmap', ['-sT', '-sV', '--version-light', '-Pn', '-n', '-T4', '-p', '21,22,80', '-oX', '-', ...ips], { maxBuffer: 1 << 24 })).stdout,
    );
  }, 180_000);

  afterAll(async () => {
    await lab?.stop();
  });

  it('reports exactly the open ports nmap -sT reports, host by host', () => {
    for (const h of lab.hosts) {
      const n = nmapT.find((x) => x.ip === h.ip)!;
      const nmapOpen = n.ports.filter((p) => p.state === 'open').map((p) => p.port);
      const mine = ours.find((x) => x.ip === h.ip)!;
      expect(mine.openPorts, h.ip).toEqual(nmapOpen);
    }
    // The lab is not trivial: every service is open somewhere and dropped ports are filtered.
    expect(ours.reduce((n, h) => n + h.openPorts.length, 0)).toBe(SPECS.reduce((n, s) => n + s.services.length, 0));
    expect(ours[1]!.filteredCount).toBe(2);
    expect(ours[8]!.filteredCount).toBe(2);
    expect(ours[0]!.filteredCount).toBe(0);
  });

  it('both connect dialers (native TCP handle and the net.Socket fallback) give every port the state nmap -sT gives it', async () => {
    const ips = lab.hosts.map((h) => h.ip);
    for (const dialer of ['native', 'socket'] as const) {
      const res = await connectScan(ips, { ports: PORTS, timeoutMs: 1000, minTimeoutMs: 100, retries: 1, concurrency: 512, hostConcurrency: 64, dialer });
      for (const ip of ips) {
        const n = nmapT.find((x) => x.ip === ip)!;
        const state = (s: string) => n.ports.filter((p) => p.state === s).map((p) => p.port);
        // nmap lists only the ports not in its "ignored" (here: closed) state, so compare open and filtered.
        const r = res.get(ip)!;
        expect({ open: r.open, filtered: r.filtered }, `${dialer} ${ip}`).toEqual({ open: state('open'), filtered: state('filtered') });
        expect(r.open.length + r.closed.length + r.filtered.length).toBe(PORTS.length);
      }
    }
  }, 30_000);

  it('finds every host alive, the ping-blocking ones through TCP', () => {
    for (const h of ours) expect(h.alive, h.ip).toBe(true);
    expect(ours[3]!.aliveBy).toBe('tcp');
    expect(ours[4]!.aliveBy).toBe('tcp');
    expect(ours[0]!.aliveBy).toBe('icmp');
    expect(ours[0]!.ttl).toBe(64);
    expect(ours[7]!.aliveBy).toBe('icmp');
  });

  it('identifies SSH, FTP and HTTP products and versions as nmap -sV does', () => {
    let compared = 0;
    for (const n of nmapV) {
      for (const p of n.ports) {
        if (p.state !== 'open' || !p.service?.product) continue;
        const mine = ours.find((x) => x.ip === n.ip)!.services.find((s) => s.port === p.port);
        expect(mine?.product, `${n.ip}:${p.port}`).toBe(p.service.product);
        // nmap prints "9.2p1 Debian 2+deb12u10"; we keep the version and put the package in extra.
        expect(p.service.version?.startsWith(mine!.version ?? '-'), `${n.ip}:${p.port} ${mine?.version} vs ${p.service.version}`).toBe(true);
        compared++;
      }
    }
    expect(compared).toBe(SPECS.reduce((n, s) => n + s.services.filter((x) => x !== 'mosquitto').length, 0));
  });

  it('identifies the MQTT broker and reads nginx/lighttpd through HTTP fingerprinting', () => {
    const mqtt = ours[2]!.services.find((s) => s.port === 1883)!;
    expect(mqtt.name).toBe('mqtt');
    expect(mqtt.product).toBe('mosquitto');
    const web = ours[0]!.services.find((s) => s.port === 80)!;
    expect(web.http?.technologies.map((t) => t.name)).toContain('Nginx');
    expect(web.http?.title).toBe('lab host 0');
    const light = ours[1]!.services.find((s) => s.port === 80)!;
    expect(light.http?.technologies.find((t) => t.name === 'lighttpd')?.version).toBe('1.4.69');
  });

  it('guesses Linux for the hosts with a Debian OpenSSH banner', () => {
    expect(ours[0]!.os?.family).toBe('Linux');
  });

  it('`homesec scan` on the command line scans the given targets, prints JSON and saves homesec_hosts.yaml', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'homesec-scan-cli-'));
    try {
      const root = fileURLToPath(new URL('../..', import.meta.url));
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', join(root, 'src/main.ts'), 'scan', lab.hosts[0]!.ip, lab.hosts[1]!.ip, '-p', '21,22,80,443', '--json', '--no-progress', '--data-dir', dir],
        { cwd: root, timeout: 60_000 },
      );
      const hosts = JSON.parse(stdout) as HostScan[];
      expect(hosts.map((h) => [h.ip, h.openPorts])).toEqual([
        [lab.hosts[0]!.ip, [22, 80]],
        [lab.hosts[1]!.ip, [21, 80]],
      ]);
      expect(readFileSync(join(dir, 'homesec_hosts.yaml'), 'utf8')).toContain(`${lab.hosts[0]!.ip}:`);
      await expect(run(process.execPath, ['--import', 'tsx', join(root, 'src/main.ts'), 'scan', '10.0.0.1;id', '--data-dir', dir], { cwd: root })).rejects.toMatchObject({ code: 2 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
