import { describe, expect, it } from 'vitest';
import { createLimiter } from './limiter.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('createLimiter', () => {
  it('never runs more than the limit at once and runs everything in order', async () => {
    const lim = createLimiter(3);
    let now = 0;
    let peak = 0;
    const started: number[] = [];
    const tasks = Array.from({ length: 20 }, (_, i) =>
      lim.run(async () => {
        started.push(i);
        now++;
        peak = Math.max(peak, now);
        await tick();
        now--;
        return i * 2;
      }),
    );
    expect(await Promise.all(tasks)).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    expect(peak).toBe(3);
    expect(started).toEqual([...started].sort((a, b) => a - b));
    expect(lim.active()).toBe(0);
  });

  it('a throwing task releases its slot and rejects only itself', async () => {
    const lim = createLimiter(1);
    const bad = lim.run(async () => {
      throw new Error('boom');
    });
    const good = lim.run(async () => 'ok');
    await expect(bad).rejects.toThrow('boom');
    await expect(good).resolves.toBe('ok');
  });

  it('rejects a bad limit', () => {
    expect(() => createLimiter(0)).toThrow(/limit/);
  });
});
