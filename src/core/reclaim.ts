/**
 * Gives memory back after a burst of work (issue 11: a flood's memory must return to its
 * baseline). Why: V8 grows the old generation while a flood promotes short-lived objects
 * (history rows of a flush window, records of a slice), and once the allocation stops it may
 * run no full collection for a long time (measured: none in the 50 s watched after a flood), so the
 * garbage and the heap pages it holds stay resident. One full collection once the burst is
 * over frees them and lets V8 shrink the young generation.
 *
 * Rules: called by the component that sees a burst end (the collector, when its receive
 * thread has given its backlog buffers back); at most one collection per MIN_INTERVAL_MS,
 * never during a burst; a no-op where the collection function cannot be had. The function is
 * V8's `gc` (the same one `node --expose-gc` installs), taken from a fresh context after
 * turning the flag on at run time, as test runners do; it blocks this thread for the
 * duration of one full collection (tens of milliseconds for homesec's heap).
 */
import v8 from 'node:v8';
import vm from 'node:vm';

/** Shortest time between two collections asked for here (one costs tens of milliseconds). */
export const MIN_INTERVAL_MS = 10_000;

type GcFunction = () => void;

let gcFn: GcFunction | undefined | null = null;
let lastMs = Number.NEGATIVE_INFINITY;

function gcFunction(): GcFunction | undefined {
  if (gcFn === null) {
    try {
      v8.setFlagsFromString('--expose-gc');
      const fn = vm.runInNewContext('gc') as unknown;
      gcFn = typeof fn === 'function' ? (fn as GcFunction) : undefined;
    } catch {
      gcFn = undefined;
    }
  }
  return gcFn;
}

/** Runs one full garbage collection unless one ran here in the last MIN_INTERVAL_MS; true when it ran. */
export function reclaimAfterBurst(nowMs = performance.now()): boolean {
  if (nowMs - lastMs < MIN_INTERVAL_MS) return false;
  const gc = gcFunction();
  if (!gc) return false;
  lastMs = nowMs;
  gc();
  return true;
}
