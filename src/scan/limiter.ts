/**
 * A concurrency limiter. Rules: at most `limit` tasks run at once; the rest wait in FIFO
 * order; a task that throws releases its slot and rejects its own promise only.
 */

export interface Limiter {
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks running now. */
  active(): number;
  /** Tasks waiting for a slot. */
  pending(): number;
}

/** Creates a limiter allowing `limit` (>= 1) concurrent tasks. */
export function createLimiter(limit: number): Limiter {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be an integer >= 1 (got ${limit})`);
  let running = 0;
  const queue: (() => void)[] = [];
  const release = (): void => {
    running--;
    const next = queue.shift();
    if (next) next();
  };
  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const start = (): void => {
          running++;
          task().then(resolve, reject).finally(release);
        };
        if (running < limit) start();
        else queue.push(start);
      });
    },
    active: () => running,
    pending: () => queue.length,
  };
}
