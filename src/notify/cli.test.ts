import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNotifyConfig } from './channel-config.js';
import { notifyTestCommand } from './cli.js';
import { send, startServer, type TestServer } from './test-kit.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer((req, res) => (req.url.startsWith('/ok') ? send(res, 200, '{}') : send(res, 401, '{"message":"bad token"}')));
});
afterAll(async () => {
  await server.close();
});

function config() {
  return parseNotifyConfig({
    notify_channels: [
      { name: 'good', type: 'webhook', url: `${server.url}/ok/SECRET-path-1` },
      { name: 'bad', type: 'webhook', url: `${server.url}/denied/SECRET-path-2`, hmac_key: 'SECRET-hmac' },
    ],
  });
}

describe('homesec notify test [channel]', () => {
  it('sends a test message to every channel and prints one safe line each', async () => {
    let out = '';
    const results = await notifyTestCommand(config(), undefined, { out: { write: (t: string) => (out += t) } });
    expect(results.map((r) => [r.channel, r.ok])).toEqual([
      ['good', true],
      ['bad', false],
    ]);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^ok {6}good: test message accepted \(\d+ ms\)$/);
    expect(lines[1]).toMatch(/^FAILED {2}bad: auth: HTTP 401 \(\d+ ms\)$/);
    expect(out).not.toContain('SECRET');
    const body = JSON.parse(server.requests.find((r) => r.url.startsWith('/ok'))!.body) as { kind: string; title: string };
    expect(body).toMatchObject({ kind: 'test', title: 'homesec test notification' });
  });

  it('one channel by name', async () => {
    server.requests.length = 0;
    const results = await notifyTestCommand(config(), 'good', { out: { write: () => {} } });
    expect(results).toHaveLength(1);
    expect(server.requests.map((r) => r.url)).toEqual(['/ok/SECRET-path-1']);
  });

  it('an unknown name or no channels at all is a usage error', async () => {
    await expect(notifyTestCommand(config(), 'pager', { out: { write: () => {} } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(notifyTestCommand(parseNotifyConfig({}), undefined, { out: { write: () => {} } })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('notify_channels is empty'),
    });
  });
});
