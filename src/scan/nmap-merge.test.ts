import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mergeNmap } from './nmap-merge.js';
import { parseNmapXml } from './nmap-xml.js';
import type { HostScan } from './types.js';

const nmap = parseNmapXml(readFileSync(new URL('./testdata/nmap-lab.xml', import.meta.url), 'utf8'));

const base = (o: Partial<HostScan>): HostScan => ({
  ip: '198.18.7.10',
  alive: true,
  aliveBy: 'icmp',
  openPorts: [],
  closedCount: 0,
  filteredCount: 0,
  services: [],
  hints: [],
  scannedAtMs: 1,
  durationMs: 1,
  ...o,
});

describe('mergeNmap', () => {
  it('adds ports and services homesec missed', () => {
    const m = mergeNmap(base({ openPorts: [80] }), nmap[0]);
    expect(m.openPorts).toEqual([22, 80]);
    expect(m.services.map((s) => `${s.port}:${s.product}:${s.method}`)).toEqual(['22:openssh:nmap', '80:nginx:nmap']);
  });

  it('keeps our HTTP details and fills a missing version', () => {
    const m = mergeNmap(
      base({
        openPorts: [22, 80],
        services: [
          { port: 22, protocol: 'tcp', name: 'ssh', product: 'openssh', version: '9.2p1', method: 'banner', confidence: 10 },
          { port: 80, protocol: 'tcp', name: 'http', product: 'nginx', method: 'banner', confidence: 8, http: { status: 200, technologies: [] } },
        ],
      }),
      nmap[0],
    );
    expect(m.services[0]).toMatchObject({ version: '9.2p1', method: 'banner' });
    expect(m.services[1]).toMatchObject({ product: 'nginx', version: '1.22.1', method: 'banner+nmap', http: { status: 200 } });
  });

  it('takes the OS guess only when nmap is more confident; no nmap host leaves ours as is', () => {
    const mine = base({ os: { family: 'Linux', detail: 'Debian', confidence: 99, reasons: ['banner'] } });
    expect(mergeNmap(mine, nmap[0]).os?.detail).toBe('Debian');
    expect(mergeNmap(base({}), nmap[0]).os?.reasons).toEqual(['nmap OS detection']);
    expect(mergeNmap(mine, undefined)).toBe(mine);
  });
});
