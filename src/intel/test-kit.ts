/**
 * Test kit for the intel tests (no production code imports it). Rules: servers listen on
 * 127.0.0.1 only, on a port the OS picks, and are closed by the test (NETWORK RULE);
 * fixtures are read from testdata/ beside this file.
 */
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../../test/support/http-server.js';
import { tempDb as tempDbIn, type TempDb } from '../../test/support/temp-db.js';

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
export function tempDb(): TempDb {
  return tempDbIn('homesec-intel-');
}
