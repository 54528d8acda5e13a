import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { configSchema } from '../config/schema.js';
import { CHANNEL_SECRET_FIELDS, channelSchema } from '../notify/channel-config.js';
import { ADDON_OPTION_KEYS, CHANNEL_LIST_KEY, addonConfig, fullConfigSchema } from './addon-schema.js';
import { HOMEASSISTANT_CONFIG_SHAPE } from './ha-config.js';

const file = new URL('../../addon/config.yaml', import.meta.url);
const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
const yaml = YAML.parse(fs.readFileSync(file, 'utf8')) as {
  options: Record<string, unknown>;
  schema: Record<string, string | Record<string, string>[]>;
  [k: string]: unknown;
};
/** The schema's scalar options (every one but the notify_channels list of dicts). */
const scalars = Object.entries(yaml.schema).filter((e): e is [string, string] => typeof e[1] === 'string');

const parseKey = (key: string, value: unknown) => fullConfigSchema.safeParse({ [key]: value });
const defaults = fullConfigSchema.parse({}) as Record<string, unknown>;

describe('addon/config.yaml', () => {
  it('is what the config schema generates (run `npx tsx addon/gen-config.ts` after changing options)', () => {
    expect(yaml).toEqual(addonConfig(pkg.version));
  });

  it('declares ingress with the "Security" panel, the UDP flow port, mqtt:want and the Home Assistant API', () => {
    expect(yaml).toMatchObject({
      slug: 'homesec',
      version: pkg.version,
      ingress: true,
      ingress_port: 8099,
      panel_title: 'Security',
      homeassistant_api: true,
      services: ['mqtt:want'],
      map: ['share'],
      ports: { '2055/udp': 2055 },
      arch: ['aarch64', 'amd64'],
      init: false,
    });
  });

  it('every option is a homesec config key, and the schema lists exactly the options plus optional ones', () => {
    const keys = new Set([...Object.keys(configSchema.shape), ...Object.keys(HOMEASSISTANT_CONFIG_SHAPE)]);
    expect(Object.keys(yaml.schema)).toEqual([...ADDON_OPTION_KEYS]);
    for (const k of Object.keys(yaml.schema)) expect(keys.has(k), k).toBe(true);
    for (const k of Object.keys(yaml.options)) expect(yaml.schema[k], k).toBeDefined();
    for (const [k, t] of scalars) expect(t.endsWith('?') || k in yaml.options, k).toBe(true);
    expect(scalars.map(([k]) => k)).toEqual(ADDON_OPTION_KEYS.filter((k) => k !== CHANNEL_LIST_KEY));
  });

  it('each option default means the same as homesec\'s default, and optional options default to empty', () => {
    for (const [k, v] of Object.entries(yaml.options)) {
      const r = parseKey(k, v);
      expect(r.success, k).toBe(true);
      expect((r.data as Record<string, unknown>)[k], k).toEqual(defaults[k]);
    }
    for (const [k, t] of scalars) {
      if (t.endsWith('?')) expect(defaults[k] === '' || (Array.isArray(defaults[k]) && (defaults[k] as unknown[]).length === 0), k).toBe(true);
    }
  });

  it('each add-on type accepts and refuses what the config schema does', () => {
    for (const [k, raw] of scalars) {
      const t = raw.replace(/\?$/, '');
      const range = /^(int|float)\((-?[\d.]*),(-?[\d.]*)\)$/.exec(t);
      if (t === 'bool') {
        expect(parseKey(k, true).success && parseKey(k, false).success, k).toBe(true);
      } else if (t === 'port') {
        expect([1, 65535].every((v) => parseKey(k, v).success) && ![0, 65536].some((v) => parseKey(k, v).success), k).toBe(true);
      } else if (range) {
        const lo = Number(range[2]);
        const hi = Number(range[3]);
        const step = range[1] === 'int' ? 1 : 0.01;
        expect(parseKey(k, lo).success && parseKey(k, hi).success, `${k} bounds accepted`).toBe(true);
        expect(parseKey(k, lo - step).success || parseKey(k, hi + step).success, `${k} outside refused`).toBe(false);
      } else if (t.startsWith('list(')) {
        for (const v of t.slice(5, -1).split('|')) expect(parseKey(k, v).success, `${k}=${v}`).toBe(true);
        expect(parseKey(k, 'not-a-choice').success, k).toBe(false);
      } else if (t === 'password') {
        expect((fullConfigSchema.shape[k as keyof typeof fullConfigSchema.shape].meta() as { secret?: boolean }).secret, k).toBe(true);
      } else {
        expect(['str', 'url'], k).toContain(t);
      }
    }
  });

  it('every secret the add-on shows is a password field', () => {
    for (const k of ADDON_OPTION_KEYS) {
      if (k === CHANNEL_LIST_KEY) continue;
      const secret = (fullConfigSchema.shape[k].meta() as { secret?: boolean } | undefined)?.secret === true;
      expect(String(yaml.schema[k]).startsWith('password'), k).toBe(secret);
    }
  });

  it('notify_channels is a list of one dict: every field of every channel type, secrets as passwords, name and type required', () => {
    const list = yaml.schema[CHANNEL_LIST_KEY];
    expect(Array.isArray(list) && list.length === 1).toBe(true);
    const dict = (list as Record<string, string>[])[0]!;
    expect(dict.name).toBe('str');
    const types = channelSchema.options.map((o) => o.shape.type.value);
    expect(dict.type).toBe(`list(${types.join('|')})`);
    expect(yaml.options[CHANNEL_LIST_KEY]).toEqual([]);
    for (const o of channelSchema.options) {
      const t = o.shape.type.value;
      for (const f of Object.keys(o.shape)) expect(dict[f], `${t}.${f}`).toBeDefined();
      for (const f of CHANNEL_SECRET_FIELDS[t]) expect(dict[f], `${t}.${f} is secret`).toBe('password?');
    }
    for (const [f, ty] of Object.entries(dict)) if (f !== 'name' && f !== 'type') expect(ty.endsWith('?'), f).toBe(true);
  });

  it('channels as the add-on page writes them (only the fields filled in, lists as comma-separated text) are valid homesec config', () => {
    const channels = [
      { name: 'hook', type: 'webhook', url: 'https://example.invalid/hook', min_severity: 'medium', hmac_key: 's3cret' },
      { name: 'mail', type: 'email', host: 'smtp.example.invalid', port: 465, security: 'tls', from: 'homesec@example.invalid', to: 'a@example.invalid,b@example.invalid', password: 'pw', username: 'u' },
      { name: 'phone', type: 'ntfy', url: 'https://ntfy.example.invalid', topic: 'alerts-x1', summaries: false },
    ];
    const r = parseKey(CHANNEL_LIST_KEY, channels);
    expect(r.success, JSON.stringify(r.error?.issues)).toBe(true);
    const dict = (yaml.schema[CHANNEL_LIST_KEY] as Record<string, string>[])[0]!;
    for (const c of channels) for (const f of Object.keys(c)) expect(dict[f], f).toBeDefined();
    // a field of another type is refused, naming it (channels are strict)
    expect(parseKey(CHANNEL_LIST_KEY, [{ name: 'hook', type: 'webhook', url: 'https://example.invalid/hook', bot_token: 'x' }]).success).toBe(false);
  });
});
