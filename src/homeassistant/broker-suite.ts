/**
 * The integration tests every real broker must pass (aedes in-process, Debian's mosquitto):
 * valid retained discovery, states that follow the inventory, a button press that runs the
 * scan, the birth message, removal of disabled entities, availability. Test-only; the
 * *.test.ts files call brokerSuite() with a way to start their broker on loopback.
 */
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSystemClock } from '../core/clock.js';
import { createEventBus, type EventBus } from '../core/events.js';
import { createLogger } from '../core/logger.js';
import { createMetrics } from '../core/metrics.js';
import { MAX_ATTRIBUTES_BYTES } from './attributes.js';
import { parseHomeAssistantConfig, type HomeAssistantConfig } from './ha-config.js';
import { createHomeAssistant, type HomeAssistant, type HomeAssistantDeps, type HomeAssistantOptions } from './home-assistant.js';
import { discoveryProblems, observe, retained, sampleWorld, sourcesOf, waitFor, type Observer, type TestBroker, type World } from './test-kit.js';

export interface Harness {
  ha: HomeAssistant;
  world: World;
  bus: EventBus;
  scans: string[];
  nvdRefreshes: { n: number };
  logs: string[];
}

/** Options that make the link quick enough for tests. */
export const FAST: HomeAssistantOptions = { birthDelayMs: 50, cleanupSettleMs: 200, refreshDebounceMs: 30, minPressGapMs: 300, reconnectPeriodMs: 200, connectTimeoutMs: 2000, supervisorRetryMs: 200, wsRetryMs: 100, trackerDebounceMs: 20 };

/** Starts a link to `url` over a sample world; `stop()` it (or let `track` do it). */
export async function startHarness(
  config: Partial<HomeAssistantConfig> & Record<string, unknown>,
  extra: Partial<HomeAssistantDeps> = {},
  world: World = sampleWorld(),
): Promise<Harness> {
  const bus = createEventBus();
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const scans: string[] = [];
  const nvdRefreshes = { n: 0 };
  const ha = createHomeAssistant(
    parseHomeAssistantConfig(config),
    {
      ...sourcesOf(world),
      bus,
      clock: createSystemClock(),
      log: createLogger({ level: 'debug', format: 'json', secretKeys: ['mqtt_password', 'ha_token'] }, sink),
      metrics: createMetrics(),
      version: '0.1.0',
      triggerScan: async () => {
        scans.push('homeassistant');
        await new Promise((r) => setTimeout(r, 50));
      },
      nvdRefresh: async () => {
        nvdRefreshes.n++;
      },
      ...extra,
    },
    FAST,
  );
  await ha.start();
  return { ha, world, bus, scans, nvdRefreshes, logs };
}

/** Configs homesec owns in a retained map. */
export function configsIn(m: Map<string, string>): Map<string, string> {
  return new Map([...m].filter(([t]) => t.startsWith('homeassistant/') && t.endsWith('/config')));
}

/** 8 sensors + 2 buttons + 1 event + 2 entities for each of the sample world's 3 devices. */
export const SAMPLE_ENTITIES = 8 + 2 + 1 + 3 * 2;

/** Registers the shared suite for a broker. `start` returns undefined to skip (with `skipReason`). */
export function brokerSuite(name: string, start: () => Promise<TestBroker | undefined>, skipReason: string): void {
  let broker: TestBroker | undefined;
  const running: Harness[] = [];
  const observers: Observer[] = [];

  beforeAll(async () => {
    broker = await start();
  });
  afterEach(async () => {
    for (const h of running.splice(0)) await h.ha.stop();
    for (const o of observers.splice(0)) await o.close();
  });
  afterAll(async () => {
    await broker?.close();
  });

  const url = () => broker!.url;
  const run = async (config: Partial<HomeAssistantConfig>, world?: World) => {
    const h = await startHarness({ mqtt_url: url(), ha_device_entities: true, ...config }, {}, world);
    running.push(h);
    await waitFor(() => h.ha.status().mqtt.state === 'connected' && h.ha.status().mqtt.lastPublishMs !== undefined, 'first publish');
    return h;
  };
  const watch = async (filters?: string[]) => {
    const o = await observe(url(), filters);
    observers.push(o);
    return o;
  };
  /** Clears every retained message so tests do not see each other's leftovers. */
  const wipe = async () => {
    const left = await retained(url(), '#', 100);
    const o = await watch();
    for (const t of left.keys()) if (!t.startsWith('$')) await o.publish(t, '', true);
  };

  describe(`Home Assistant link against ${name}`, () => {
    it.skipIf(false)('publishes retained discovery valid per Home Assistant for every entity, with availability and states', async (ctx) => {
      if (!broker) return ctx.skip(skipReason);
      await wipe();
      await run({});
      const kept = await retained(url());
      const configs = configsIn(kept);
      expect(configs.size).toBe(SAMPLE_ENTITIES);
      const uniqueIds = new Set<string>();
      for (const [topic, payload] of configs) {
        expect(discoveryProblems(topic, payload), topic).toEqual([]);
        uniqueIds.add(JSON.parse(payload).unique_id as string);
      }
      expect(uniqueIds.size).toBe(SAMPLE_ENTITIES);
      expect(kept.get('homesec/availability')).toBe('online');
      expect(kept.get('homesec/sensor/total_flows/state')).toBe('1234');
      expect(kept.get('homesec/sensor/active_devices/state')).toBe('3');
      expect(kept.get('homesec/device/dev_1/state')).toBe('home');
      expect(kept.get('homesec/device/dev_1/at_risk')).toBe('ON');
      const attrs = kept.get('homesec/sensor/nvd_keywords/attributes')!;
      expect(Buffer.byteLength(attrs)).toBeLessThanOrEqual(MAX_ATTRIBUTES_BYTES);
      expect(JSON.parse(attrs)).toMatchObject({ keywords: { OpenSSH: { cves: 12, source: 'custom' } }, exporters: ['192.168.1.1', '192.168.1.2'] });
    });

    it('states and attributes follow the inventory; a device that leaves loses its entities', async (ctx) => {
      if (!broker) return ctx.skip(skipReason);
      await wipe();
      const h = await run({});
      const o = await watch(['homesec/#', 'homeassistant/#']);
      h.world.totalFlows = 2000;
      h.world.activeDevices = 4;
      h.world.devices = [
        ...h.world.devices.filter((d) => d.id !== 3),
        { id: 4, ip: '192.168.1.13', mac: 'aa:bb:cc:00:00:04', hostname: 'tv', vendor: 'Screens Inc', role: 'tv', atRisk: true },
      ];
      await h.ha.refresh();
      await waitFor(() => o.last.get('homesec/sensor/total_flows/state')?.payload === '2000', 'new total flows');
      await waitFor(() => o.last.get('homesec/device/dev_4/attributes'), 'the new device');
      expect(JSON.parse(o.last.get('homesec/device/dev_4/attributes')!.payload)).toMatchObject({ ip: '192.168.1.13', mac: 'aa:bb:cc:00:00:04', vendor: 'Screens Inc', role: 'tv', at_risk: true });
      expect(JSON.parse(o.last.get('homesec/sensor/active_devices/attributes')!.payload).inventory).toEqual({ devices: 3, at_risk: 2, by_role: { nas: 1, phone: 1, tv: 1 } });
      expect(o.messages.some((m) => m.topic === 'homeassistant/device_tracker/homesec/dev_3/config' && m.payload === '')).toBe(true);
      const kept = await retained(url());
      expect(kept.has('homeassistant/device_tracker/homesec/dev_3/config')).toBe(false);
      expect(kept.has('homeassistant/binary_sensor/homesec/dev_3_at_risk/config')).toBe(false);
      expect(kept.has('homesec/device/dev_3/state')).toBe(false);
      expect(kept.get('homesec/sensor/active_devices/state')).toBe('4');
    });

    it('pressing Trigger Scan runs the scan once; retained, repeated or foreign presses do not', async (ctx) => {
      if (!broker) return ctx.skip(skipReason);
      await wipe();
      const h = await run({});
      const o = await watch(['homesec/none']);
      await o.publish('homesec/button/trigger_scan/press', 'PRESS');
      await waitFor(() => h.scans.length === 1, 'the scan');
      await o.publish('homesec/button/trigger_scan/press', 'PRESS');
      await o.publish('homesec/button/trigger_scan/press', 'press');
      await o.publish('homesec/button/nvd_refresh/press', 'PRESS');
      await waitFor(() => h.nvdRefreshes.n === 1, 'the NVD refresh');
      await new Promise((r) => setTimeout(r, 100));
      expect(h.scans).toEqual(['homeassistant']);
      expect(h.ha.status().mqtt.presses).toMatchObject({ 'trigger_scan:started': 1, 'trigger_scan:ignored': 1, 'nvd_refresh:started': 1 });
      // A retained press would start a scan on every reconnect: it is ignored.
      await new Promise((r) => setTimeout(r, 350));
      await o.publish('homesec/button/trigger_scan/press', 'PRESS', true);
      await h.ha.stop();
      running.splice(0);
      const h2 = await run({});
      await new Promise((r) => setTimeout(r, 400));
      expect(h2.scans).toEqual([]);
      expect((await retained(url(), 'homesec/button/#')).size).toBe(0);
    });

    it("republishes discovery when Home Assistant's birth message arrives", async (ctx) => {
      if (!broker) return ctx.skip(skipReason);
      await wipe();
      const h = await run({});
      const o = await watch(['homeassistant/+/homesec/+/config']);
      await waitFor(() => configsIn(new Map(o.messages.map((m) => [m.topic, m.payload]))).size === SAMPLE_ENTITIES, 'retained configs');
      const before = o.messages.length;
      await o.publish('homeassistant/status', 'offline');
      await new Promise((r) => setTimeout(r, 150));
      expect(o.messages.length).toBe(before);
      await o.publish('homeassistant/status', 'online');
      await waitFor(() => o.messages.length >= before + SAMPLE_ENTITIES, 'republished configs');
      expect(o.messages.slice(before).every((m) => m.payload !== '')).toBe(true);
      expect(h.ha.status().mqtt.births).toBe(1);
    });

    it('turning features off removes their entities, also across restarts', async (ctx) => {
      if (!broker) return ctx.skip(skipReason);
      await wipe();
      const first = await run({});
      await first.ha.stop();
      running.splice(0);
      expect((await retained(url())).get('homesec/availability')).toBe('offline');

      const second = await run({ ha_device_entities: false });
      await waitFor(() => second.logs.some((l) => l.includes('no longer publishes')), 'the stale-entity cleanup');
      let kept = await retained(url());
      expect([...configsIn(kept).keys()].filter((t) => t.includes('/device_tracker/') || t.includes('/binary_sensor/'))).toEqual([]);
      expect([...kept.keys()].filter((t) => t.startsWith('homesec/device/'))).toEqual([]);
      expect(configsIn(kept).size).toBe(SAMPLE_ENTITIES - 6);
      await second.ha.stop();
      running.splice(0);

      const third = await run({ ha_discovery: false });
      await waitFor(() => third.logs.some((l) => l.includes('no longer publishes')), 'the cleanup');
      kept = await retained(url());
      expect(configsIn(kept).size).toBe(0);
      expect([...kept.keys()].filter((t) => t.startsWith('homesec/sensor/'))).toEqual([]);
      expect(kept.get('homesec/availability')).toBe('online');
    });
  });
}
