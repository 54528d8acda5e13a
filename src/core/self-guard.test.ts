/**
 * The SSRF guard (hostile-input catalogue 26) through the one HTTP client: the "own API" is a
 * loopback test server standing in for homesec's web port; other loopback servers are the
 * outside world. Everything stays on loopback (NETWORK RULE).
 */
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { sendBody as send, startTestServer, type TestServer } from '../../test/support/http-server.js';
import { createSystemClock } from './clock.js';
import { httpRequest } from './http-client.js';
import { guardOwnEndpoint, ownEndpointRefusal } from './self-guard.js';

const clock = createSystemClock();
const opts = { timeoutMs: 2000, maxBytes: 4096, clock };
const servers: TestServer[] = [];
const lifts: (() => void)[] = [];
afterEach(async () => {
  for (const lift of lifts.splice(0)) lift();
  for (const s of servers.splice(0)) await s.close();
});

async function own(): Promise<{ server: TestServer; port: number }> {
  const server = await startTestServer((_seen, res) => send(res, 200, '{"admin":true}'));
  servers.push(server);
  return { server, port: Number(new URL(server.url).port) };
}

describe('SSRF guard', () => {
  it('refuses every spelling of loopback and the unspecified address at the API port, before connecting', async () => {
    const { server, port } = await own();
    lifts.push(guardOwnEndpoint({ host: '127.0.0.1', port }));
    const spellings = ['127.0.0.1', 'localhost', 'LOCALHOST.', 'api.localhost', '127.1', '0x7f000001', '2130706433', '127.42.0.9', '[::1]', '[::ffff:127.0.0.1]', '[0:0:0:0:0:0:0:1]', '0.0.0.0', '0', '[::]'];
    for (const host of spellings) {
      const r = await httpRequest(`http://${host}:${port}/api/findings?token=x`, opts);
      expect(r.ok ? 'ok' : r.error, host).toEqual({ kind: 'bad_request', detail: expect.stringMatching(/homesec's own API.*allow_self_requests/) });
      expect(JSON.stringify(r)).not.toContain('token=x');
    }
    expect(server.requests).toHaveLength(0);
  });

  it('compares parsed hosts, not prefixes: other ports and look-alike names pass', async () => {
    const { port } = await own();
    const other = await own();
    lifts.push(guardOwnEndpoint({ host: '127.0.0.1', port }));
    expect((await httpRequest(`${other.server.url}/feed`, opts)).ok).toBe(true);
    expect(await ownEndpointRefusal(`http://localhost.evil.invalid:${port}/`)).toBeUndefined();
    expect(await ownEndpointRefusal(`https://127.0.0.1/`)).toBeUndefined();
    expect(await ownEndpointRefusal('not a url')).toBeUndefined();
  });

  it('a followed redirect to the own API is refused at that hop', async () => {
    const { server, port } = await own();
    const outside = await startTestServer((_seen, res) => send(res, 302, '', { location: `http://[::ffff:7f00:1]:${port}/api/hosts` }));
    servers.push(outside);
    lifts.push(guardOwnEndpoint({ host: '0.0.0.0', port }));
    const r = await httpRequest(`${outside.url}/list.txt`, { ...opts, redirect: 'follow' });
    expect(r.ok ? 'ok' : r.error.kind).toBe('bad_request');
    expect(outside.requests).toHaveLength(1);
    expect(server.requests).toHaveLength(0);
  });

  it('a listener on all interfaces covers this machine\'s own addresses; a specific one only itself and loopback', async () => {
    lifts.push(guardOwnEndpoint({ host: '192.0.2.44', port: 8088 }));
    expect(await ownEndpointRefusal('http://192.0.2.44:8088/')).toMatch(/refused/);
    expect(await ownEndpointRefusal('http://127.0.0.1:8088/')).toMatch(/refused/);
    expect(await ownEndpointRefusal('http://192.0.2.45:8088/')).toBeUndefined();
    lifts.pop()?.();
    expect(await ownEndpointRefusal('http://127.0.0.1:8088/')).toBeUndefined();
    const mine = Object.values(os.networkInterfaces()).flat().find((i) => i && !i.internal && i.family === 'IPv4')?.address;
    lifts.push(guardOwnEndpoint({ host: '::', port: 8088 }));
    if (mine) expect(await ownEndpointRefusal(`http://${mine}:8088/`)).toMatch(/refused/);
    expect(await ownEndpointRefusal('http://192.0.2.45:8088/')).toBeUndefined();
  });

  it('without a guard (allow_self_requests, or before the API listens) the own port is reachable', async () => {
    const { server } = await own();
    expect((await httpRequest(`${server.url}/api/x`, opts)).ok).toBe(true);
  });
});
