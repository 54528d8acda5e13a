/**
 * Periodic jobs (scan interval, feed refresh, retention pruning). Rules: driven only by the
 * injected Clock; a job never overlaps itself (a run falling due while the previous one is
 * still going is skipped and counted); each delay gets +/- jitter so jobs do not align;
 * a throwing job is logged and rescheduled; stop() cancels timers and waits for runs in
 * flight. runNow() starts a job at once (e.g. trigger_scan) unless it is already running.
 */
import type { Clock, TimerHandle } from './clock.js';
import { errorMessage } from './errors.js';
import type { Metrics } from './metrics.js';

export interface JobOptions {
  /** Period between the end of one run's scheduling and the next, in ms (> 0). */
  intervalMs: number;
  /** Fraction of intervalMs used as +/- random jitter (0..0.5), default 0.1. */
  jitter?: number;
  /** Delay before the first run; default: one interval (with jitter). 0 = right after start. */
  initialDelayMs?: number;
}

export type JobFn = () => Promise<void>;

export interface Scheduler {
  /** Registers a job; may be called before or after start(). Names are unique. */
  every(name: string, opts: JobOptions, fn: JobFn): void;
  /** Runs a job now. Resolves 'started' and the run, or 'busy' when it is running already. */
  runNow(name: string): { status: 'started' | 'busy'; done: Promise<void> };
  /** True while the job is running. */
  isRunning(name: string): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface JobState {
  name: string;
  opts: JobOptions;
  fn: JobFn;
  timer?: TimerHandle;
  running?: Promise<void>;
}

export interface SchedulerDeps {
  clock: Clock;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  metrics?: Metrics;
  /** Random source in [0,1), injectable for tests. */
  random?: () => number;
}

/** Creates a scheduler; no timers are armed before start(). */
export function createScheduler(deps: SchedulerDeps): Scheduler {
  const jobs = new Map<string, JobState>();
  const random = deps.random ?? Math.random;
  let started = false;

  const delayFor = (opts: JobOptions, first: boolean): number => {
    const base = first && opts.initialDelayMs !== undefined ? opts.initialDelayMs : opts.intervalMs;
    const j = Math.min(0.5, Math.max(0, opts.jitter ?? 0.1));
    if (base === 0 || j === 0) return base;
    return Math.max(0, Math.round(base + (random() * 2 - 1) * j * base));
  };

  const arm = (job: JobState, first: boolean) => {
    if (!started) return;
    job.timer = deps.clock.setTimeout(() => {
      job.timer = undefined;
      if (job.running) {
        deps.metrics?.inc('homesec_job_skipped_total', { job: job.name });
        deps.log.warn({ job: job.name }, 'job still running at its next due time; skipped this run');
      } else {
        void execute(job);
      }
      arm(job, false);
    }, delayFor(job.opts, first));
  };

  const execute = (job: JobState): Promise<void> => {
    const run = (async () => {
      try {
        deps.metrics?.inc('homesec_job_runs_total', { job: job.name });
        await job.fn();
      } catch (err) {
        deps.metrics?.inc('homesec_job_failures_total', { job: job.name });
        deps.log.error({ job: job.name, err: errorMessage(err) }, 'job failed');
      } finally {
        job.running = undefined;
      }
    })();
    job.running = run;
    return run;
  };

  return {
    every(name, opts, fn) {
      if (jobs.has(name)) throw new Error(`job ${name} is already registered`);
      if (!(opts.intervalMs > 0)) throw new Error(`job ${name}: intervalMs must be > 0`);
      const job: JobState = { name, opts, fn };
      jobs.set(name, job);
      arm(job, true);
    },
    runNow(name) {
      const job = jobs.get(name);
      if (!job) throw new Error(`unknown job ${name}`);
      if (job.running) return { status: 'busy', done: job.running };
      return { status: 'started', done: execute(job) };
    },
    isRunning(name) {
      return jobs.get(name)?.running !== undefined;
    },
    async start() {
      if (started) return;
      started = true;
      for (const job of jobs.values()) arm(job, true);
    },
    async stop() {
      started = false;
      for (const job of jobs.values()) {
        if (job.timer) deps.clock.clearTimeout(job.timer);
        job.timer = undefined;
      }
      await Promise.all([...jobs.values()].map((j) => j.running ?? Promise.resolve()));
    },
  };
}
