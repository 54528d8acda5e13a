import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freeTcpPort, freeUdpPort, startDaemon, type Daemon } from '../support/daemon.js';

let dir: string;
let daemon: Daemon | undefined;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-daemon-'));
});
afterEach(async () => {
  if (daemon && daemon.proc.exitCode === null && daemon.proc.signalCode === null) {
    daemon.proc.kill('SIGKILL');
    await daemon.exited;
  }
  daemon = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('homesec run', () => {
  it('starts with defaults, says where data, dashboard and listener are, serves /health, stops on SIGINT within 2 s', async () => {
    const webPort = await freeTcpPort();
    const udpPort = await freeUdpPort();
    daemon = startDaemon(['run', '--data-dir', dir, '--web-port', String(webPort), '--bind-host', '127.0.0.1', '--bind-port', String(udpPort)]);
    const line = await daemon.waitFor('homesec is running');
    expect(line.data).toBe(dir);
    expect(line.dashboard).toBe(`http://127.0.0.1:${webPort}/`);
    expect(line.listener).toBe(`udp://127.0.0.1:${udpPort}`);
    expect(fs.existsSync(path.join(dir, 'homesec.db'))).toBe(true);
    const health = (await (await fetch(`http://127.0.0.1:${webPort}/health`)).json()) as { status: string };
    expect(health.status).toBe('ok');
    const t0 = Date.now();
    daemon.proc.kill('SIGINT');
    const exit = await daemon.exited;
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(exit.code).toBe(0);
    expect(daemon.lines.some((l) => l.msg === 'stopped')).toBe(true);
  });

  it('refuses to start on an invalid config, naming the key, with exit code 78', async () => {
    fs.writeFileSync(path.join(dir, 'homesec.yaml'), 'bind_port: "abc"\n');
    daemon = startDaemon(['run', '--data-dir', dir]);
    const exit = await daemon.exited;
    expect(exit.code).toBe(78);
    expect(daemon.stderr.join('')).toMatch(/bind_port: expected a number \(got "abc"\)/);
  });

  it('check-config prints the effective config with secrets masked', async () => {
    fs.writeFileSync(path.join(dir, 'homesec.yaml'), 'virustotal_api_key: vt-secret-123\nscan_ports: 22,80\n');
    const d = startDaemon(['check-config', path.join(dir, 'homesec.yaml')]);
    let out = '';
    d.proc.stdout?.removeAllListeners('data');
    d.proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    const exit = await d.exited;
    expect(exit.code).toBe(0);
    expect(out).toContain('virustotal_api_key: "***"');
    expect(out).not.toContain('vt-secret-123');
    expect(out).toMatch(/scan_ports:\n\s+- 22\n\s+- 80/);
  });
});
