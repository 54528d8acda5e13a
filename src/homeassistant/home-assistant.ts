/**
 * The Home Assistant link component: MQTT discovery + states (mqtt-link, entities,
 * entity-sync), button presses, critical-finding events, and the WebSocket link for
 * device-tracker enrichment, bus events and service calls (ha-websocket). Rules:
 * - createHomeAssistant does no work; start() never waits for a broker or Home Assistant
 *   (both may come later: MQTT reconnects on its own, the Supervisor's MQTT service and the
 *   WebSocket are retried on the clock); stop() publishes `offline` and closes both links.
 * - Every (re)connect publishes availability, then all configs and states (forced); after
 *   that only changed messages go out, every ha_publish_interval_seconds and shortly after a
 *   finding or another refresh event. Home Assistant's birth message (`online` on
 *   `<prefix>/status`, not retained) republishes everything after birthDelayMs.
 * - On the first connect the link also listens, for cleanupSettleMs, to its own discovery
 *   and base topics and then clears every retained message no current entity owns: a feature
 *   turned off (ha_discovery, ha_device_entities, a button whose action is gone) loses its
 *   entities even across restarts.
 * - A button press runs the same action as the API (triggerScan, nvdRefresh): only while the
 *   button is advertised (ha_discovery on), only presses that are not retained and carry
 *   exactly PRESS, one run at a time per button, and at most one per minPressGapMs (a
 *   retained or repeated press must not start scans forever).
 * - Critical findings are announced twice over, for the two kinds of automation: on the MQTT
 *   event entity ("Critical finding", state trigger; works with MQTT alone) and, when the
 *   WebSocket link is up, as the `homesec_critical_finding` event on Home Assistant's bus
 *   (event trigger, no entity needed). Each finding once (finding-events.ts).
 * - Secrets (MQTT password, HA token, Supervisor token) are never logged and never in status().
 */
import { randomBytes } from 'node:crypto';
import type { Clock, TimerHandle } from '../core/clock.js';
import { errorMessage } from '../core/errors.js';
import type { EventBus, HomesecEvents } from '../core/events.js';
import type { Service } from '../core/lifecycle.js';
import type { Log } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type {} from '../findings/findings-store.js';
import type { Finding } from '../findings/types.js';
import { buildEntities, PAYLOAD_PRESS, type ButtonId, type EntityOptions } from './entities.js';
import { createEntitySync } from './entity-sync.js';
import { createFindingAnnouncer } from './finding-events.js';
import type { HomeAssistantConfig } from './ha-config.js';
import { createHaWebSocket, webSocketUrl, type HaWebSocketLink, type HaWebSocketStatus } from './ha-websocket.js';
import { createMqttLink, type MqttLink } from './mqtt-link.js';
import { takeSnapshot, type HomeAssistantSources } from './sources.js';
import { fetchSupervisorMqtt, SUPERVISOR_WS_URL } from './supervisor.js';
import { buttonOf, ownDiscoveryFilter, topicNames } from './topics.js';
import type { TrackerInfo } from './trackers.js';

/** The Home Assistant bus event fired for a critical finding (WebSocket link). */
export const HA_FINDING_EVENT = 'homesec_critical_finding';

export interface HomeAssistantDeps extends HomeAssistantSources {
  bus: EventBus;
  clock: Clock;
  log: Log;
  metrics: Metrics;
  /** homesec's version (device sw_version). */
  version: string;
  /** The dashboard URL shown on the device page, when reachable from Home Assistant. */
  configurationUrl?: string;
  /** The reference's trigger_scan (same action as POST /api/scan). */
  triggerScan?: () => Promise<unknown>;
  /** The reference's nvd_refresh. */
  nvdRefresh?: () => Promise<unknown>;
  /** Hears the device trackers whenever they change (inventory enrichment). */
  onTrackers?: (trackers: TrackerInfo[]) => void;
  /** Bus events after which states are republished soon (findings are always included). */
  refreshEvents?: readonly (keyof HomesecEvents)[];
  /** Inside the add-on: SUPERVISOR_TOKEN (MQTT credentials from the services API, the Core WebSocket proxy). */
  supervisor?: { token: string; baseUrl?: string; wsUrl?: string };
}

export interface HomeAssistantOptions {
  birthDelayMs?: number;
  cleanupSettleMs?: number;
  refreshDebounceMs?: number;
  minPressGapMs?: number;
  reconnectPeriodMs?: number;
  connectTimeoutMs?: number;
  supervisorRetryMs?: number;
  wsRetryMs?: number;
  trackerDebounceMs?: number;
  eventsPerMinute?: number;
  clientId?: string;
}

export type MqttState = 'off' | 'waiting_for_supervisor' | 'connecting' | 'connected' | 'disconnected';

export interface HomeAssistantStatus {
  mqtt: {
    state: MqttState;
    source: 'config' | 'supervisor' | 'none';
    /** Broker URL without credentials. */
    broker?: string;
    connects: number;
    entities: number;
    published: number;
    publishFailures: number;
    births: number;
    lastPublishMs?: number;
    presses: Record<string, number>;
    events: { announced: number; suppressed: number; undelivered: number };
    lastError?: string;
  };
  websocket: HaWebSocketStatus | { state: 'off' };
}

export interface HomeAssistant extends Service {
  status(): HomeAssistantStatus;
  /** Republishes what changed now (the returned promise settles when done). */
  refresh(): Promise<void>;
  /** The current device trackers (empty without the WebSocket link). */
  trackers(): TrackerInfo[];
  /** Calls a Home Assistant service over the WebSocket link (notify); rejects when it is not connected. */
  callService(domain: string, service: string, data: Record<string, unknown>): Promise<unknown>;
}

const MAX_SEEN = 20_000;

/** Creates the link; nothing happens until start(). */
export function createHomeAssistant(config: HomeAssistantConfig, deps: HomeAssistantDeps, options: HomeAssistantOptions = {}): HomeAssistant {
  const o = {
    birthDelayMs: options.birthDelayMs ?? 2_000,
    cleanupSettleMs: options.cleanupSettleMs ?? 3_000,
    refreshDebounceMs: options.refreshDebounceMs ?? 1_000,
    minPressGapMs: options.minPressGapMs ?? 5_000,
    reconnectPeriodMs: options.reconnectPeriodMs ?? 5_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    supervisorRetryMs: options.supervisorRetryMs ?? 60_000,
  };
  const { clock, log, metrics } = deps;
  const topics = topicNames(config.mqtt_discovery_prefix, config.mqtt_base_topic);
  const actions: Partial<Record<ButtonId, () => Promise<unknown>>> = { trigger_scan: deps.triggerScan, nvd_refresh: deps.nvdRefresh };
  const entityOptions: EntityOptions = {
    topics,
    version: deps.version,
    configurationUrl: deps.configurationUrl,
    buttons: (Object.keys(actions) as ButtonId[]).filter((b) => actions[b] !== undefined),
    findingEvents: config.ha_finding_events,
    deviceEntities: config.ha_device_entities,
  };
  const announcer = createFindingAnnouncer(clock, options.eventsPerMinute ?? 20);
  metrics.describe('homesec_ha_published_total', 'counter', 'MQTT messages published to Home Assistant (configs, states, attributes, removals)');
  metrics.describe('homesec_ha_button_presses_total', 'counter', 'Home Assistant button presses by button and result');
  metrics.describe('homesec_ha_finding_events_total', 'counter', 'Critical-finding announcements by result');

  let stopped = true;
  let link: MqttLink | undefined;
  let ws: HaWebSocketLink | undefined;
  let mqttState: MqttState = 'off';
  let source: HomeAssistantStatus['mqtt']['source'] = 'none';
  let supervisorError: string | undefined;
  let cleanedUp = false;
  let settling = false;
  const seen = new Set<string>();
  const timers: Record<'tick' | 'refresh' | 'birth' | 'settle' | 'supervisor', TimerHandle | undefined> = {
    tick: undefined,
    refresh: undefined,
    birth: undefined,
    settle: undefined,
    supervisor: undefined,
  };
  let offs: (() => void)[] = [];
  let chain: Promise<void> = Promise.resolve();
  let published = 0;
  let publishFailures = 0;
  let births = 0;
  let undelivered = 0;
  let lastPublishMs: number | undefined;
  const presses: Record<string, number> = {};
  const running = new Set<ButtonId>();
  const lastPress = new Map<ButtonId, number>();

  const sync = createEntitySync(async (topic, payload, opts) => {
    if (!link) throw new Error('MQTT not open');
    await link.publish(topic, payload, opts);
  });
  const cleanupFilters = [ownDiscoveryFilter(topics), `${topics.base}/#`];

  const clear = (name: keyof typeof timers) => {
    const t = timers[name];
    if (t) clock.clearTimeout(t);
    timers[name] = undefined;
  };

  /** Serialised: a publish never interleaves with another. */
  const publishAll = (force: boolean): Promise<void> => {
    chain = chain.then(async () => {
      if (stopped || !link?.connected) return;
      const snap = takeSnapshot(deps, clock.now());
      const entities = config.ha_discovery ? buildEntities(entityOptions, snap) : [];
      const r = await sync.sync(entities, force);
      published += r.published;
      publishFailures += r.failed;
      metrics.inc('homesec_ha_published_total', {}, r.published);
      lastPublishMs = clock.now();
    });
    return chain.catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'publishing to Home Assistant failed'));
  };

  const scheduleRefresh = () => {
    if (stopped || timers.refresh) return;
    timers.refresh = clock.setTimeout(() => {
      timers.refresh = undefined;
      void publishAll(false);
    }, o.refreshDebounceMs);
  };

  const tick = () => {
    timers.tick = clock.setTimeout(() => {
      if (stopped) return;
      void publishAll(false);
      tick();
    }, config.ha_publish_interval_seconds * 1000);
  };

  const finishCleanup = async () => {
    timers.settle = undefined;
    if (!link?.connected) return;
    settling = false;
    try {
      await link.unsubscribe(cleanupFilters);
    } catch {
      /* the filters lapse with the session anyway */
    }
    await chain;
    const cleared = await sync.clearStale([...seen], new Set([topics.availability]));
    seen.clear();
    cleanedUp = true;
    if (cleared > 0) log.info({ cleared }, 'removed Home Assistant entities and retained messages homesec no longer publishes');
  };

  const onConnect = () => {
    if (stopped || !link) return;
    mqttState = 'connected';
    log.info({ broker: link.broker }, 'connected to the MQTT broker');
    const l = link;
    void (async () => {
      const filters = [topics.haStatus, topics.buttonPressFilter];
      if (!cleanedUp) {
        settling = true;
        seen.clear();
        filters.push(...cleanupFilters);
      }
      try {
        await l.subscribe(filters);
      } catch (err) {
        log.warn({ err: errorMessage(err) }, 'MQTT subscribe failed');
      }
      await publishAll(true);
      if (settling && !stopped) {
        clear('settle');
        timers.settle = clock.setTimeout(() => void finishCleanup(), o.cleanupSettleMs);
      }
    })();
  };

  const press = (id: ButtonId) => {
    const action = actions[id];
    const count = (result: string) => {
      presses[`${id}:${result}`] = (presses[`${id}:${result}`] ?? 0) + 1;
      metrics.inc('homesec_ha_button_presses_total', { button: id, result });
    };
    // A button works only while Home Assistant is offered it (discovery on, action wired).
    if (!action || !config.ha_discovery) return count('unavailable');
    const now = clock.now();
    if (running.has(id) || now - (lastPress.get(id) ?? -Infinity) < o.minPressGapMs) return count('ignored');
    lastPress.set(id, now);
    running.add(id);
    count('started');
    log.info({ button: id }, 'Home Assistant button pressed');
    void Promise.resolve()
      .then(action)
      .catch((err: unknown) => log.warn({ button: id, err: errorMessage(err) }, 'button action failed'))
      .finally(() => {
        running.delete(id);
        scheduleRefresh();
      });
  };

  const onMessage = (topic: string, payload: Buffer, retained: boolean) => {
    // Only short topics can be homesec's own; a broker full of huge retained topics cannot grow this set unboundedly.
    if (settling && retained && seen.size < MAX_SEEN && payload.length > 0 && topic.length <= 256) seen.add(topic);
    if (topic === topics.haStatus) {
      if (retained || payload.length > 16 || payload.toString('utf8').trim() !== 'online') return;
      births++;
      if (!timers.birth) {
        timers.birth = clock.setTimeout(() => {
          timers.birth = undefined;
          void publishAll(true);
        }, o.birthDelayMs);
      }
      return;
    }
    const id = buttonOf(topics, topic) as ButtonId | undefined;
    if (id && !retained && payload.length === PAYLOAD_PRESS.length && payload.toString('utf8') === PAYLOAD_PRESS) press(id);
  };

  const onDisconnect = (reason: string | undefined) => {
    if (stopped) return;
    if (settling) {
      clear('settle');
      settling = false;
    }
    // Logged once per outage: mqtt.js reports every failed reconnect attempt as a close.
    if (mqttState === 'connected' || mqttState === 'connecting') log.warn({ broker: link?.broker, reason }, 'MQTT broker unreachable; retrying');
    mqttState = 'disconnected';
  };

  const openMqtt = (url: string, username: string | undefined, password: string | undefined) => {
    mqttState = 'connecting';
    link = createMqttLink(
      {
        url,
        username,
        password,
        clientId: options.clientId ?? `homesec-${randomBytes(4).toString('hex')}`,
        availabilityTopic: topics.availability,
        reconnectPeriodMs: o.reconnectPeriodMs,
        connectTimeoutMs: o.connectTimeoutMs,
        keepaliveSeconds: 60,
        clock,
      },
      { onConnect, onMessage, onDisconnect },
    );
    link.open();
  };

  const resolveSupervisor = async (sup: NonNullable<HomeAssistantDeps['supervisor']>) => {
    timers.supervisor = undefined;
    mqttState = 'waiting_for_supervisor';
    const r = await fetchSupervisorMqtt({ baseUrl: sup.baseUrl, token: sup.token, clock, timeoutMs: o.connectTimeoutMs });
    if (stopped) return;
    if (r.ok) {
      supervisorError = undefined;
      source = 'supervisor';
      openMqtt(r.value.url, config.mqtt_username || r.value.username, config.mqtt_password || r.value.password);
      return;
    }
    supervisorError = r.error;
    log.warn({ error: r.error, retry: r.retry }, 'no MQTT broker from the Supervisor');
    if (r.retry) timers.supervisor = clock.setTimeout(() => void resolveSupervisor(sup), o.supervisorRetryMs);
  };

  const onFinding = (f: Finding) => {
    scheduleRefresh();
    if (!config.ha_finding_events) return;
    const data = announcer.consider(f);
    if (!data) return;
    let delivered = false;
    if (link?.connected) {
      delivered = true;
      link.publish(topics.findingEvent, JSON.stringify(data), { retain: false, qos: 1 }).catch(() => {
        undelivered++;
      });
    }
    if (ws?.connected) {
      delivered = true;
      ws.fireEvent(HA_FINDING_EVENT, { ...data }).catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'firing the Home Assistant event failed'));
    }
    if (!delivered) undelivered++;
    metrics.inc('homesec_ha_finding_events_total', { result: delivered ? 'sent' : 'undelivered' });
  };

  const wsTarget = (): { url: string; token: string } | undefined => {
    if (config.ha_url) {
      if (!config.ha_token) {
        log.warn('ha_url is set but ha_token is empty: no Home Assistant WebSocket link');
        return undefined;
      }
      return { url: webSocketUrl(config.ha_url), token: config.ha_token };
    }
    if (deps.supervisor?.token) return { url: deps.supervisor.wsUrl ?? SUPERVISOR_WS_URL, token: deps.supervisor.token };
    return undefined;
  };

  return {
    async start() {
      stopped = false;
      offs = [deps.bus.on('finding.new', onFinding), deps.bus.on('finding.updated', onFinding)];
      for (const ev of deps.refreshEvents ?? []) offs.push(deps.bus.on(ev, scheduleRefresh));
      if (config.mqtt_url) {
        source = 'config';
        openMqtt(config.mqtt_url, config.mqtt_username || undefined, config.mqtt_password || undefined);
      } else if (deps.supervisor?.token) {
        void resolveSupervisor(deps.supervisor);
      }
      const target = wsTarget();
      if (target) {
        ws = createHaWebSocket(
          {
            ...target,
            clock,
            trackers: config.ha_tracker_enrichment,
            connectTimeoutMs: o.connectTimeoutMs,
            retryMs: options.wsRetryMs,
            trackerDebounceMs: options.trackerDebounceMs,
          },
          { onTrackers: deps.onTrackers, log },
        );
        await ws.start();
      }
      tick();
    },
    async stop() {
      stopped = true;
      for (const off of offs) off();
      offs = [];
      for (const name of Object.keys(timers) as (keyof typeof timers)[]) clear(name);
      await ws?.stop();
      await chain.catch(() => undefined);
      await link?.close(1_000);
      link = undefined;
      sync.reset();
      mqttState = 'off';
      cleanedUp = false;
      settling = false;
    },
    status() {
      return {
        mqtt: {
          state: mqttState,
          source,
          ...(link ? { broker: link.broker } : {}),
          connects: link?.connects ?? 0,
          entities: sync.count,
          published,
          publishFailures,
          births,
          ...(lastPublishMs !== undefined ? { lastPublishMs } : {}),
          presses: { ...presses },
          events: { announced: announcer.announced, suppressed: announcer.suppressed, undelivered },
          ...((link?.lastError ?? supervisorError) ? { lastError: link?.lastError ?? supervisorError } : {}),
        },
        websocket: ws ? ws.status() : { state: 'off' },
      };
    },
    refresh: () => publishAll(false),
    trackers: () => ws?.trackers() ?? [],
    async callService(domain, service, data) {
      if (!ws) throw new Error('no Home Assistant WebSocket link (set ha_url and ha_token, or run as the add-on)');
      return ws.callService(domain, service, data);
    },
  };
}
