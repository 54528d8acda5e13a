/**
 * The WebSocket link to Home Assistant Core (home-assistant-js-websocket over `ws`). Rules:
 * the socket is made here, not by the library (Node 20 has no global WebSocket, and the add-on
 * URL ws://supervisor/core/websocket is not the library's /api/websocket): it speaks the
 * documented auth phase (server auth_required → client auth with the token → auth_ok or
 * auth_invalid) within a deadline, caps frames at maxPayloadBytes, and guards the library's
 * message handlers so a malformed frame is counted, never thrown into the process. A refused
 * token stops the link (it will not pass by retrying); other failures retry with a growing
 * delay on the injected clock (the library reconnects a dropped link on its own timer and
 * re-subscribes). device_tracker states come from subscribe_entities; changes are coalesced
 * (trackerDebounceMs) and onTrackers hears a new list only when it differs. The token
 * never appears in status, logs or errors.
 */
import {
  callService as haCallService,
  createConnection,
  ERR_CANNOT_CONNECT,
  ERR_INVALID_AUTH,
  subscribeEntities,
  type Connection,
  type HaWebSocket,
  type HassEntities,
} from 'home-assistant-js-websocket';
import WebSocket from 'ws';
import type { Clock, TimerHandle } from '../core/clock.js';
import { errorMessage } from '../core/errors.js';
import type { Service } from '../core/lifecycle.js';
import { cleanText } from './sources.js';
import { trackersFrom, type TrackerInfo } from './trackers.js';

export interface HaWebSocketOptions {
  /** ws:// or wss:// URL of the WebSocket API. */
  url: string;
  token: string;
  clock: Clock;
  connectTimeoutMs?: number;
  /** First retry delay after a failed connect (doubles up to maxRetryMs). */
  retryMs?: number;
  maxRetryMs?: number;
  maxPayloadBytes?: number;
  trackerDebounceMs?: number;
  /** Subscribe to entities for tracker enrichment. */
  trackers: boolean;
}

export interface HaWebSocketEvents {
  onTrackers?: (trackers: TrackerInfo[]) => void;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export type HaLinkState = 'off' | 'connecting' | 'connected' | 'disconnected' | 'auth_failed';

export interface HaWebSocketStatus {
  state: HaLinkState;
  url: string;
  haVersion?: string;
  trackers: number;
  trackerUpdates: number;
  badFrames: number;
  lastError?: string;
}

export interface HaWebSocketLink extends Service {
  status(): HaWebSocketStatus;
  readonly connected: boolean;
  /** The current trackers (see trackers.ts). */
  trackers(): TrackerInfo[];
  /** Calls a Home Assistant service; rejects when not connected. */
  callService(domain: string, service: string, data: Record<string, unknown>): Promise<unknown>;
  /** Fires an event on Home Assistant's bus; rejects when not connected. */
  fireEvent(eventType: string, data: Record<string, unknown>): Promise<unknown>;
}

/** The WebSocket API URL for an `ha_url` (http(s)://host:8123 → ws(s)://host:8123/api/websocket; ws(s) kept). */
export function webSocketUrl(haUrl: string): string {
  const u = new URL(haUrl);
  if (u.protocol === 'ws:' || u.protocol === 'wss:') return u.toString();
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/api/websocket`;
  u.search = '';
  u.hash = '';
  return u.toString();
}

type Listener = (ev: unknown) => void;

/**
 * Wraps the socket's message listeners so one that throws (the library parses every frame
 * with JSON.parse and trusts its shape) is counted instead of crashing the process.
 */
function guardListeners(ws: WebSocket, onBad: () => void): void {
  const wrapped = new Map<Listener, Listener>();
  const add = ws.addEventListener.bind(ws) as (type: string, l: Listener) => void;
  const remove = ws.removeEventListener.bind(ws) as (type: string, l: Listener) => void;
  (ws as unknown as { addEventListener: (type: string, l: Listener) => void }).addEventListener = (type, l) => {
    if (type !== 'message') return add(type, l);
    const g: Listener = (ev) => {
      try {
        l(ev);
      } catch {
        onBad();
      }
    };
    wrapped.set(l, g);
    add(type, g);
  };
  (ws as unknown as { removeEventListener: (type: string, l: Listener) => void }).removeEventListener = (type, l) => {
    const g = wrapped.get(l);
    wrapped.delete(l);
    remove(type, g ?? l);
  };
}

const NAME = /^[a-z0-9_]{1,64}$/;

/** Creates the link; nothing happens until start(). */
export function createHaWebSocket(o: HaWebSocketOptions, events: HaWebSocketEvents): HaWebSocketLink {
  const connectTimeoutMs = o.connectTimeoutMs ?? 10_000;
  const maxRetryMs = o.maxRetryMs ?? 300_000;
  let state: HaLinkState = 'off';
  let conn: Connection | undefined;
  let stopped = true;
  let retryTimer: TimerHandle | undefined;
  let retryDelay = o.retryMs ?? 5_000;
  let trackerTimer: TimerHandle | undefined;
  let pendingEntities: HassEntities | undefined;
  let current: TrackerInfo[] = [];
  let currentKey = '[]';
  let trackerUpdates = 0;
  let badFrames = 0;
  let haVersion: string | undefined;
  let lastError: string | undefined;
  const shownUrl = (() => {
    const u = new URL(o.url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString();
  })();

  const makeSocket = (): Promise<HaWebSocket> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(o.url, { maxPayload: o.maxPayloadBytes ?? 32 * 1024 * 1024, handshakeTimeout: connectTimeoutMs, followRedirects: false, perMessageDeflate: false });
      // An 'error' without a listener would throw; errors are always followed by 'close'.
      ws.on('error', (err) => {
        lastError = cleanText(errorMessage(err), 200);
      });
      let settled = false;
      const finish = (err?: number) => {
        if (settled) return;
        settled = true;
        o.clock.clearTimeout(timer);
        ws.off('message', onAuthMessage);
        ws.off('close', onEarlyClose);
        if (err !== undefined) {
          ws.terminate();
          reject(err);
          return;
        }
        guardListeners(ws, () => badFrames++);
        resolve(Object.assign(ws, { haVersion: haVersion ?? '' }) as unknown as HaWebSocket);
      };
      const timer = o.clock.setTimeout(() => {
        lastError = `no auth_ok within ${connectTimeoutMs} ms`;
        finish(ERR_CANNOT_CONNECT);
      }, connectTimeoutMs);
      const onEarlyClose = () => finish(ERR_CANNOT_CONNECT);
      const onAuthMessage = (data: WebSocket.RawData, isBinary: boolean) => {
        let msg: { type?: unknown; ha_version?: unknown };
        try {
          msg = isBinary ? {} : (JSON.parse(data.toString()) as typeof msg);
        } catch {
          badFrames++;
          return finish(ERR_CANNOT_CONNECT);
        }
        if (msg?.type === 'auth_required') ws.send(JSON.stringify({ type: 'auth', access_token: o.token }));
        else if (msg?.type === 'auth_ok') {
          haVersion = cleanText(msg.ha_version, 32);
          finish();
        } else if (msg?.type === 'auth_invalid') finish(ERR_INVALID_AUTH);
      };
      ws.on('message', onAuthMessage);
      ws.on('close', onEarlyClose);
    });

  const deliverTrackers = () => {
    trackerTimer = undefined;
    const ents = pendingEntities;
    pendingEntities = undefined;
    if (!ents) return;
    const list = trackersFrom(ents);
    const key = JSON.stringify(list);
    if (key === currentKey) return;
    current = list;
    currentKey = key;
    trackerUpdates++;
    try {
      events.onTrackers?.(list);
    } catch (err) {
      events.log.warn({ err: errorMessage(err) }, 'tracker enrichment failed');
    }
  };

  const onEntities = (ents: HassEntities) => {
    pendingEntities = ents;
    trackerTimer ??= o.clock.setTimeout(deliverTrackers, o.trackerDebounceMs ?? 1000);
  };

  const authFailed = () => {
    state = 'auth_failed';
    lastError = 'Home Assistant refused the access token';
    events.log.warn({ url: shownUrl }, 'Home Assistant refused the access token; the WebSocket link stays off until the token is fixed');
  };

  const connect = async (): Promise<void> => {
    retryTimer = undefined;
    if (stopped) return;
    state = 'connecting';
    let c: Connection;
    try {
      c = await createConnection({ createSocket: makeSocket, setupRetry: 0 });
    } catch (err) {
      if (stopped) return;
      if (err === ERR_INVALID_AUTH) return authFailed();
      state = 'disconnected';
      lastError ??= 'cannot connect';
      retryTimer = o.clock.setTimeout(() => void connect(), retryDelay);
      retryDelay = Math.min(retryDelay * 2, maxRetryMs);
      return;
    }
    if (stopped) {
      c.close();
      return;
    }
    conn = c;
    state = 'connected';
    lastError = undefined;
    retryDelay = o.retryMs ?? 5_000;
    events.log.info({ url: shownUrl, haVersion }, 'connected to Home Assistant');
    c.addEventListener('ready', () => {
      state = 'connected';
    });
    c.addEventListener('disconnected', () => {
      state = 'disconnected';
    });
    c.addEventListener('reconnect-error', () => {
      c.close();
      authFailed();
    });
    if (o.trackers) subscribeEntities(c, onEntities);
  };

  const live = (): Connection => {
    if (!conn || state !== 'connected' || !conn.connected) throw new Error('Home Assistant WebSocket link is not connected');
    return conn;
  };

  return {
    async start() {
      // Connecting may take connectTimeoutMs and retries forever: never hold up start-up.
      stopped = false;
      void connect();
    },
    async stop() {
      stopped = true;
      if (retryTimer) o.clock.clearTimeout(retryTimer);
      if (trackerTimer) o.clock.clearTimeout(trackerTimer);
      retryTimer = trackerTimer = undefined;
      conn?.close();
      conn = undefined;
      if (state !== 'auth_failed') state = 'off';
    },
    get connected() {
      return state === 'connected' && conn?.connected === true;
    },
    status() {
      return {
        state,
        url: shownUrl,
        ...(haVersion ? { haVersion } : {}),
        trackers: current.length,
        trackerUpdates,
        badFrames,
        ...(lastError ? { lastError } : {}),
      };
    },
    trackers: () => current,
    async callService(domain, service, data) {
      if (!NAME.test(domain) || !NAME.test(service)) throw new Error('invalid service name');
      return haCallService(live(), domain, service, data);
    },
    async fireEvent(eventType, data) {
      if (!NAME.test(eventType)) throw new Error('invalid event type');
      return live().sendMessagePromise({ type: 'fire_event', event_type: eventType, event_data: data });
    },
  };
}
