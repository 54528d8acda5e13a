/**
 * Test kit for the intel tests (no production code imports it). Rules: servers listen on
 * 127.0.0.1 only, on a port the OS picks, and are closed by the test (NETWORK RULE);
 * fixtures are read from testdata/ beside this file.
 */
import fs from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, type Db } from '../store/database.js';
import { MIGRATIONS } from '../store/migrations.js';
import { startTestServer, type TestServer } from '../../test/support/http-server.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** A fixture's text. */
export function fixture(name: string): string {
  return fs.readFileSync(path.join(HERE, 'testdata', name), 'utf8');
}

export type { SeenRequest, TestServer } from '../../test/support/http-server.js';
export { sendBody as send } from '../../test/support/http-server.js';

/** Starts a loopback test server; every request is recorded (body unread) before `handler` gets it raw. */
export function startServer(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<TestServer> {
  return startTestServer((_seen, res, req) => handler(req, res), { readBody: false });
}

/** A temp dir and a database with the intel migration; `reopen` simulates a restart. */
export function tempDb(): { dir: string; file: string; db: Db; reopen(): Db; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-intel-'));
  const file = path.join(dir, 'homesec.db');
  const migrations = MIGRATIONS;
  const open = () => openDatabase(file, migrations).db;
  const t = {
    dir,
    file,
    db: open(),
    reopen() {
      t.db.close();
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
