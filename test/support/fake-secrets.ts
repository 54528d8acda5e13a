/**
 * Test support: distinctive fake values for every secret homesec knows — each key of
 * SECRET_KEYS (config/schema.ts, read at run time so new keys are covered without editing
 * this file) and each secret field of every notification channel type
 * (notify/channel-config.ts) — so a test can look for them in API responses, logs, served
 * files and error messages. Rules: every value contains MARKER and is unique; the values meet
 * the schema's formats (Telegram bot tokens, ntfy topics, Apprise keys, block_list_token);
 * channels point only at the loopback base URL given (NETWORK RULE); no real credential is
 * ever used.
 */
import { ALL_CHANNEL_SECRET_FIELDS, CHANNEL_SECRET_FIELDS } from '../../src/notify/channel-config.js';
import { SECRET_KEYS } from '../../src/config/schema.js';

/** Every fake secret contains this (letters and digits only, so it survives every format). */
export const MARKER = 'HsFake7q9';

export interface FakeSecrets {
  /** Config keys → fake values (every SECRET_KEYS entry). */
  config: Record<string, string>;
  /** One channel of every type, each secret field set (loopback URLs). */
  channels: Record<string, unknown>[];
  /** Every fake value. */
  values: string[];
}

function token(name: string): string {
  return `${MARKER}${name.replace(/[^A-Za-z0-9]/g, '')}X`;
}

/** Fake secrets for config and channels; `loopbackUrl` (http://127.0.0.1:port) receives every channel. */
export function fakeSecrets(loopbackUrl: string): FakeSecrets {
  const config: Record<string, string> = {};
  for (const key of SECRET_KEYS) config[key] = token(key);
  const ch = (type: string, field: string) => token(`${type}${field}`);
  const channels: Record<string, unknown>[] = [
    { name: 'mail', type: 'email', host: '127.0.0.1', port: 2, security: 'none', username: 'homesec', password: ch('email', 'password'), from: 'homesec@example.test', to: 'admin@example.test' },
    { name: 'push', type: 'pushover', token: ch('pushover', 'token'), user: ch('pushover', 'user'), api_url: `${loopbackUrl}/pushover` },
    { name: 'ntfy', type: 'ntfy', url: `${loopbackUrl}/ntfy`, topic: ch('ntfy', 'topic'), token: ch('ntfy', 'token') },
    { name: 'gotify', type: 'gotify', url: `${loopbackUrl}/gotify`, token: ch('gotify', 'token') },
    { name: 'tg', type: 'telegram', bot_token: `123456:${ch('telegram', 'bottoken')}abcdefghij`, chat_id: '42', api_url: `${loopbackUrl}/telegram` },
    { name: 'hook', type: 'webhook', url: `${loopbackUrl}/hook/${ch('webhook', 'url')}`, hmac_key: ch('webhook', 'hmackey') },
    { name: 'apprise', type: 'apprise', url: `${loopbackUrl}/apprise`, key: ch('apprise', 'key'), urls: `json://${ch('apprise', 'urls')}@127.0.0.1/` },
  ];
  const covered = new Set(channels.flatMap((c) => CHANNEL_SECRET_FIELDS[c.type as keyof typeof CHANNEL_SECRET_FIELDS].filter((f) => f in c)));
  const missing = ALL_CHANNEL_SECRET_FIELDS.filter((f) => !covered.has(f));
  if (missing.length > 0) throw new Error(`fake-secrets: no fake value for channel secret field(s) ${missing.join(', ')}; add them here`);
  const values = [...Object.values(config), ...channels.flatMap((c) => Object.values(c).filter((v): v is string => typeof v === 'string' && v.includes(MARKER)))];
  return { config, channels, values };
}

/**
 * Where a fake secret shows in `text`: a snippet around every occurrence of MARKER (a partial
 * or re-encoded secret counts too; nothing but the fake secrets contains the marker).
 */
export function secretLeaks(text: string): string[] {
  const out: string[] = [];
  for (let i = text.indexOf(MARKER); i >= 0 && out.length < 20; i = text.indexOf(MARKER, i + 1)) out.push(text.slice(Math.max(0, i - 40), i + 60));
  return out;
}
