/**
 * Test support: the figures of the reliability suite (fuzzing, flood, kill -9, abuse), carried
 * from each test to the summary reporter in vitest's task meta (it crosses the worker
 * boundary). Rules: `counts` are added up over the whole run (cases fuzzed, crashes, rounds,
 * corruptions, secrets found); `figures` are measurements reported as the test saw them
 * (p99, RSS), each prefixed by its test so nothing is averaged or overwritten silently.
 */
export interface ReliabilityCounts {
  fuzzTargets?: number;
  fuzzCases?: number;
  fuzzCrashes?: number;
  floodRuns?: number;
  killRounds?: number;
  corruptions?: number;
  lostAcknowledged?: number;
  duplicateNotifications?: number;
  secretsScanned?: number;
  secretsFound?: number;
}

export interface ReliabilityMeta {
  counts: ReliabilityCounts;
  /** Display figures, e.g. {"flood p99": "12.3 ms"}. */
  figures: Record<string, string>;
}

declare module 'vitest' {
  interface TaskMeta {
    reliability?: ReliabilityMeta;
  }
}

/** The part of a vitest task this module needs (the `task` of a test context). */
export interface TaskWithMeta {
  meta: { reliability?: ReliabilityMeta };
}

/** Adds `counts` (and sets `figures`) on the test's reliability meta. */
export function recordReliability(task: TaskWithMeta, counts: ReliabilityCounts, figures: Record<string, string> = {}): void {
  const m = (task.meta.reliability ??= { counts: {}, figures: {} });
  for (const [k, v] of Object.entries(counts) as [keyof ReliabilityCounts, number][]) m.counts[k] = (m.counts[k] ?? 0) + v;
  Object.assign(m.figures, figures);
}

/** Sums the meta of many tests (used by the summary reporter). */
export function mergeReliability(metas: readonly ReliabilityMeta[]): ReliabilityMeta | undefined {
  if (metas.length === 0) return undefined;
  const out: ReliabilityMeta = { counts: {}, figures: {} };
  for (const m of metas) {
    for (const [k, v] of Object.entries(m.counts) as [keyof ReliabilityCounts, number][]) out.counts[k] = (out.counts[k] ?? 0) + v;
    Object.assign(out.figures, m.figures);
  }
  return out;
}

/** The closing lines of the reliability summary. */
export function formatReliability(m: ReliabilityMeta): string {
  const c = m.counts;
  const n = (v: number | undefined) => (v ?? 0).toLocaleString('en-US');
  const lines: string[] = [];
  if (c.fuzzTargets) lines.push(`fuzz: ${n(c.fuzzCases)} cases over ${n(c.fuzzTargets)} targets, crashes: ${n(c.fuzzCrashes)}`);
  if (c.floodRuns) lines.push(`flood: ${n(c.floodRuns)} run(s)`);
  if (c.killRounds) {
    lines.push(
      `kill -9: ${n(c.killRounds)} rounds, corruptions: ${n(c.corruptions)}, acknowledged but lost: ${n(c.lostAcknowledged)}, ` +
        `notifications sent twice: ${n(c.duplicateNotifications)}`,
    );
  }
  if (c.secretsScanned) lines.push(`secrets: ${n(c.secretsScanned)} responses/lines/files scanned, secrets found: ${n(c.secretsFound)}`);
  for (const [k, v] of Object.entries(m.figures).sort(([a], [b]) => a.localeCompare(b))) lines.push(`  ${k}: ${v}`);
  return lines.map((l) => `reliability ${l}`).join('\n');
}

/** Runs a fuzz loop that is not built on fuzz.ts (e.g. the flow decoders' own harness) and records its cases, or a crash when it throws. */
export function recordFuzzRun<T>(task: TaskWithMeta, cases: number, run: () => T): T {
  try {
    const r = run();
    recordReliability(task, { fuzzTargets: 1, fuzzCases: cases, fuzzCrashes: 0 });
    return r;
  } catch (err) {
    recordReliability(task, { fuzzTargets: 1, fuzzCases: cases, fuzzCrashes: 1 });
    throw err;
  }
}
