/**
 * Small JSON values in the `kv` table (template snapshots, counters). Rules: values are
 * JSON; a row that does not parse reads as undefined (never throws), so a damaged value
 * only costs what it cached.
 */
import type { Db } from './database.js';

/** The parsed value stored under key, or undefined. */
export function kvGet<T>(db: Db, key: string): T | undefined {
  const row = db.prepare('SELECT value FROM kv WHERE key = ?').get(key) as { value: string } | undefined;
  if (!row) return undefined;
  try {
    return JSON.parse(row.value) as T;
  } catch {
    return undefined;
  }
}

/** Stores value (JSON) under key with the time it was written. */
export function kvSet(db: Db, key: string, value: unknown, nowMs: number): void {
  db.prepare('INSERT INTO kv (key, value, updated_ms) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms').run(
    key,
    JSON.stringify(value),
    nowMs,
  );
}
