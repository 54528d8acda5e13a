/**
 * The MQTT connection of the Home Assistant link (mqtt.js). Rules: the last will is
 * `offline` (retained, QoS 1) on the availability topic and every (re)connect publishes
 * `online` there before anything else; nothing is queued while disconnected (publishes fail
 * fast and the caller republishes everything on the next connect), so an unreachable broker
 * costs no memory; subscriptions are made by the caller on every connect (mqtt.js's own
 * resubscribe is off). Credentials in the URL are moved to the username/password options
 * and never shown: `broker` is the URL without them, and error texts are bounded and
 * sanitised. mqtt.js reconnects on its own timer (reconnectPeriodMs).
 */
import mqtt, { type IClientOptions, type ISubscriptionMap, type MqttClient } from 'mqtt';
import type { Clock } from '../core/clock.js';
import { errorMessage } from '../core/errors.js';
import { sanitizeText } from '../scan/service/sanitize.js';

export interface MqttLinkOptions {
  url: string;
  username?: string;
  password?: string;
  clientId: string;
  availabilityTopic: string;
  reconnectPeriodMs: number;
  connectTimeoutMs: number;
  keepaliveSeconds: number;
  clock: Clock;
}

export interface MqttLinkEvents {
  /** Connected (again); `online` is already published. */
  onConnect: () => void;
  onMessage: (topic: string, payload: Buffer, retained: boolean) => void;
  onDisconnect: (reason: string | undefined) => void;
}

export interface MqttLink {
  /** The broker URL without credentials. */
  readonly broker: string;
  readonly connected: boolean;
  readonly connects: number;
  readonly lastError: string | undefined;
  /** Starts connecting (returns at once). */
  open(): void;
  /** Publishes `offline` when connected, then disconnects; bounded by timeoutMs. */
  close(timeoutMs: number): Promise<void>;
  /** Publishes; rejects when not connected. */
  publish(topic: string, payload: string, opts: { retain: boolean; qos: 0 | 1 }): Promise<void>;
  subscribe(filters: string[]): Promise<void>;
  unsubscribe(filters: string[]): Promise<void>;
}

/** `url` without user info (safe to show), and the user info it carried. */
export function splitCredentials(url: string): { broker: string; username?: string; password?: string } {
  try {
    const u = new URL(url);
    const username = u.username ? decodeURIComponent(u.username) : undefined;
    const password = u.password ? decodeURIComponent(u.password) : undefined;
    u.username = '';
    u.password = '';
    return { broker: u.toString().replace(/\/$/, ''), username, password };
  } catch {
    return { broker: '(invalid URL)' };
  }
}

/** Bounded, sanitised error text (never the password: mqtt.js errors do not carry it, and URLs are split first). */
export function linkError(err: unknown): string {
  return sanitizeText(errorMessage(err), 200);
}

/** Creates the link; nothing happens until open(). */
export function createMqttLink(o: MqttLinkOptions, events: MqttLinkEvents): MqttLink {
  const split = splitCredentials(o.url);
  let client: MqttClient | undefined;
  let connects = 0;
  let lastError: string | undefined;
  const ready = () => client !== undefined && client.connected;

  return {
    broker: split.broker,
    get connected() {
      return ready();
    },
    get connects() {
      return connects;
    },
    get lastError() {
      return lastError;
    },
    open() {
      if (client) return;
      const username = o.username || split.username;
      const password = o.password || split.password;
      const options: IClientOptions = {
        clientId: o.clientId,
        clean: true,
        keepalive: o.keepaliveSeconds,
        reconnectPeriod: o.reconnectPeriodMs,
        connectTimeout: o.connectTimeoutMs,
        queueQoSZero: false,
        resubscribe: false,
        protocolVersion: 4,
        will: { topic: o.availabilityTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
        ...(username ? { username } : {}),
        ...(password ? { password } : {}),
      };
      client = mqtt.connect(split.broker, options);
      const c = client;
      c.on('connect', () => {
        connects++;
        lastError = undefined;
        c.publish(o.availabilityTopic, 'online', { qos: 1, retain: true }, () => events.onConnect());
      });
      c.on('message', (topic, payload, packet) => events.onMessage(topic, payload, packet.retain === true));
      c.on('error', (err) => {
        lastError = linkError(err);
      });
      c.on('close', () => events.onDisconnect(lastError));
    },
    async close(timeoutMs) {
      const c = client;
      client = undefined;
      if (!c) return;
      c.removeAllListeners('close');
      const bounded = async <T>(p: Promise<T>): Promise<void> => {
        let timer: ReturnType<Clock['setTimeout']> | undefined;
        const late = new Promise<void>((resolve) => {
          timer = o.clock.setTimeout(resolve, timeoutMs);
        });
        try {
          await Promise.race([p, late]);
        } catch {
          /* closing anyway */
        } finally {
          if (timer) o.clock.clearTimeout(timer);
        }
      };
      if (c.connected) await bounded(c.publishAsync(o.availabilityTopic, 'offline', { qos: 1, retain: true }));
      await bounded(c.endAsync());
      c.end(true);
    },
    async publish(topic, payload, opts) {
      if (!client || !client.connected) throw new Error('MQTT not connected');
      await client.publishAsync(topic, payload, opts);
    },
    async subscribe(filters) {
      if (!client || !client.connected) throw new Error('MQTT not connected');
      const map: ISubscriptionMap = {};
      for (const f of filters) map[f] = { qos: 1 };
      await client.subscribeAsync(map);
    },
    async unsubscribe(filters) {
      if (!client || !client.connected) return;
      await client.unsubscribeAsync(filters);
    },
  };
}
