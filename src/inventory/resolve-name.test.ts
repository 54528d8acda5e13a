import { describe, expect, it } from 'vitest';
import { FakeClock } from '../core/fake-clock.js';
import { createReverseNameLookup, type PtrResolver } from './resolve-name.js';

describe('reverse-DNS device names', () => {
  it('takes the first plain hostname; hostile answers and errors are no name', async () => {
    const answers: Record<string, string[] | Error> = {
      '192.168.1.5': ['123456', '<script>x</script>.lan', 'nas.lan.'],
      '192.168.1.6': new Error('queryPtr ENOTFOUND 6.1.168.192.in-addr.arpa'),
      '192.168.1.7': [`${'a'.repeat(300)}.lan`],
    };
    const resolver: PtrResolver = {
      reverse: async (ip) => {
        const a = answers[ip];
        if (a instanceof Error) throw a;
        return a ?? [];
      },
    };
    const lookup = createReverseNameLookup({ clock: new FakeClock(), resolver });
    expect(await lookup('192.168.1.5')).toBe('nas.lan');
    expect(await lookup('192.168.1.6')).toBeUndefined();
    expect(await lookup('192.168.1.7')).toBeUndefined();
    expect(await lookup('192.168.1.8')).toBeUndefined();
  });

  it('gives up at the deadline of the injected clock when the resolver hangs', async () => {
    const clock = new FakeClock();
    const lookup = createReverseNameLookup({ clock, timeoutMs: 1000, resolver: { reverse: () => new Promise<string[]>(() => {}) } });
    let done: string | undefined | 'pending' = 'pending';
    const p = lookup('192.168.1.9').then((v) => {
      done = v;
    });
    await clock.advance(999);
    expect(done).toBe('pending');
    await clock.advance(1);
    await p;
    expect(done).toBeUndefined();
    expect(clock.pendingCount).toBe(0);
  });
});
