/**
 * Renders the configuration reference (Markdown) from the schema. Rules: generated only,
 * never hand-edited; defaults are shown as a person writes them; secrets say so.
 */
import { defaultAsWritten } from './json-schema.js';
import { CONFIG_KEYS, configSchema, describeKey } from './schema.js';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The Markdown table: option | default | description. */
export function renderConfigTable(): string {
  const defaults = configSchema.parse({});
  const rows = CONFIG_KEYS.map((key) => {
    const { description, secret } = describeKey(key);
    const def = defaultAsWritten(key, defaults[key]);
    const shown = def === '' ? '(empty)' : `\`${cell(String(def))}\``;
    return `| \`${key}\` | ${shown} | ${cell(description)}${secret ? ' Secret: masked in output, never logged.' : ''} |`;
  });
  return ['| Option | Default | Description |', '|---|---|---|', ...rows, ''].join('\n');
}
