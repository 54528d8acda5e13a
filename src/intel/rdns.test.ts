import { describe, expect, it } from 'vitest';
import { FakeClock, flushMicrotasks } from '../core/fake-clock.js';
import { createReverseDns, type ReverseResolver } from './rdns.js';

const opts = { timeoutMs: 3000, ttlMs: 3_600_000, negativeTtlMs: 600_000, maxEntries: 3 };

function resolverOf(answers: Record<string, string[] | Error | 'hang'>): ReverseResolver & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    reverse(ip) {
      calls.push(ip);
      const a = answers[ip];
      if (a === 'hang') return new Promise(() => {});
      if (a instanceof Error) return Promise.reject(a);
      return Promise.resolve(a ?? []);
    },
  };
}

describe('reverse DNS', () => {
  it('keeps the first plain hostname; error text, numeric and 300-character names become "no name" (hostile-input #17)', async () => {
    const resolver = resolverOf({
      '198.51.100.1': ['Host-1.Example.NET.'],
      '198.51.100.2': [';; connection timed out; no servers could be reached'],
      '198.51.100.3': ['123456', `${'a'.repeat(300)}.example`],
      '198.51.100.4': ['<img src=x onerror=alert(1)>.example', 'ok.example'],
      '198.51.100.5': Object.assign(new Error('queryPtr ENOTFOUND'), { code: 'ENOTFOUND' }),
    });
    const r = createReverseDns({ ...opts, maxEntries: 100 }, { resolver, clock: new FakeClock() });
    const got = [];
    for (let i = 1; i <= 5; i++) got.push(await r.resolve(`198.51.100.${i}`));
    expect(got).toEqual(['host-1.example.net', null, null, 'ok.example', null]);
    expect(r.stats()).toMatchObject({ lookups: 5, names: 2, noName: 3, rejectedNames: 4 });
  });

  it('an absolute deadline on the injected clock ends a hung lookup; answers and misses are cached with TTLs', async () => {
    const clock = new FakeClock();
    const resolver = resolverOf({ '198.51.100.1': 'hang', '198.51.100.2': ['b.example'] });
    const r = createReverseDns(opts, { resolver, clock });
    const p = r.resolve('198.51.100.1');
    const joined = r.resolve('198.51.100.1');
    expect(r.needs('198.51.100.1', clock.now())).toBe(false);
    await clock.advance(3000);
    expect(await p).toBeNull();
    expect(await joined).toBeNull();
    expect(resolver.calls).toEqual(['198.51.100.1']);
    expect(r.stats().timeouts).toBe(1);
    await r.resolve('198.51.100.2');
    expect(r.needs('198.51.100.1', clock.now())).toBe(false);
    expect(r.needs('198.51.100.2', clock.now())).toBe(false);
    await clock.advance(600_000);
    expect(r.needs('198.51.100.1', clock.now())).toBe(true);
    expect(r.needs('198.51.100.2', clock.now())).toBe(false);
    await clock.advance(3_000_000);
    expect(r.needs('198.51.100.2', clock.now())).toBe(true);
    await flushMicrotasks();
  });

  it('the cache is bounded (oldest evicted)', async () => {
    const r = createReverseDns(opts, { resolver: resolverOf({}), clock: new FakeClock() });
    for (let i = 1; i <= 5; i++) await r.resolve(`198.51.100.${i}`);
    expect(r.stats().cached).toBe(3);
    expect(r.peek('198.51.100.1')).toBeUndefined();
    expect(r.peek('198.51.100.5')).toBeNull();
  });
});
