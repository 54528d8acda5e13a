import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normaliseMac } from './mac.js';
import { MAX_NEIGHBOURS, parseIpNeighJson, parseIpNeighText, parseProcNetArp, readNeighbours, type ExecFn } from './neighbours.js';

// Shapes as iproute2 6.1 prints them (`ip -j neigh show`, `ip neigh show`) and the kernel's /proc/net/arp.
const IP_JSON = JSON.stringify([
  { dst: '192.168.1.1', dev: 'eth0', lladdr: 'a0:63:91:12:34:56', state: ['REACHABLE'] },
  { dst: '192.168.1.50', dev: 'eth0', lladdr: 'b8:27:eb:01:02:03', state: ['STALE'] },
  { dst: '192.168.1.77', dev: 'eth0', state: ['FAILED'] },
  { dst: '192.168.1.78', dev: 'eth0', lladdr: '00:00:00:00:00:00', state: ['INCOMPLETE'] },
  { dst: 'fe80::1', dev: 'eth0', lladdr: 'a0:63:91:12:34:56', router: null, state: ['STALE'] },
  { dst: '0.0.0.0', dev: 'lo', lladdr: '00:00:00:00:00:00', state: ['NOARP'] },
  { dst: '224.0.0.251', dev: 'eth0', lladdr: '01:00:5e:00:00:fb', state: ['NOARP'] },
  { dst: '<img src=x>', dev: 'eth0', lladdr: 'b8:27:eb:01:02:04', state: ['REACHABLE'] },
]);

const IP_TEXT = `192.168.1.1 dev eth0 lladdr a0:63:91:12:34:56 REACHABLE
192.168.1.50 dev eth0 lladdr b8:27:eb:01:02:03 STALE
192.168.1.77 dev eth0  FAILED
fe80::1 dev eth0 lladdr a0:63:91:12:34:56 router STALE
garbage line
`;

const PROC_ARP = `IP address       HW type     Flags       HW address            Mask     Device
192.168.1.1      0x1         0x2         a0:63:91:12:34:56     *        eth0
192.168.1.60     0x1         0x0         00:00:00:00:00:00     *        eth0
192.168.1.70     0x1         0x6         00:11:32:ab:cd:ef     *        eth0
`;

describe('neighbour table parsers', () => {
  it('ip -j neigh: keeps usable unicast bindings with their state and the router flag', () => {
    expect(parseIpNeighJson(IP_JSON)).toEqual([
      { ip: '192.168.1.1', mac: 'a0:63:91:12:34:56', state: 'reachable', dev: 'eth0' },
      { ip: '192.168.1.50', mac: 'b8:27:eb:01:02:03', state: 'stale', dev: 'eth0' },
      { ip: 'fe80::1', mac: 'a0:63:91:12:34:56', state: 'stale', dev: 'eth0', router: true },
    ]);
    expect(parseIpNeighJson('not json')).toEqual([]);
    expect(parseIpNeighJson('{"dst":"1.2.3.4"}')).toEqual([]);
  });

  it('ip neigh text gives the same bindings', () => {
    expect(parseIpNeighText(IP_TEXT)).toEqual([
      { ip: '192.168.1.1', mac: 'a0:63:91:12:34:56', state: 'reachable', dev: 'eth0' },
      { ip: '192.168.1.50', mac: 'b8:27:eb:01:02:03', state: 'stale', dev: 'eth0' },
      { ip: 'fe80::1', mac: 'a0:63:91:12:34:56', state: 'stale', dev: 'eth0', router: true },
    ]);
  });

  it('/proc/net/arp: complete entries only, permanent flag kept', () => {
    expect(parseProcNetArp(PROC_ARP)).toEqual([
      { ip: '192.168.1.1', mac: 'a0:63:91:12:34:56', state: 'reachable', dev: 'eth0' },
      { ip: '192.168.1.70', mac: '00:11:32:ab:cd:ef', state: 'permanent', dev: 'eth0' },
    ]);
  });

  it('is bounded', () => {
    const many = Array.from({ length: MAX_NEIGHBOURS + 50 }, (_, i) => ({
      dst: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      lladdr: `b8:27:eb:${((i >> 16) & 255).toString(16)}:${((i >> 8) & 255).toString(16)}:${(i & 255).toString(16)}`,
      state: ['REACHABLE'],
    }));
    expect(parseIpNeighJson(JSON.stringify(many))).toHaveLength(MAX_NEIGHBOURS);
  });
});

describe('neighbour table reader', () => {
  it('runs ip with an argv array and falls back to text, then /proc/net/arp', async () => {
    const calls: string[][] = [];
    const jsonFails: ExecFn = async (file, args) => {
      calls.push([file, ...args]);
      if (args.includes('-j')) throw new Error('Option "-j" is unknown');
      return IP_TEXT;
    };
    const r1 = await readNeighbours({ exec: jsonFails });
    expect(r1.source).toBe('ip-text');
    expect(calls).toEqual([
      ['ip', '-j', 'neigh', 'show'],
      ['ip', 'neigh', 'show'],
    ]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-arp-'));
    try {
      fs.writeFileSync(path.join(dir, 'arp'), PROC_ARP);
      const noIp: ExecFn = async () => {
        throw new Error('spawn ip ENOENT');
      };
      const r2 = await readNeighbours({ exec: noIp, procArpPath: path.join(dir, 'arp') });
      expect(r2).toEqual({ source: 'proc', entries: parseProcNetArp(PROC_ARP) });
      await expect(readNeighbours({ exec: noIp, procArpPath: path.join(dir, 'missing') })).rejects.toThrow(/neighbour table unreadable/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads this host's real table without error (reading only, nothing sent)", async () => {
    const r = await readNeighbours();
    expect(['ip-json', 'ip-text', 'proc']).toContain(r.source);
    for (const e of r.entries) expect(normaliseMac(e.mac)).toBe(e.mac);
  });
});
