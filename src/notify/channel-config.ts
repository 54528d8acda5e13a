/**
 * Notification config: the channel list (`notify_channels`, one object per channel, chosen
 * by `type:`) and the flat policy keys, as zod fields for src/config/schema.ts. Rules: this
 * file is the single source of the channel options, their defaults and which of them are
 * secret; secret fields carry `.meta({ writeOnly: true })` and everything that masks or
 * redacts (maskChannelSecrets, CHANNEL_SECRET_LOG_PATHS, channelSecretValues) is derived
 * from those marks, so a new secret field cannot be forgotten. Channel objects are strict
 * (a misspelt option stops start-up naming it); names are unique.
 */
import { z } from 'zod';
import { bool, httpUrl, int, ipList, port, secret } from '../config/fields.js';
import { SEVERITIES } from '../findings/types.js';
import { formatDigestSchedule, formatQuietHours, parseDigestSchedule, parseQuietHours } from './schedule.js';
import { isValidTimeZone } from './time-zone.js';

const d = (text: string) => ({ description: text });
const hidden = (text: string) => ({ writeOnly: true, description: text });

/** Wraps a throwing parser as a zod transform reporting the message as an issue. */
function parsed<O>(fn: (v: string) => O) {
  return (v: string, ctx: z.RefinementCtx): O => {
    try {
      return fn(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  };
}

const EMAIL = /^[^\s@<>",;]{1,64}@[A-Za-z0-9.-]{1,253}$/;

function emailAddress() {
  return z.string().trim().regex(EMAIL, 'expected an e-mail address such as alerts@example.com');
}

const base = {
  name: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'expected 1-32 letters, digits, "-" or "_"')
    .meta(d('Channel name (unique; used by `homesec notify test <name>`, the dashboard and metrics).')),
  min_severity: z.enum(SEVERITIES).default('high').meta(d('Least severe finding this channel is told about.')),
  rate_per_hour: int(0, 100_000).default(0).meta(d('Alerts per rolling hour on this channel (0 = only the global notify_rate_per_hour).')),
  summaries: bool().default(true).meta(d('Receive the daily/weekly summary (notify_digest).')),
};

export const emailChannelSchema = z
  .object({
    type: z.literal('email'),
    ...base,
    host: z.string().trim().min(1).meta(d('SMTP server host.')),
    port: port().default(587).meta(d('SMTP port (587 STARTTLS, 465 TLS).')),
    security: z
      .enum(['starttls', 'tls', 'none'])
      .default('starttls')
      .meta(d('starttls: plain connection upgraded with STARTTLS, refused when the server does not offer it; tls: TLS from the first byte; none: no encryption (a local relay only).')),
    username: z.string().default('').meta(d('SMTP user name (empty: no authentication).')),
    password: secret().default('').meta(hidden('SMTP password.')),
    from: emailAddress().meta(d('Sender address.')),
    to: z.preprocess((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v), z.array(emailAddress()).min(1)).meta(d('Recipient addresses (list or comma-separated).')),
    tls_verify: bool().default(true).meta(d('Verify the server certificate.')),
    ca_file: z.string().trim().default('').meta(d('PEM file with the CA (or self-signed certificate) to trust instead of the system CAs.')),
  })
  .strict();

export const pushoverChannelSchema = z
  .object({
    type: z.literal('pushover'),
    ...base,
    token: secret().pipe(z.string().min(1, 'required')).meta(hidden('Pushover application API token.')),
    user: secret().pipe(z.string().min(1, 'required')).meta(hidden('Pushover user or group key.')),
    device: z.string().trim().default('').meta(d('Only this device (empty: all devices).')),
    api_url: httpUrl().default('https://api.pushover.net/1/messages.json').meta(d('Pushover messages endpoint.')),
    emergency_for_critical: bool().default(false).meta(d('Send critical findings with emergency priority 2 (repeated every 60 s until acknowledged, for up to 1 h).')),
  })
  .strict();

export const ntfyChannelSchema = z
  .object({
    type: z.literal('ntfy'),
    ...base,
    url: httpUrl().default('https://ntfy.sh').meta(d('ntfy server.')),
    topic: secret()
      .pipe(z.string().regex(/^[-_A-Za-z0-9]{1,64}$/, 'expected 1-64 letters, digits, "-" or "_"'))
      .meta(hidden('Topic (on a public server the topic name is the password).')),
    token: secret().default('').meta(hidden('Access token (Authorization: Bearer), if the topic is protected.')),
  })
  .strict();

export const gotifyChannelSchema = z
  .object({
    type: z.literal('gotify'),
    ...base,
    url: httpUrl().meta(d('Gotify server, e.g. https://gotify.example.com.')),
    token: secret().pipe(z.string().min(1, 'required')).meta(hidden('Gotify application token.')),
  })
  .strict();

export const telegramChannelSchema = z
  .object({
    type: z.literal('telegram'),
    ...base,
    bot_token: secret()
      .pipe(z.string().regex(/^\d{1,20}:[A-Za-z0-9_-]{20,100}$/, 'expected a bot token like 123456:ABC-DEF… (from @BotFather)'))
      .meta(hidden('Bot token from @BotFather.')),
    chat_id: z
      .preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string().trim().regex(/^(-?\d{1,20}|@[A-Za-z0-9_]{5,32})$/, 'expected a numeric chat id or @channelname'))
      .meta(d('Chat id (numeric, negative for groups) or @channelname.')),
    api_url: httpUrl().default('https://api.telegram.org').meta(d('Bot API server.')),
  })
  .strict();

export const webhookChannelSchema = z
  .object({
    type: z.literal('webhook'),
    ...base,
    url: httpUrl().meta(hidden('URL the JSON is POSTed to (secret: webhook URLs often embed a token).')),
    hmac_key: secret().default('').meta(hidden('Key for the X-Homesec-Signature-256 header (HMAC-SHA256 of the body; empty: unsigned).')),
  })
  .strict();

export const homeAssistantChannelSchema = z
  .object({
    type: z.literal('homeassistant'),
    ...base,
    service: z
      .string()
      .trim()
      .transform((s) => s.replace(/^notify\./, ''))
      .pipe(z.string().regex(/^[a-z0-9_]{1,64}$/, 'expected a notify service name such as mobile_app_pixel_7'))
      .meta(d('Home Assistant notify service (notify.<service>), e.g. mobile_app_pixel_7 or persistent_notification.')),
  })
  .strict();

export const appriseChannelSchema = z
  .object({
    type: z.literal('apprise'),
    ...base,
    url: httpUrl().meta(d('Apprise API server, e.g. http://apprise:8000.')),
    key: secret()
      .default('')
      .pipe(z.string().regex(/^[A-Za-z0-9_-]{0,64}$/, 'expected 1-64 letters, digits, "-" or "_"'))
      .meta(hidden('Configuration key saved on the Apprise API server (POST /notify/<key>); empty: stateless.')),
    urls: secret().default('').meta(hidden('Apprise URLs for a stateless call (POST /notify/ with urls); empty: the server\'s APPRISE_STATELESS_URLS.')),
    tag: z.string().trim().default('').meta(d('Only the Apprise URLs with this tag (with key).')),
  })
  .strict();

/** One channel: a discriminated union on `type`. */
export const channelSchema = z.discriminatedUnion('type', [
  emailChannelSchema,
  pushoverChannelSchema,
  ntfyChannelSchema,
  gotifyChannelSchema,
  telegramChannelSchema,
  webhookChannelSchema,
  homeAssistantChannelSchema,
  appriseChannelSchema,
]);

export type ChannelConfig = z.output<typeof channelSchema>;
export type ChannelType = ChannelConfig['type'];
export type ChannelConfigOf<T extends ChannelType> = Extract<ChannelConfig, { type: T }>;

/** The secret field names of each channel type, read from the schema's writeOnly marks. */
export const CHANNEL_SECRET_FIELDS: Readonly<Record<ChannelType, readonly string[]>> = Object.fromEntries(
  channelSchema.options.map((o) => {
    const fields = Object.entries(o.shape)
      .filter(([, f]) => (f.meta() as { writeOnly?: boolean } | undefined)?.writeOnly === true)
      .map(([k]) => k);
    return [o.shape.type.value, fields];
  }),
) as unknown as Record<ChannelType, readonly string[]>;

/** Every field name that is secret in some channel type. */
export const ALL_CHANNEL_SECRET_FIELDS: readonly string[] = [...new Set(Object.values(CHANNEL_SECRET_FIELDS).flat())].sort();

/**
 * pino redaction paths for the channel secrets wherever a config object is logged (pass
 * them with SECRET_KEYS to createLogger, which also adds the `*.` prefixed form).
 */
export const CHANNEL_SECRET_LOG_PATHS: readonly string[] = ALL_CHANNEL_SECRET_FIELDS.map((f) => `notify_channels[*].${f}`);

/** The channel list with every secret that is set replaced by "***" (for printing). */
export function maskChannelSecrets(channels: readonly ChannelConfig[]): Record<string, unknown>[] {
  return channels.map((c) => {
    const out: Record<string, unknown> = { ...c };
    for (const f of CHANNEL_SECRET_FIELDS[c.type] ?? []) if (out[f]) out[f] = '***';
    return out;
  });
}

/** Field names that are plain (not secret) in every channel type that has them. */
const PLAIN_CHANNEL_FIELDS: ReadonlySet<string> = new Set(
  channelSchema.options.flatMap((o) => Object.keys(o.shape)).filter((k) => !ALL_CHANNEL_SECRET_FIELDS.includes(k)),
);

/**
 * A raw (unvalidated) value found at `path` inside notify_channels, safe to quote in a
 * config error: objects show only the values of known plain fields (a secret field, and an
 * unknown one — often a misspelt secret such as `pasword` —, is masked), and a string is
 * masked unless it sits at a known plain field (anywhere else it may be a secret or a piece of
 * the JSON text of an environment variable). `path` is the issue path below the key (e.g.
 * [0, 'token']).
 */
export function maskChannelIssueValue(path: readonly PropertyKey[], value: unknown): unknown {
  const last = path[path.length - 1];
  const mask = (v: unknown) => (v === undefined || v === '' ? v : '***');
  if (typeof last === 'string' && !PLAIN_CHANNEL_FIELDS.has(last)) return mask(value);
  if (typeof value === 'string' && typeof last !== 'string') return mask(value);
  const deep = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(deep);
    if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) o[k] = PLAIN_CHANNEL_FIELDS.has(k) ? deep(x) : mask(x);
      return o;
    }
    return v;
  };
  return deep(value);
}

/** The secret values of one channel (for scrubbing provider text before it is stored or logged). */
export function channelSecretValues(c: ChannelConfig): string[] {
  const rec = c as unknown as Record<string, unknown>;
  return (CHANNEL_SECRET_FIELDS[c.type] ?? []).map((f) => rec[f]).filter((v): v is string => typeof v === 'string' && v.length > 0);
}

/** The notify_channels field: a list of channel objects (YAML list, or a JSON string from an environment variable). */
export function notifyChannels() {
  return z.preprocess(
    (v) => {
      if (v === null || v === undefined) return [];
      if (typeof v !== 'string') return v;
      if (v.trim() === '') return [];
      try {
        return JSON.parse(v) as unknown;
      } catch {
        return v;
      }
    },
    z.array(channelSchema).superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((c, i) => {
        if (seen.has(c.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `channel name "${c.name}" is used twice` });
        seen.add(c.name);
      });
    }),
  );
}

/** Quiet hours "HH:MM-HH:MM" (local time in notify_timezone) or "" for none; canonicalised. */
export function quietHours() {
  return z.preprocess(
    (v) => (v === null ? '' : v),
    z.string().transform(parsed((s) => formatQuietHours(parseQuietHours(s)))),
  );
}

/** A summary schedule: "daily HH:MM", "weekly <day> HH:MM" or "off"; canonicalised. */
export function digestSchedule() {
  return z.string().transform(parsed((s) => formatDigestSchedule(parseDigestSchedule(s))));
}

/** An IANA time zone name, or "" for the system's zone. */
export function timeZone() {
  return z
    .string()
    .trim()
    .refine((s) => s === '' || isValidTimeZone(s), 'expected an IANA time zone such as Europe/Berlin (or empty for the system zone)');
}

/**
 * The notification options, in the flat style of src/config/schema.ts: spread into the
 * config object (`...NOTIFY_CONFIG_SHAPE`).
 */
export const NOTIFY_CONFIG_SHAPE = {
  notify_channels: notifyChannels()
    .prefault([])
    .meta(d('Notification channels: a list of objects, each with name, type (email, pushover, ntfy, gotify, telegram, webhook, homeassistant, apprise), min_severity and the options of its type. A JSON string in an environment variable.')),
  notify_quiet_hours: quietHours()
    .prefault('')
    .meta(d('Quiet hours, e.g. 22:00-07:00 (local time in notify_timezone): non-critical alerts are held and sent as one digest when they end; critical ones still go out. Empty = none.')),
  notify_timezone: timeZone().default('').meta(d('IANA time zone for quiet hours, summaries and message times (empty = the system zone).')),
  notify_rate_per_hour: int(0, 100_000)
    .default(20)
    .meta(d('Alerts per rolling hour over all channels (each finding counted once); more are suppressed and reported as "k more suppressed" when room frees up. Critical alerts are never suppressed. 0 = unlimited.')),
  notify_allowlist: ipList().prefault('').meta(d('Device IPs whose findings are never notified (comma-separated).')),
  notify_digest: digestSchedule()
    .prefault('daily 08:00')
    .meta(d('Summary of new devices, open findings, new CVEs and top talkers: "daily HH:MM", "weekly mon HH:MM" or "off".')),
  notify_delivery: z
    .enum(['at_most_once', 'at_least_once'])
    .default('at_most_once')
    .meta(
      d(
        'What happens to a message a crash or a stop interrupted mid-send (the provider may or may not have it): at_most_once = marked unconfirmed and never sent again (nothing is ever sent twice; the finding stays in the dashboard and the next summary); at_least_once = sent again with the same id (nothing is lost; e-mail and webhook receivers can drop the repeat by its id, push services may show it twice). Messages not yet handed to a provider are delivered after a restart either way.',
      ),
    ),
  notify_dedupe_hours: int(0, 8760)
    .default(24)
    .meta(d('A finding already notified on a channel is not notified again there within this many hours unless its severity rises (0 = every report).')),
};

const notifyConfigSchema = z.object(NOTIFY_CONFIG_SHAPE);

/** The notification part of the validated config. */
export type NotifyConfig = z.output<typeof notifyConfigSchema>;
export type NotifyConfigInput = z.input<typeof notifyConfigSchema>;

/** Validates the notification keys alone (tests, the CLI); throws zod's error. */
export function parseNotifyConfig(raw: NotifyConfigInput | Record<string, unknown>): NotifyConfig {
  return notifyConfigSchema.parse(raw);
}

/** Validates one channel object (tests); throws zod's error. */
export function parseChannel(raw: unknown): ChannelConfig {
  return channelSchema.parse(raw);
}
