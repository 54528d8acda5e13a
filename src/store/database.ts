/**
 * The SQLite store (better-sqlite3). Rules: WAL journal, synchronous=NORMAL, a busy timeout
 * so SQLITE_BUSY is retried by SQLite itself; migrations run at open. A database that is
 * not a database or is corrupt (SQLITE_NOTADB / SQLITE_CORRUPT at open, or a failed
 * `PRAGMA quick_check` — never on BUSY) is moved aside as `<file>.corrupt-<time>` and
 * recreated, because everything in it is history and caches that homesec rebuilds; the YAML
 * state files hold what the user decided.
 * checkpoint() truncates the WAL so it stays bounded. (schema_migrations.applied_ms is
 * bookkeeping for people and uses the wall clock directly: no behaviour depends on it.)
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { HomesecError } from '../core/errors.js';
import { MIGRATIONS, type Migration } from './migrations.js';

export type Db = Database.Database;

export interface OpenResult {
  db: Db;
  /** Set when a corrupt file was moved aside. */
  recoveredFrom?: string;
  /** Versions applied by this open. */
  applied: number[];
}

const RECOVERABLE = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT']);

function configure(db: Db): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
}

/** Applies pending migrations, each in its own transaction; returns the versions applied. */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms INTEGER NOT NULL)');
  const done = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
    })();
    applied.push(m.version);
  }
  return applied;
}

function tryOpen(file: string, migrations: readonly Migration[]): { db: Db; applied: number[] } {
  const db = new Database(file);
  try {
    configure(db);
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    // A damaged page elsewhere in the file would otherwise surface later, in the middle of a
    // query of whatever component reads it first; quick_check reads every page once (linear in
    // the file size, which retention keeps small).
    const check = db.pragma('quick_check(1)', { simple: true });
    if (check !== 'ok') throw Object.assign(new Error(`quick_check: ${String(check).slice(0, 200)}`), { code: 'SQLITE_CORRUPT' });
    return { db, applied: migrate(db, migrations) };
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Opens (creating) the database at `file` with migrations applied; see module rules for corruption. */
export function openDatabase(file: string, migrations: readonly Migration[] = MIGRATIONS): OpenResult {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    return tryOpen(file, migrations);
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (file === ':memory:' || !RECOVERABLE.has(code)) {
      throw new HomesecError('STORE_OPEN_FAILED', `cannot open database ${file}: ${(err as Error).message}`, { code });
    }
    const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    fs.renameSync(file, aside);
    for (const ext of ['-wal', '-shm']) {
      try {
        fs.renameSync(file + ext, aside + ext);
      } catch {
        /* absent */
      }
    }
    const { db, applied } = tryOpen(file, migrations);
    return { db, applied, recoveredFrom: aside };
  }
}

/** Truncating WAL checkpoint (keeps the -wal file bounded); returns SQLite's [busy, log, checkpointed]. */
export function checkpoint(db: Db): unknown {
  return db.pragma('wal_checkpoint(TRUNCATE)');
}
