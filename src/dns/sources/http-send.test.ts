import { afterEach, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../core/clock.js';
import { answerInTurn } from '../../../test/support/http-server.js';
import { startServer, type TestServer } from '../test-kit.js';
import { describeError, sendJson } from './http-send.js';

const opts = { timeoutMs: 2000, maxBytes: 1024, clock: createSystemClock() };
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('sendJson (the Pi-hole v6 adapter of core/http-client)', () => {
  it('sends JSON with accept and content-type, reads a blank answer as null, and maps statuses', async () => {
    server = await startServer(
      answerInTurn([
        [200, '{"session":{"valid":true}}'],
        [204, ''],
        [401, '{"error":{"key":"unauthorized"}}'],
      ]),
    );
    const login = await sendJson('POST', `${server.url}/api/auth`, { password: 'SECRET-pw' }, opts);
    expect(login).toEqual({ ok: true, value: { status: 200, json: { session: { valid: true } } } });
    const logout = await sendJson('DELETE', `${server.url}/api/auth`, undefined, { ...opts, headers: { 'X-FTL-SID': 'sid1' } });
    expect(logout).toEqual({ ok: true, value: { status: 204, json: null } });
    const denied = await sendJson('POST', `${server.url}/api/auth`, { password: 'SECRET-pw' }, opts);
    expect(denied.ok ? 'ok' : describeError(denied.error)).toBe('auth: HTTP 401');
    const [a, b] = server.requests;
    expect(a).toMatchObject({ method: 'POST', body: '{"password":"SECRET-pw"}', headers: { accept: 'application/json', 'content-type': 'application/json' } });
    expect(b).toMatchObject({ method: 'DELETE', body: '', headers: { accept: 'application/json', 'x-ftl-sid': 'sid1' } });
    expect(b?.headers['content-type']).toBeUndefined();
    expect(JSON.stringify(denied)).not.toContain('SECRET');
  });

  it('a refused connection is "network: connection failed" (no system code, no URL)', async () => {
    server = await startServer(() => {});
    const url = server.url;
    await server.close();
    server = undefined;
    const r = await sendJson('POST', `${url}/api/auth`, { password: 'SECRET-pw' }, opts);
    expect(r.ok ? 'ok' : describeError(r.error)).toBe('network: connection failed');
  });
});
