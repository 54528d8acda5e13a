import { describe, expect, it } from 'vitest';
import { parseIpRouteJson, parseProcNetRoute, readGateways } from './gateways.js';
import type { ExecFn } from './neighbours.js';

describe('default gateways', () => {
  it('ip -j route show default (v4 and v6)', () => {
    expect(parseIpRouteJson('[{"dst":"default","gateway":"192.168.1.1","dev":"eth0","flags":[]}]')).toEqual(['192.168.1.1']);
    expect(parseIpRouteJson('[{"dst":"default","gateway":"fd00::1","dev":"eth0","metric":1024,"flags":[],"pref":"medium"}]')).toEqual(['fd00::1']);
    expect(parseIpRouteJson('[{"dst":"10.0.0.0/8","gateway":"10.0.0.1"},{"dst":"default","dev":"wg0"}]')).toEqual([]);
    expect(parseIpRouteJson('nope')).toEqual([]);
  });

  it('/proc/net/route: little-endian hex gateway of the default route with RTF_GATEWAY', () => {
    const text = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t0101A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t0001A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
`;
    expect(parseProcNetRoute(text)).toEqual(['192.168.1.1']);
  });

  it('reader: ip with argv, falls back to /proc, never rejects', async () => {
    const calls: string[] = [];
    const exec: ExecFn = async (_f, args) => {
      calls.push(args.join(' '));
      return args.includes('-6') ? '[]' : '[{"dst":"default","gateway":"192.168.1.1"}]';
    };
    expect(await readGateways({ exec })).toEqual(['192.168.1.1']);
    expect(calls).toEqual(['-j route show default', '-j -6 route show default']);
    const fail: ExecFn = async () => {
      throw new Error('ENOENT');
    };
    expect(await readGateways({ exec: fail, procRoutePath: '/nonexistent/route' })).toEqual([]);
  });
});
