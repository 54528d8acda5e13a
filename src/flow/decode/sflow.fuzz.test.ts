/**
 * sFlow v5 decoder fuzz test: 150,000 seeded cases (random bytes + mutations of the golden
 * and encoder-made datagrams); no throw, well-formed results, bounded per-datagram time.
 *
 * Rules: deterministic seed so a failure reproduces; keep the run well under 15 s.
 */
import { describe, expect, it } from 'vitest';
import { recordFuzzRun } from '../../../test/support/reliability-meta.js';
import { decodeSflow } from './sflow.js';
import { GOLDEN_SFLOW, loadGolden } from './testdata/golden-v5-sflow.js';
import { runFuzz } from './testdata/fuzz-harness.js';
import { encodeSflow } from '../encode/sflow.js';
import { mulberry32, randomFlowRecords } from '../encode/random-records.js';

/** FUZZ_CASES overrides (npm run fuzz runs 2,000,000). */
const CASES = Number(process.env.FUZZ_CASES ?? 150_000);

describe('decodeSflow fuzz', () => {
  it(`survives ${CASES} mutated datagrams`, ({ task }) => {
    const seeds = GOLDEN_SFLOW.map((n) => loadGolden(n).buf);
    const rng = mulberry32(11);
    const recs = randomFlowRecords(20, rng, { ipv6Share: 0.4, sflow: true, samplingRate: 256 });
    seeds.push(...encodeSflow(recs, { agentAddress: '10.0.0.1', sequence: 1, uptimeMs: 5000 }));
    seeds.push(...encodeSflow(recs, { agentAddress: '2001:db8::2', sequence: 1, uptimeMs: 5000, expanded: true,
      vlanId: 42 }));
    const stats = recordFuzzRun(task, CASES, () => runFuzz((b) => decodeSflow(b, '192.0.2.1', 1_700_000_000_000), seeds,
      Buffer.from([0, 0, 0, 5]), CASES, 0x5f10));
    console.log(`sFlow fuzz: ${stats.cases} cases, ${stats.records} records, ${stats.totalMs.toFixed(0)} ms, ` +
      `max ${stats.maxMs.toFixed(2)} ms, >5 ms: ${stats.slowCases}`);
    expect(stats.cases).toBe(CASES);
    expect(stats.slowCases).toBeLessThanOrEqual(CASES / 10_000);
  });
});
