/**
 * Golden-file helpers shared by the golden tests and regen-golden.ts (test-only).
 *
 * Rules: a golden case is decoded with a fresh TemplateStore; the JSON holds the full
 * DecodeResult plus the store's template count, so any behaviour change shows up as a diff.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DecodeResult } from '../../types.js';
import { decodeIpfix } from '../ipfix.js';
import { TemplateStore } from '../template-store.js';
import { decodeV9 } from '../v9.js';
import type { GoldenCase } from './golden-cases.js';

export const GOLDEN_DIR = join(fileURLToPath(new URL('.', import.meta.url)), 'golden');

export function goldenPaths(name: string): { bin: string; json: string } {
  return { bin: join(GOLDEN_DIR, `${name}.bin`), json: join(GOLDEN_DIR, `${name}.json`) };
}

export interface GoldenOutput {
  result: DecodeResult;
  templates: number;
}

export function decodeGolden(c: GoldenCase, buf: Buffer): GoldenOutput {
  const store = new TemplateStore();
  const result = c.decoder === 'v9' ? decodeV9(buf, c.exporter, store, c.nowMs) : decodeIpfix(buf, c.exporter, store, c.nowMs);
  return { result, templates: store.templateCount() };
}
