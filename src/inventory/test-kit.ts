/**
 * Test helpers for the inventory (imported by tests only). Rules: the store is a real SQLite
 * database in a temp directory with every migration (the inventory's is migration 9).
 */
import path from 'node:path';
import { createSilentLogger } from '../core/logger.js';
import { openDatabase } from '../store/database.js';
import { MIGRATIONS } from '../store/migrations.js';
import { DB_FILE, createStore, type Store } from '../store/store.js';

/** A started store in `dir` whose database has migration 9. */
export async function openTestStore(dir: string): Promise<Store> {
  openDatabase(path.join(dir, DB_FILE), MIGRATIONS).db.close();
  const store = createStore({ data_dir: dir }, { log: createSilentLogger() });
  await store.start();
  return store;
}
