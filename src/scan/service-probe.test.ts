/**
 * The service prober against loopback services, including the hostile ones of the catalogue
 * (items 14-16, 18): every conversation ends bounded in bytes and time and yields a clean
 * Service. Loopback ports are random, so each test maps its port to a real port's plan.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { probeService, type ServiceProbeOptions } from './service-probe.js';
import { planForPort } from './service/probes.js';

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(server: Server): Promise<number> {
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

const tcp = (onConn: (s: Socket) => void) => listen(createServer(onConn));

/** Options that probe `port` as if it were `asPort` (22, 80, 443, 1883, …). */
const as = (asPort: number, over: Partial<ServiceProbeOptions> = {}): ServiceProbeOptions => ({
  timeoutMs: 1500,
  idleMs: 100,
  httpFingerprint: true,
  planFor: (p) => ({ ...planForPort(asPort), port: p }),
  ...over,
});

describe('probeService', () => {
  it('identifies an SSH banner as soon as the line is complete', async () => {
    const port = await tcp((s) => s.write('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'));
    const t0 = Date.now();
    const svc = await probeService('127.0.0.1', port, as(22, { idleMs: 1000 }));
    expect(Date.now() - t0).toBeLessThan(800);
    expect(svc).toMatchObject({ name: 'ssh', product: 'openssh', version: '9.2p1', distro: 'debian', method: 'banner' });
  });

  it('fingerprints a web server and keeps hostile text as plain, escaped text (catalogue 16, 18)', async () => {
    const port = await listen(
      createHttpServer((req, res) => {
        if (req.url === '/') {
          res.writeHead(200, { Server: 'nginx/1.22.1', 'Content-Type': 'text/html' });
          res.end('<html><head><title>Cam <img src=x onerror=alert(1)>\u001b[2J</title></head><body>hi</body></html>');
        } else {
          res.writeHead(404, { Server: 'nginx/1.22.1' });
          res.end('not found');
        }
      }) as unknown as Server,
    );
    const svc = await probeService('127.0.0.1', port, as(80));
    expect(svc).toMatchObject({ name: 'http', product: 'nginx', version: '1.22.1' });
    expect(svc.http?.status).toBe(200);
    expect(svc.http?.title).toContain('<img src=x onerror=alert(1)>');
    expect(svc.http?.title).not.toContain('\u001b');
    expect(svc.http?.technologies.find((t) => t.name === 'Nginx')?.version).toBe('1.22.1');
  });

  it('a 10 MB answer costs at most the read cap (catalogue 15)', async () => {
    const port = await tcp((s) =>
      s.once('data', () => {
        s.write('HTTP/1.0 200 OK\r\nServer: big\r\n\r\n<title>' + 'A'.repeat(10_000_000));
        s.end();
      }),
    );
    const svc = await probeService('127.0.0.1', port, as(80, { httpFingerprint: false }));
    expect(svc.name).toBe('http');
    expect((svc.http?.title ?? '').length).toBeLessThanOrEqual(200);
    expect((svc.banner ?? '').length).toBeLessThanOrEqual(600);
  });

  it('a one-byte-at-a-time drip is cut at the absolute deadline (catalogue 14)', async () => {
    const port = await tcp((s) => {
      const t = setInterval(() => (s.destroyed ? clearInterval(t) : s.write('2')), 50);
      s.on('close', () => clearInterval(t));
    });
    const t0 = Date.now();
    const svc = await probeService('127.0.0.1', port, as(21, { timeoutMs: 600, idleMs: 200 }));
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(svc.port).toBe(port);
  });

  it('an endless banner is capped; binary garbage and NUL come back escaped (catalogue 15, 16)', async () => {
    const junk = Buffer.from([0x00, 0x1b, 0x5b, 0x32, 0x4a, 0xff, 0xfe, 0x07, 0x41]);
    const port = await tcp((s) => {
      const pump = (): void => {
        while (!s.destroyed && s.write(junk));
        if (!s.destroyed) s.once('drain', pump);
      };
      pump();
    });
    const svc = await probeService('127.0.0.1', port, as(23));
    expect(svc.banner).toBeDefined();
    expect(svc.banner!.length).toBeLessThanOrEqual(600);
    expect(svc.banner).not.toMatch(/[\u0000-\u0008\u001b\u007f]/);
  });

  it('a TLS port that answers garbage falls back to clear text without crashing (catalogue: invalid TLS)', async () => {
    const port = await tcp((s) => s.end(Buffer.from('\u0015\u0003\u0001\u0000\u0002\u0002\u0028garbage')));
    const svc = await probeService('127.0.0.1', port, as(443));
    expect(svc.port).toBe(port);
    expect(typeof svc.name).toBe('string');
  });

  it('asks an MQTT broker its $SYS version after CONNACK', async () => {
    const port = await tcp((s) => {
      let n = 0;
      s.on('data', () => {
        n++;
        if (n === 1) s.write(Buffer.from([0x20, 0x02, 0x00, 0x00]));
        else {
          const topic = Buffer.from('$SYS/broker/version');
          const payload = Buffer.from('mosquitto version 2.0.18');
          s.write(Buffer.concat([Buffer.from([0x90, 0x03, 0x00, 0x01, 0x00]), Buffer.from([0x31, 2 + topic.length + payload.length, 0, topic.length]), topic, payload]));
        }
      });
    });
    const svc = await probeService('127.0.0.1', port, as(1883, { idleMs: 1000 }));
    expect(svc).toMatchObject({ name: 'mqtt', product: 'mosquitto', productName: 'Mosquitto', version: '2.0.18', method: 'probe:mqtt-sys' });
    expect(svc.cpe).toEqual(['cpe:2.3:a:eclipse:mosquitto:2.0.18:*:*:*:*:*:*:*']);
  });

  it('a port that is closed by the time it is probed gives a port-number guess', async () => {
    const port = await tcp(() => {});
    await new Promise((r) => servers.pop()!.close(r));
    const svc = await probeService('127.0.0.1', port, as(22));
    expect(svc.port).toBe(port);
    expect(svc.confidence).toBeLessThanOrEqual(3);
  });
});
