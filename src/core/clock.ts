/**
 * Injectable time. Rules: nothing in homesec reads Date.now() or calls setTimeout directly
 * except through a Clock, so tests can drive time with FakeClock (fake-clock.ts).
 */

export type TimerHandle = { readonly id: number };

export interface Clock {
  /** Current Unix time in milliseconds. */
  now(): number;
  /** Runs fn once after ms milliseconds; returns a handle for clearTimeout. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock, backed by Date.now and the Node timers (unref'd: timers never keep the process alive). */
export function createSystemClock(): Clock {
  const timers = new Map<number, NodeJS.Timeout>();
  let next = 1;
  return {
    now: () => Date.now(),
    setTimeout(fn, ms) {
      const id = next++;
      const t = setTimeout(() => {
        timers.delete(id);
        fn();
      }, Math.max(0, ms));
      t.unref();
      timers.set(id, t);
      return { id };
    },
    clearTimeout(handle) {
      const t = timers.get(handle.id);
      if (t) {
        clearTimeout(t);
        timers.delete(handle.id);
      }
    },
  };
}
