import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { converse, type ConverseOptions } from './converse.js';

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(onConn: (s: Socket) => void, server: Server = createServer(), event = 'connection'): Promise<number> {
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  server.on(event, onConn);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

const base = (port: number, o: Partial<ConverseOptions> = {}): ConverseOptions => ({
  ip: '127.0.0.1',
  port,
  connectTimeoutMs: 1000,
  bannerWaitMs: 300,
  idleMs: 100,
  deadlineMs: 2000,
  maxBytes: 64 * 1024,
  ...o,
});

describe('converse', () => {
  it('a stalled event loop is not a quiet peer: data already received when the idle time ends is still read', async () => {
    // The peer runs in another process, so it keeps going while this loop is blocked. Right
    // after the first part arrives this loop blocks until the peer has sent the second part
    // (it then writes a flag file) and the 100 ms idle time has passed: when the loop resumes,
    // the expired idle timer and the pending read meet, and timers run before reads.
    const dir = mkdtempSync(join(tmpdir(), 'homesec-converse-'));
    const flag = join(dir, 'sent');
    const peer =
      "const fs=require('fs');const s=require('net').createServer(c=>{c.write('part one, ');" +
      `setTimeout(()=>c.write('part two\\r\\n',()=>fs.writeFileSync(${JSON.stringify(flag)},'')),80)});` +
      "s.listen(0,'127.0.0.1',()=>console.log(s.address().port))";
    const child = spawn(process.execPath, ['-e', peer], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const port = Number(await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString()))));
      let blocked = false;
      const r = await converse(
        base(port, {
          bannerWaitMs: 0,
          send: undefined,
          idleMs: 100,
          complete: () => {
            if (!blocked) {
              blocked = true;
              setImmediate(() => {
                const t = Date.now();
                while ((!existsSync(flag) || Date.now() - t < 150) && Date.now() - t < 5000) {
                  /* busy: a daemon fingerprinting a web page */
                }
              });
            }
            return false;
          },
        }),
      );
      expect(r.banner.toString()).toBe('part one, part two\r\n');
    } finally {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a server-first banner without sending anything', async () => {
    const port = await serve((s) => s.write('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'));
    const r = await converse(base(port));
    expect(r.connected).toBe(true);
    expect(r.banner.toString()).toBe('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n');
    expect(r.response.length).toBe(0);
    expect(r.timedOut).toBe(false);
  });

  it('sends the probe to a silent service and collects the answer until the peer closes', async () => {
    const port = await serve((s) =>
      s.once('data', (d) => {
        expect(d.toString()).toMatch(/^GET \/ HTTP\/1.0/);
        s.end('HTTP/1.0 200 OK\r\nServer: test/1.0\r\n\r\nhello');
      }),
    );
    const r = await converse(base(port, { bannerWaitMs: 0, send: Buffer.from('GET / HTTP/1.0\r\n\r\n') }));
    expect(r.banner.length).toBe(0);
    expect(r.response.toString()).toBe('HTTP/1.0 200 OK\r\nServer: test/1.0\r\n\r\nhello');
    expect(r.closedByPeer).toBe(true);
  });

  it('a probe function sees the banner; the follow-up gets the response', async () => {
    const port = await serve((s) => {
      s.write('220 hi\r\n');
      s.on('data', (d) => s.write(`echo:${d.toString()}`));
    });
    const seen: string[] = [];
    const r = await converse(
      base(port, {
        send: (b) => {
          seen.push(b.toString());
          return Buffer.from('ONE');
        },
        followUp: (resp) => {
          seen.push(resp.toString());
          return Buffer.from('TWO');
        },
      }),
    );
    expect(seen).toEqual(['220 hi\r\n', 'echo:ONE']);
    expect(r.response.toString()).toBe('echo:ONEecho:TWO');
  });

  it('caps an endless banner at maxBytes (catalogue 15)', async () => {
    const chunk = Buffer.alloc(16 * 1024, 0x41);
    const port = await serve((s) => {
      const pump = (): void => {
        while (!s.destroyed && s.write(chunk));
        if (!s.destroyed) s.once('drain', pump);
      };
      pump();
    });
    const r = await converse(base(port, { maxBytes: 64 * 1024 }));
    expect(r.truncated).toBe(true);
    expect(r.banner.length).toBe(64 * 1024);
    expect(r.elapsedMs).toBeLessThan(2000);
  });

  it('a slow drip is ended by the absolute deadline, not an idle timeout (catalogue 14)', async () => {
    const port = await serve((s) => {
      const t = setInterval(() => (s.destroyed ? clearInterval(t) : s.write('x')), 50);
      s.on('close', () => clearInterval(t));
    });
    const r = await converse(base(port, { idleMs: 200, deadlineMs: 600 }));
    expect(r.timedOut).toBe(true);
    expect(r.elapsedMs).toBeGreaterThanOrEqual(590);
    expect(r.elapsedMs).toBeLessThan(1500);
    expect(r.banner.length).toBeGreaterThan(3);
  });

  it('a refused port reports the error without throwing', async () => {
    const port = await serve(() => {});
    await new Promise((r) => servers.pop()!.close(r));
    const r = await converse(base(port));
    expect(r.connected).toBe(false);
    expect(r.error).toBe('ECONNREFUSED');
  });

  describe('TLS', () => {
    const dir = mkdtempSync(join(tmpdir(), 'homesec-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=camera.local/O=Lab Co', '-addext', 'subjectAltName=DNS:camera.local,IP:127.0.0.1',
      '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'),
    ], { stdio: 'ignore' });
    const key = readFileSync(join(dir, 'k.pem'));
    const cert = readFileSync(join(dir, 'c.pem'));
    rmSync(dir, { recursive: true, force: true });

    it('reads the certificate of a self-signed server and talks HTTP over it', async () => {
      const server = createTlsServer({ key, cert });
      const port = await serve((s) => s.once('data', () => s.end('HTTP/1.0 200 OK\r\n\r\nsecure')), server, 'secureConnection');
      const r = await converse(base(port, { tls: true, bannerWaitMs: 0, send: Buffer.from('GET / HTTP/1.0\r\n\r\n') }));
      expect(r.tls?.subject).toBe('CN=camera.local, O=Lab Co');
      expect(r.tls?.selfSigned).toBe(true);
      expect(r.tls?.expired).toBe(false);
      expect(r.tls?.altNames).toEqual(['DNS:camera.local', 'IP Address:127.0.0.1']);
      expect(r.response.toString()).toContain('secure');
    });

    it('binary garbage on a TLS port ends cleanly with an error (catalogue: invalid TLS)', async () => {
      const port = await serve((s) => s.end(Buffer.from([0x00, 0xff, 0x1b, 0x5b, 0x32, 0x4a, 0x80, 0x81])));
      const r = await converse(base(port, { tls: true, bannerWaitMs: 0, send: Buffer.from('x') }));
      expect(r.connected).toBe(false);
      expect(r.error).toBeTruthy();
      expect(r.tls?.error).toBeTruthy();
    });
  });
});
