import { createHmac, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../core/clock.js';
import { parseChannel } from '../channel-config.js';
import type { Channel, SendResult } from '../channel.js';
import { alertMessage, digestMessage, findingRef, type NotifyMessage } from '../message.js';
import { createChannel } from '../registry.js';
import { finding, fixture, send, startServer, TG_TOKEN, type SeenRequest, type TestServer } from '../test-kit.js';

const clock = createSystemClock();
const XSS = '<img src=x onerror=alert(1)>';
let server: TestServer;
let reply: (req: SeenRequest, res: http.ServerResponse) => void = (_req, res) => send(res, 200, '{}');

beforeAll(async () => {
  server = await startServer((req, res) => reply(req, res));
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
});

const deps = () => ({ clock, timeoutMs: 2000, maxResponseBytes: 64 * 1024 });
const make = (raw: Record<string, unknown>): Channel => createChannel(parseChannel(raw), deps());
const last = () => server.requests[server.requests.length - 1] as SeenRequest;

function alert(severity: 'medium' | 'high' | 'critical' = 'high'): NotifyMessage {
  const f = finding({ key: 'port_scan:192.168.1.20', severity, title: `Port scan from ${XSS}`, detail: '40 ports in 60 s', atMs: Date.UTC(2026, 0, 1, 12) });
  return alertMessage(findingRef(f), { id: 'hs-0001', nowMs: Date.UTC(2026, 0, 1, 12, 0, 5), timeZone: 'UTC' });
}

function expectFailure(r: SendResult) {
  expect(r.ok).toBe(false);
  if (r.ok) throw new Error('unreachable');
  return r.error;
}

describe('Pushover', () => {
  const po = () => make({ name: 'po', type: 'pushover', token: 'SECRET-app-token', user: 'SECRET-user-key', api_url: `${server.url}/1/messages.json`, emergency_for_critical: true });

  it('POSTs the documented form fields with escaped HTML', async () => {
    reply = (_q, res) => send(res, 200, fixture('pushover-ok.json'));
    expect(await po().send(alert(), {})).toEqual({ ok: true });
    const q = last();
    expect(q.method).toBe('POST');
    expect(q.url).toBe('/1/messages.json');
    expect(q.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    const form = new URLSearchParams(q.body);
    expect(form.get('token')).toBe('SECRET-app-token');
    expect(form.get('user')).toBe('SECRET-user-key');
    expect(form.get('html')).toBe('1');
    expect(form.get('priority')).toBe('0');
    expect(form.get('title')).toBe(`HIGH: Port scan from ${XSS}`); // title is not HTML-parsed by Pushover
    expect(form.get('message')).toContain('40 ports in 60 s');
    expect(form.get('message')).not.toContain('<img');
    expect(form.get('timestamp')).toBe(String(Date.UTC(2026, 0, 1, 12, 0, 5) / 1000));
    expect(form.get('retry')).toBeNull();
  });

  it('critical with emergency_for_critical is priority 2 with retry and expire', async () => {
    reply = (_q, res) => send(res, 200, fixture('pushover-ok.json'));
    await po().send(alert('critical'), {});
    const form = new URLSearchParams(last().body);
    expect(form.get('priority')).toBe('2');
    expect(Number(form.get('retry'))).toBeGreaterThanOrEqual(30);
    expect(Number(form.get('expire'))).toBeLessThanOrEqual(10800);
  });

  it('invalid token is permanent, the monthly limit (429) waits; no secret in the detail', async () => {
    reply = (_q, res) => send(res, 400, fixture('pushover-invalid-token.json'));
    const e = expectFailure(await po().send(alert(), {}));
    expect(e).toMatchObject({ kind: 'rejected', permanent: true });
    expect(e.detail).toBe('HTTP 400: application token is invalid, see https://pushover.net/api');
    reply = (_q, res) => send(res, 429, fixture('pushover-limit.json'), { 'retry-after': '3600' });
    const r = expectFailure(await po().send(alert(), {}));
    expect(r).toMatchObject({ kind: 'rate_limited', permanent: false, retryAfterMs: 3_600_000 });
  });
});

describe('ntfy', () => {
  const nt = (token = '') => make({ name: 'nt', type: 'ntfy', url: server.url, topic: 'homesec-alerts', token, min_severity: 'low' });

  it('publishes JSON to the server root with topic, title, message, priority and tags', async () => {
    reply = (_q, res) => send(res, 200, fixture('ntfy-ok.json'));
    expect(await nt('tk_SECRET').send(alert('critical'), {})).toEqual({ ok: true });
    const q = last();
    expect(q.url).toBe('/');
    expect(q.headers['content-type']).toBe('application/json');
    expect(q.headers.authorization).toBe('Bearer tk_SECRET');
    expect(q.headers['x-title']).toBeUndefined(); // nothing attacker-controlled in headers
    const j = JSON.parse(q.body) as Record<string, unknown>;
    expect(j).toMatchObject({ topic: 'homesec-alerts', title: `CRITICAL: Port scan from ${XSS}`, priority: 5, markdown: false, tags: ['rotating_light', 'homesec'] });
    expect(j.message).toContain('Device: 192.168.1.20');
  });

  it('no token: no Authorization header; 429 waits', async () => {
    reply = (_q, res) => send(res, 429, fixture('ntfy-429.json'));
    const e = expectFailure(await nt().send(alert(), {}));
    expect(last().headers.authorization).toBeUndefined();
    expect(e).toMatchObject({ kind: 'rate_limited', permanent: false, retryAfterMs: 60_000 });
    expect(e.detail).toContain('limit reached');
  });
});

describe('Gotify', () => {
  const go = () => make({ name: 'go', type: 'gotify', url: `${server.url}/`, token: 'SECRET-gotify-app' });

  it('POSTs /message with X-Gotify-Key and JSON title, message, priority, plain-text extras', async () => {
    reply = (_q, res) => send(res, 200, fixture('gotify-ok.json'));
    expect(await go().send(alert('high'), {})).toEqual({ ok: true });
    const q = last();
    expect(q.url).toBe('/message'); // token never in the query string
    expect(q.headers['x-gotify-key']).toBe('SECRET-gotify-app');
    const j = JSON.parse(q.body) as Record<string, unknown>;
    expect(j).toMatchObject({ title: `HIGH: Port scan from ${XSS}`, priority: 7, extras: { 'client::display': { contentType: 'text/plain' } } });
  });

  it('401 is an auth failure, permanent', async () => {
    reply = (_q, res) => send(res, 401, fixture('gotify-401.json'));
    const e = expectFailure(await go().send(alert(), {}));
    expect(e).toMatchObject({ kind: 'auth', permanent: true });
    expect(e.detail).toContain('valid access token');
  });
});

describe('Telegram', () => {
  const tg = () => make({ name: 'tg', type: 'telegram', bot_token: TG_TOKEN, chat_id: '-100123456', api_url: server.url });

  it('POSTs sendMessage with chat_id, escaped HTML text and parse_mode HTML', async () => {
    reply = (_q, res) => send(res, 200, fixture('telegram-ok.json'));
    expect(await tg().send(alert(), {})).toEqual({ ok: true });
    const q = last();
    expect(q.url).toBe(`/bot${TG_TOKEN}/sendMessage`);
    const j = JSON.parse(q.body) as Record<string, unknown>;
    expect(j).toMatchObject({ chat_id: -100123456, parse_mode: 'HTML', disable_notification: false, link_preview_options: { is_disabled: true } });
    expect(j.text).toMatch(/^<b>HIGH: Port scan from &lt;img src=x onerror=alert\(1\)&gt;<\/b>/);
    expect(j.text).not.toContain('<img');
  });

  it('429 waits parameters.retry_after; a bad token is permanent; neither detail holds the token', async () => {
    reply = (_q, res) => send(res, 429, fixture('telegram-429.json'));
    const rate = expectFailure(await tg().send(alert(), {}));
    expect(rate).toMatchObject({ kind: 'rate_limited', retryAfterMs: 34_000, permanent: false });
    reply = (_q, res) => send(res, 401, fixture('telegram-401.json'));
    const auth = expectFailure(await tg().send(alert(), {}));
    expect(auth).toMatchObject({ kind: 'auth', permanent: true });
    reply = (_q, res) => send(res, 404, '{"ok":false,"error_code":404,"description":"Not Found"}');
    expect(expectFailure(await tg().send(alert(), {}))).toMatchObject({ kind: 'auth', permanent: true });
    reply = (_q, res) => send(res, 400, fixture('telegram-400-entities.json'));
    expect(expectFailure(await tg().send(alert(), {}))).toMatchObject({ kind: 'rejected', permanent: true });
    for (const e of [rate, auth]) expect(e.detail).not.toContain(TG_TOKEN.split(':')[1] as string);
  });

  it('a provider echoing the token gets it scrubbed', async () => {
    reply = (_q, res) => send(res, 500, JSON.stringify({ ok: false, description: `internal error for bot${TG_TOKEN}` }));
    const e = expectFailure(await tg().send(alert(), {}));
    expect(e.kind).toBe('server');
    expect(e.detail).not.toContain('SECRET');
    expect(e.detail).toContain('***');
  });

  it('a connection refused or a stalled server is retryable and never shows the URL', async () => {
    const dead = make({ name: 'tg', type: 'telegram', bot_token: TG_TOKEN, chat_id: '@homechannel', api_url: 'http://127.0.0.1:1' });
    const e = expectFailure(await dead.send(alert(), {}));
    expect(e).toMatchObject({ kind: 'network', permanent: false });
    expect(e.detail).not.toContain('SECRET');
    reply = () => {}; // never answers
    const slow = createChannel(parseChannel({ name: 'tg', type: 'telegram', bot_token: TG_TOKEN, chat_id: '1', api_url: server.url }), { ...deps(), timeoutMs: 200 });
    expect(expectFailure(await slow.send(alert(), {}))).toMatchObject({ kind: 'timeout', permanent: false });
  });
});

describe('webhook', () => {
  const KEY = 'SECRET-hmac-key';
  const hook = (hmac = KEY) => make({ name: 'hook', type: 'webhook', url: `${server.url}/hooks/homesec`, hmac_key: hmac });

  it('POSTs JSON with delivery id headers and a verifiable HMAC-SHA256 signature of the body', async () => {
    reply = (_q, res) => send(res, 204, '');
    const m = digestMessage([findingRef(finding({ key: 'port_scan:192.168.1.20', title: XSS }))], {
      id: 'hs-digest-7',
      nowMs: Date.UTC(2026, 0, 1, 7),
      timeZone: 'Europe/Berlin',
      quietHours: '22:00-07:00',
    });
    expect(await hook().send(m, {})).toEqual({ ok: true });
    const q = last();
    expect(q.url).toBe('/hooks/homesec');
    expect(q.headers['content-type']).toBe('application/json');
    expect(q.headers['x-homesec-delivery']).toBe('hs-digest-7');
    expect(q.headers['idempotency-key']).toBe('hs-digest-7');
    expect(q.headers['x-homesec-event']).toBe('digest');
    const sig = String(q.headers['x-homesec-signature-256']);
    const expected = `sha256=${createHmac('sha256', KEY).update(q.body).digest('hex')}`;
    expect(timingSafeEqual(Buffer.from(sig), Buffer.from(expected))).toBe(true);
    const j = JSON.parse(q.body) as { id: string; kind: string; findings: { key: string; source_ip: string; title: string }[]; text: string };
    expect(j).toMatchObject({ id: 'hs-digest-7', kind: 'digest', time_zone: 'Europe/Berlin' });
    expect(j.findings[0]).toMatchObject({ key: 'port_scan:192.168.1.20', source_ip: '192.168.1.20', title: XSS });
    // a tampered body no longer matches
    expect(createHmac('sha256', KEY).update(q.body.replace('digest', 'alert')).digest('hex')).not.toBe(expected.slice(7));
  });

  it('without a key the delivery is unsigned; redirects are refused; 410 is permanent, 503 retries', async () => {
    reply = (_q, res) => send(res, 200, '{}');
    await hook('').send(alert(), {});
    expect(last().headers['x-homesec-signature-256']).toBeUndefined();
    reply = (_q, res) => send(res, 302, '', { location: 'http://127.0.0.1:1/elsewhere' });
    expect(expectFailure(await hook().send(alert(), {}))).toMatchObject({ kind: 'network', permanent: false });
    reply = (_q, res) => send(res, 410, 'gone');
    expect(expectFailure(await hook().send(alert(), {}))).toMatchObject({ kind: 'rejected', permanent: true });
    reply = (_q, res) => send(res, 503, '<html>down</html>', { 'content-type': 'text/html' });
    expect(expectFailure(await hook().send(alert(), {}))).toMatchObject({ kind: 'server', permanent: false, detail: 'HTTP 503' });
  });

  it('a 2xx with a huge body still counts as delivered (a resend would duplicate it)', async () => {
    reply = (_q, res) => send(res, 200, 'x'.repeat(200 * 1024));
    expect(await hook().send(alert(), {})).toEqual({ ok: true });
  });
});

describe('Apprise API', () => {
  it('with a key: POST /notify/<key> {title, body, type, format, tag}', async () => {
    reply = (_q, res) => send(res, 200, 'Notification(s) sent.', { 'content-type': 'text/plain' });
    const ap = make({ name: 'ap', type: 'apprise', url: `${server.url}/`, key: 'homesec_1', tag: 'family' });
    expect(await ap.send(alert('critical'), {})).toEqual({ ok: true });
    const q = last();
    expect(q.url).toBe('/notify/homesec_1');
    expect(q.headers['content-type']).toBe('application/json');
    const j = JSON.parse(q.body) as Record<string, unknown>;
    expect(j).toMatchObject({ title: `CRITICAL: Port scan from ${XSS}`, type: 'failure', format: 'text', tag: 'family' });
    expect(j.urls).toBeUndefined();
    expect(j.body).toContain('40 ports in 60 s');
  });

  it('stateless: POST /notify/ with urls; 424 (a target failed) retries', async () => {
    reply = (_q, res) => send(res, 424, fixture('apprise-424.txt'), { 'content-type': 'text/plain' });
    const ap = make({ name: 'ap', type: 'apprise', url: server.url, urls: 'tgram://SECRET-bot/123' });
    const e = expectFailure(await ap.send(alert('medium'), {}));
    expect(e).toMatchObject({ kind: 'server', permanent: false });
    const q = last();
    expect(q.url).toBe('/notify/');
    const j = JSON.parse(q.body) as Record<string, unknown>;
    expect(j).toMatchObject({ urls: 'tgram://SECRET-bot/123', type: 'info' });
    expect(j.tag).toBeUndefined();
  });
});

describe('Home Assistant notify', () => {
  it('calls notify.<service> through the injected link with title, plain message and a replace tag', async () => {
    const calls: [string, string, Record<string, unknown>][] = [];
    const ch = createChannel(parseChannel({ name: 'ha', type: 'homeassistant', service: 'notify.mobile_app_pixel_7' }), {
      ...deps(),
      callService: async (d, s, data) => {
        calls.push([d, s, data]);
      },
    });
    expect(ch.available()).toBe(true);
    expect(await ch.send(alert(), {})).toEqual({ ok: true });
    expect(calls).toHaveLength(1);
    const [domain, service, data] = calls[0]!;
    expect([domain, service]).toEqual(['notify', 'mobile_app_pixel_7']);
    expect(data).toMatchObject({ title: `HIGH: Port scan from ${XSS}`, data: { tag: 'hs-0001', group: 'homesec' } });
    expect(String(data.message)).toContain('Device: 192.168.1.20');
  });

  it('other notify services get no companion-app data', async () => {
    const calls: Record<string, unknown>[] = [];
    const ch = createChannel(parseChannel({ name: 'ha', type: 'homeassistant', service: 'persistent_notification' }), {
      ...deps(),
      callService: async (_d, _s, data) => void calls.push(data),
    });
    await ch.send(alert(), {});
    expect(calls[0]?.data).toBeUndefined();
  });

  it('is unavailable until the link is wired; a failing or hanging call is retryable', async () => {
    const none = createChannel(parseChannel({ name: 'ha', type: 'homeassistant', service: 'mobile_app_x' }), deps());
    expect(none.available()).toBe(false);
    expect(expectFailure(await none.send(alert(), {}))).toMatchObject({ kind: 'unavailable', permanent: false });
    const failing = createChannel(parseChannel({ name: 'ha', type: 'homeassistant', service: 'mobile_app_x' }), {
      ...deps(),
      callService: async () => {
        throw new Error('service notify.mobile_app_x not found');
      },
    });
    expect(expectFailure(await failing.send(alert(), {}))).toMatchObject({ kind: 'server', permanent: false, detail: 'service notify.mobile_app_x not found' });
    const hanging = createChannel(parseChannel({ name: 'ha', type: 'homeassistant', service: 'mobile_app_x' }), {
      ...deps(),
      timeoutMs: 50,
      callService: () => new Promise(() => {}),
    });
    expect(expectFailure(await hanging.send(alert(), {}))).toMatchObject({ kind: 'timeout', permanent: false });
    const ac = new AbortController();
    const slow = createChannel(parseChannel({ name: 'ha', type: 'homeassistant', service: 'mobile_app_x' }), {
      ...deps(),
      timeoutMs: 10_000,
      callService: () => new Promise((_resolve, reject) => setTimeout(() => reject(new Error('late')), 300)),
    });
    const p = slow.send(alert(), { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    expect(expectFailure(await p)).toMatchObject({ kind: 'aborted' }); // and the late rejection is not unhandled
    await new Promise((r) => setTimeout(r, 350));
  });
});

describe('abort', () => {
  it('an aborted send (the notifier stopping) reports aborted', async () => {
    reply = () => {}; // never answers
    const ac = new AbortController();
    const p = make({ name: 'hook', type: 'webhook', url: `${server.url}/slow` }).send(alert(), { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    expect(expectFailure(await p)).toMatchObject({ kind: 'aborted', permanent: false });
  });
});
