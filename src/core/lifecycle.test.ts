import { describe, expect, it } from 'vitest';
import { HomesecError } from './errors.js';
import { startAll, stopAll, type NamedComponent } from './lifecycle.js';

const log = { info: () => {}, error: () => {} };

function tracked(name: string, events: string[], opts: { failStart?: boolean; hangStop?: boolean } = {}): NamedComponent {
  return {
    name,
    component: {
      async start() {
        if (opts.failStart) throw new Error(`${name} cannot start`);
        events.push(`start ${name}`);
      },
      async stop() {
        events.push(`stop ${name}`);
        if (opts.hangStop) await new Promise(() => {});
      },
    },
  };
}

describe('lifecycle', () => {
  it('starts in order and stops in reverse', async () => {
    const ev: string[] = [];
    const items = ['store', 'collector', 'api'].map((n) => tracked(n, ev));
    await startAll(items, log);
    await stopAll(items, log);
    expect(ev).toEqual(['start store', 'start collector', 'start api', 'stop api', 'stop collector', 'stop store']);
  });

  it('a failed start stops what already started, in reverse, and throws START_FAILED', async () => {
    const ev: string[] = [];
    const items = [tracked('a', ev), tracked('b', ev), tracked('c', ev, { failStart: true }), tracked('d', ev)];
    await expect(startAll(items, log)).rejects.toMatchObject({ code: 'START_FAILED', message: expect.stringContaining('c failed to start') });
    expect(ev).toEqual(['start a', 'start b', 'stop b', 'stop a']);
  });

  it('a HomesecError from start is passed through unchanged', async () => {
    const err = new HomesecError('LISTEN_FAILED', 'port in use');
    await expect(startAll([{ name: 'x', component: { start: async () => Promise.reject(err) } }], log)).rejects.toBe(err);
  });

  it('a stop that hangs is bounded and the others still stop', async () => {
    const ev: string[] = [];
    const errors: string[] = [];
    const items = [tracked('a', ev), tracked('b', ev, { hangStop: true })];
    await startAll(items, log);
    const t0 = Date.now();
    await stopAll(items, { info: () => {}, error: (o) => errors.push(JSON.stringify(o)) }, 100);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(ev).toEqual(['start a', 'start b', 'stop b', 'stop a']);
    expect(errors[0]).toContain('did not stop within 100 ms');
  });
});
