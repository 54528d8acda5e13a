/**
 * Loopback stand-ins for the HTTP block targets, speaking their documented APIs (tests only;
 * no production code imports this). Rules: each keeps its own state so a test can edit it
 * "by hand" (as a person on the router would), checks credentials like the real thing
 * (OPNsense/MikroTik: HTTP Basic, 401; Pi-hole v6: session id from POST /api/auth, 401),
 * and can be told to stall (no answer: the client's deadline must end the call). They
 * listen on 127.0.0.1 only (test/support/http-server.ts).
 */
import type http from 'node:http';
import { sendBody, startTestServer, type SeenRequest, type TestServer } from '../../../test/support/http-server.js';

export interface FakePeer extends TestServer {
  /** When true, requests get no answer at all. */
  stall: boolean;
}

const basicOk = (seen: SeenRequest, user: string, pass: string) => seen.headers.authorization === `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

const jsonBody = (seen: SeenRequest): Record<string, unknown> => {
  try {
    const v = JSON.parse(seen.body) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

/** Starts a server whose handler sees `state`; the returned peer IS `state` (plus the server's fields). */
async function start<S extends object>(state: S, handle: (seen: SeenRequest, res: http.ServerResponse) => void): Promise<S & FakePeer> {
  const peer = Object.assign(state, { stall: false }) as S & FakePeer;
  const server = await startTestServer((seen, res) => {
    if (peer.stall) return;
    handle(seen, res);
  });
  return Object.assign(peer, server);
}

// ------------------------------------------------------------------ OPNsense

export interface FakeOpnsense extends FakePeer {
  /** The alias tables by name (pf table content as OPNsense lists it). */
  aliases: Map<string, Set<string>>;
  reconfigures: number;
  /** Answer list requests in the pre-24.x form (a plain array). */
  legacyList: boolean;
}

/** An OPNsense alias API (AliasUtilController + alias reconfigure) with key/secret Basic auth. */
export async function startFakeOpnsense(key: string, secret: string, aliases: string[]): Promise<FakeOpnsense> {
  const state = { aliases: new Map(aliases.map((a) => [a, new Set<string>()])), reconfigures: 0, legacyList: false };
  return start(state, (seen, res) => {
    if (!basicOk(seen, key, secret)) return sendBody(res, 401, { status: 401, message: 'Authentication Failed' });
    const m = /^\/api\/firewall\/alias_util\/(list|add|delete)\/([^/?]+)$/.exec(seen.url);
    if (seen.method === 'POST' && seen.url === '/api/firewall/alias/reconfigure') {
      state.reconfigures++;
      return sendBody(res, 200, { status: 'ok' });
    }
    if (!m) return sendBody(res, 404, { errorMessage: 'Endpoint not found' });
    const [, action, alias] = m as unknown as [string, string, string];
    const table = state.aliases.get(decodeURIComponent(alias));
    if (action === 'list' && seen.method === 'GET') {
      const rows = [...(table ?? [])].sort();
      return sendBody(res, 200, state.legacyList ? rows : { total: rows.length, rowCount: 9999, current: 1, rows: rows.map((ip) => ({ ip })) });
    }
    if (seen.method !== 'POST') return sendBody(res, 200, { status: 'failed' });
    const address = jsonBody(seen).address;
    if (typeof address !== 'string') return sendBody(res, 200, { status: 'failed' });
    if (/[^0-9a-f:./_]/.test(address)) return sendBody(res, 200, { status: 'not_an_address' });
    if (!table) return sendBody(res, 200, { status: 'failed', status_msg: `non existing alias ${alias}` });
    if (action === 'add') table.add(address);
    else table.delete(address);
    return sendBody(res, 200, { status: 'done' });
  });
}

// ------------------------------------------------------------------ MikroTik

export interface RosEntry {
  '.id': string;
  list: string;
  address: string;
  timeout?: string;
  comment?: string;
  dynamic: string;
  disabled: string;
  'creation-time': string;
}

export interface FakeMikrotik extends FakePeer {
  /** Address-list entries per family (values as RouterOS keeps them: strings). */
  lists: Record<'ip' | 'ipv6', RosEntry[]>;
  /** Addresses PUT refuses with 400 (e.g. to imitate a full table). */
  refuse: Set<string>;
  nextId: number;
}

/** A RouterOS v7 REST API for /ip/firewall/address-list and /ipv6/firewall/address-list. */
export async function startFakeMikrotik(user: string, password: string): Promise<FakeMikrotik> {
  const state = { lists: { ip: [] as RosEntry[], ipv6: [] as RosEntry[] }, refuse: new Set<string>(), nextId: 1 };
  return start(state, (seen, res) => {
    if (!basicOk(seen, user, password)) return sendBody(res, 401, { error: 401, message: 'Unauthorized' });
    const u = new URL(seen.url, 'http://x');
    const m = /^\/rest\/(ip|ipv6)\/firewall\/address-list(?:\/([^/]+))?$/.exec(u.pathname);
    if (!m) return sendBody(res, 400, { error: 400, message: 'Bad Request', detail: 'no such command' });
    const fam = m[1] as 'ip' | 'ipv6';
    const list = state.lists[fam];
    if (seen.method === 'GET' && !m[2]) {
      const filter = [...u.searchParams.entries()];
      return sendBody(res, 200, list.filter((e) => filter.every(([k, v]) => (e as unknown as Record<string, string>)[k] === v)));
    }
    if (seen.method === 'PUT' && !m[2]) {
      const b = jsonBody(seen);
      const address = String(b.address ?? '');
      if (state.refuse.has(address)) return sendBody(res, 400, { error: 400, message: 'Bad Request', detail: 'failure: table is full' });
      const stored = fam === 'ipv6' && !address.includes('/') ? `${address}/128` : address;
      if (list.some((e) => e.list === b.list && e.address === stored)) return sendBody(res, 400, { error: 400, message: 'Bad Request', detail: 'failure: already have such entry' });
      const e: RosEntry = {
        '.id': `*${(state.nextId++).toString(16).toUpperCase()}`,
        list: String(b.list),
        address: stored,
        ...(typeof b.timeout === 'string' ? { timeout: b.timeout } : {}),
        ...(typeof b.comment === 'string' ? { comment: b.comment } : {}),
        dynamic: typeof b.timeout === 'string' ? 'true' : 'false',
        disabled: 'false',
        'creation-time': '2026-01-01 00:00:00',
      };
      list.push(e);
      return sendBody(res, 201, e);
    }
    if (seen.method === 'DELETE' && m[2]) {
      const id = decodeURIComponent(m[2]);
      const i = list.findIndex((e) => e['.id'] === id);
      if (i < 0) return sendBody(res, 404, { error: 404, message: 'Not Found' });
      list.splice(i, 1);
      res.writeHead(204).end();
      return;
    }
    return sendBody(res, 400, { error: 400, message: 'Bad Request' });
  });
}

// ------------------------------------------------------------------ Pi-hole v6

export interface PiholeDomain {
  id: number;
  domain: string;
  unicode: string;
  type: 'allow' | 'deny';
  kind: 'exact' | 'regex';
  comment: string | null;
  groups: number[];
  enabled: boolean;
  date_added: number;
  date_modified: number;
}

export interface FakePihole extends FakePeer {
  domains: PiholeDomain[];
  sessions: Set<string>;
  logins: number;
  logouts: number;
}

/** A Pi-hole v6 FTL API: /api/auth sessions and /api/domains/{type}/{kind}. */
export async function startFakePihole(password: string): Promise<FakePihole> {
  const state = { domains: [] as PiholeDomain[], sessions: new Set<string>(), logins: 0, logouts: 0, nextId: 1 };
  return start(state, (seen, res) => {
    const u = new URL(seen.url, 'http://x');
    if (u.pathname === '/api/auth' && seen.method === 'POST') {
      state.logins++;
      if (jsonBody(seen).password !== password) return sendBody(res, 401, { session: { valid: false, totp: false, sid: null, validity: -1, message: 'password incorrect' }, took: 0.01 });
      const sid = `sid${state.logins}/x==`;
      state.sessions.add(sid);
      return sendBody(res, 200, { session: { valid: true, totp: false, sid, csrf: 'csrf', validity: 1800, message: 'password correct' }, took: 0.01 });
    }
    const sid = seen.headers['x-ftl-sid'];
    if (typeof sid !== 'string' || !state.sessions.has(sid)) return sendBody(res, 401, { error: { key: 'unauthorized', message: 'Unauthorized', hint: null }, took: 0 });
    if (u.pathname === '/api/auth' && seen.method === 'DELETE') {
      state.sessions.delete(sid);
      state.logouts++;
      res.writeHead(204).end();
      return;
    }
    const m = /^\/api\/domains\/(allow|deny)\/(exact|regex)(?:\/(.+))?$/.exec(u.pathname);
    if (!m) return sendBody(res, 404, { error: { key: 'not_found', message: 'Not found', hint: null }, took: 0 });
    const type = m[1] as 'allow' | 'deny';
    const kind = m[2] as 'exact' | 'regex';
    const item = m[3] === undefined ? undefined : decodeURIComponent(m[3]);
    if (seen.method === 'GET') return sendBody(res, 200, { domains: state.domains.filter((d) => d.type === type && d.kind === kind), took: 0.001 });
    if (seen.method === 'POST' && item === undefined) {
      const b = jsonBody(seen);
      const domain = String(b.domain ?? '');
      if (state.domains.some((d) => d.type === type && d.kind === kind && d.domain === domain)) {
        return sendBody(res, 201, { domains: [], processed: { errors: [{ item: domain, error: 'UNIQUE constraint failed: domainlist.domain, domainlist.type' }], success: [] }, took: 0 });
      }
      const d: PiholeDomain = { id: state.nextId++, domain, unicode: domain, type, kind, comment: typeof b.comment === 'string' ? b.comment : null, groups: [0], enabled: b.enabled !== false, date_added: 1, date_modified: 1 };
      state.domains.push(d);
      return sendBody(res, 201, { domains: [d], processed: { errors: [], success: [{ item: domain }] }, took: 0 });
    }
    if (seen.method === 'DELETE' && item !== undefined) {
      const i = state.domains.findIndex((d) => d.type === type && d.kind === kind && d.domain === item);
      if (i < 0) return sendBody(res, 404, { error: { key: 'not_found', message: 'Item not found', hint: null }, took: 0 });
      state.domains.splice(i, 1);
      res.writeHead(204).end();
      return;
    }
    return sendBody(res, 400, { error: { key: 'bad_request', message: 'Invalid request', hint: null }, took: 0 });
  });
}
