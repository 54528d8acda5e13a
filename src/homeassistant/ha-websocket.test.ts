import { afterEach, describe, expect, it } from 'vitest';
import { createSystemClock } from '../core/clock.js';
import { createHaWebSocket, webSocketUrl, type HaWebSocketLink } from './ha-websocket.js';
import { startFakeHa, waitFor, type FakeHa } from './test-kit.js';
import type { TrackerInfo } from './trackers.js';

const clock = createSystemClock();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function logSink() {
  const lines: string[] = [];
  return { lines, log: { info: (o: object, m: string) => lines.push(JSON.stringify(o) + m), warn: (o: object, m: string) => lines.push(JSON.stringify(o) + m) } };
}

async function fakeHa(token?: string, opts?: { path?: string; version?: string }): Promise<FakeHa> {
  const ha = await startFakeHa(token, opts);
  cleanups.push(() => ha.close());
  return ha;
}

function link(url: string, token: string, onTrackers?: (t: TrackerInfo[]) => void, extra: { retryMs?: number } = {}) {
  const sink = logSink();
  const l: HaWebSocketLink = createHaWebSocket({ url, token, clock, trackers: true, trackerDebounceMs: 20, connectTimeoutMs: 2000, retryMs: extra.retryMs ?? 100 }, { onTrackers, log: sink.log });
  cleanups.push(() => l.stop());
  return { l, sink };
}

const router = (id: string, ip: string, mac: string, host?: string) => ({
  entity_id: `device_tracker.${id}`,
  state: 'home',
  attributes: { source_type: 'router', ip, mac, ...(host ? { host_name: host } : {}), friendly_name: id.toUpperCase() },
});

describe('webSocketUrl', () => {
  it('maps http(s) to the WebSocket API path and keeps ws(s) URLs', () => {
    expect(webSocketUrl('http://homeassistant.local:8123')).toBe('ws://homeassistant.local:8123/api/websocket');
    expect(webSocketUrl('https://ha.example.org/')).toBe('wss://ha.example.org/api/websocket');
    expect(webSocketUrl('ws://supervisor/core/websocket')).toBe('ws://supervisor/core/websocket');
  });
});

describe('Home Assistant WebSocket link', () => {
  it('authenticates with the token, subscribes to entities and follows device trackers live', async () => {
    const ha = await fakeHa();
    ha.states.set('device_tracker.phone', router('phone', '192.168.1.50', 'AA:BB:CC:00:11:22', 'pixel'));
    ha.states.set('light.kitchen', { entity_id: 'light.kitchen', state: 'on', attributes: { ip: '192.168.1.99' } });
    const heard: TrackerInfo[][] = [];
    const { l } = link(webSocketUrl(ha.url), ha.token, (t) => heard.push(t));
    await l.start();
    await waitFor(() => heard.length === 1, 'first tracker list');
    expect(ha.authTokens).toEqual([ha.token]);
    expect(ha.received.some((m) => m.type === 'subscribe_entities')).toBe(true);
    expect(heard[0]).toEqual([{ entityId: 'device_tracker.phone', ip: '192.168.1.50', mac: 'aa:bb:cc:00:11:22', hostname: 'pixel', friendlyName: 'PHONE' }]);
    expect(l.status()).toMatchObject({ state: 'connected', haVersion: '2025.11.1', trackers: 1 });

    ha.set(router('laptop', '192.168.1.60', 'aa:bb:cc:00:11:33'));
    await waitFor(() => heard.length === 2, 'new tracker');
    expect(heard[1]!.map((t) => t.entityId)).toEqual(['device_tracker.laptop', 'device_tracker.phone']);

    ha.set({ ...router('phone', '192.168.1.51', 'aa:bb:cc:00:11:22', 'pixel') });
    await waitFor(() => heard.length === 3, 'changed tracker');
    expect(heard[2]!.find((t) => t.entityId === 'device_tracker.phone')!.ip).toBe('192.168.1.51');

    // A state change that changes no tracker fact is not reported again.
    ha.set({ entity_id: 'light.kitchen', state: 'off', attributes: {} });
    ha.remove('device_tracker.laptop');
    await waitFor(() => heard.length === 4, 'removed tracker');
    expect(heard[3]!.map((t) => t.entityId)).toEqual(['device_tracker.phone']);
    expect(l.trackers()).toEqual(heard[3]);
  });

  it('a refused token stops the link without retrying, and the token shows nowhere', async () => {
    const ha = await fakeHa('the-right-token');
    const { l, sink } = link(webSocketUrl(ha.url), 'wrong-token-123');
    await l.start();
    await waitFor(() => l.status().state === 'auth_failed', 'auth_failed');
    await new Promise((r) => setTimeout(r, 400));
    expect(ha.connections).toBe(1);
    const shown = JSON.stringify(l.status()) + sink.lines.join('\n');
    expect(shown).not.toContain('wrong-token-123');
    expect(shown).toContain('refused the access token');
  });

  it('retries until Home Assistant is up, and re-subscribes after the connection drops', async () => {
    const ha = await fakeHa();
    const url = webSocketUrl(ha.url);
    await ha.close();
    cleanups.pop();
    const heard: TrackerInfo[][] = [];
    const { l } = link(url, 'tok', (t) => heard.push(t), { retryMs: 100 });
    await l.start();
    await waitFor(() => l.status().state === 'disconnected', 'a failed first attempt');
    expect(l.connected).toBe(false);
    await l.stop();
    cleanups.pop();

    const ha2 = await fakeHa('tok');
    ha2.states.set('device_tracker.a', router('a', '10.0.0.1', 'aa:bb:cc:00:00:01'));
    const { l: l2 } = link(webSocketUrl(ha2.url), 'tok', (t) => heard.push(t));
    await l2.start();
    await waitFor(() => heard.length === 1, 'trackers');
    ha2.states.set('device_tracker.b', router('b', '10.0.0.2', 'aa:bb:cc:00:00:02'));
    ha2.dropAll();
    await waitFor(() => heard.length === 2, 'trackers after the reconnect', 8000);
    expect(heard[1]!.map((t) => t.entityId)).toEqual(['device_tracker.a', 'device_tracker.b']);
    expect(ha2.connections).toBe(2);
  });

  it('malformed frames are counted, never thrown, and the link keeps working', async () => {
    const ha = await fakeHa();
    const heard: TrackerInfo[][] = [];
    const { l } = link(webSocketUrl(ha.url), ha.token, (t) => heard.push(t));
    await l.start();
    await waitFor(() => ha.received.some((m) => m.type === 'subscribe_entities'), 'subscription');
    const sub = ha.received.find((m) => m.type === 'subscribe_entities')!.id as number;
    ha.sendRaw('this is not json');
    ha.sendRaw(JSON.stringify({ id: sub, type: 'event', event: { a: { 'device_tracker.x': { s: 'home', a: {}, lc: 'not-a-number' } } } }));
    await waitFor(() => l.status().badFrames >= 2, 'bad frames counted');
    ha.set(router('ok', '10.0.0.9', 'aa:bb:cc:00:00:09'));
    await waitFor(() => heard.some((h) => h.some((t) => t.entityId === 'device_tracker.ok')), 'a good update after bad frames');
  });

  it('calls services and fires events only while connected, with safe names', async () => {
    const ha = await fakeHa();
    const { l } = link(webSocketUrl(ha.url), ha.token);
    await expect(l.callService('notify', 'mobile_app_x', { message: 'hi' })).rejects.toThrow(/not connected/);
    await l.start();
    await waitFor(() => l.connected, 'connected');
    await l.callService('notify', 'mobile_app_x', { message: 'hi' });
    await l.fireEvent('homesec_critical_finding', { key: 'k' });
    expect(ha.received).toContainEqual(expect.objectContaining({ type: 'call_service', domain: 'notify', service: 'mobile_app_x', service_data: { message: 'hi' } }));
    expect(ha.received).toContainEqual(expect.objectContaining({ type: 'fire_event', event_type: 'homesec_critical_finding', event_data: { key: 'k' } }));
    await expect(l.callService('notify', '../x', {})).rejects.toThrow(/invalid/);
    await expect(l.fireEvent('Bad Event', {})).rejects.toThrow(/invalid/);
  });

  it('works with the Supervisor\'s path (ws://supervisor/core/websocket shape)', async () => {
    const ha = await fakeHa('supervisor-token', { path: '/core/websocket' });
    const { l } = link(`${ha.url.replace('http', 'ws')}/core/websocket`, 'supervisor-token');
    await l.start();
    await waitFor(() => l.connected, 'connected through the core path');
  });
});
