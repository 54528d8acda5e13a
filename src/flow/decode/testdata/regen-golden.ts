/**
 * Regenerates the golden .bin/.json files (test-only tool).
 *
 * Rules: run `npx tsx src/flow/decode/testdata/regen-golden.ts` only after an intended change,
 * then review every JSON diff by eye before committing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { GOLDEN_CASES } from './golden-cases.js';
import { GOLDEN_DIR, decodeGolden, goldenPaths } from './golden.js';

mkdirSync(GOLDEN_DIR, { recursive: true });
for (const c of GOLDEN_CASES) {
  const buf = c.build();
  const { bin, json } = goldenPaths(c.name);
  writeFileSync(bin, buf);
  writeFileSync(json, JSON.stringify(decodeGolden(c, buf), null, 2) + '\n');
  console.log(`${c.name}: ${buf.length} bytes`);
}
