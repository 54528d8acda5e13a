import { afterEach, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../core/clock.js';
import { TargetError } from '../target.js';
import { startFakeMikrotik, type FakeMikrotik } from './fake-peers.js';
import { createMikrotikTarget, formatRosDuration, MAX_TIMEOUT_MS, parseRosDuration } from './mikrotik.js';

const USER = 'homesec';
const PASSWORD = 'ros-password-secret';
const clock = createSystemClock();
let peer: FakeMikrotik | undefined;

afterEach(async () => {
  await peer?.close();
  peer = undefined;
});

const target = (p: FakeMikrotik, over: Partial<{ password: string; timeoutMs: number }> = {}) =>
  createMikrotikTarget({ url: p.url, user: USER, password: over.password ?? PASSWORD, list: 'homesec_block' }, { timeoutMs: over.timeoutMs ?? 5000, clock });

describe('RouterOS durations', () => {
  it('parses the forms RouterOS prints and formats whole seconds', () => {
    expect(parseRosDuration('1w2d3h4m5s')).toBe(((((7 + 2) * 24 + 3) * 60 + 4) * 60 + 5) * 1000);
    expect(parseRosDuration('23h59m50s')).toBe((23 * 3600 + 59 * 60 + 50) * 1000);
    expect(parseRosDuration('3m20s500ms')).toBe(200_500);
    expect(parseRosDuration('1d02:03:04')).toBe((86_400 + 2 * 3600 + 3 * 60 + 4) * 1000);
    expect(parseRosDuration('00:59:58')).toBe(3598_000);
    for (const bad of ['', 'soon', '1x', 5, undefined, '1'.repeat(50)]) expect(parseRosDuration(bad)).toBeUndefined();
    expect(formatRosDuration(3_600_000)).toBe('1h');
    expect(formatRosDuration(694_861_000)).toBe('1w1d1h1m1s');
    expect(formatRosDuration(10)).toBe('1s');
    expect(parseRosDuration(formatRosDuration(MAX_TIMEOUT_MS))).toBe(MAX_TIMEOUT_MS);
  });
});

describe('MikroTik target (RouterOS v7 REST address list)', () => {
  it('PUTs entries with list, address, timeout and a homesec comment; lists IPv4 and IPv6; DELETEs by .id', async () => {
    peer = await startFakeMikrotik(USER, PASSWORD);
    const t = target(peer);
    const now = Date.now();
    const r = await t.add(
      [
        { kind: 'ip', value: '198.51.100.7', expiresMs: now + 3_600_000, comment: 'Beaconing from 192.168.1.5 to "198.51.100.7"' },
        { kind: 'ip', value: '2001:4860::8888', expiresMs: now + 90_000, comment: 'manual' },
      ],
      now,
    );
    expect(r).toEqual({ done: ['198.51.100.7', '2001:4860::8888'], failed: [] });
    const put = peer.requests.find((q) => q.method === 'PUT' && q.url === '/rest/ip/firewall/address-list');
    expect(JSON.parse(put?.body ?? '{}')).toEqual({ list: 'homesec_block', address: '198.51.100.7', timeout: '1h', comment: "homesec: Beaconing from 192.168.1.5 to '198.51.100.7'" });
    expect(peer.requests.some((q) => q.method === 'PUT' && q.url === '/rest/ipv6/firewall/address-list')).toBe(true);
    expect(peer.lists.ipv6[0]?.address).toBe('2001:4860::8888/128');

    const listed = await t.list();
    expect(listed.entries.map((e) => [e.value, e.owned, typeof e.ref])).toEqual([
      ['198.51.100.7', true, 'string'],
      ['2001:4860::8888', true, 'string'],
    ]);
    expect(listed.entries[0]?.expiresMs).toBeGreaterThan(now);
    expect(peer.requests.filter((q) => q.method === 'GET').every((q) => q.url.endsWith('?list=homesec_block'))).toBe(true);

    expect((await t.remove(listed.entries)).done).toEqual(['198.51.100.7', '2001:4860::8888']);
    expect(peer.lists.ip).toEqual([]);
    expect(peer.lists.ipv6).toEqual([]);
    expect(peer.requests.filter((q) => q.method === 'DELETE').map((q) => q.url)).toEqual(['/rest/ip/firewall/address-list/*1', '/rest/ipv6/firewall/address-list/*2']);
  });

  it('entries without the homesec comment, other lists and network entries are not homesec\'s', async () => {
    peer = await startFakeMikrotik(USER, PASSWORD);
    const base = { dynamic: 'false', disabled: 'false', 'creation-time': 'jan/01/2026 00:00:00' };
    peer.lists.ip.push(
      { '.id': '*A', list: 'homesec_block', address: '203.0.114.1', comment: 'added by the admin', ...base },
      { '.id': '*B', list: 'other', address: '203.0.114.2', comment: 'homesec: not our list', ...base },
      { '.id': '*C', list: 'homesec_block', address: '203.0.114.0/24', comment: 'homesec: a network', ...base },
      { '.id': '*D', list: 'homesec_block', address: '203.0.114.9', timeout: '2h', comment: 'homesec: ours', ...base, dynamic: 'true' },
    );
    const listed = await target(peer).list();
    expect(listed.entries.map((e) => [e.value, e.owned, e.ref])).toEqual([
      ['203.0.114.1', false, '*A'],
      ['203.0.114.9', true, '*D'],
    ]);
  });

  it('a refused PUT is a per-entry failure with RouterOS\'s reason; a DELETE of an entry that timed out counts as removed', async () => {
    peer = await startFakeMikrotik(USER, PASSWORD);
    peer.refuse.add('198.51.100.66');
    const now = Date.now();
    const r = await target(peer).add(
      [
        { kind: 'ip', value: '198.51.100.66', expiresMs: now + 60_000, comment: 'x' },
        { kind: 'ip', value: '198.51.100.67', expiresMs: now + 60_000, comment: 'x' },
      ],
      now,
    );
    expect(r.done).toEqual(['198.51.100.67']);
    expect(r.failed).toEqual([{ value: '198.51.100.66', detail: 'RouterOS refused it: failure: table is full' }]);
    expect((await target(peer).remove([{ kind: 'ip', value: '198.51.100.99', ref: '*FF' }])).done).toEqual(['198.51.100.99']);
  });

  it('a wrong password is an auth error without the password; a router that does not answer is a timeout', async () => {
    peer = await startFakeMikrotik(USER, PASSWORD);
    const err = await target(peer, { password: 'not-the-password' })
      .list()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetError);
    expect((err as TargetError).kind).toBe('auth');
    expect((err as TargetError).message).not.toContain('not-the-password');
    peer.stall = true;
    const slow = await target(peer, { timeoutMs: 300 })
      .list()
      .catch((e: unknown) => e);
    expect((slow as TargetError).kind).toBe('timeout');
  });
});
