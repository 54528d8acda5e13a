/**
 * Test kit for the Home Assistant tests (no production code imports it). Rules: every peer
 * (aedes broker, Debian's mosquitto, the fake Home Assistant WebSocket server, the fake
 * Supervisor) listens on 127.0.0.1 on a port the OS picks and is closed by the test that
 * started it (NETWORK RULE); waiting is bounded (waitFor throws with what it waited for).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Finding } from '../findings/types.js';
import type { ExporterSummary, HomeAssistantSources, InventoryDeviceView, NvdKeywordView } from './sources.js';

/** Polls `check` every 20 ms until it returns a value other than undefined/false; throws after timeoutMs. */
export async function waitFor<T>(check: () => T | undefined | false, what: string, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface TestBroker {
  url: string;
  port: number;
  /** Drops the connection of clients whose id starts with `prefix` without a DISCONNECT (the will fires). aedes only. */
  dropClients?(prefix: string): number;
  close(): Promise<void>;
}

/** An in-process aedes broker on loopback; `auth` makes it require that user and password. */
export async function startAedes(auth?: { username: string; password: string }): Promise<TestBroker> {
  const { Aedes } = await import('aedes');
  const broker = await Aedes.createBroker({
    ...(auth
      ? {
          authenticate: (_c, user, pass, done) =>
            done(null, user === auth.username && pass !== undefined && pass.toString() === auth.password),
        }
      : {}),
  });
  const conns = new Map<string, { id: string; conn: net.Socket }>();
  broker.on('clientReady', (c) => conns.set(c.id, { id: c.id, conn: c.conn as net.Socket }));
  broker.on('clientDisconnect', (c) => conns.delete(c.id));
  const server = net.createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    dropClients(prefix) {
      let n = 0;
      for (const c of conns.values()) {
        if (c.id.startsWith(prefix)) {
          c.conn.destroy();
          n++;
        }
      }
      return n;
    },
    async close() {
      for (const c of conns.values()) c.conn.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}

export const MOSQUITTO = '/usr/sbin/mosquitto';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Debian's mosquitto on 127.0.0.1 (anonymous, no persistence), or undefined when the binary is absent. */
export async function startMosquitto(): Promise<TestBroker | undefined> {
  if (!fs.existsSync(MOSQUITTO)) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-mosquitto-'));
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\nlog_type error\n`);
  const proc: ChildProcess = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const end = Date.now() + 5000;
  while (!(await tcpOpen(port))) {
    if (proc.exitCode !== null || Date.now() > end) {
      proc.kill('SIGKILL');
      throw new Error(`mosquitto did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    async close() {
      proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => {
      sock.destroy();
      resolve(false);
    });
  });
}

export interface Seen {
  topic: string;
  payload: string;
  retain: boolean;
}

/** A plain MQTT client that records everything under `filters`. */
export interface Observer {
  client: MqttClient;
  messages: Seen[];
  /** Last payload per topic (deleted when an empty payload arrives). */
  last: Map<string, Seen>;
  publish(topic: string, payload: string, retain?: boolean): Promise<void>;
  close(): Promise<void>;
}

/** Connects an observer subscribed to `filters` (default everything). */
export async function observe(url: string, filters: string[] = ['#'], opts: { username?: string; password?: string } = {}): Promise<Observer> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, clean: true, ...opts });
  const messages: Seen[] = [];
  const last = new Map<string, Seen>();
  client.on('message', (topic, payload, packet) => {
    const seen = { topic, payload: payload.toString('utf8'), retain: packet.retain === true };
    messages.push(seen);
    if (seen.payload === '') last.delete(topic);
    else last.set(topic, seen);
  });
  await client.subscribeAsync(filters);
  return {
    client,
    messages,
    last,
    publish: async (topic, payload, retain = false) => {
      await client.publishAsync(topic, payload, { qos: 1, retain });
    },
    close: () => client.endAsync(),
  };
}

/** Reads every retained message under `filter` now: a fresh client, a short settle. */
export async function retained(url: string, filter = '#', settleMs = 150): Promise<Map<string, string>> {
  const o = await observe(url, [filter]);
  await new Promise((r) => setTimeout(r, settleMs));
  await o.close();
  const out = new Map<string, string>();
  for (const m of o.messages) if (m.retain) out.set(m.topic, m.payload);
  return out;
}

/** A world the sources read from; tests change it and call refresh(). */
export interface World {
  totalFlows: number;
  activeDevices: number;
  findings: Finding[];
  vulnCount: number;
  keywords: NvdKeywordView[];
  devices: InventoryDeviceView[];
}

/** A small world: 3 devices, 2 exporters' worth of listener health, 2 keywords. */
export function sampleWorld(): World {
  return {
    totalFlows: 1234,
    activeDevices: 3,
    findings: [],
    vulnCount: 2,
    keywords: [
      { keyword: 'OpenSSH', cves: 12, source: 'custom', fetchedMs: Date.UTC(2026, 0, 1) },
      { keyword: 'nginx', cves: 3, source: 'fingerprint', fetchedMs: Date.UTC(2026, 0, 2) },
    ],
    devices: [
      { id: 1, ip: '192.168.1.10', mac: 'AA:BB:CC:00:00:01', vendor: 'Acme', hostname: 'nas', role: 'nas', atRisk: true },
      { id: 2, ip: '192.168.1.11', mac: 'aa:bb:cc:00:00:02', hostname: 'phone', role: 'phone', atRisk: false },
      { id: 3, ip: '192.168.1.12', role: 'unknown', atRisk: false },
    ],
  };
}

/** Sources backed by `w`. */
export function sourcesOf(w: World): HomeAssistantSources {
  return {
    totalFlows: () => w.totalFlows,
    activeDevices: () => w.activeDevices,
    openFindings: () => w.findings.filter((f) => !f.dismissed && (f.severity === 'high' || f.severity === 'critical')).length,
    findings: () => w.findings,
    vulnCount: () => w.vulnCount,
    nvdKeywords: () => w.keywords,
    devices: () => w.devices,
    scanSummary: () => ({ hostsFound: 2, running: false, intervalSeconds: 300, lastScanMs: Date.UTC(2026, 0, 1), lastDurationMs: 4200, targets: 3, openPorts: 5, services: 4 }),
    collectorStats: () => ({ datagrams: 100, records: 900, decodeErrors: 1, dropped: 2, kernelDrops: 0, templates: 7 }),
    exporters: (): ExporterSummary[] => [
      { exporter: '192.168.1.1', versions: ['v9'], templates: 5, drops: { malformed: 1 } },
      { exporter: '192.168.1.2', versions: ['ipfix', 'v5'], templates: 2, drops: {} },
    ],
  };
}

/** A finding for tests. */
export function finding(over: Partial<Finding> = {}): Finding {
  return {
    key: 'port_scan:192.168.1.20',
    category: 'port_scan',
    severity: 'critical',
    sourceIp: '192.168.1.20',
    title: 'Port scan from 192.168.1.20',
    detail: 'detail',
    evidence: {},
    firstSeenMs: Date.UTC(2026, 0, 1),
    lastSeenMs: Date.UTC(2026, 0, 1),
    occurrences: 1,
    dismissed: false,
    ...over,
  };
}

export interface FakeHaState {
  entity_id: string;
  state: string;
  attributes: Record<string, unknown>;
}

/** A loopback server speaking Home Assistant's WebSocket protocol (auth, subscribe_entities, call_service, fire_event). */
export interface FakeHa {
  url: string;
  token: string;
  /** Current states; change them with set()/remove(). */
  states: Map<string, FakeHaState>;
  /** Every client message after auth. */
  received: Record<string, unknown>[];
  /** Tokens clients authenticated with (for the "which token" check). */
  authTokens: string[];
  connections: number;
  set(s: FakeHaState): void;
  remove(entityId: string): void;
  /** Sends raw text to every authenticated client. */
  sendRaw(text: string): void;
  /** Closes every client connection (they reconnect). */
  dropAll(): void;
  close(): Promise<void>;
}

/** Starts the fake Home Assistant; `token` is the only access token it accepts. */
export async function startFakeHa(token = 'test-long-lived-token', opts: { version?: string; path?: string } = {}): Promise<FakeHa> {
  const server = http.createServer();
  const wss = new WebSocketServer({ server, path: opts.path ?? '/api/websocket' });
  const states = new Map<string, FakeHaState>();
  const received: Record<string, unknown>[] = [];
  const authTokens: string[] = [];
  const subs = new Map<WebSocket, number>();
  const authed = new Set<WebSocket>();
  let connections = 0;
  const compressed = (s: FakeHaState) => ({ s: s.state, a: s.attributes, c: 'ctx', lc: 1767225600 });
  const push = (event: Record<string, unknown>) => {
    for (const [ws, id] of subs) ws.send(JSON.stringify({ id, type: 'event', event }));
  };
  wss.on('connection', (ws) => {
    connections++;
    ws.send(JSON.stringify({ type: 'auth_required', ha_version: opts.version ?? '2025.11.1' }));
    ws.on('close', () => {
      subs.delete(ws);
      authed.delete(ws);
    });
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as Record<string, unknown>;
      if (!authed.has(ws)) {
        if (msg.type !== 'auth') return ws.close();
        authTokens.push(String(msg.access_token));
        if (msg.access_token !== token) {
          ws.send(JSON.stringify({ type: 'auth_invalid', message: 'Invalid access token or password' }));
          return ws.close();
        }
        authed.add(ws);
        ws.send(JSON.stringify({ type: 'auth_ok', ha_version: opts.version ?? '2025.11.1' }));
        return;
      }
      received.push(msg);
      const id = msg.id as number;
      const result = (r: unknown = null) => ws.send(JSON.stringify({ id, type: 'result', success: true, result: r }));
      switch (msg.type) {
        case 'subscribe_entities':
          subs.set(ws, id);
          result();
          ws.send(JSON.stringify({ id, type: 'event', event: { a: Object.fromEntries([...states].map(([k, s]) => [k, compressed(s)])) } }));
          break;
        case 'unsubscribe_events':
        case 'call_service':
        case 'fire_event':
        case 'supported_features':
          result(msg.type === 'call_service' ? { context: { id: 'x' } } : null);
          break;
        case 'ping':
          ws.send(JSON.stringify({ id, type: 'pong' }));
          break;
        default:
          ws.send(JSON.stringify({ id, type: 'result', success: false, error: { code: 'unknown_command', message: 'Unknown command.' } }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    states,
    received,
    authTokens,
    get connections() {
      return connections;
    },
    set(s) {
      const existed = states.has(s.entity_id);
      states.set(s.entity_id, s);
      push(existed ? { c: { [s.entity_id]: { '+': { s: s.state, a: s.attributes } } } } : { a: { [s.entity_id]: compressed(s) } });
    },
    remove(entityId) {
      states.delete(entityId);
      push({ r: [entityId] });
    },
    sendRaw(text) {
      for (const ws of authed) ws.send(text);
    },
    dropAll() {
      for (const ws of wss.clients) ws.terminate();
    },
    async close() {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback stand-in for the Supervisor: GET /services/mqtt answers `answer` to `token`. */
export async function startFakeSupervisor(token: string, answer: () => { status: number; body: string }): Promise<{ url: string; requests: { url: string; authorization?: string }[]; close(): Promise<void> }> {
  const requests: { url: string; authorization?: string }[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ url: req.url ?? '', authorization: req.headers.authorization });
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"result":"error","message":"Unauthorized"}');
      return;
    }
    if (req.url !== '/services/mqtt') {
      res.writeHead(404).end();
      return;
    }
    const a = answer();
    res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const COMPONENT_REQUIRED: Record<string, string[]> = {
  sensor: ['state_topic'],
  binary_sensor: ['state_topic'],
  button: ['command_topic'],
  event: ['state_topic', 'event_types'],
  device_tracker: ['state_topic'],
};

/**
 * Problems of one discovery message against Home Assistant's documented MQTT discovery
 * schema (mqtt.markdown and the per-platform pages): topic shape, JSON dict payload,
 * unique_id, device block, availability, origin, the platform's required keys, enum values.
 */
export function discoveryProblems(topic: string, payload: string, prefix = 'homeassistant'): string[] {
  const p: string[] = [];
  const m = new RegExp(`^${prefix}/([a-z_]+)/([a-zA-Z0-9_-]+)/([a-zA-Z0-9_-]+)/config$`).exec(topic);
  if (!m) return [`topic ${topic} is not <prefix>/<component>/<node_id>/<object_id>/config`];
  const component = m[1] as string;
  const required = COMPONENT_REQUIRED[component];
  if (!required) return [`unexpected component ${component}`];
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(payload) as Record<string, unknown>;
  } catch {
    return ['payload is not JSON'];
  }
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return ['payload is not a JSON dict'];
  for (const k of required) if (c[k] === undefined) p.push(`${component} needs ${k}`);
  if (typeof c.unique_id !== 'string' || c.unique_id === '') p.push('unique_id missing');
  const dev = c.device as Record<string, unknown> | undefined;
  if (!dev || typeof dev !== 'object') p.push('device block missing');
  else {
    const ids = dev.identifiers;
    if (!(typeof ids === 'string' || (Array.isArray(ids) && ids.length > 0 && ids.every((i) => typeof i === 'string')))) p.push('device.identifiers missing');
    if (typeof dev.name !== 'string' || dev.name === '') p.push('device.name missing');
    if (dev.connections !== undefined && !(Array.isArray(dev.connections) && dev.connections.every((x) => Array.isArray(x) && x.length === 2))) p.push('device.connections malformed');
  }
  if (c.availability !== undefined && c.availability_topic !== undefined) p.push('availability and availability_topic together');
  const av = c.availability as { topic?: unknown; payload_available?: unknown; payload_not_available?: unknown }[] | undefined;
  if (!Array.isArray(av) || av.length === 0 || av.some((a) => typeof a.topic !== 'string')) p.push('availability list missing');
  if (c.availability_mode !== undefined && !['all', 'any', 'latest'].includes(String(c.availability_mode))) p.push('bad availability_mode');
  const origin = c.origin as { name?: unknown } | undefined;
  if (origin !== undefined && (typeof origin !== 'object' || typeof origin.name !== 'string')) p.push('origin.name missing');
  if (c.state_class !== undefined && !['measurement', 'total', 'total_increasing'].includes(String(c.state_class))) p.push('bad state_class');
  if (c.entity_category !== undefined && !['config', 'diagnostic'].includes(String(c.entity_category))) p.push('bad entity_category');
  if (component === 'event' && !(Array.isArray(c.event_types) && c.event_types.length > 0)) p.push('event_types empty');
  if (component === 'device_tracker' && c.source_type !== undefined && !['gps', 'router', 'bluetooth', 'bluetooth_le'].includes(String(c.source_type))) p.push('bad source_type');
  for (const k of ['state_topic', 'command_topic', 'json_attributes_topic']) {
    const t = c[k];
    if (t !== undefined && (typeof t !== 'string' || /[+#]/.test(t) || t === '')) p.push(`${k} is not a plain topic`);
  }
  return p;
}
