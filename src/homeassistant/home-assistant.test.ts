/**
 * The Home Assistant link against an in-process aedes broker (the shared broker suite), plus
 * what only aedes can stage: a dropped connection (the last will), brokers that require
 * credentials, the Supervisor's MQTT service, and the WebSocket link next to MQTT.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { brokerSuite, startHarness, type Harness } from './broker-suite.js';
import { HA_FINDING_EVENT } from './home-assistant.js';
import { finding, observe, startAedes, startFakeHa, startFakeSupervisor, waitFor, type Observer, type TestBroker } from './test-kit.js';

describe('aedes', () => {
  brokerSuite('aedes', () => startAedes(), '');
});

describe('Home Assistant link (aedes only)', () => {
  let broker: TestBroker;
  const running: Harness[] = [];
  const observers: Observer[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    broker = await startAedes();
  });
  afterEach(async () => {
    for (const h of running.splice(0)) await h.ha.stop();
    for (const o of observers.splice(0)) await o.close();
    for (const c of cleanups.splice(0)) await c();
  });
  afterAll(async () => {
    await broker.close();
  });
  const start = async (...args: Parameters<typeof startHarness>) => {
    const h = await startHarness(...args);
    running.push(h);
    return h;
  };
  const watch = async (url: string, filters: string[], auth?: { username: string; password: string }) => {
    const o = await observe(url, filters, auth);
    observers.push(o);
    return o;
  };

  it('the last will marks homesec unavailable when its connection dies, and it comes back online', async () => {
    const h = await start({ mqtt_url: broker.url });
    await waitFor(() => h.ha.status().mqtt.state === 'connected', 'connected');
    const o = await watch(broker.url, ['homesec/availability']);
    await waitFor(() => o.last.get('homesec/availability')?.payload === 'online', 'online');
    expect(broker.dropClients!('homesec-')).toBe(1);
    await waitFor(() => o.messages.some((m) => m.payload === 'offline'), 'the last will');
    await waitFor(() => o.messages.at(-1)?.payload === 'online' && h.ha.status().mqtt.connects === 2, 'online again');
  });

  it('announces a new critical finding once on the event entity topic', async () => {
    const h = await start({ mqtt_url: broker.url });
    await waitFor(() => h.ha.status().mqtt.lastPublishMs !== undefined, 'first publish');
    const o = await watch(broker.url, ['homesec/event/finding']);
    h.bus.emit('finding.new', finding({ severity: 'high', key: 'a' }));
    h.bus.emit('finding.new', finding({ key: 'b', title: 'Telnet open on \u001b[31mcamera' }));
    h.bus.emit('finding.updated', finding({ key: 'b', occurrences: 2 }));
    await waitFor(() => o.messages.length === 1, 'the event');
    await new Promise((r) => setTimeout(r, 100));
    expect(o.messages).toHaveLength(1);
    expect(o.messages[0]!.retain).toBe(false);
    expect(JSON.parse(o.messages[0]!.payload)).toMatchObject({ event_type: 'critical_finding', key: 'b', severity: 'critical', title: 'Telnet open on \\x1b[31mcamera' });
    expect(h.ha.status().mqtt.events).toEqual({ announced: 1, suppressed: 0, undelivered: 0 });
  });

  it('logs in to a broker that requires credentials and never shows the password', async () => {
    const secure = await startAedes({ username: 'homesec', password: 'p4ss-w0rd-XYZ' });
    cleanups.push(() => secure.close());
    const viaUrl = await start({ mqtt_url: `mqtt://homesec:p4ss-w0rd-XYZ@127.0.0.1:${secure.port}`, mqtt_base_topic: 'hs1' });
    const viaKeys = await start({ mqtt_url: secure.url, mqtt_username: 'homesec', mqtt_password: 'p4ss-w0rd-XYZ', mqtt_base_topic: 'hs2' });
    const wrong = await start({ mqtt_url: secure.url, mqtt_username: 'homesec', mqtt_password: 'not-the-password', mqtt_base_topic: 'hs3' });
    await waitFor(() => viaUrl.ha.status().mqtt.state === 'connected' && viaKeys.ha.status().mqtt.state === 'connected', 'both connected');
    await waitFor(() => wrong.ha.status().mqtt.state === 'disconnected' && wrong.ha.status().mqtt.lastError, 'the refusal');
    for (const h of [viaUrl, viaKeys, wrong]) {
      const shown = JSON.stringify(h.ha.status()) + h.logs.join('');
      expect(shown).not.toContain('p4ss-w0rd-XYZ');
      expect(shown).not.toContain('not-the-password');
    }
    expect(viaUrl.ha.status().mqtt.broker).toBe(`mqtt://127.0.0.1:${secure.port}`);
    const o = await watch(secure.url, ['hs2/availability'], { username: 'homesec', password: 'p4ss-w0rd-XYZ' });
    await waitFor(() => o.last.get('hs2/availability')?.payload === 'online', 'hs2 online');
  });

  it("in the add-on, takes the broker and its credentials from the Supervisor's MQTT service", async () => {
    const secure = await startAedes({ username: 'addons', password: 'supervisor-given-pw' });
    cleanups.push(() => secure.close());
    let available = false;
    const sup = await startFakeSupervisor('SUPERVISOR-TOKEN-1', () =>
      available
        ? { status: 200, body: JSON.stringify({ result: 'ok', data: { host: '127.0.0.1', port: String(secure.port), ssl: false, protocol: '3.1.1', username: 'addons', password: 'supervisor-given-pw' } }) }
        : { status: 400, body: JSON.stringify({ result: 'error', message: 'No mqtt service' }) },
    );
    cleanups.push(() => sup.close());
    const h = await start({}, { supervisor: { token: 'SUPERVISOR-TOKEN-1', baseUrl: sup.url } });
    await waitFor(() => h.ha.status().mqtt.lastError?.includes('no MQTT service'), 'the first refusal');
    available = true;
    await waitFor(() => h.ha.status().mqtt.state === 'connected', 'connected through the Supervisor credentials');
    expect(h.ha.status().mqtt.source).toBe('supervisor');
    expect(sup.requests.every((r) => r.authorization === 'Bearer SUPERVISOR-TOKEN-1')).toBe(true);
    const shown = JSON.stringify(h.ha.status()) + h.logs.join('');
    expect(shown).not.toContain('SUPERVISOR-TOKEN-1');
    expect(shown).not.toContain('supervisor-given-pw');
  });

  it('with the WebSocket link: trackers reach onTrackers, critical findings fire a bus event, services can be called', async () => {
    const ha = await startFakeHa('LLAT-abc');
    cleanups.push(() => ha.close());
    ha.states.set('device_tracker.tv', { entity_id: 'device_tracker.tv', state: 'home', attributes: { source_type: 'router', ip: '192.168.1.13', mac: 'aa:bb:cc:00:00:04', host_name: 'tv', friendly_name: 'Living room TV' } });
    const heard: unknown[] = [];
    const h = await start({ mqtt_url: broker.url, ha_url: ha.url, ha_token: 'LLAT-abc' }, { onTrackers: (t) => heard.push(t) });
    await waitFor(() => heard.length === 1, 'trackers');
    expect(heard[0]).toEqual([{ entityId: 'device_tracker.tv', ip: '192.168.1.13', mac: 'aa:bb:cc:00:00:04', hostname: 'tv', friendlyName: 'Living room TV' }]);
    expect(h.ha.trackers()).toEqual(heard[0]);
    await waitFor(() => h.ha.status().mqtt.state === 'connected', 'mqtt');
    h.bus.emit('finding.new', finding({ key: 'c' }));
    await waitFor(() => ha.received.find((m) => m.type === 'fire_event'), 'the bus event');
    expect(ha.received.find((m) => m.type === 'fire_event')).toMatchObject({ event_type: HA_FINDING_EVENT, event_data: { key: 'c', severity: 'critical' } });
    await h.ha.callService('notify', 'mobile_app_pixel', { message: 'x' });
    expect(ha.received.some((m) => m.type === 'call_service' && m.service === 'mobile_app_pixel')).toBe(true);
    expect(JSON.stringify(h.ha.status()) + h.logs.join('')).not.toContain('LLAT-abc');
  });

  it('without any link configured it stays off and says so', async () => {
    const h = await start({});
    expect(h.ha.status()).toMatchObject({ mqtt: { state: 'off', source: 'none' }, websocket: { state: 'off' } });
    await expect(h.ha.callService('notify', 'x', {})).rejects.toThrow(/no Home Assistant WebSocket link/);
  });
});
