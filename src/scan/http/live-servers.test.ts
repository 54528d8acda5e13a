/**
 * Live test: real Debian nginx and lighttpd, started on 127.0.0.1 high ports with a config and
 * document root in a temporary directory (no system path is written), fingerprinted from a real
 * GET /. Each is skipped when its binary is absent.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fingerprintHttp } from './fingerprint.js';

function binary(name: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${name} || ls /usr/sbin/${name} 2>/dev/null`], { encoding: 'utf8' });
  const found = r.stdout.trim().split('\n')[0];
  return found ? found : undefined;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

interface Got {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
}

function get(url: string): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string | string[]>, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.setTimeout(2000, () => req.destroy(new Error('timeout')));
  });
}

async function waitFor(url: string, child: ChildProcess, ms = 8000): Promise<Got> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      return await get(url);
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`no answer from ${url}: ${String(last)}`);
}

const started: ChildProcess[] = [];
const dirs: string[] = [];

afterAll(() => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGTERM');
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, 'www'));
  fs.writeFileSync(path.join(dir, 'www', 'index.html'), '<!DOCTYPE html><html><head><title>homesec live test</title></head><body>ok</body></html>\n');
  return dir;
}

const nginx = binary('nginx');
const lighttpd = binary('lighttpd');

describe('fingerprinting real servers on loopback', () => {
  it.skipIf(!nginx)('nginx: Nginx with the version `nginx -v` reports', async () => {
    const reported = /nginx\/([\d.]+)/.exec(spawnSync(nginx!, ['-v'], { encoding: 'utf8' }).stderr)?.[1];
    expect(reported).toMatch(/^\d+\.\d+/);
    const dir = tempDir('homesec-nginx-');
    const port = await freePort();
    for (const sub of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) fs.mkdirSync(path.join(dir, sub));
    fs.writeFileSync(
      path.join(dir, 'nginx.conf'),
      `daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 16; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server { listen 127.0.0.1:${port}; root ${dir}/www; }
}
`,
    );
    const child = spawn(nginx!, ['-p', dir, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`], { stdio: 'ignore' });
    started.push(child);
    const url = `http://127.0.0.1:${port}/`;
    const res = await waitFor(url, child);
    const found = fingerprintHttp({ url, ...res });
    expect(found.find((t) => t.name === 'Nginx')).toMatchObject({ version: reported, confidence: 100 });
    child.kill('SIGTERM');
  });

  it.skipIf(!lighttpd)('lighttpd: lighttpd with the version `lighttpd -v` reports', async () => {
    const reported = /lighttpd\/([\d.]+)/.exec(spawnSync(lighttpd!, ['-v'], { encoding: 'utf8' }).stdout)?.[1];
    expect(reported).toMatch(/^\d+\.\d+/);
    const dir = tempDir('homesec-lighttpd-');
    const port = await freePort();
    fs.writeFileSync(
      path.join(dir, 'lighttpd.conf'),
      `server.document-root = "${dir}/www"
server.bind = "127.0.0.1"
server.port = ${port}
server.errorlog = "${dir}/error.log"
index-file.names = ( "index.html" )
mimetype.assign = ( ".html" => "text/html" )
`,
    );
    const child = spawn(lighttpd!, ['-D', '-f', `${dir}/lighttpd.conf`], { stdio: 'ignore' });
    started.push(child);
    const url = `http://127.0.0.1:${port}/`;
    const res = await waitFor(url, child);
    const found = fingerprintHttp({ url, ...res });
    expect(found.find((t) => t.name === 'lighttpd')).toMatchObject({ version: reported, confidence: 100 });
    child.kill('SIGTERM');
  });
});
