/**
 * Loading the effective config. Rules: precedence is defaults < homesec.yaml (in the data
 * directory, or --config) < HOMESEC_* environment variables < CLI flags. In Home Assistant
 * add-on mode the add-on's options come first and homesec.yaml only fills keys that are
 * absent or empty there (the reference's merge rule). Any invalid value stops start-up with
 * a ConfigError naming the key, the bad value (masked when secret) and what was expected;
 * unknown keys are reported as warnings (never silently dropped, never fatal).
 */
import { maskChannelIssueValue, maskChannelSecrets } from '../notify/channel-config.js';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { HomesecError } from '../core/errors.js';
import { splitList } from './fields.js';
import { CONFIG_KEYS, SECRET_KEYS, configSchema, type Config } from './schema.js';

export type RawConfig = Record<string, unknown>;

export interface LoadOptions {
  /** Explicit config file; default `<data_dir>/homesec.yaml` (missing file = defaults). */
  configPath?: string;
  /** Environment (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Values from CLI flags (highest precedence). */
  flags?: RawConfig;
  /** Home Assistant add-on options (e.g. /data/options.json); when set, the file only fills absent/empty keys. */
  addonOptions?: RawConfig;
}

export interface LoadedConfig {
  config: Config;
  /** The file that was read, or undefined when none existed. */
  file: string | undefined;
  /** Human-readable warnings (unknown keys, ignored environment variables). */
  warnings: string[];
  /** Where each key's value came from. */
  sources: Record<string, 'default' | 'file' | 'addon' | 'env' | 'flag'>;
}

const ENV_PREFIX = 'HOMESEC_';

/** True when a value counts as "empty" for the add-on merge rule. */
export function isEmptyValue(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);
}

/** The reference merge: values of `fill` are used only for keys absent or empty in `primary`. */
export function mergeFillEmpty(primary: RawConfig, fill: RawConfig): RawConfig {
  const out: RawConfig = { ...primary };
  for (const [k, v] of Object.entries(fill)) {
    if (isEmptyValue(out[k]) && !isEmptyValue(v)) out[k] = v;
  }
  return out;
}

/** Reads HOMESEC_<KEY> variables for known keys; returns values and warnings for unknown HOMESEC_* names. */
export function envOverrides(env: NodeJS.ProcessEnv): { values: RawConfig; warnings: string[] } {
  const values: RawConfig = {};
  const warnings: string[] = [];
  const known = new Set<string>(CONFIG_KEYS);
  const ignoredVars = new Set(['HOMESEC_CONFIG', 'HOMESEC_ADDON_OPTIONS']);
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined || ignoredVars.has(name)) continue;
    const key = name.slice(ENV_PREFIX.length).toLowerCase();
    if (known.has(key)) values[key] = value;
    else warnings.push(`environment variable ${name} does not name a config option; ignored`);
  }
  return { values, warnings };
}

/** Reads and parses a YAML (or JSON) config file into a plain object; throws CONFIG_UNREADABLE/CONFIG_INVALID. */
export function readConfigFile(file: string): RawConfig | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new HomesecError('CONFIG_UNREADABLE', `cannot read ${file}: ${(err as Error).message}`);
  }
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const where = e.linePos?.[0] ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
    throw new HomesecError('CONFIG_INVALID', `${file}: YAML syntax error${where}: ${e.message.split('\n')[0]}`);
  }
  let value: unknown;
  try {
    // Alias errors (an alias before its anchor, an alias bomb over maxAliasCount) surface here.
    value = doc.toJS();
  } catch (err) {
    throw new HomesecError('CONFIG_INVALID', `${file}: YAML error: ${(err as Error).message.split('\n')[0]}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new HomesecError('CONFIG_INVALID', `${file}: expected a mapping of option: value at the top level`);
  }
  return value as RawConfig;
}

/** Text of a value for an error message: masked for secrets, bounded, JSON-quoted. */
export function describeValue(key: string, v: unknown): string {
  if (SECRET_KEYS.includes(key)) return '"***"';
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v);
  }
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

/**
 * Validates a merged raw object. Returns the typed config, or throws CONFIG_INVALID whose
 * message lists every bad key as `key: problem (got value)`.
 */
export function validateConfig(raw: RawConfig, origin: string): Config {
  const known = new Set<string>(CONFIG_KEYS);
  const knownOnly: RawConfig = {};
  for (const [k, v] of Object.entries(raw)) if (known.has(k)) knownOnly[k] = v;
  const result = configSchema.safeParse(knownOnly);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '(top level)');
    const sub = issue.path.slice(1);
    let value: unknown = knownOnly[key];
    for (const p of sub) {
      if (typeof value === 'string' && typeof p === 'number') value = (splitList(value) as string[])[p];
      else value = (value as Record<string | number, unknown> | undefined)?.[p as string | number];
    }
    const fullKey = sub.length > 0 ? `${key}[${sub.join('][')}]` : key;
    const shown = key === 'notify_channels' ? maskChannelIssueValue(sub, value) : value;
    return `  ${fullKey}: ${issue.message} (got ${describeValue(key, shown)})`;
  });
  throw new HomesecError('CONFIG_INVALID', `invalid configuration in ${origin}:\n${lines.join('\n')}`, {
    keys: result.error.issues.map((i) => String(i.path[0])),
  });
}

/**
 * Unknown-key warnings for a raw object. A key is quoted only when it looks like an option
 * name: anything else is a structural mistake in the file (a collection used as a key after a
 * deleted `notify_channels:` line) whose text may hold secrets, so only its size is named.
 */
function unknownKeys(raw: RawConfig, origin: string): string[] {
  const known = new Set<string>(CONFIG_KEYS);
  return Object.keys(raw)
    .filter((k) => !known.has(k))
    .map((k) =>
      /^[A-Za-z0-9_.-]{1,64}$/.test(k)
        ? `${origin}: unknown option "${k}" is not used (check the spelling; see docs/configuration.md)`
        : `${origin}: a key of ${k.length} characters that is not an option name (not shown: it may hold secrets) is not used; check the file's structure`,
    );
}

/** Loads the effective config following the precedence in the module comment. */
export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const flags = opts.flags ?? {};
  const envRes = envOverrides(env);
  const dataDir = String(flags.data_dir ?? envRes.values.data_dir ?? opts.addonOptions?.data_dir ?? './data');
  const file = opts.configPath ?? env.HOMESEC_CONFIG ?? path.join(dataDir, 'homesec.yaml');
  const fileRaw = readConfigFile(file);
  const warnings = [...envRes.warnings, ...unknownKeys(fileRaw ?? {}, file)];
  const sources: LoadedConfig['sources'] = {};
  let merged: RawConfig;
  if (opts.addonOptions) {
    warnings.push(...unknownKeys(opts.addonOptions, 'add-on options'));
    merged = mergeFillEmpty(opts.addonOptions, fileRaw ?? {});
    for (const k of Object.keys(merged)) sources[k] = isEmptyValue(opts.addonOptions[k]) ? 'file' : 'addon';
  } else {
    merged = { ...(fileRaw ?? {}) };
    for (const k of Object.keys(merged)) sources[k] = 'file';
  }
  for (const [k, v] of Object.entries(envRes.values)) {
    merged[k] = v;
    sources[k] = 'env';
  }
  for (const [k, v] of Object.entries(flags)) {
    if (v === undefined) continue;
    merged[k] = v;
    sources[k] = 'flag';
  }
  let config: Config;
  try {
    config = validateConfig(merged, fileRaw ? file : 'the configuration');
  } catch (err) {
    if (err instanceof HomesecError && warnings.length > 0) {
      throw new HomesecError(err.code, `${err.message}\n${warnings.map((w) => `warning: ${w}`).join('\n')}`, err.details);
    }
    throw err;
  }
  for (const k of CONFIG_KEYS) sources[k] ??= 'default';
  return { config, file: fileRaw ? file : undefined, warnings, sources };
}

/** The config as a plain object with every secret that is set replaced by "***" (for printing). */
export function maskSecrets(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  for (const k of SECRET_KEYS) if (out[k]) out[k] = '***';
  out.notify_channels = maskChannelSecrets(config.notify_channels);
  return out;
}
