import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { createSystemClock } from '../core/clock.js';
import { buildPtrQuery, mdnsName, parsePtrAnswer, reverseName } from './mdns.js';
import { createDeviceNameLookup } from './resolve-name.js';

/** A DNS response to `query` with one PTR answer pointing at `target` (compressed owner name). */
function answer(query: Uint8Array, target: string, opts: { id?: number } = {}): Buffer {
  const q = Buffer.from(query);
  const head = Buffer.from(q.subarray(0, 12));
  if (opts.id !== undefined) head.writeUInt16BE(opts.id, 0);
  head.writeUInt16BE(0x8400, 2); // QR, AA
  head.writeUInt16BE(1, 6); // ANCOUNT
  const question = q.subarray(12);
  const labels = target.split('.').flatMap((l) => [l.length, ...Buffer.from(l, 'latin1')]);
  const rdata = Buffer.from([...labels, 0]);
  const rr = Buffer.alloc(12);
  rr.writeUInt16BE(0xc00c, 0); // pointer to the question name
  rr.writeUInt16BE(12, 2); // PTR
  rr.writeUInt16BE(0x8001, 4);
  rr.writeUInt32BE(120, 6);
  rr.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([head, question, rr, rdata]);
}

describe('mDNS PTR wire format', () => {
  it('builds the reverse query and reads the PTR answer', () => {
    expect(reverseName('192.168.1.5')).toBe('5.1.168.192.in-addr.arpa');
    const q = buildPtrQuery('192.168.1.5', 0x1234);
    expect(Buffer.from(q).readUInt16BE(0)).toBe(0x1234);
    expect(Buffer.from(q).toString('latin1')).toContain('in-addr');
    expect(parsePtrAnswer(answer(q, 'Johns-MacBook.local'), 0x1234)).toBe('Johns-MacBook.local');
  });

  it('refuses other ids, queries, hostile names and broken packets without throwing', () => {
    const q = buildPtrQuery('192.168.1.5', 7);
    expect(parsePtrAnswer(answer(q, 'x.local', { id: 8 }), 7)).toBeUndefined();
    expect(parsePtrAnswer(q, 7)).toBeUndefined();
    expect(parsePtrAnswer(answer(q, '<img src=x>.local'), 7)).toBeUndefined();
    const good = answer(q, 'printer.local');
    for (let cut = 0; cut < good.length; cut++) expect(() => parsePtrAnswer(good.subarray(0, cut), 7)).not.toThrow();
    const loop = Buffer.from(good);
    loop.writeUInt16BE(0xc000 | (good.length - 'printer.local'.length - 2), good.length - 'printer.local'.length - 2); // a pointer to itself
    expect(parsePtrAnswer(loop, 7)).toBeUndefined();
  });
});

describe('mDNS lookup against a loopback responder', () => {
  let server: dgram.Socket | undefined;
  afterEach(() => server?.close());

  async function responder(name: string | undefined): Promise<number> {
    server = dgram.createSocket('udp4');
    server.on('message', (msg, rinfo) => {
      if (name) server?.send(answer(msg, name), rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => server?.bind(0, '127.0.0.1', resolve));
    return server.address().port;
  }

  it('asks the device and takes its answer', async () => {
    const port = await responder('octopi.local');
    expect(await mdnsName('127.0.0.1', { clock: createSystemClock(), port, timeoutMs: 2000 })).toBe('octopi.local');
  });

  it('gives up at the deadline when the device is silent; the name lookup falls back to it after DNS', async () => {
    const silent = await responder(undefined);
    expect(await mdnsName('127.0.0.1', { clock: createSystemClock(), port: silent, timeoutMs: 100 })).toBeUndefined();
    server?.close();
    const port = await responder('esp-garden.local');
    const lookup = createDeviceNameLookup({ clock: createSystemClock(), resolver: { reverse: async () => [] }, mdnsPort: port, timeoutMs: 2000 });
    expect(await lookup('127.0.0.1')).toEqual({ name: 'esp-garden.local', source: 'mdns' });
    const withDns = createDeviceNameLookup({ clock: createSystemClock(), resolver: { reverse: async () => ['esp.lan'] }, mdnsPort: port });
    expect(await withDns('127.0.0.1')).toEqual({ name: 'esp.lan', source: 'rdns' });
  });
});
