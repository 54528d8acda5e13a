/**
 * Loader for the NetFlow v5 and sFlow golden datagrams in this directory (*.bin / *.json,
 * written by gen-golden.ts). The v9/IPFIX goldens live in golden/ with their own helpers.
 *
 * Rules: test-only helper; synchronous reads, throws if a golden file is missing (a broken
 * checkout must fail loudly, not skip tests).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DecodeResult } from '../../types.js';

const HERE = dirname(fileURLToPath(import.meta.url));

/** One golden datagram and the decode result it must produce. */
export interface Golden {
  name: string;
  buf: Buffer;
  exporter: string;
  nowMs: number;
  expected: DecodeResult;
}

export const GOLDEN_V5 = ['v5-basic', 'v5-sampled-wrap'] as const;
export const GOLDEN_SFLOW = ['sflow-basic', 'sflow-v6-agent'] as const;

/** Reads `<name>.bin` and `<name>.json`. */
export function loadGolden(name: string): Golden {
  const buf = readFileSync(join(HERE, `${name}.bin`));
  const meta = JSON.parse(readFileSync(join(HERE, `${name}.json`), 'utf8')) as Omit<Golden, 'name' | 'buf'>;
  return { name, buf, ...meta };
}
