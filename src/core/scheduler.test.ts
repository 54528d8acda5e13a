import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.js';
import { createMetrics } from './metrics.js';
import { createScheduler } from './scheduler.js';

const quietLog = { warn: () => {}, error: () => {} };

describe('scheduler (fake clock)', () => {
  it('runs a job every interval after start, not before', async () => {
    const clock = new FakeClock();
    const s = createScheduler({ clock, log: quietLog, random: () => 0.5 });
    const runs: number[] = [];
    s.every('scan', { intervalMs: 300_000, jitter: 0.1 }, async () => {
      runs.push(clock.now());
    });
    await clock.advance(600_000);
    expect(runs).toEqual([]); // not started
    await s.start();
    const t0 = clock.now();
    await clock.advance(900_000);
    expect(runs.map((t) => t - t0)).toEqual([300_000, 600_000, 900_000]);
    await s.stop();
    await clock.advance(900_000);
    expect(runs).toHaveLength(3);
  });

  it('jitter keeps each delay within +/- jitter of the interval', async () => {
    const clock = new FakeClock();
    let r = 0;
    const seq = [0, 0.999, 0.25, 0.75];
    const s = createScheduler({ clock, log: quietLog, random: () => seq[r++ % seq.length] as number });
    const runs: number[] = [];
    s.every('j', { intervalMs: 1000, jitter: 0.2 }, async () => {
      runs.push(clock.now());
    });
    await s.start();
    const t0 = clock.now();
    await clock.advance(10_000);
    const gaps = runs.map((t, i) => t - (i === 0 ? t0 : (runs[i - 1] as number)));
    expect(gaps.slice(0, 4)).toEqual([800, 1200, 900, 1100]);
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(800);
      expect(g).toBeLessThanOrEqual(1200);
    }
    await s.stop();
  });

  it('never overlaps a job with itself; skipped runs are counted', async () => {
    const clock = new FakeClock();
    const metrics = createMetrics();
    const s = createScheduler({ clock, log: quietLog, metrics, random: () => 0.5 });
    let active = 0;
    let maxActive = 0;
    let release: (() => void) | undefined;
    s.every('slow', { intervalMs: 100, jitter: 0, initialDelayMs: 0 }, async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise<void>((res) => (release = res));
      active--;
    });
    await s.start();
    await clock.advance(350); // due at 0 (runs, blocks), 100, 200, 300 (skipped)
    expect(maxActive).toBe(1);
    expect(metrics.get('homesec_job_skipped_total', { job: 'slow' })).toBe(3);
    expect(s.isRunning('slow')).toBe(true);
    expect(s.runNow('slow').status).toBe('busy');
    release?.();
    await clock.advance(0);
    expect(s.isRunning('slow')).toBe(false);
    const stopped = s.stop();
    await stopped;
  });

  it('runNow starts a job at once; stop waits for a run in flight', async () => {
    const clock = new FakeClock();
    const s = createScheduler({ clock, log: quietLog });
    let done = false;
    let release: (() => void) | undefined;
    s.every('scan', { intervalMs: 60_000 }, async () => {
      await new Promise<void>((res) => (release = res));
      done = true;
    });
    await s.start();
    const r = s.runNow('scan');
    expect(r.status).toBe('started');
    let stopped = false;
    const stopP = s.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    release?.();
    await stopP;
    expect(done).toBe(true);
    expect(stopped).toBe(true);
  });

  it('a throwing job is logged, counted and runs again next time', async () => {
    const clock = new FakeClock();
    const metrics = createMetrics();
    const errors: string[] = [];
    const s = createScheduler({ clock, metrics, log: { warn: () => {}, error: (o) => errors.push(JSON.stringify(o)) }, random: () => 0.5 });
    let n = 0;
    s.every('flaky', { intervalMs: 1000, jitter: 0 }, async () => {
      n++;
      throw new Error('boom');
    });
    await s.start();
    await clock.advance(3000);
    expect(n).toBe(3);
    expect(metrics.get('homesec_job_failures_total', { job: 'flaky' })).toBe(3);
    expect(errors[0]).toContain('boom');
    await s.stop();
  });
});
