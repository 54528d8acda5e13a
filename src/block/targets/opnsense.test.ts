import { afterEach, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../core/clock.js';
import { TargetError } from '../target.js';
import { startFakeOpnsense, type FakeOpnsense } from './fake-peers.js';
import { createOpnsenseTarget, parseAliasList } from './opnsense.js';

const KEY = 'opn-key-0123456789';
const SECRET = 'opn-secret-very-private';
const clock = createSystemClock();
let peer: FakeOpnsense | undefined;

afterEach(async () => {
  await peer?.close();
  peer = undefined;
});

const target = (p: FakeOpnsense, over: Partial<{ key: string; secret: string; alias: string; timeoutMs: number }> = {}) =>
  createOpnsenseTarget({ url: `${p.url}/`, key: over.key ?? KEY, secret: over.secret ?? SECRET, alias: over.alias ?? 'homesec_block' }, { timeoutMs: over.timeoutMs ?? 5000, clock });

const entry = (value: string) => ({ kind: 'ip' as const, value, expiresMs: Date.now() + 3_600_000, comment: 'test' });

describe('OPNsense target (alias API)', () => {
  it('adds, lists and deletes entries with the documented calls and Basic key:secret auth, then reconfigures', async () => {
    peer = await startFakeOpnsense(KEY, SECRET, ['homesec_block']);
    const t = target(peer);
    expect(await t.add([entry('198.51.100.7'), entry('2001:4860::8888')], Date.now())).toEqual({ done: ['198.51.100.7', '2001:4860::8888'], failed: [] });
    await t.commit?.();
    expect([...(peer.aliases.get('homesec_block') ?? [])].sort()).toEqual(['198.51.100.7', '2001:4860::8888']);
    expect(peer.reconfigures).toBe(1);
    const listed = await t.list();
    expect(listed).toEqual({ entries: [{ kind: 'ip', value: '198.51.100.7' }, { kind: 'ip', value: '2001:4860::8888' }], complete: true });
    expect((await t.remove([{ kind: 'ip', value: '198.51.100.7' }])).done).toEqual(['198.51.100.7']);
    expect([...(peer.aliases.get('homesec_block') ?? [])]).toEqual(['2001:4860::8888']);

    const adds = peer.requests.filter((r) => r.url === '/api/firewall/alias_util/add/homesec_block');
    expect(adds[0]).toMatchObject({ method: 'POST', body: JSON.stringify({ address: '198.51.100.7' }) });
    expect(adds[0]?.headers['content-type']).toBe('application/json');
    expect(peer.requests.every((r) => r.headers.authorization === `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`)).toBe(true);
    expect(peer.requests.some((r) => r.method === 'GET' && r.url === '/api/firewall/alias_util/list/homesec_block')).toBe(true);
    expect(peer.requests.some((r) => r.method === 'POST' && r.url === '/api/firewall/alias_util/delete/homesec_block')).toBe(true);
  });

  it('reads the older plain-array list answer and pf host masks; entries homesec cannot own stay unowned', async () => {
    expect(parseAliasList(['203.0.114.1/32', '2001:db9::1/128', '10.0.0.0/8', 'junk', 7])).toEqual({ values: ['203.0.114.1', '2001:db9::1'], complete: true });
    expect(parseAliasList({ total: 3, rows: [{ ip: '1.1.1.1' }] })).toEqual({ values: ['1.1.1.1'], complete: false });
    peer = await startFakeOpnsense(KEY, SECRET, ['homesec_block']);
    peer.legacyList = true;
    peer.aliases.get('homesec_block')?.add('198.51.100.9');
    const listed = await target(peer).list();
    expect(listed.entries).toEqual([{ kind: 'ip', value: '198.51.100.9' }]);
    expect(listed.entries[0]?.owned).toBeUndefined();
  });

  it('a wrong key or secret is an auth error that names neither', async () => {
    peer = await startFakeOpnsense(KEY, SECRET, ['homesec_block']);
    const err = await target(peer, { secret: 'wrong-secret-value' })
      .list()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetError);
    expect((err as TargetError).kind).toBe('auth');
    expect((err as TargetError).message).toContain('401');
    expect((err as TargetError).message).not.toContain('wrong-secret-value');
    expect((err as TargetError).message).not.toContain(KEY);
  });

  it('a missing alias is one clear failure; a refused address is a per-entry failure', async () => {
    peer = await startFakeOpnsense(KEY, SECRET, ['homesec_block']);
    const err = await target(peer, { alias: 'nope' })
      .add([entry('198.51.100.7')], Date.now())
      .catch((e: unknown) => e);
    expect((err as TargetError).kind).toBe('refused');
    expect((err as TargetError).message).toContain('alias "nope" does not exist');
    const r = await target(peer).add([{ ...entry('198.51.100.8') }, { ...entry('x'), value: 'ZZ' }], Date.now());
    expect(r.done).toEqual(['198.51.100.8']);
    expect(r.failed).toEqual([{ value: 'ZZ', detail: 'OPNsense answered not_an_address' }]);
  });

  it('a firewall that does not answer ends in a timeout error', async () => {
    peer = await startFakeOpnsense(KEY, SECRET, ['homesec_block']);
    peer.stall = true;
    const err = await target(peer, { timeoutMs: 300 })
      .list()
      .catch((e: unknown) => e);
    expect((err as TargetError).kind).toBe('timeout');
  });
});
