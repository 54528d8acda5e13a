/**
 * Live updates for the dashboard over Server-Sent Events (GET /api/events). Rules:
 * - Bus events map to topics (findings, devices, scan, vulnerabilities, blocking); watched values
 *   (flow total, collector datagrams, intel counters) are polled every `pollMs` and raise
 *   their topic when they change. Topics are coalesced: each client gets at most one
 *   `event: update` per `coalesceMs`, naming every topic raised since its last message.
 * - A `: ping` comment every `heartbeatMs` keeps proxies from closing idle streams.
 * - At most `maxClients` streams; further requests get 503 (the page falls back to polling).
 * - A stream is removed when its socket closes or fails; `close()` (on server close) ends
 *   every stream and stops the timers, so shutting down never waits on an open stream.
 * - Authentication is the auth plugin's (the route is under /api/); this module only
 *   writes topic names, never data.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { UpdateEvent, UpdateTopic } from './contract.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { EventBus, HomesecEvents } from '../core/events.js';

export interface LiveEventsOptions {
  maxClients: number;
  coalesceMs: number;
  heartbeatMs: number;
  pollMs: number;
}

export const LIVE_DEFAULTS: LiveEventsOptions = { maxClients: 32, coalesceMs: 1000, heartbeatMs: 15_000, pollMs: 5000 };

/** Which bus events raise which topics. */
export const EVENT_TOPICS: Partial<Record<keyof HomesecEvents, UpdateTopic[]>> = {
  'finding.new': ['findings'],
  'finding.updated': ['findings'],
  'device.new': ['devices'],
  'device.updated': ['devices'],
  'scan.completed': ['scan', 'devices'],
  'vuln.updated': ['vulnerabilities', 'devices'],
  'block.changed': ['blocking'],
};

export interface LiveEventsDeps {
  bus: EventBus;
  clock: Clock;
  /** Values polled every pollMs; a change raises the topic. */
  watch?: { topic: UpdateTopic; value: () => number | string }[];
}

export interface LiveEvents {
  /** Registers GET /api/events and the close hook on app. */
  routes(app: FastifyInstance): void;
  /** Raises topics (coalesced to every client). */
  raise(...topics: UpdateTopic[]): void;
  clients(): number;
  /** Ends every stream and stops timers and bus listeners. */
  close(): void;
}

interface Client {
  reply: FastifyReply;
  pending: Set<UpdateTopic>;
  lastSentMs: number;
  timer?: TimerHandle;
}

/** Creates the live-event hub; bus listeners and timers run from routes() (each server start) until close(). */
export function createLiveEvents(deps: LiveEventsDeps, options: Partial<LiveEventsOptions> = {}): LiveEvents {
  const o = { ...LIVE_DEFAULTS, ...options };
  const clients = new Set<Client>();
  const unsubscribe: (() => void)[] = [];
  let heartbeat: TimerHandle | undefined;
  let poll: TimerHandle | undefined;
  let started = false;
  let closed = false;
  const last = new Map<UpdateTopic, number | string>();

  const write = (c: Client, text: string): void => {
    try {
      c.reply.raw.write(text);
    } catch {
      drop(c);
    }
  };
  const drop = (c: Client): void => {
    if (!clients.delete(c)) return;
    if (c.timer) deps.clock.clearTimeout(c.timer);
    try {
      c.reply.raw.end();
    } catch {
      /* already gone */
    }
  };
  const flush = (c: Client): void => {
    c.timer = undefined;
    if (c.pending.size === 0 || !clients.has(c)) return;
    const body: UpdateEvent = { topics: [...c.pending].sort() };
    c.pending.clear();
    c.lastSentMs = deps.clock.now();
    write(c, `event: update\ndata: ${JSON.stringify(body)}\n\n`);
  };
  const raise = (...topics: UpdateTopic[]): void => {
    for (const c of clients) {
      for (const t of topics) c.pending.add(t);
      if (c.timer) continue;
      const wait = Math.max(0, c.lastSentMs + o.coalesceMs - deps.clock.now());
      c.timer = deps.clock.setTimeout(() => flush(c), wait);
    }
  };

  const armHeartbeat = () => {
    heartbeat = deps.clock.setTimeout(() => {
      for (const c of clients) write(c, ': ping\n\n');
      if (!closed) armHeartbeat();
    }, o.heartbeatMs);
  };
  const armPoll = () => {
    poll = deps.clock.setTimeout(() => {
      const raised: UpdateTopic[] = [];
      for (const w of deps.watch ?? []) {
        let v: number | string;
        try {
          v = w.value();
        } catch {
          continue;
        }
        if (last.has(w.topic) && last.get(w.topic) !== v) raised.push(w.topic);
        last.set(w.topic, v);
      }
      if (raised.length > 0 && clients.size > 0) raise(...raised);
      if (!closed) armPoll();
    }, o.pollMs);
  };

  const start = () => {
    if (started) return;
    started = true;
    for (const [event, topics] of Object.entries(EVENT_TOPICS) as [keyof HomesecEvents, UpdateTopic[]][]) {
      unsubscribe.push(deps.bus.on(event, () => raise(...topics)));
    }
    armHeartbeat();
    armPoll();
  };

  const close = (): void => {
    closed = true;
    started = false;
    for (const u of unsubscribe.splice(0)) u();
    if (heartbeat) deps.clock.clearTimeout(heartbeat);
    if (poll) deps.clock.clearTimeout(poll);
    heartbeat = poll = undefined;
    for (const c of [...clients]) drop(c);
  };

  return {
    raise,
    clients: () => clients.size,
    close,
    routes(app) {
      closed = false;
      start();
      app.addHook('preClose', async () => close());
      app.get('/api/events', { schema: { summary: 'Live updates (Server-Sent Events): `update` events naming the topics to refetch' } }, (req, reply) => {
        if (closed) return reply.code(503).send({ error: 'shutting down' });
        if (clients.size >= o.maxClients) return reply.code(503).send({ error: 'too many live-event clients; poll instead' });
        reply.hijack();
        const raw = reply.raw;
        // Security headers the auth plugin set on the reply are copied: hijack skips Fastify's send.
        const headers: Record<string, string | number | string[]> = {};
        for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = v as string | number | string[];
        raw.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
        const c: Client = { reply, pending: new Set(), lastSentMs: 0 };
        clients.add(c);
        raw.write(`retry: 5000\nevent: hello\ndata: ${JSON.stringify({ topics: [] } satisfies UpdateEvent)}\n\n`);
        req.raw.on('close', () => drop(c));
        raw.on('error', () => drop(c));
      });
    },
  };
}
