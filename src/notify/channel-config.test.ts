import { Writable } from 'node:stream';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../core/logger.js';
import {
  ALL_CHANNEL_SECRET_FIELDS,
  CHANNEL_SECRET_FIELDS,
  CHANNEL_SECRET_LOG_PATHS,
  NOTIFY_CONFIG_SHAPE,
  channelSecretValues,
  maskChannelIssueValue,
  maskChannelSecrets,
  parseChannel,
  parseNotifyConfig,
} from './channel-config.js';
import { CHANNEL_TYPES } from './registry.js';
import { EVERY_CHANNEL, TG_TOKEN } from './test-kit.js';

describe('notify config', () => {
  it('has defaults that notify nobody and keep the family sane', () => {
    expect(parseNotifyConfig({})).toEqual({
      notify_channels: [],
      notify_quiet_hours: '',
      notify_timezone: '',
      notify_rate_per_hour: 20,
      notify_allowlist: [],
      notify_digest: 'daily 08:00',
      notify_dedupe_hours: 24,
      notify_delivery: 'at_most_once',
    });
  });

  it('parses one channel of every type with its defaults', () => {
    const c = parseNotifyConfig({ notify_channels: EVERY_CHANNEL }).notify_channels;
    expect(c.map((x) => x.type).sort()).toEqual([...CHANNEL_TYPES].sort());
    const mail = c.find((x) => x.type === 'email');
    expect(mail).toMatchObject({ port: 587, security: 'starttls', tls_verify: true, to: ['me@example.com', 'you@example.com'], min_severity: 'high' });
    expect(c.find((x) => x.type === 'telegram')).toMatchObject({ chat_id: '-100123456', api_url: 'https://api.telegram.org' });
    expect(c.find((x) => x.type === 'homeassistant')).toMatchObject({ service: 'mobile_app_pixel_7' });
    expect(c.find((x) => x.type === 'ntfy')).toMatchObject({ url: 'https://ntfy.sh' });
    expect(c.find((x) => x.type === 'pushover')).toMatchObject({ api_url: 'https://api.pushover.net/1/messages.json', emergency_for_critical: false });
  });

  it('accepts the list as a JSON string (environment variables) and canonicalises the policy keys', () => {
    const cfg = parseNotifyConfig({
      notify_channels: JSON.stringify([EVERY_CHANNEL[5]]),
      notify_quiet_hours: '22:00-7:00',
      notify_timezone: 'Europe/Berlin',
      notify_allowlist: '192.168.1.5, ::ffff:192.168.1.6',
      notify_digest: 'weekly Monday 8:00',
      notify_rate_per_hour: '5',
    });
    expect(cfg.notify_channels[0]?.name).toBe('hook');
    expect(cfg).toMatchObject({ notify_quiet_hours: '22:00-07:00', notify_digest: 'weekly mon 08:00', notify_allowlist: ['192.168.1.5', '192.168.1.6'], notify_rate_per_hour: 5 });
  });

  it('rejects what would silently break notifications, naming the field', () => {
    const issues = (raw: unknown) => {
      const r = z.object(NOTIFY_CONFIG_SHAPE).safeParse(raw);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(issues({ notify_channels: [{ name: 'x', type: 'sms' }] })[0]).toMatch(/^notify_channels\.0\.type/);
    expect(issues({ notify_channels: [{ ...EVERY_CHANNEL[3], pasword: 'x' }] }).join()).toMatch(/pasword/);
    expect(issues({ notify_channels: [EVERY_CHANNEL[1], { ...EVERY_CHANNEL[2], name: 'po' }] }).join()).toMatch(/notify_channels\.1\.name: channel name "po" is used twice/);
    expect(issues({ notify_channels: [{ ...EVERY_CHANNEL[4], bot_token: 'nope' }] }).join()).toMatch(/bot_token: expected a bot token/);
    expect(issues({ notify_channels: [{ ...EVERY_CHANNEL[0], to: 'not-an-address' }] }).join()).toMatch(/to\.0: expected an e-mail address/);
    expect(issues({ notify_channels: [{ ...EVERY_CHANNEL[1], token: '' }] }).join()).toMatch(/token: required/);
    expect(issues({ notify_quiet_hours: '22-7' }).join()).toMatch(/notify_quiet_hours/);
    expect(issues({ notify_timezone: 'Mars/Base' }).join()).toMatch(/IANA time zone/);
    expect(issues({ notify_digest: 'sometimes' }).join()).toMatch(/notify_digest/);
    expect(issues({ notify_allowlist: 'printer' }).join()).toMatch(/notify_allowlist/);
  });

  it('derives the secret fields from the schema marks', () => {
    expect(CHANNEL_SECRET_FIELDS).toEqual({
      email: ['password'],
      pushover: ['token', 'user'],
      ntfy: ['topic', 'token'],
      gotify: ['token'],
      telegram: ['bot_token'],
      webhook: ['url', 'hmac_key'],
      homeassistant: [],
      apprise: ['key', 'urls'],
    });
    expect(CHANNEL_SECRET_LOG_PATHS).toContain('notify_channels[*].bot_token');
    const all = parseNotifyConfig({ notify_channels: EVERY_CHANNEL }).notify_channels;
    for (const c of all) for (const v of channelSecretValues(c)) expect(v).toMatch(/SECRET/);
    expect(channelSecretValues(all.find((c) => c.type === 'telegram')!)).toEqual([TG_TOKEN]);
  });

  it('masks every channel secret for printing, and nothing else', () => {
    const masked = maskChannelSecrets(parseNotifyConfig({ notify_channels: EVERY_CHANNEL }).notify_channels);
    const text = JSON.stringify(masked);
    expect(text).not.toMatch(/SECRET/);
    expect(text).toContain('smtp.example.com');
    expect(text).toContain('https://gotify.example.com'); // gotify url is not secret
    expect(masked.find((c) => c.type === 'webhook')?.url).toBe('***');
    // unset secrets stay visibly unset
    const unset = maskChannelSecrets([parseChannel({ name: 'n', type: 'ntfy', topic: 'alerts' })]);
    expect(unset[0]).toMatchObject({ topic: '***', token: '' });
  });

  it('masks secrets in the raw values a config error quotes', () => {
    expect(maskChannelIssueValue([0, 'token'], 'SECRET-x')).toBe('***');
    expect(maskChannelIssueValue([0, 'host'], 'smtp.example.com')).toBe('smtp.example.com');
    expect(JSON.stringify(maskChannelIssueValue([0], { type: 'gotify', token: 'SECRET-y', url: 'SECRET-z', host: 'h' }))).not.toMatch(/SECRET/);
    // a piece of an environment variable's JSON text
    expect(maskChannelIssueValue([0], '[{"token":"SECRET-w"')).toBe('***');
  });

  it('keeps channel secrets out of logs through the logger redaction paths', () => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk.toString());
        cb();
      },
    });
    const log = createLogger({ level: 'debug', format: 'json', secretKeys: CHANNEL_SECRET_LOG_PATHS }, stream);
    const cfg = parseNotifyConfig({ notify_channels: EVERY_CHANNEL });
    log.debug({ config: cfg }, 'effective config');
    log.debug(cfg, 'flat config');
    const text = chunks.join('');
    expect(text).toContain('effective config');
    expect(text).toContain('smtp.example.com');
    expect(text).not.toMatch(/SECRET/);
  });

  it('produces a JSON Schema (the add-on and docs generator use io: input)', () => {
    const schema = z.toJSONSchema(z.object(NOTIFY_CONFIG_SHAPE), { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(Object.keys(NOTIFY_CONFIG_SHAPE));
    const text = JSON.stringify(schema);
    expect(text).toContain('"writeOnly":true');
    expect(ALL_CHANNEL_SECRET_FIELDS.length).toBeGreaterThan(5);
  });
});
