/**
 * The Supervisor's services API inside the Home Assistant add-on: the MQTT broker the
 * Mosquitto add-on provides (`services: mqtt:want` in config.yaml). Rules: one bounded GET
 * of `<base>/services/mqtt` with `Authorization: Bearer $SUPERVISOR_TOKEN` (deadline and
 * body cap from intel/http.ts); the answer is validated (host a hostname or IP, port
 * 1-65535 as number or string) before it becomes a broker URL; failures are typed and their
 * text never carries the token, the password or server text beyond a status code.
 */
import ipaddr from 'ipaddr.js';
import type { Clock } from '../core/clock.js';
import { httpGet } from '../intel/http.js';

/** Where the Supervisor answers inside an add-on. */
export const SUPERVISOR_URL = 'http://supervisor';
/** The Supervisor's proxy of Home Assistant Core's WebSocket API. */
export const SUPERVISOR_WS_URL = 'ws://supervisor/core/websocket';

export interface SupervisorMqtt {
  /** mqtt:// or mqtts:// URL without credentials. */
  url: string;
  username?: string;
  password?: string;
}

export type SupervisorResult = { ok: true; value: SupervisorMqtt } | { ok: false; error: string; retry: boolean };

export interface SupervisorOptions {
  /** Default SUPERVISOR_URL; tests point it at loopback. */
  baseUrl?: string;
  token: string;
  clock: Clock;
  timeoutMs?: number;
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*$/;

/** A broker URL from the Supervisor's answer body, or an error text. */
export function mqttFromServiceAnswer(body: unknown): { ok: true; value: SupervisorMqtt } | { ok: false; error: string } {
  const data = (body as { data?: unknown } | null)?.data;
  if (typeof data !== 'object' || data === null) return { ok: false, error: 'answer has no data object' };
  const d = data as Record<string, unknown>;
  const host = typeof d.host === 'string' ? d.host.trim() : '';
  const isIp = ipaddr.isValid(host);
  if (!isIp && !HOSTNAME.test(host)) return { ok: false, error: 'answer has no usable host' };
  const port = typeof d.port === 'number' ? d.port : typeof d.port === 'string' && /^\d{1,5}$/.test(d.port.trim()) ? Number(d.port) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { ok: false, error: 'answer has no usable port' };
  const ssl = d.ssl === true || d.ssl === 'true';
  const hostPart = isIp && ipaddr.parse(host).kind() === 'ipv6' ? `[${host}]` : host;
  const value: SupervisorMqtt = { url: `${ssl ? 'mqtts' : 'mqtt'}://${hostPart}:${port}` };
  if (typeof d.username === 'string' && d.username !== '') value.username = d.username.slice(0, 256);
  if (typeof d.password === 'string' && d.password !== '') value.password = d.password.slice(0, 1024);
  return { ok: true, value };
}

/**
 * Asks the Supervisor for the MQTT service. `retry` is true for failures that may pass (no
 * MQTT add-on yet, Supervisor busy, network), false for a refused token.
 */
export async function fetchSupervisorMqtt(o: SupervisorOptions): Promise<SupervisorResult> {
  const res = await httpGet(`${(o.baseUrl ?? SUPERVISOR_URL).replace(/\/+$/, '')}/services/mqtt`, {
    headers: { authorization: `Bearer ${o.token}`, accept: 'application/json' },
    timeoutMs: o.timeoutMs ?? 10_000,
    maxBytes: 64 * 1024,
    clock: o.clock,
  });
  if (!res.ok) return { ok: false, error: `Supervisor unreachable (${res.error.kind})`, retry: true };
  const status = res.value.status;
  if (status === 401 || status === 403) return { ok: false, error: `Supervisor refused the token (HTTP ${status})`, retry: false };
  if (status === 400 || status === 404) return { ok: false, error: `no MQTT service (HTTP ${status}): install and start the Mosquitto broker add-on`, retry: true };
  if (status !== 200) return { ok: false, error: `Supervisor answered HTTP ${status}`, retry: true };
  let body: unknown;
  try {
    body = JSON.parse(res.value.body.toString('utf8'));
  } catch {
    return { ok: false, error: 'Supervisor answer is not JSON', retry: true };
  }
  const parsed = mqttFromServiceAnswer(body);
  return parsed.ok ? parsed : { ...parsed, retry: true };
}
