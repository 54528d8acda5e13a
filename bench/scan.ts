/**
 * Active-scanner benchmark (issue 13): 64 lab hosts in network namespaces running real
 * Debian services (sshd, nginx, lighttpd, vsftpd, mosquitto), the default scan ports.
 * (a) port scan: homesec's connect scan vs `nmap -sT -Pn -T4`, open-port sets compared;
 * (b) service identification: homesec's full cycle vs `nmap -sV --version-light -sT -Pn -T4`,
 * counting services each names with a product (and with a version). For (a) each tool runs
 * `rounds` times, alternating which goes first, after one untimed warm-up pass each (ARP,
 * caches); the median wall time is reported.
 * homesec runs in this process (modules loaded, scan worker threads started by the warm-up),
 * nmap as its own process, as a user would run each.
 */
import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { promisify } from 'node:util';
import { parsePortSpec } from '../src/config/fields.js';
import { DEFAULT_SCAN_PORTS } from '../src/config/schema.js';
import { parseNmapXml, type NmapHost } from '../src/scan/nmap-xml.js';
import { runScanCycle } from '../src/scan/scan-cycle.js';
import { createScanProbes } from '../src/scan/scan-probes.js';
import type { HostScan } from '../src/scan/types.js';
import { createLab, labSupport, type LabHostSpec, type LabService } from '../test/support/netns-lab.js';

const run = promisify(execFile);

/** The 64-host mix: every host runs one to three services; some block ICMP, some drop ports. */
export function benchLabSpecs(n = 64): LabHostSpec[] {
  const mixes: LabService[][] = [
    ['ssh', 'nginx'],
    ['vsftpd', 'lighttpd'],
    ['mosquitto'],
    ['ssh'],
    ['nginx', 'mosquitto'],
    ['ssh', 'vsftpd', 'lighttpd'],
    ['lighttpd'],
    ['ssh', 'nginx', 'mosquitto'],
  ];
  return Array.from({ length: n }, (_, i) => ({ services: mixes[i % mixes.length]!, blockIcmp: i % 5 === 0 }));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

function openSets(hosts: Map<string, number[]>): string {
  return [...hosts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([ip, ports]) => `${ip}:${ports.join(',')}`)
    .join(' ');
}

const nmapOpen = (hosts: NmapHost[]) => new Map(hosts.map((h) => [h.ip, h.ports.filter((p) => p.state === 'open').map((p) => p.port)]));

function countIdentified(services: { product?: string; version?: string }[]): { product: number; version: number } {
  return { product: services.filter((s) => s.product).length, version: services.filter((s) => s.product && s.version).length };
}

export interface ScanBenchResult {
  hosts: number;
  ports: number;
  openPorts: number;
  portScan: { homesecMs: number; nmapMs: number; sameOpenPorts: boolean; homesecRounds: number[]; nmapRounds: number[] };
  services: { homesecMs: number; nmapMs: number; homesec: { product: number; version: number }; nmap: { product: number; version: number } };
}

/** Runs the scanner benchmark; undefined (with the reason printed) when a lab cannot run here. */
export async function scanBench(rounds: number, hostCount = 64): Promise<ScanBenchResult | undefined> {
  const why = labSupport();
  if (why) {
    console.log(`(scanner benchmark skipped: ${why})`);
    return undefined;
  }
  const ports = parsePortSpec(DEFAULT_SCAN_PORTS);
  const lab = await createLab(benchLabSpecs(hostCount));
  try {
    const ips = lab.hosts.map((h) => h.ip);
    const portArg = ports.join(',');
    const scanOpts = { ports, timeoutMs: 1000, minTimeoutMs: 100, retries: 1, concurrency: 512, hostConcurrency: 64 };
    const probes = createScanProbes({ serviceTimeoutMs: 5000, pingWaitSeconds: 1 });
    const hTimes: number[] = [];
    const nTimes: number[] = [];
    let hOpen = new Map<string, number[]>();
    let nOpen = new Map<string, number[]>();
    const nmapT = () => run('nmap', ['-sT', '-Pn', '-n', '-T4', '-p', portArg, '-oX', '-', ...ips], { maxBuffer: 1 << 26 });
    // One untimed pass of each first: ARP entries, page cache and JIT warm for both tools.
    await probes.scanPorts(ips, scanOpts);
    await nmapT();
    // Alternate which tool goes first, so neither always meets the other's leftovers
    // (services still finishing the previous round's connections).
    for (let r = 0; r < rounds; r++) {
      const ours = async () => {
        const h = await timed(() => probes.scanPorts(ips, scanOpts));
        hTimes.push(h.ms);
        hOpen = new Map([...h.value].map(([ip, res]) => [ip, res.open]));
      };
      const theirs = async () => {
        const n = await timed(nmapT);
        nTimes.push(n.ms);
        nOpen = nmapOpen(parseNmapXml(n.value.stdout));
      };
      if (r % 2 === 0) {
        await ours();
        await theirs();
      } else {
        await theirs();
        await ours();
      }
    }
    const hs = await timed(() =>
      runScanCycle(ips, { ...scanOpts, serviceDetection: true, serviceConcurrency: 128, pingConcurrency: 64 }, { ...probes, now: Date.now }),
    );
    const ours: HostScan[] = hs.value;
    const nv = await timed(() => run('nmap', ['-sV', '--version-light', '-sT', '-Pn', '-n', '-T4', '-p', portArg, '-oX', '-', ...ips], { maxBuffer: 1 << 26 }));
    const theirs = parseNmapXml(nv.value.stdout);
    await probes.close();
    return {
      hosts: ips.length,
      ports: ports.length,
      openPorts: [...hOpen.values()].reduce((n, p) => n + p.length, 0),
      portScan: { homesecMs: median(hTimes), nmapMs: median(nTimes), sameOpenPorts: openSets(hOpen) === openSets(nOpen), homesecRounds: hTimes, nmapRounds: nTimes },
      services: {
        homesecMs: hs.ms,
        nmapMs: nv.ms,
        homesec: countIdentified(ours.flatMap((h) => h.services)),
        nmap: countIdentified(theirs.flatMap((h) => h.ports.flatMap((p) => (p.service ? [p.service] : [])))),
      },
    };
  } finally {
    await lab.stop();
  }
}

/** Prints the scanner section of `npm run bench`. */
export async function printScanBench(quick: boolean): Promise<void> {
  console.log(`\n## Active scanner: 64 namespace hosts with real services, the default ${parsePortSpec(DEFAULT_SCAN_PORTS).length} ports\n`);
  const load0 = loadavg()[0]!.toFixed(2);
  const r = await scanBench(quick ? 1 : 15, quick ? 16 : 64);
  if (!r) return;
  const ratio = (a: number, b: number) => `${(b / a).toFixed(1)}x`;
  console.log(`hosts ${r.hosts}, ports ${r.ports}, open ports found ${r.openPorts}\n`);
  console.log('| step | homesec | nmap | homesec speed-up | result |');
  console.log('|---|---:|---:|---:|---|');
  console.log(
    `| (a) port scan (-sT -Pn -T4), median wall time | ${r.portScan.homesecMs.toFixed(0)} ms | ${r.portScan.nmapMs.toFixed(0)} ms | ${ratio(r.portScan.homesecMs, r.portScan.nmapMs)} | open-port sets ${r.portScan.sameOpenPorts ? 'identical' : 'DIFFER'} |`,
  );
  console.log(
    `| (b) service identification (homesec cycle vs -sV --version-light) | ${(r.services.homesecMs / 1000).toFixed(2)} s | ${(r.services.nmapMs / 1000).toFixed(2)} s | ${ratio(r.services.homesecMs, r.services.nmapMs)} | products named: homesec ${r.services.homesec.product} (with version ${r.services.homesec.version}), nmap ${r.services.nmap.product} (with version ${r.services.nmap.version}) |`,
  );
  const ms = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' ');
  // Rounds of one index ran back to back, under the same load: their ratio is the steadier figure.
  const paired = median(r.portScan.homesecRounds.map((h, i) => h / r.portScan.nmapRounds[i]!));
  console.log(
    `\n(a) rounds in order, ms — homesec: ${ms(r.portScan.homesecRounds)}; nmap: ${ms(r.portScan.nmapRounds)}; median of per-round ratios homesec/nmap ${paired.toFixed(2)}; 1-minute load average ${load0} before, ${loadavg()[0]!.toFixed(2)} after`,
  );
}
