/**
 * A loopback HTTP server for tests (no production code imports it). Rules: it listens on
 * 127.0.0.1 only, on a port the OS picks, and the test closes it (NETWORK RULE); every
 * request is recorded, in arrival order, before the handler runs; close() drops open
 * connections so a stalled exchange cannot keep the test alive.
 */
import http from 'node:http';

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** The request body as UTF-8 ('' when the server was told not to read it). */
  body: string;
}

export interface TestServer {
  /** http://127.0.0.1:<port> */
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

export interface TestServerOptions {
  /**
   * true (default): the body is read to its end, then the request is recorded and the
   * handler runs. false: the request is recorded (body '') and the handler runs at once,
   * with the body stream left unread for it.
   */
  readBody?: boolean;
  /** Body bytes kept in the record at most (the rest is read and dropped). Default: all. */
  maxBodyBytes?: number;
}

/**
 * Starts a server on 127.0.0.1:0. `handler` gets the recorded request, the response and
 * the raw request; it must answer (or deliberately stall). Resolves once listening.
 */
export async function startTestServer(
  handler: (seen: SeenRequest, res: http.ServerResponse, req: http.IncomingMessage) => void,
  opts: TestServerOptions = {},
): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const maxBody = opts.maxBodyBytes ?? Infinity;
  const server = http.createServer((req, res) => {
    const record = (body: string) => {
      const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      requests.push(seen);
      handler(seen, res, req);
    };
    if (opts.readBody === false) {
      record('');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= maxBody) chunks.push(c);
    });
    req.on('end', () => record(Buffer.concat(chunks).toString('utf8')));
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

/** Sends a JSON (or raw text) answer with content-type application/json unless `headers` says otherwise. */
export function sendBody(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** A handler answering the n-th request with plan[n] ([status, body, headers?]); past the plan, 500. */
export function answerInTurn(plan: readonly (readonly [number, string, Record<string, string>?])[]): (seen: SeenRequest, res: http.ServerResponse) => void {
  let i = 0;
  return (_seen, res) => {
    const [status, body, headers] = plan[i++] ?? [500, 'plan exhausted'];
    sendBody(res, status, body, headers);
  };
}
