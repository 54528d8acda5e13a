/**
 * The demo's lab services: small in-process TCP servers on loopback addresses (127.0.0.x)
 * that answer the way the real products do, so the real scanner has something to find.
 *
 * Rules:
 * - Loopback only: a spec whose host is not in 127.0.0.0/8 is refused before anything
 *   listens. Each server listens on exactly its host and port (no wildcard address).
 * - A port this machine already uses (or an address it cannot bind, e.g. 127.0.0.x on macOS)
 *   skips that one service and says why; the others still start.
 * - Every connection is bounded: at most MAX_CONNECTIONS per server, IDLE_MS without data
 *   closes it, at most MAX_INPUT bytes are read; nothing is ever parsed beyond what the answer
 *   needs. Servers never log in anyone or change state.
 * - What each kind answers: `banner` speaks first (SSH, FTP, telnet) and answers each line
 *   with `reply` when given; `http` answers one request (200 for `/`, 404 elsewhere, 400 for
 *   what is not HTTP) and closes; `mqtt` is an MQTT 3.1.1 broker that accepts any CONNECT,
 *   acknowledges SUBSCRIBE and publishes its version on `$SYS/broker/version` (as mosquitto
 *   does); `rtsp` answers OPTIONS and refuses everything else with 401, like a camera.
 */
import net from 'node:net';
import type { LabService } from './scenario.js';

export const MAX_CONNECTIONS = 32;
export const IDLE_MS = 10_000;
export const MAX_INPUT = 8 * 1024;

export interface RunningService {
  spec: LabService;
  /** The port actually bound (the spec's, or the OS's pick when the spec says 0). */
  port: number;
}

export interface LabServices {
  running: RunningService[];
  skipped: { spec: LabService; reason: string }[];
  close(): Promise<void>;
}

const textBytes = (s: string): Buffer => Buffer.from(s, 'latin1');

function httpDate(): string {
  return new Date().toUTCString();
}

function httpAnswer(spec: Extract<LabService, { kind: 'http' }>, request: string): string {
  const line = /^([A-Z]{3,10}) (\S{1,2048}) HTTP\/1\.[01]\r?\n/.exec(request);
  let status = '400 Bad Request';
  let html = '<html>\r\n<head><title>400 Bad Request</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n</body>\r\n</html>\r\n';
  if (line) {
    const path = (line[2] as string).split('?')[0];
    if ((line[1] === 'GET' || line[1] === 'HEAD') && path === '/') {
      status = '200 OK';
      html = `<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>${spec.title}</title>\n</head>\n<body>\n${spec.body}\n</body>\n</html>\n`;
    } else {
      status = '404 Not Found';
      html = '<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n</body>\r\n</html>\r\n';
    }
    if (line[1] === 'HEAD') html = '';
  }
  const body = Buffer.byteLength(html, 'utf8');
  return `HTTP/1.1 ${status}\r\nServer: ${spec.server}\r\nDate: ${httpDate()}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${body}\r\nConnection: close\r\n\r\n${html}`;
}

/** MQTT remaining-length field (§2.2.3). */
function mqttLength(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/** One complete MQTT packet at the start of buf: [type byte, payload, total size], or undefined while incomplete. */
function mqttPacket(buf: Buffer): { type: number; body: Buffer; size: number } | undefined {
  let len = 0;
  for (let i = 0; i < 4; i++) {
    const b = buf[1 + i];
    if (b === undefined) return undefined;
    len += (b & 0x7f) * 128 ** i;
    if ((b & 0x80) === 0) {
      const start = 2 + i;
      if (buf.length < start + len) return undefined;
      return { type: buf[0] as number, body: buf.subarray(start, start + len), size: start + len };
    }
  }
  return { type: -1, body: Buffer.alloc(0), size: buf.length };
}

const SYS_VERSION = '$SYS/broker/version';

/** The broker's answers to the packets in `input`; `rest` is an incomplete tail; `close` after DISCONNECT or garbage. */
function mqttAnswers(spec: Extract<LabService, { kind: 'mqtt' }>, input: Buffer): { out: Buffer[]; rest: Buffer; close: boolean } {
  const out: Buffer[] = [];
  let buf = input;
  for (;;) {
    const p = mqttPacket(buf);
    if (!p) return { out, rest: buf, close: false };
    buf = buf.subarray(p.size);
    const kind = p.type >> 4;
    if (kind === 1) out.push(Buffer.from([0x20, 0x02, 0x00, 0x00]));
    else if (kind === 8 && p.body.length >= 2) {
      const pid = p.body.subarray(0, 2);
      const topics: string[] = [];
      let i = 2;
      while (i + 2 <= p.body.length) {
        const n = p.body.readUInt16BE(i);
        topics.push(p.body.subarray(i + 2, i + 2 + n).toString('utf8'));
        i += 2 + n + 1;
      }
      out.push(Buffer.from([0x90, 2 + topics.length, ...pid, ...topics.map(() => 0x00)]));
      if (topics.includes(SYS_VERSION)) {
        const topic = Buffer.from(SYS_VERSION, 'utf8');
        const payload = Buffer.from(spec.version, 'utf8');
        const rem = 2 + topic.length + payload.length;
        out.push(Buffer.from([0x31, ...mqttLength(rem), topic.length >> 8, topic.length & 0xff, ...topic, ...payload]));
      }
    } else if (kind === 12) out.push(Buffer.from([0xd0, 0x00]));
    else return { out, rest: Buffer.alloc(0), close: true };
  }
}

function rtspAnswer(spec: Extract<LabService, { kind: 'rtsp' }>, request: string): string {
  const cseq = /^CSeq:\s*(\d{1,9})\s*$/im.exec(request)?.[1] ?? '0';
  if (/^OPTIONS /.test(request)) {
    return `RTSP/1.0 200 OK\r\nCSeq: ${cseq}\r\nDate: ${httpDate()}\r\nServer: ${spec.server}\r\nPublic: OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE, GET_PARAMETER, SET_PARAMETER\r\n\r\n`;
  }
  return `RTSP/1.0 401 Unauthorized\r\nCSeq: ${cseq}\r\nDate: ${httpDate()}\r\nServer: ${spec.server}\r\nWWW-Authenticate: Digest realm="IP Camera", nonce="${Date.now().toString(16)}"\r\n\r\n`;
}

/** Serves one connection of `spec` (see the module rules). */
function serve(spec: LabService, socket: net.Socket): void {
  socket.setNoDelay(true);
  socket.setTimeout(IDLE_MS, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  let input: Buffer = Buffer.alloc(0);
  if (spec.kind === 'banner') socket.write(textBytes(spec.banner));
  socket.on('data', (chunk: Buffer) => {
    if (input.length + chunk.length > MAX_INPUT) {
      socket.destroy();
      return;
    }
    input = Buffer.concat([input, chunk]);
    switch (spec.kind) {
      case 'banner': {
        let nl: number;
        while ((nl = input.indexOf(0x0a)) >= 0) {
          input = input.subarray(nl + 1);
          if (spec.reply) socket.write(textBytes(spec.reply));
        }
        break;
      }
      case 'http': {
        const text = input.toString('latin1');
        if (text.includes('\r\n\r\n') || text.includes('\n\n')) socket.end(httpAnswer(spec, text));
        break;
      }
      case 'rtsp': {
        let text = input.toString('latin1');
        let end: number;
        while ((end = text.indexOf('\r\n\r\n')) >= 0) {
          socket.write(rtspAnswer(spec, text.slice(0, end + 4)));
          text = text.slice(end + 4);
        }
        input = textBytes(text);
        break;
      }
      case 'mqtt': {
        const r = mqttAnswers(spec, input);
        if (r.out.length > 0) socket.write(Buffer.concat(r.out));
        input = r.rest;
        if (r.close) socket.end();
        break;
      }
    }
  });
}

function isLoopbackV4(host: string): boolean {
  return net.isIPv4(host) && host.startsWith('127.');
}

/** Starts every service it can (see the module rules). */
export async function startLabServices(specs: readonly LabService[]): Promise<LabServices> {
  const servers: net.Server[] = [];
  const sockets = new Set<net.Socket>();
  const running: RunningService[] = [];
  const skipped: LabServices['skipped'] = [];
  for (const spec of specs) {
    if (!isLoopbackV4(spec.host)) {
      skipped.push({ spec, reason: `${spec.host} is not a loopback address` });
      continue;
    }
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      serve(spec, socket);
    });
    server.maxConnections = MAX_CONNECTIONS;
    const err = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      server.once('error', resolve);
      server.listen({ host: spec.host, port: spec.port, exclusive: true }, () => resolve(undefined));
    });
    if (err) {
      skipped.push({ spec, reason: err.code === 'EADDRINUSE' ? `port ${spec.port} is in use on this machine` : `${err.code ?? 'error'}: ${err.message}` });
      continue;
    }
    servers.push(server);
    running.push({ spec, port: (server.address() as net.AddressInfo).port });
  }
  return {
    running,
    skipped,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
