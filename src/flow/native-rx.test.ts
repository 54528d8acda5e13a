import { execFileSync, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { loadNativeRx, NATIVE_RX_FILE, type NativeSocket } from './native-rx.js';
import { forEachDatagram, RECORD_HEADER } from './receive-worker.js';

// The native receiver is built by `npm install` on Linux; there a missing build is a failure.
const rx = loadNativeRx();
const onLinux = process.platform === 'linux';
/** Network namespaces need root and iproute2. */
const canNetns = onLinux && process.getuid?.() === 0 && (() => {
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const open: NativeSocket[] = [];
afterEach(() => {
  for (const s of open.splice(0)) rx?.close(s.handle);
});

function bind(host = '127.0.0.1', port = 0): NativeSocket {
  const s = (rx as NonNullable<typeof rx>).open(host, port, 1 << 20);
  open.push(s);
  return s;
}

async function send(port: number, host: string, bufs: Buffer[]): Promise<void> {
  const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  for (const b of bufs) await new Promise<void>((r) => s.send(b, port, host, () => r()));
  s.close();
}

describe.runIf(onLinux)('native UDP receiver (native/udp-rx)', () => {
  it(`is built (${NATIVE_RX_FILE})`, () => {
    expect(rx).toBeDefined();
  });

  it('copies datagrams byte for byte in the batch layout, with each exporter named once per batch', async () => {
    const s = bind('::');
    expect(s).toMatchObject({ address: '::', family: 'IPv6' });
    expect(s.receiveBuffer).toBeGreaterThan(0);
    const sent = [Buffer.from('a'), Buffer.alloc(1001, 7), Buffer.from('hello world'), Buffer.alloc(0)];
    await send(s.port, '127.0.0.1', sent.slice(0, 2));
    await send(s.port, '::1', sent.slice(2));
    expect(rx?.wait(s.handle, 1000)).toBe(true);
    const buf = new ArrayBuffer(64 * 1024);
    const out = new Int32Array(4);
    let used = 0;
    let added = 0;
    for (let i = 0; i < 50 && added < sent.length; i++) {
      rx?.recv(s.handle, buf, used, out);
      used = out[0] as number;
      added += out[1] as number;
      if (added < sent.length) rx?.wait(s.handle, 100);
    }
    expect(added).toBe(4);
    expect(out[2]).toBe(0);
    expect(out[3]).toBe(0); // socket empty
    expect(used).toBe(sent.reduce((n, b) => n + RECORD_HEADER + ((b.length + 3) & ~3), 0));
    const exporters = rx?.exporters(s.handle) ?? [];
    expect(exporters).toEqual(['127.0.0.1', '::1']); // IPv4-mapped written as IPv4
    const got: [string, string][] = [];
    forEachDatagram(buf, used, exporters, (msg, ex) => got.push([msg.toString('hex'), ex]));
    expect(got).toEqual(sent.map((b, i) => [b.toString('hex'), i < 2 ? '127.0.0.1' : '::1']));
  });

  it('keeps a datagram that does not fit for the next batch, and drops and counts with no batch', async () => {
    const s = bind();
    await send(s.port, '127.0.0.1', [Buffer.alloc(600, 1), Buffer.alloc(600, 2), Buffer.alloc(600, 3)]);
    expect(rx?.wait(s.handle, 1000)).toBe(true);
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 5)); // all three in the socket
    const out = new Int32Array(4);
    const small = new ArrayBuffer(2 * (RECORD_HEADER + 600));
    rx?.recv(s.handle, small, 0, out);
    expect([...out]).toEqual([2 * (RECORD_HEADER + 600), 2, 0, 1]); // full: the third waits
    expect(rx?.wait(s.handle, 0)).toBe(true); // pending here counts as readable
    const next = new ArrayBuffer(4096);
    rx?.recv(s.handle, next, 0, out);
    expect([...out]).toEqual([RECORD_HEADER + 600, 1, 0, 0]);
    expect(new Uint8Array(next, RECORD_HEADER, 600).every((b) => b === 3)).toBe(true);
    await send(s.port, '127.0.0.1', [Buffer.alloc(10), Buffer.alloc(10)]);
    rx?.wait(s.handle, 1000);
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 5));
    rx?.recv(s.handle, null, 0, out);
    expect([...out]).toEqual([0, 0, 2, 0]);
  });

  it('drops and counts a datagram larger than a whole batch instead of waiting for a bigger one', async () => {
    const s = bind();
    await send(s.port, '127.0.0.1', [Buffer.alloc(9000, 1), Buffer.alloc(100, 2)]);
    rx?.wait(s.handle, 1000);
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 5));
    const out = new Int32Array(4);
    const batch = new ArrayBuffer(8192);
    rx?.recv(s.handle, batch, 0, out);
    expect([...out]).toEqual([RECORD_HEADER + 100, 1, 1, 0]);
    expect(new Uint8Array(batch, RECORD_HEADER, 100).every((b) => b === 2)).toBe(true);
  });

  it('starts a new batch after 256 exporters; the next batch names its own exporters from 0', async () => {
    const s = bind('0.0.0.0');
    const senders: dgram.Socket[] = [];
    try {
      for (let i = 0; i < 257; i++) {
        const c = dgram.createSocket('udp4');
        await new Promise<void>((r, reject) => {
          c.once('error', reject);
          c.bind(0, `127.0.${1 + Math.floor(i / 200)}.${1 + (i % 200)}`, () => r());
        });
        senders.push(c);
      }
      for (const c of senders) await new Promise<void>((r) => c.send(Buffer.from(c.address().address), s.port, '127.0.0.1', () => r()));
    } finally {
      for (const c of senders) c.close();
    }
    const out = new Int32Array(4);
    const first = new ArrayBuffer(64 * 1024);
    let used = 0;
    let added = 0;
    for (let i = 0; i < 100 && out[3] !== 1; i++) {
      rx?.recv(s.handle, first, used, out);
      used = out[0] as number;
      added += out[1] as number;
      if (out[3] !== 1) await new Promise((r) => setTimeout(r, 5));
    }
    expect(added).toBe(256);
    expect(out[3]).toBe(1);
    const names = rx?.exporters(s.handle) ?? [];
    expect(names).toHaveLength(256);
    const got: string[] = [];
    forEachDatagram(first, used, names, (msg, ex) => got.push(`${msg.toString()}=${ex}`));
    expect(got.every((x) => x.split('=')[0] === x.split('=')[1])).toBe(true);
    const second = new ArrayBuffer(4096);
    rx?.recv(s.handle, second, 0, out);
    expect([...out]).toEqual([RECORD_HEADER + 12, 1, 0, 0]);
    expect(rx?.exporters(s.handle)).toEqual(['127.0.2.57']);
  });

  it('waits at most its timeout, sleeping the whole of it when asked', () => {
    const s = bind();
    let t = performance.now();
    expect(rx?.wait(s.handle, 30)).toBe(false);
    expect(performance.now() - t).toBeGreaterThanOrEqual(25);
    t = performance.now();
    expect(rx?.wait(s.handle, 30, true)).toBe(false);
    expect(performance.now() - t).toBeGreaterThanOrEqual(25);
  });

  it('names the error and the address when it cannot bind, and refuses a closed handle clearly', () => {
    const s = bind();
    expect(() => rx?.open('127.0.0.1', s.port, 0)).toThrow(expect.objectContaining({ code: 'EADDRINUSE', message: expect.stringContaining(`127.0.0.1:${s.port}`) }));
    expect(() => rx?.open('localhost', 0, 0)).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining('not a numeric IP address') }));
    expect(() => rx?.open('127.0.0.1', 70000, 0)).toThrow(/open\(host, port/);
    rx?.close(s.handle);
    rx?.close(s.handle); // idempotent
    expect(() => rx?.wait(s.handle, 0)).toThrow(/closed/);
    expect(() => rx?.recv(s.handle, null, 0, new Int32Array(4))).toThrow(/closed/);
  });

  it('closes the socket of a thread that ends without closing it, so the port can be bound again', async () => {
    const file = new URL('../../' + NATIVE_RX_FILE.split('\\').join('/'), import.meta.url).pathname;
    const w = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const rx = require(${JSON.stringify(file)});
       globalThis.kept = rx.open('127.0.0.1', 0, 0);
       parentPort.postMessage(globalThis.kept.port);`,
      { eval: true },
    );
    const port = await new Promise<number>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    expect(() => rx?.open('127.0.0.1', port, 0)).toThrow(/EADDRINUSE/);
    await w.terminate();
    const again = bind('127.0.0.1', port);
    expect(again.port).toBe(port);
  });

  // Two namespaces this test creates and deletes, joined by a veth pair with link-local
  // addresses only: the datagrams never leave them.
  it.runIf(canNetns)('names a link-local IPv6 exporter with its zone, exactly as Node dgram does', async () => {
    const tag = `${process.pid % 100000}`;
    const [a, b, va, vb] = [`hs-lla-${tag}`, `hs-llb-${tag}`, `hsla${tag}`, `hslb${tag}`];
    const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
    const file = new URL('../../' + NATIVE_RX_FILE.split('\\').join('/'), import.meta.url).pathname;
    try {
      ip('netns', 'add', a);
      ip('netns', 'add', b);
      ip('link', 'add', va, 'netns', a, 'type', 'veth', 'peer', 'name', vb, 'netns', b);
      ip('-n', a, 'addr', 'add', 'fe80::a/64', 'dev', va, 'nodad');
      ip('-n', b, 'addr', 'add', 'fe80::b/64', 'dev', vb, 'nodad');
      ip('-n', a, 'link', 'set', va, 'up');
      ip('-n', b, 'link', 'set', vb, 'up');
      // in namespace a: the native receiver and a dgram socket, each reporting its first sender
      const receiver = `const rx = require(${JSON.stringify(file)}); const d = require('node:dgram').createSocket('udp6');
        const n = rx.open('::', 0, 0); let dg; d.on('message', (m, r) => { dg = r.address; });
        d.bind(0, '::', () => { console.log(JSON.stringify({ n: n.port, d: d.address().port }));
          const out = new Int32Array(4), buf = new ArrayBuffer(4096), end = Date.now() + 10000;
          const poll = () => { rx.recv(n.handle, buf, 0, out);
            if ((out[1] > 0 && dg) || Date.now() > end) { console.log(JSON.stringify({ native: out[1] > 0 ? rx.exporters(n.handle) : [], dgram: dg })); process.exit(0); }
            setTimeout(poll, 20); };
          poll(); });`;
      const child = spawn('ip', ['netns', 'exec', a, process.execPath, '-e', receiver], { stdio: ['ignore', 'pipe', 'inherit'] });
      const lines: string[] = [];
      const done = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve()); // failed early: the parse below says so
        child.stdout.on('data', (chunk: Buffer) => {
          lines.push(...chunk.toString().split('\n').filter(Boolean));
          if (lines.length >= 1) resolve();
        });
      });
      const ports = JSON.parse(lines[0] as string) as { n: number; d: number };
      const sender = `const s = require('node:dgram').createSocket('udp6'); const to = 'fe80::a%${vb}';
        s.bind(0, () => s.send(Buffer.from('x'), ${ports.n}, to, () => s.send(Buffer.from('y'), ${ports.d}, to, () => s.close())));`;
      execFileSync('ip', ['netns', 'exec', b, process.execPath, '-e', sender], { stdio: 'pipe', timeout: 10_000 });
      await done;
      const result = JSON.parse(lines[lines.length - 1] as string) as { native: string[]; dgram: string };
      expect(result.dgram).toBe(`fe80::b%${va}`);
      expect(result.native).toEqual([result.dgram]);
    } finally {
      for (const ns of [a, b]) {
        try {
          ip('netns', 'del', ns);
        } catch {
          /* not created */
        }
      }
    }
  });
});
