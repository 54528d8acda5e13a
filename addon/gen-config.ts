/**
 * Writes addon/config.yaml from the config schema (src/homeassistant/addon-schema.ts) with
 * the version of package.json. Run: `npx tsx addon/gen-config.ts`.
 */
import fs from 'node:fs';
import { renderAddonConfig } from '../src/homeassistant/addon-schema.js';

const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
fs.writeFileSync(new URL('./config.yaml', import.meta.url), renderAddonConfig(pkg.version));
process.stdout.write(`addon/config.yaml written for homesec ${pkg.version}\n`);
