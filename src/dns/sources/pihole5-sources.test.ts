import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/fake-clock.js';
import { sendJson, startServer, type TestServer } from '../test-kit.js';
import { parsePihole5Api } from './pihole-parse.js';
import { createPihole5ApiSource } from './pihole5-api-source.js';
import { createPihole5DbSource } from './pihole5-db-source.js';
import { memoryCursorStore } from './source-kit.js';

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);
const TOKEN = 'f00dfeedcafe0123456789abcdef0123456789abcdef0123456789abcdef0123';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('Pi-hole v5 api.php', () => {
  it('parses getAllQueries rows; [] means a refused token', () => {
    const sec = T0 / 1000;
    const p = parsePihole5Api(
      { data: [[String(sec), 'A', 'www.example.com', '192.168.1.5', '2', '0', '4', '123', 'N/A', '-1', '1.1.1.1#53', '0'], [String(sec), 'AAAA', 'ads.example.com', '192.168.1.5', '1', '0', '4', '1', 'N/A', '-1', 'N/A', '0'], ['x'], 'junk'] },
      T0,
    );
    expect(p.queries).toMatchObject([
      { name: 'www.example.com', type: 'A', status: 'forwarded', rcode: 'NOERROR', upstream: '1.1.1.1#53' },
      { name: 'ads.example.com', type: 'AAAA', status: 'blocked', blocked: true },
    ]);
    expect(p.bad).toBe(2);
    expect(parsePihole5Api([], T0).authFailed).toBe(true);
  });

  it('polls by time against a local api.php, without repeats, token never shown', async () => {
    const rows: string[][] = [];
    server = await startServer((req, res) => {
      const u = new URL(req.url, 'http://x');
      if (u.pathname !== '/admin/api.php' || !u.searchParams.has('getAllQueries')) return sendJson(res, 404, {});
      if (u.searchParams.get('auth') !== TOKEN) return sendJson(res, 200, []);
      const from = Number(u.searchParams.get('from'));
      const until = Number(u.searchParams.get('until'));
      sendJson(res, 200, { data: rows.filter((r) => Number(r[0]) >= from && Number(r[0]) < until) });
    });
    const clock = new FakeClock(T0);
    const row = (sec: number, name: string) => [String(sec), 'A', name, '192.168.1.7', '2', '0', '4', '10', 'N/A', '-1', '9.9.9.9#53', '0'];
    rows.push(row(T0 / 1000 - 30, 'a.example.com'), row(T0 / 1000 - 1, 'b.example.com'));
    const src = createPihole5ApiSource({ dns_url: `${server.url}/`, dns_password: TOKEN }, { clock, cursor: memoryCursorStore() });
    await src.start();
    expect((await src.poll()).map((q) => q.name)).toEqual(['a.example.com', 'b.example.com']);
    rows.push(row(T0 / 1000 - 1, 'c.example.com'), row(T0 / 1000 + 2, 'd.example.com'));
    await clock.advance(5000);
    expect((await src.poll()).map((q) => q.name)).toEqual(['c.example.com', 'd.example.com']);
    expect(await src.poll()).toEqual([]);

    const refused = createPihole5ApiSource({ dns_url: server.url, dns_password: 'wrong-token-xyz' }, { clock });
    await refused.start();
    expect(await refused.poll()).toEqual([]);
    expect(refused.status()).toMatchObject({ state: 'auth_failed' });
    expect(JSON.stringify(refused.status())).not.toContain('wrong-token-xyz');
    expect(JSON.stringify(src.status())).not.toContain(TOKEN);
  });
});

describe('Pi-hole v5 FTL database (read-only)', () => {
  it('reads new rows by id from a pihole-FTL.db queries table, never writing it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-ftl-'));
    const file = path.join(dir, 'pihole-FTL.db');
    try {
      // The FTL v5 schema of the queries table (docs.pi-hole.net/database/ftl).
      const w = new Database(file);
      w.exec(`CREATE TABLE queries (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp INTEGER NOT NULL, type INTEGER NOT NULL,
              status INTEGER NOT NULL, domain TEXT NOT NULL, client TEXT NOT NULL, forward TEXT, additional_info TEXT,
              reply_type INTEGER, reply_time REAL, dnssec INTEGER)`);
      const ins = w.prepare('INSERT INTO queries (timestamp, type, status, domain, client, forward, additional_info, reply_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
      const sec = T0 / 1000;
      ins.run(sec - 3600, 1, 2, 'too-old.example.com', '192.168.1.9', '1.1.1.1#53', null, 4);
      ins.run(sec - 60, 1, 2, 'www.example.com', '192.168.1.9', '1.1.1.1#53', null, 4);
      ins.run(sec - 59, 2, 3, 'www.example.com', '192.168.1.9', null, null, 1);
      ins.run(sec - 58, 7, 1, 'ads.example.com', '192.168.1.10', null, null, 4);
      ins.run(sec - 57, 165, 2, 'svc.example.com', '192.168.1.10', '9.9.9.9#53', null, 2);
      ins.run(sec - 56, 1, 2, 'x.example.com', 'not-an-ip', null, null, 4);
      const cursor = memoryCursorStore();
      const clock = new FakeClock(T0);
      const src = createPihole5DbSource({ dns_db_path: file }, { clock, cursor });
      await src.start();
      const first = await src.poll();
      expect(first).toMatchObject([
        { name: 'www.example.com', type: 'A', status: 'forwarded', upstream: '1.1.1.1#53', rcode: 'NOERROR' },
        { name: 'www.example.com', type: 'AAAA', status: 'cached', rcode: 'NODATA' },
        { name: 'ads.example.com', type: 'TXT', status: 'blocked', blocked: true },
        { name: 'svc.example.com', type: 'HTTPS', rcode: 'NXDOMAIN' },
      ]);
      expect(src.status()).toMatchObject({ state: 'ok', badRecords: 1 });
      ins.run(sec + 1, 1, 2, 'later.example.com', '192.168.1.11', '1.1.1.1#53', null, 4);
      expect((await src.poll()).map((q) => q.name)).toEqual(['later.example.com']);
      expect(await src.poll()).toEqual([]);
      expect(cursor.value).toEqual({ lastId: 7 });
      await src.stop();
      w.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a missing or non-database file is a counted error, retried next poll', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-ftl-'));
    try {
      const file = path.join(dir, 'pihole-FTL.db');
      const src = createPihole5DbSource({ dns_db_path: file }, { clock: new FakeClock(T0) });
      await src.start();
      expect(await src.poll()).toEqual([]);
      expect(src.status()).toMatchObject({ state: 'error', errors: 1 });
      fs.writeFileSync(file, 'this is not a database');
      expect(await src.poll()).toEqual([]);
      expect(src.status()).toMatchObject({ state: 'error', errors: 2 });
      expect(fs.readFileSync(file, 'utf8')).toBe('this is not a database');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
