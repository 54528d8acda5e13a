/**
 * NetFlow v5 decoder fuzz test: 150,000 seeded cases (random bytes + mutations of the golden
 * and encoder-made datagrams); no throw, well-formed results, bounded per-datagram time.
 *
 * Rules: deterministic seed so a failure reproduces; keep the run well under 15 s.
 */
import { describe, expect, it } from 'vitest';
import { recordFuzzRun } from '../../../test/support/reliability-meta.js';
import { decodeV5 } from './v5.js';
import { GOLDEN_V5, loadGolden } from './testdata/golden-v5-sflow.js';
import { runFuzz } from './testdata/fuzz-harness.js';
import { encodeV5 } from '../encode/v5.js';
import { mulberry32, randomFlowRecords } from '../encode/random-records.js';

/** FUZZ_CASES overrides (npm run fuzz runs 2,000,000). */
const CASES = Number(process.env.FUZZ_CASES ?? 150_000);

describe('decodeV5 fuzz', () => {
  it(`survives ${CASES} mutated datagrams`, ({ task }) => {
    const seeds = GOLDEN_V5.map((n) => loadGolden(n).buf);
    const rng = mulberry32(7);
    seeds.push(
      ...encodeV5(randomFlowRecords(45, rng), { sysUptimeMs: 0xfffff000, unixMs: 1_700_000_000_123, sequence: 9,
        samplingInterval: 64 }),
    );
    const stats = recordFuzzRun(task, CASES, () => runFuzz((b) => decodeV5(b, '192.0.2.1'), seeds, Buffer.from([0, 5]), CASES, 0x5eed5));
    console.log(`v5 fuzz: ${stats.cases} cases, ${stats.records} records, ${stats.totalMs.toFixed(0)} ms, ` +
      `max ${stats.maxMs.toFixed(2)} ms, >5 ms: ${stats.slowCases}`);
    expect(stats.cases).toBe(CASES);
    expect(stats.slowCases).toBeLessThanOrEqual(CASES / 10_000);
  });
});
