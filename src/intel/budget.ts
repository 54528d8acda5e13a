/**
 * Daily request budgets per provider. Rules: a request is counted BEFORE it is sent (one that
 * then fails still costs budget, because the provider may have counted it too) and the count
 * is committed to SQLite before tryConsume returns, so a crash or restart can never hand out
 * the same budget twice. Days are local calendar days of the injected clock: the count
 * resets at local midnight. A budget of 0 allows nothing.
 */
import type { Clock } from '../core/clock.js';
import type { Db } from '../store/database.js';

/** The local calendar day of `ms` as YYYY-MM-DD. */
export function localDayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The first instant of the local day after the one containing `ms`. */
export function nextLocalMidnight(ms: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime();
}

export interface Budgets {
  /** Counts one request if today's budget allows it (persisted before returning true). */
  tryConsume(provider: string): boolean;
  /** Requests counted today. */
  used(provider: string): number;
  /** Requests still allowed today. */
  left(provider: string): number;
  limit(provider: string): number;
}

/** Budgets for the given per-provider daily limits (providers not listed get 0). */
export function createBudgets(limits: Readonly<Record<string, number>>, deps: { db: Db; clock: Clock }): Budgets {
  const read = deps.db.prepare('SELECT day, used FROM intel_budget WHERE provider = ?');
  const write = deps.db.prepare(
    'INSERT INTO intel_budget (provider, day, used) VALUES (?, ?, ?) ON CONFLICT(provider) DO UPDATE SET day = excluded.day, used = excluded.used',
  );
  const limitOf = (p: string) => Math.max(0, limits[p] ?? 0);
  const usedToday = (p: string): number => {
    const row = read.get(p) as { day: string; used: number } | undefined;
    return row && row.day === localDayKey(deps.clock.now()) && Number.isFinite(row.used) ? Math.max(0, row.used) : 0;
  };
  const consume = deps.db.transaction((p: string): boolean => {
    const used = usedToday(p);
    if (used >= limitOf(p)) return false;
    write.run(p, localDayKey(deps.clock.now()), used + 1);
    return true;
  });
  return {
    tryConsume: (p) => consume(p),
    used: usedToday,
    left: (p) => Math.max(0, limitOf(p) - usedToday(p)),
    limit: limitOf,
  };
}
