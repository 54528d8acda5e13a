import { afterEach, describe, expect, it } from 'vitest';
import { createSystemClock } from '../core/clock.js';
import { fetchSupervisorMqtt, mqttFromServiceAnswer } from './supervisor.js';
import { startFakeSupervisor } from './test-kit.js';

const TOKEN = 'supervisor-token-abc';
const PASSWORD = 'mqtt-secret-xyz';
const clock = createSystemClock();
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function supervisor(answer: () => { status: number; body: string }) {
  const s = await startFakeSupervisor(TOKEN, answer);
  closers.push(s.close);
  return s;
}

describe('Supervisor MQTT service', () => {
  it('turns the documented answer into a broker URL and credentials, sending the token as Bearer', async () => {
    const s = await supervisor(() => ({
      status: 200,
      body: JSON.stringify({ result: 'ok', data: { host: 'core-mosquitto', port: '1883', ssl: false, protocol: '3.1.1', username: 'addons', password: PASSWORD } }),
    }));
    const r = await fetchSupervisorMqtt({ baseUrl: s.url, token: TOKEN, clock });
    expect(r).toEqual({ ok: true, value: { url: 'mqtt://core-mosquitto:1883', username: 'addons', password: PASSWORD } });
    expect(s.requests).toEqual([{ url: '/services/mqtt', authorization: `Bearer ${TOKEN}` }]);
  });

  it('ssl and IPv6 hosts make an mqtts URL with brackets', () => {
    expect(mqttFromServiceAnswer({ data: { host: 'fd00::5', port: 8883, ssl: true } })).toEqual({ ok: true, value: { url: 'mqtts://[fd00::5]:8883' } });
  });

  it('refuses answers that are not a usable broker', () => {
    for (const body of [null, {}, { data: 'x' }, { data: { host: 'a b', port: 1883 } }, { data: { host: 'evil/path?x', port: 1883 } }, { data: { host: 'ok', port: '99999' } }, { data: { host: 'ok', port: '1883; rm' } }]) {
      expect(mqttFromServiceAnswer(body).ok, JSON.stringify(body)).toBe(false);
    }
  });

  it('a wrong token is final, a missing MQTT add-on is retried; no error names a secret', async () => {
    const s = await supervisor(() => ({ status: 400, body: JSON.stringify({ result: 'error', message: `Service not enabled ${PASSWORD}` }) }));
    const bad = await fetchSupervisorMqtt({ baseUrl: s.url, token: 'wrong', clock });
    expect(bad).toMatchObject({ ok: false, retry: false });
    const missing = await fetchSupervisorMqtt({ baseUrl: s.url, token: TOKEN, clock });
    expect(missing).toMatchObject({ ok: false, retry: true });
    for (const r of [bad, missing]) {
      expect(JSON.stringify(r)).not.toContain(TOKEN);
      expect(JSON.stringify(r)).not.toContain(PASSWORD);
      expect(JSON.stringify(r)).not.toContain('wrong');
    }
  });

  it('oversized or non-JSON answers and an unreachable Supervisor are errors, not exceptions', async () => {
    const big = await supervisor(() => ({ status: 200, body: `{"data":{"host":"${'a'.repeat(70_000)}"}}` }));
    expect(await fetchSupervisorMqtt({ baseUrl: big.url, token: TOKEN, clock })).toMatchObject({ ok: false, retry: true });
    const junk = await supervisor(() => ({ status: 200, body: '<html>' }));
    expect(await fetchSupervisorMqtt({ baseUrl: junk.url, token: TOKEN, clock })).toMatchObject({ ok: false, error: 'Supervisor answer is not JSON' });
    const gone = await supervisor(() => ({ status: 200, body: '{}' }));
    await gone.close();
    closers.pop();
    expect(await fetchSupervisorMqtt({ baseUrl: gone.url, token: TOKEN, clock, timeoutMs: 2000 })).toMatchObject({ ok: false, retry: true });
  });
});
