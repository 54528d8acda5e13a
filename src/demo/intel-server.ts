/**
 * The demo's stand-in for the outside services homesec would download from: the NVD CVE
 * API 2.0, the CISA KEV catalog and an abuse.ch Feodo Tracker blocklist, served from bundled
 * data (cve-fixture.ts, scenario.ts) on 127.0.0.1 at a port the OS picks.
 *
 * Rules: loopback only; GET (and HEAD) only; answers in each service's published format
 * (NVD: 400 for a query the real API refuses; the feed as text/plain with an ETag so
 * homesec's conditional refresh gets 304s); every request is counted per path for the
 * demo's log; close() drops open connections.
 */
import http from 'node:http';
import type net from 'node:net';
import { DEMO_KEV_CATALOG, nvdSearch } from './cve-fixture.js';
import { INTEL_PATHS } from './demo-config.js';
import { BLOCKLIST_TEXT } from './scenario.js';

export interface IntelServer {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Requests answered, per path. */
  requests: Record<string, number>;
  close(): Promise<void>;
}

const FEED_ETAG = '"homesec-demo-feed-1"';

/** Starts the server on 127.0.0.1 (see the module rules). */
export async function startIntelServer(): Promise<IntelServer> {
  const requests: Record<string, number> = {};
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests[u.pathname] = (requests[u.pathname] ?? 0) + 1;
    const send = (status: number, type: string, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'method not allowed\n', { allow: 'GET, HEAD' });
    if (u.pathname === INTEL_PATHS.nvd) {
      const page = nvdSearch(u.searchParams, Date.now());
      return page ? send(200, 'application/json', JSON.stringify(page)) : send(400, 'text/plain', 'invalid query parameters\n');
    }
    if (u.pathname === INTEL_PATHS.kev) return send(200, 'application/json', JSON.stringify(DEMO_KEV_CATALOG));
    if (u.pathname === INTEL_PATHS.feed) {
      if (req.headers['if-none-match'] === FEED_ETAG) {
        res.writeHead(304, { etag: FEED_ETAG });
        return res.end();
      }
      return send(200, 'text/plain; charset=utf-8', BLOCKLIST_TEXT, { etag: FEED_ETAG });
    }
    return send(404, 'text/plain', 'not found\n');
  });
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
