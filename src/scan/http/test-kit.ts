/**
 * Test helpers for HTTP fingerprinting: the recorded-response fixtures of testdata/ and a
 * loopback server that replays one. Rules: servers listen on 127.0.0.1 only, on a port the
 * kernel picks; tests close what they start.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpPage } from './fingerprint.js';

export interface Fixture {
  /** File name without .json. */
  id: string;
  /** The technology as the reference README names it. */
  technology: string;
  /** What real response the fixture reproduces. */
  source: string;
  url: string;
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
  extraPages?: HttpPage[];
  expect: { name: string; version?: string }[];
}

const TESTDATA = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');

/** Every fixture of testdata/, sorted by id. */
export function loadFixtures(): Fixture[] {
  return fs
    .readdirSync(TESTDATA)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ id: f.slice(0, -5), ...(JSON.parse(fs.readFileSync(path.join(TESTDATA, f), 'utf8')) as Omit<Fixture, 'id'>) }));
}

export interface ReplayServer {
  /** The fixture's URL moved to this server (same path and query). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts a server on 127.0.0.1 that answers an extra page's path with that page and every
 * other request with the fixture's main response.
 */
export async function startReplayServer(fixture: Fixture): Promise<ReplayServer> {
  const server = http.createServer((req, res) => {
    const reqPath = (req.url ?? '/').split('?')[0];
    const page = fixture.extraPages?.find((p) => p.path === reqPath);
    const status = page ? page.status : fixture.status;
    const headers = page ? page.headers : fixture.headers;
    const body = page ? page.body : fixture.body;
    for (const [name, value] of Object.entries(headers)) {
      if (name.toLowerCase() === 'content-length') continue;
      res.setHeader(name, value);
    }
    res.setHeader('content-length', Buffer.byteLength(body));
    res.writeHead(status);
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const original = new URL(fixture.url);
  return {
    url: `http://127.0.0.1:${port}${original.pathname}${original.search}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
