/**
 * Fuzzing the config loader: a complete homesec.yaml (every option, every secret set to a
 * fake value, one notification channel of each type) mutated as text — YAML syntax errors,
 * alias bombs, duplicate keys, wrong types, hostile strings — and hostile values through
 * HOMESEC_* environment variables and add-on options. Rules: loading either succeeds or fails
 * with a HomesecError (CONFIG_INVALID / CONFIG_UNREADABLE: the daemon's exit 78), never any
 * other exception; no error message, warning or masked view carries a secret value (catalogue 25;
 * option and field names are echoed by design, so a secret typed into a name — a missing colon —
 * is not looked for: docs/security.md lists that gap).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import YAML from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { fakeSecrets, secretLeaks } from '../../test/support/fake-secrets.js';
import { fuzz, hostileString, hostileValue, mutatedText } from '../../test/support/fuzz.js';
import { HomesecError } from '../core/errors.js';
import { loadConfig, maskSecrets, type LoadedConfig } from './loader.js';
import { CONFIG_KEYS, configSchema } from './schema.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-config-fuzz-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const secrets = fakeSecrets('http://127.0.0.1:9');
const FULL = { ...configSchema.parse({}), ...secrets.config, notify_channels: secrets.channels, notify_quiet_hours: '22:00-07:00' } as Record<string, unknown>;
const GOLDEN = [
  YAML.stringify(FULL),
  YAML.stringify(FULL, { collectionStyle: 'flow' }),
  `bind_port: 2055\nscan_ports: 22,80,443\nbase: &b { name: x, type: webhook, url: "http://127.0.0.1:9/h", hmac_key: ${secrets.config.ha_token} }\nnotify_channels: [*b]\n`,
];

/** Loads and checks one attempt: success, or a HomesecError; no secret anywhere in what is printed. */
function attempt(load: () => LoadedConfig): void {
  let printed = '';
  try {
    const loaded = load();
    printed = `${loaded.warnings.join('\n')}\n${JSON.stringify(maskSecrets(loaded.config))}`;
  } catch (err) {
    if (!(err instanceof HomesecError)) throw new Error(`loader threw ${String(err)} (not a HomesecError)`, { cause: err });
    expect(['CONFIG_INVALID', 'CONFIG_UNREADABLE']).toContain(err.code);
    printed = err.message;
  }
  // Key names are echoed by design (a misspelt option is named); a mutation that splices a
  // secret into a key name is not a leak of a value.
  const values = printed
    .replace(/unknown option ".*?" is not used/g, 'unknown option <key>')
    .replace(/Unrecognized keys?: (?:"[^"\n]*"(?:, )?)+/g, 'Unrecognized key')
    .replace(/"(?:[^"\\\n]|\\.)*":/g, '"<key>":');
  const leaks = secretLeaks(values);
  if (leaks.length > 0) throw new Error(`secret in loader output: ${JSON.stringify(leaks)}`);
}

describe('config loader fuzz', () => {
  it('fuzz: mutated complete homesec.yaml files', async ({ task }) => {
    const file = path.join(dir, 'homesec.yaml');
    // Config files are small; a megabyte of YAML only measures the YAML library's speed.
    await fuzz(task, 'config/homesec.yaml', mutatedText(GOLDEN).map((t) => t.slice(0, 64 * 1024)), (text) => {
      fs.writeFileSync(file, text);
      attempt(() => loadConfig({ configPath: file, env: {} }));
    }, 120);
  });

  it('fuzz: hostile HOMESEC_* variables and add-on options over secrets', async ({ task }) => {
    const keys = fc.constantFrom(...CONFIG_KEYS);
    const input = fc.record({
      env: fc.dictionary(keys.map((k) => `HOMESEC_${k.toUpperCase()}`), hostileString, { maxKeys: 6 }),
      addon: fc.dictionary(fc.oneof(keys, hostileString), hostileValue, { maxKeys: 6 }),
    });
    await fuzz(task, 'config/env and add-on options', input, ({ env, addon }) => {
      attempt(() => loadConfig({ configPath: path.join(dir, 'absent.yaml'), env, addonOptions: { ...secrets.config, notify_channels: secrets.channels, ...addon } }));
    }, 1500);
  });
});
