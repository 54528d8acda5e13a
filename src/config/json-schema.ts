/**
 * JSON Schema of the config, generated from the zod schema (never written by hand). Rules:
 * describes what a config FILE may contain (the input side: numbers may be numeric
 * strings, lists may be comma-separated strings); each property carries its description,
 * its default in the form a person would write it, and `writeOnly: true` for secrets.
 */
import { z } from 'zod';
import { formatPortSpec } from './fields.js';
import { CONFIG_KEYS, configSchema, describeKey, type Config } from './schema.js';

/** A default value in the form a person writes it in homesec.yaml. */
export function defaultAsWritten(key: keyof Config, value: unknown): unknown {
  if (Array.isArray(value)) {
    if (key.endsWith('ports')) return formatPortSpec(value as number[]);
    return (value as unknown[]).join(',');
  }
  return value;
}

/** The JSON Schema (draft 2020-12) of homesec.yaml. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as {
    properties: Record<string, Record<string, unknown>>;
  } & Record<string, unknown>;
  const defaults = configSchema.parse({});
  for (const key of CONFIG_KEYS) {
    const prop = schema.properties[key];
    if (!prop) continue;
    prop.default = defaultAsWritten(key, defaults[key]);
    if (describeKey(key).secret) prop.writeOnly = true;
    delete prop.secret;
  }
  schema.title = 'homesec configuration (homesec.yaml)';
  return schema;
}
