/**
 * The lab services against homesec's real service prober: each is identified as the
 * product and version the demo story needs (so the vulnerability matcher has something to
 * match), on loopback ports the OS picks (the port plans are the real ports').
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeService } from '../scan/service-probe.js';
import { planForPort } from '../scan/service/probes.js';
import type { Service } from '../scan/types.js';
import { startLabServices, type LabServices } from './lab-services.js';
import { LAB_SERVICES } from './scenario.js';

let lab: LabServices;
const found = new Map<number, Service>();

beforeAll(async () => {
  // Same services on ports the OS picks; the scanner plans each as its real port.
  const specs = LAB_SERVICES.map((s) => ({ ...s, port: 0, real: s.port }));
  lab = await startLabServices(specs);
  expect(lab.skipped).toEqual([]);
  await Promise.all(
    lab.running.map(async (r) => {
      const real = (r.spec as (typeof specs)[number]).real;
      const svc = await probeService(r.spec.host, r.port, {
        timeoutMs: 5000,
        idleMs: 300,
        httpFingerprint: true,
        planFor: () => ({ ...planForPort(real), port: r.port }),
      });
      found.set(real, svc);
    }),
  );
}, 30_000);
afterAll(async () => {
  await lab.close();
});

describe('demo lab services, as the scanner sees them', () => {
  it('NAS: OpenSSH 8.2p1 from Ubuntu, nginx 1.18.0 with its sign-in page', () => {
    expect(found.get(2222)).toMatchObject({ name: 'ssh', product: 'openssh', version: '8.2p1', distro: 'ubuntu' });
    expect(found.get(5000)).toMatchObject({ name: 'http', product: 'nginx', version: '1.18.0', http: { status: 200, title: 'diskstation - Sign in' } });
    // Only what the answers show (no PHP from the scanner's own /status.php request).
    expect(found.get(5000)?.http?.technologies.map((t) => t.name)).toEqual(['Nginx']);
  });

  it('home server: Apache httpd 2.4.49 and vsftpd 2.3.4', () => {
    expect(found.get(8081)).toMatchObject({ name: 'http', version: '2.4.49' });
    expect(found.get(8081)?.cpe?.[0]).toMatch(/^cpe:2\.3:a:apache:http_server:2\.4\.49/);
    expect(found.get(8081)?.http?.technologies.map((t) => t.name).sort()).toEqual(['Apache HTTP Server', 'UNIX']);
    expect(found.get(2121)).toMatchObject({ name: 'ftp', product: 'vsftpd', version: '2.3.4' });
  });

  it('hub: Mosquitto 1.6.9 from its $SYS topic; camera: telnet and LIVE555 RTSP', () => {
    expect(found.get(1883)).toMatchObject({ name: 'mqtt', product: 'mosquitto', version: '1.6.9', method: 'probe:mqtt-sys' });
    expect(found.get(2323)).toMatchObject({ name: 'telnet' });
    expect(found.get(8554)).toMatchObject({ name: 'rtsp', product: 'live555', version: '2018.08.28' });
  });

  it('refuses non-loopback hosts and reports a port already in use, starting the rest', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.60', resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    const other = await startLabServices([
      { host: '192.0.2.1', port: 0, kind: 'mqtt', version: 'x' },
      { host: '127.0.0.60', port: taken, kind: 'mqtt', version: 'x' },
      { host: '127.0.0.61', port: 0, kind: 'mqtt', version: 'x' },
    ]);
    expect(other.skipped.map((s) => s.reason)).toEqual(['192.0.2.1 is not a loopback address', `port ${taken} is in use on this machine`]);
    expect(other.running.map((r) => r.spec.host)).toEqual(['127.0.0.61']);
    await other.close();
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  });
});
