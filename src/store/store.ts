/**
 * The store component: owns the data directory and the SQLite connection. Rules: nothing
 * is opened before start(); `db` throws if read before start (a wiring bug, not a runtime
 * condition); stop() checkpoints the WAL and closes. Temp files a crash left behind are
 * removed at start.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Service } from '../core/lifecycle.js';
import type { Log } from '../core/logger.js';
import { HomesecError } from '../core/errors.js';
import { cleanupTempFiles } from './atomic-file.js';
import { checkpoint, openDatabase, type Db } from './database.js';

export interface StoreConfig {
  data_dir: string;
}

export interface Store extends Service {
  /** Absolute data directory. */
  readonly dir: string;
  /** The open database (only after start). */
  readonly db: Db;
  /** Truncates the WAL (called by the retention job). */
  checkpoint(): void;
}

export const DB_FILE = 'homesec.db';

/** Creates the store; does no I/O until start(). */
export function createStore(config: StoreConfig, deps: { log: Log }): Store {
  const dir = path.resolve(config.data_dir);
  let db: Db | undefined;
  return {
    dir,
    get db(): Db {
      if (!db) throw new HomesecError('START_FAILED', 'store used before start()');
      return db;
    },
    checkpoint() {
      if (db) checkpoint(db);
    },
    async start() {
      try {
        fs.mkdirSync(dir, { recursive: true });
      } catch (err) {
        throw new HomesecError('STORE_OPEN_FAILED', `cannot create data directory ${dir}: ${(err as Error).message}`);
      }
      const removed = cleanupTempFiles(dir);
      if (removed > 0) deps.log.warn({ dir, removed }, 'removed temp files left by an interrupted write');
      const res = openDatabase(path.join(dir, DB_FILE));
      if (res.recoveredFrom) {
        deps.log.error({ movedTo: res.recoveredFrom }, 'database was corrupt; moved aside and recreated (history and caches rebuild)');
      }
      db = res.db;
    },
    async stop() {
      if (!db) return;
      try {
        checkpoint(db);
      } finally {
        db.close();
        db = undefined;
      }
    },
  };
}
