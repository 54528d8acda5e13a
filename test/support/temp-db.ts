/**
 * A throwaway database for tests (no production code imports it). Rules: it lives in its own
 * temp directory (prefix names the suite), opened with the store's migrations unless told
 * otherwise; `reopen` closes and opens the same file, as a restart would; `cleanup` closes it
 * and removes the directory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Db } from '../../src/store/database.js';
import { MIGRATIONS, type Migration } from '../../src/store/migrations.js';

export interface TempDb {
  dir: string;
  file: string;
  db: Db;
  /** Closes the database (if open) and opens the same file again. */
  reopen(): Db;
  cleanup(): void;
}

/** A temp dir named `<prefix>XXXXXX` holding homesec.db, opened with `migrations`. */
export function tempDb(prefix: string, migrations: readonly Migration[] = MIGRATIONS): TempDb {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const file = path.join(dir, 'homesec.db');
  const open = () => openDatabase(file, migrations).db;
  const t: TempDb = {
    dir,
    file,
    db: open(),
    reopen() {
      if (t.db.open) t.db.close();
      t.db = open();
      return t.db;
    },
    cleanup() {
      if (t.db.open) t.db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}
