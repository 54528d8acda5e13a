/**
 * A vitest reporter that ends the run with the plain closing line CI tools read:
 * "tests: N passed, N failed, N skipped" (the default reporter's summary is kept too),
 * preceded by the reliability suite's figures when any test recorded them
 * (test/support/reliability-meta.ts).
 */
import type { Reporter } from 'vitest/reporters';
import { formatReliability, mergeReliability, type ReliabilityMeta } from './reliability-meta.js';

interface TaskLike {
  type: string;
  meta?: { reliability?: ReliabilityMeta };
  mode?: string;
  result?: { state?: string };
  tasks?: TaskLike[];
}

function count(tasks: readonly TaskLike[], acc: { passed: number; failed: number; skipped: number; reliability: ReliabilityMeta[] }): void {
  for (const t of tasks) {
    if (t.meta?.reliability) acc.reliability.push(t.meta.reliability);
    if (t.tasks) count(t.tasks, acc);
    if (t.type !== 'test') continue;
    const state = t.result?.state;
    if (state === 'pass') acc.passed++;
    else if (state === 'fail') acc.failed++;
    else acc.skipped++;
  }
}

export default class SummaryReporter implements Reporter {
  onFinished(files: readonly TaskLike[] = [], errors: readonly unknown[] = []): void {
    const acc = { passed: 0, failed: 0, skipped: 0, reliability: [] as ReliabilityMeta[] };
    count(files, acc);
    const reliability = mergeReliability(acc.reliability);
    if (reliability) process.stdout.write(`\n${formatReliability(reliability)}\n`);
    // a file that failed to load or an unhandled error is a failure too
    const failed = acc.failed + errors.length + files.filter((f) => f.result?.state === 'fail' && !f.tasks?.length).length;
    process.stdout.write(`\ntests: ${acc.passed} passed, ${failed} failed, ${acc.skipped} skipped\n`);
  }
}
