import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from './database.js';
import { MIGRATIONS } from './migrations.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-db-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('openDatabase', () => {
  it('applies every migration once, in WAL mode', () => {
    const f = path.join(dir, 'h.db');
    const a = openDatabase(f);
    expect(a.applied).toEqual(MIGRATIONS.map((m) => m.version));
    expect(a.db.pragma('journal_mode', { simple: true })).toBe('wal');
    a.db.prepare('INSERT INTO kv (key, value, updated_ms) VALUES (?, ?, ?)').run('k', 'v', 1);
    a.db.close();
    const b = openDatabase(f);
    expect(b.applied).toEqual([]);
    expect(b.db.prepare('SELECT value FROM kv WHERE key = ?').get('k')).toEqual({ value: 'v' });
    b.db.close();
  });

  it('a file that is not a database is moved aside and recreated', () => {
    const f = path.join(dir, 'h.db');
    fs.writeFileSync(f, 'this is not sqlite'.repeat(100));
    const r = openDatabase(f);
    expect(r.recoveredFrom).toMatch(/h\.db\.corrupt-/);
    expect(fs.readFileSync(r.recoveredFrom as string, 'utf8')).toContain('this is not sqlite');
    expect(r.applied.length).toBe(MIGRATIONS.length);
    r.db.close();
  });

  it('a damaged table page (header and schema intact) is found at open by quick_check and moved aside', () => {
    const f = path.join(dir, 'h.db');
    const a = openDatabase(f);
    const insert = a.db.prepare('INSERT INTO kv (key, value, updated_ms) VALUES (?, ?, ?)');
    for (let i = 0; i < 500; i++) insert.run(`key-${i}`, 'x'.repeat(100), i);
    const { rootpage } = a.db.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'kv'").get() as { rootpage: number };
    const pageSize = a.db.pragma('page_size', { simple: true }) as number;
    a.db.pragma('wal_checkpoint(TRUNCATE)');
    a.db.close();
    const bytes = fs.readFileSync(f);
    bytes.fill(0xa5, (rootpage - 1) * pageSize + 8, rootpage * pageSize);
    fs.writeFileSync(f, bytes);
    const r = openDatabase(f);
    expect(r.recoveredFrom).toMatch(/h\.db\.corrupt-/);
    expect(r.db.prepare('SELECT count(*) AS n FROM kv').get()).toEqual({ n: 0 });
    r.db.close();
  });

  it('a 0-byte database file opens as a fresh database', () => {
    const f = path.join(dir, 'h.db');
    fs.writeFileSync(f, '');
    const r = openDatabase(f);
    expect(r.recoveredFrom).toBeUndefined();
    expect(r.applied.length).toBe(MIGRATIONS.length);
    r.db.close();
  });

  it('a failing migration rolls back and leaves earlier ones applied', () => {
    const f = path.join(dir, 'h.db');
    expect(() => openDatabase(f, [...MIGRATIONS, { version: 999, name: 'bad', sql: 'CREATE TABLE x (a); SELECT nonsense FROM nowhere;' }])).toThrow();
    const r = openDatabase(f);
    const versions = (r.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((x) => x.version);
    expect(versions).toEqual(MIGRATIONS.map((m) => m.version));
    expect(r.db.prepare("SELECT name FROM sqlite_master WHERE name = 'x'").get()).toBeUndefined();
    r.db.close();
  });
});
