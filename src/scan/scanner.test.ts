import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.js';
import { createEventBus } from '../core/events.js';
import { FakeClock } from '../core/fake-clock.js';
import { createSilentLogger } from '../core/logger.js';
import { createMetrics } from '../core/metrics.js';
import { HOSTS_FILE } from '../store/state-files.js';
import { createStore, type Store } from '../store/store.js';
import type { PortScanResult } from './connect-scan.js';
import type { ScanCycleDeps } from './scan-cycle.js';
import { createScanner } from './scanner.js';
import type { Service } from './types.js';

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-scanner-'));
  store = createStore({ data_dir: dir }, { log: createSilentLogger() });
  await store.start();
});
afterEach(async () => {
  await store.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A fake network: .10 answers ping and has ssh+http open; .11 blocks ping but refuses port 21; .12 is silent. */
function fakeProbes(calls: string[]): Omit<ScanCycleDeps, 'now'> {
  return {
    ping: async (ip) => (ip.endsWith('.10') ? { alive: true, ttl: 64, rttMs: 0.3 } : { alive: false }),
    scanPorts: async (hosts, opts) => {
      calls.push(`scan ${hosts.join(' ')} ports=${opts.ports.length}`);
      const m = new Map<string, PortScanResult>();
      for (const ip of hosts) {
        if (ip.endsWith('.10')) m.set(ip, { ip, open: [22, 80], closed: opts.ports.filter((p) => p !== 22 && p !== 80), filtered: [], unreachable: false, rttMs: 0.2 });
        else if (ip.endsWith('.11')) m.set(ip, { ip, open: [], closed: [21], filtered: opts.ports.filter((p) => p !== 21), unreachable: false, rttMs: 0.4 });
        else m.set(ip, { ip, open: [], closed: [], filtered: [...opts.ports], unreachable: false });
      }
      return m;
    },
    identify: async (ip, port): Promise<Service> => {
      calls.push(`identify ${ip}:${port}`);
      return port === 22
        ? { port, protocol: 'tcp', name: 'ssh', product: 'openssh', version: '9.2p1', distro: 'debian', method: 'banner', confidence: 10 }
        : { port, protocol: 'tcp', name: 'http', product: 'nginx', version: '1.22.1', method: 'probe:http-get', confidence: 10, http: { status: 200, title: 'Router', technologies: [{ name: 'Nginx', version: '1.22.1', confidence: 100, categories: ['Web servers'] }] } };
    },
    guessOs: () => ({ family: 'Linux', detail: 'Debian', confidence: 90, reasons: ['banner'] }),
    deviceHints: (open) => (open.includes(80) ? ['web interface on 80'] : []),
  };
}

function make(calls: string[], over: Record<string, unknown> = {}, fixedTargets?: readonly string[]) {
  const config = configSchema.parse({ data_dir: dir, scan_ports: '21,22,80,443', scan_exceptions: '192.168.1.13', ...over });
  const clock = new FakeClock(1_700_000_000_000);
  const bus = createEventBus();
  const completed: number[] = [];
  bus.on('scan.completed', (e) => completed.push(e.summary.hostsFound));
  const scanner = createScanner(config, {
    bus,
    clock,
    log: createSilentLogger(),
    metrics: createMetrics(),
    store,
    observedHosts: () => ['192.168.1.10', '192.168.1.11', '192.168.1.12', '192.168.1.13', '224.0.0.251'],
    probes: fakeProbes(calls),
    ...(fixedTargets ? { fixedTargets } : {}),
  });
  return { scanner, completed, clock };
}

describe('scanner', () => {
  it('scans observed hosts minus exceptions, finds the ping-blocking host by TCP, and summarises', async () => {
    const calls: string[] = [];
    const { scanner, completed } = make(calls);
    await scanner.start();
    const hosts = await scanner.runCycle('test');
    expect(calls[0]).toBe('scan 192.168.1.10 192.168.1.11 192.168.1.12 ports=4');
    expect(calls.slice(1).sort()).toEqual(['identify 192.168.1.10:22', 'identify 192.168.1.10:80']);
    expect(hosts.map((h) => [h.ip, h.alive, h.aliveBy])).toEqual([
      ['192.168.1.10', true, 'icmp'],
      ['192.168.1.11', true, 'tcp'],
      ['192.168.1.12', false, 'none'],
    ]);
    expect(hosts[1]!.filteredCount).toBe(3);
    expect(hosts[1]!.pingMs).toBe(0.4);
    const s = scanner.summary();
    expect(s).toMatchObject({ running: false, targets: 3, hostsFound: 2, openPorts: 2, services: 2, lastTrigger: 'test' });
    expect(completed).toEqual([2]);
  });

  it('persists to SQLite and homesec_hosts.yaml, and reloads at start', async () => {
    const { scanner } = make([]);
    await scanner.start();
    await scanner.runCycle('test');
    const yaml = YAML.parse(fs.readFileSync(path.join(dir, HOSTS_FILE), 'utf8')) as Record<string, Record<string, unknown>>;
    expect(Object.keys(yaml)).toEqual(['192.168.1.10', '192.168.1.11']);
    expect(yaml['192.168.1.10']).toMatchObject({ alive: true, open_ports: [22, 80], os_guess: 'Linux (Debian)', ping_ms: 0.3, ttl: 64, technologies: ['Nginx 1.22.1'] });
    expect(yaml['192.168.1.10']!.services).toEqual([
      { port: 22, name: 'ssh', product: 'openssh', version: '9.2p1' },
      { port: 80, name: 'http', product: 'nginx', version: '1.22.1' },
    ]);
    const again = make([]).scanner;
    await again.start();
    expect(again.host('192.168.1.10')?.services.map((s) => s.product)).toEqual(['openssh', 'nginx']);
    expect(again.summary()).toMatchObject({ hostsFound: 2, targets: 3, lastTrigger: 'test' });
  });

  it('imports the reference integration hosts file when it has no results yet', async () => {
    fs.writeFileSync(path.join(dir, HOSTS_FILE), YAML.stringify({ '192.168.1.50': { alive: true, open_ports: [22, 'x'], ping_ms: 3.5, os_guess: 'Linux' } }));
    const { scanner } = make([]);
    await scanner.start();
    expect(scanner.host('192.168.1.50')).toMatchObject({ alive: true, openPorts: [22], pingMs: 3.5 });
  });

  it('refuses a second cycle while one runs (trigger_scan answers busy)', async () => {
    const { scanner } = make([]);
    await scanner.start();
    const first = scanner.runCycle('a');
    expect(scanner.running()).toBe(true);
    await expect(scanner.runCycle('b')).rejects.toThrow(/busy/);
    await first;
    expect(scanner.running()).toBe(false);
  });

  it('scans explicit targets and configured discovery ranges', async () => {
    const calls: string[] = [];
    const { scanner } = make(calls, { scan_discovery_ranges: '10.9.9.0/30' });
    await scanner.start();
    await scanner.runCycle('cli', ['192.168.1.10']);
    expect(calls[0]).toBe('scan 192.168.1.10 ports=4');
    await scanner.runCycle('schedule');
    expect(calls.find((c) => c.startsWith('scan 192.168.1.10 192.168.1.11 192.168.1.12 10.9.9.1 10.9.9.2'))).toBeTruthy();
  });

  it('with fixed targets (homesec demo) scans exactly those minus exceptions, never observed hosts or ranges', async () => {
    const calls: string[] = [];
    const { scanner } = make(calls, { scan_discovery_ranges: '10.9.9.0/30', scan_exceptions: '127.0.0.4' }, ['127.0.0.2', '127.0.0.3', '127.0.0.4']);
    await scanner.start();
    await scanner.runCycle('schedule');
    expect(calls.filter((c) => c.startsWith('scan '))).toEqual(['scan 127.0.0.2 127.0.0.3 ports=4']);
    expect(scanner.summary().targets).toBe(2);
  });
});
