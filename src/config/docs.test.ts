import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderConfigTable } from './docs.js';
import { CONFIG_KEYS } from './schema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('generated configuration docs', () => {
  it('list every option', () => {
    const table = renderConfigTable();
    for (const k of CONFIG_KEYS) expect(table).toContain(`| \`${k}\` |`);
  });
  it('README.md and docs/configuration.md are current with the schema', () => {
    expect(() =>
      execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/gen-config-docs.ts'), '--check'], { cwd: root, stdio: 'pipe' }),
    ).not.toThrow();
  });
});
