import { afterEach, describe, expect, it } from 'vitest';
import { createSystemClock } from '../core/clock.js';
import { httpPost } from './http-post.js';
import { send, startServer, type TestServer } from './test-kit.js';

const opts = { timeoutMs: 2000, maxBytes: 1024, clock: createSystemClock() };
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('httpPost (the channels adapter of core/http-client)', () => {
  it('POSTs strings and forms, and refuses a redirect without following it', async () => {
    server = await startServer((req, res) => (req.url === '/moved' ? send(res, 307, '', { location: '/elsewhere' }) : send(res, 200, '{}')));
    const r = await httpPost(`${server.url}/hook`, '{"a":1}', { ...opts, headers: { 'content-type': 'application/json' } });
    expect(r.ok && r.value.status).toBe(200);
    await httpPost(`${server.url}/form`, new URLSearchParams({ token: 'SECRET-t', message: 'hi' }), opts);
    const moved = await httpPost(`${server.url}/moved`, 'x', opts);
    expect(moved.ok ? 'ok' : moved.error.kind).toBe('network');
    expect(JSON.stringify(moved)).not.toContain('SECRET');
    expect(server.requests.map((q) => [q.method, q.url, q.body])).toEqual([
      ['POST', '/hook', '{"a":1}'],
      ['POST', '/form', 'token=SECRET-t&message=hi'],
      ['POST', '/moved', 'x'],
    ]);
  });
});
