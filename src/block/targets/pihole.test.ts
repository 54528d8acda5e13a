import { afterEach, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../core/clock.js';
import { FakeClock } from '../../core/fake-clock.js';
import { TargetError } from '../target.js';
import { startFakePihole, type FakePihole } from './fake-peers.js';
import { createPiholeTarget, domainOfRegex, wildcardRegex } from './pihole.js';

const PASSWORD = 'pihole-app-password';
const clock = createSystemClock();
let peer: FakePihole | undefined;

afterEach(async () => {
  await peer?.close();
  peer = undefined;
});

const entry = (value: string, comment = 'dns_blacklist') => ({ kind: 'domain' as const, value, expiresMs: Date.now() + 3_600_000, comment });

describe('Pi-hole wildcard regexes', () => {
  it('round-trips a domain and ignores every other regex', () => {
    expect(wildcardRegex('evil.example.com')).toBe('(\\.|^)evil\\.example\\.com$');
    expect(domainOfRegex(wildcardRegex('evil.example.com'))).toBe('evil.example.com');
    for (const other of ['^ads\\.', '(\\.|^)evil\\.com', '.*', '(\\.|^)a\\.b$|x', 42, null]) expect(domainOfRegex(other)).toBeUndefined();
  });
});

describe('Pi-hole target (v6 API, deny list)', () => {
  it('logs in once, adds wildcard deny regexes tagged homesec, lists and deletes them, and logs out at close', async () => {
    peer = await startFakePihole(PASSWORD);
    const t = createPiholeTarget({ url: peer.url, password: PASSWORD }, { timeoutMs: 5000, clock });
    expect(await t.add([entry('c2.example.net', 'looked up a listed name'), entry('tunnel.example.org')], Date.now())).toEqual({ done: ['c2.example.net', 'tunnel.example.org'], failed: [] });
    expect(peer.domains.map((d) => [d.type, d.kind, d.domain, d.comment])).toEqual([
      ['deny', 'regex', '(\\.|^)c2\\.example\\.net$', 'homesec: looked up a listed name'],
      ['deny', 'regex', '(\\.|^)tunnel\\.example\\.org$', 'homesec: dns_blacklist'],
    ]);
    const post = peer.requests.find((r) => r.method === 'POST' && r.url === '/api/domains/deny/regex');
    expect(JSON.parse(post?.body ?? '{}')).toMatchObject({ domain: '(\\.|^)c2\\.example\\.net$', groups: [0], enabled: true });
    const listed = await t.list();
    expect(listed.entries).toEqual([
      { kind: 'domain', value: 'c2.example.net', owned: true },
      { kind: 'domain', value: 'tunnel.example.org', owned: true },
    ]);
    expect((await t.remove([listed.entries[0]!])).done).toEqual(['c2.example.net']);
    expect(peer.domains.map((d) => d.domain)).toEqual(['(\\.|^)tunnel\\.example\\.org$']);
    expect(peer.requests.some((r) => r.method === 'DELETE' && r.url === `/api/domains/deny/regex/${encodeURIComponent('(\\.|^)c2\\.example\\.net$')}`)).toBe(true);
    expect(peer.logins).toBe(1);
    const sids = new Set(peer.requests.filter((r) => r.url !== '/api/auth').map((r) => r.headers['x-ftl-sid']));
    expect(sids.size).toBe(1);
    await t.close?.();
    expect(peer.logouts).toBe(1);
    expect(peer.sessions.size).toBe(0);
  });

  it('entries of the admin (no homesec comment) are listed as not homesec\'s', async () => {
    peer = await startFakePihole(PASSWORD);
    peer.domains.push({ id: 90, domain: wildcardRegex('ads.example.com'), unicode: '', type: 'deny', kind: 'regex', comment: 'my own', groups: [0], enabled: true, date_added: 1, date_modified: 1 });
    const t = createPiholeTarget({ url: peer.url, password: PASSWORD }, { timeoutMs: 5000, clock });
    expect((await t.list()).entries).toEqual([{ kind: 'domain', value: 'ads.example.com', owned: false }]);
  });

  it('an expired session is renewed once; a duplicate is a per-entry failure', async () => {
    peer = await startFakePihole(PASSWORD);
    const t = createPiholeTarget({ url: peer.url, password: PASSWORD }, { timeoutMs: 5000, clock });
    await t.list();
    peer.sessions.clear();
    await t.add([entry('one.example.com')], Date.now());
    expect(peer.logins).toBe(2);
    const dup = await t.add([entry('one.example.com')], Date.now());
    expect(dup.failed[0]?.detail).toMatch(/^Pi-hole refused it: UNIQUE constraint failed/);
  });

  it('a wrong password is an auth error without the password, and is not retried before authRetryMs', async () => {
    peer = await startFakePihole(PASSWORD);
    const fake = new FakeClock(Date.now());
    const t = createPiholeTarget({ url: peer.url, password: 'wrong-pihole-password' }, { timeoutMs: 5000, clock: fake }, { authRetryMs: 60_000 });
    for (let i = 0; i < 3; i++) {
      const err = await t.list().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TargetError);
      expect((err as TargetError).kind).toBe('auth');
      expect((err as TargetError).message).not.toContain('wrong-pihole-password');
    }
    expect(peer.logins).toBe(1);
    await fake.advance(61_000);
    await t.list().catch(() => undefined);
    expect(peer.logins).toBe(2);
  });

  it('a Pi-hole that does not answer ends in a timeout error', async () => {
    peer = await startFakePihole(PASSWORD);
    peer.stall = true;
    const t = createPiholeTarget({ url: peer.url, password: PASSWORD }, { timeoutMs: 300, clock });
    const err = await t.list().catch((e: unknown) => e);
    expect((err as TargetError).kind).toBe('timeout');
  });
});
