/**
 * Test kit for the intel tests (no production code imports it). Rules: servers listen on
 * 127.0.0.1 only, on a port the OS picks, and are closed by the test (NETWORK RULE);
 * fixtures are read from testdata/ beside this file.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, type Db } from '../store/database.js';
import { MIGRATIONS } from '../store/migrations.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** A fixture's text. */
export function fixture(name: string): string {
  return fs.readFileSync(path.join(HERE, 'testdata', name), 'utf8');
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface TestServer {
  /** http://127.0.0.1:<port> */
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** Starts a loopback HTTP server; every request is recorded before `handler` runs. */
export async function startServer(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Sends a JSON (or raw text) answer. */
export function send(res: http.ServerResponse, status: number, body: string | object, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
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
