/**
 * The daemon's own memory as Prometheus gauges, sampled when /metrics is rendered (cheap: one
 * process.memoryUsage() call). Rules: one family, `homesec_process_memory_bytes`, with a
 * bounded `area` label: rss (the whole process, every thread), heap_used and heap_total (the
 * main thread's V8 heap), external (memory outside that heap held by its objects, array
 * buffers included) and array_buffers (ArrayBuffer and Buffer backing stores).
 */
import type { Metrics } from './metrics.js';

export const PROCESS_MEMORY_METRIC = 'homesec_process_memory_bytes';

/** Sets the memory gauges to the current values. */
export function sampleProcessMemory(metrics: Metrics): void {
  const m = process.memoryUsage();
  metrics.describe(PROCESS_MEMORY_METRIC, 'gauge', 'Memory of the homesec process by area (rss: whole process; heap_used, heap_total, external, array_buffers: the main thread).');
  metrics.set(PROCESS_MEMORY_METRIC, m.rss, { area: 'rss' });
  metrics.set(PROCESS_MEMORY_METRIC, m.heapUsed, { area: 'heap_used' });
  metrics.set(PROCESS_MEMORY_METRIC, m.heapTotal, { area: 'heap_total' });
  metrics.set(PROCESS_MEMORY_METRIC, m.external, { area: 'external' });
  metrics.set(PROCESS_MEMORY_METRIC, m.arrayBuffers, { area: 'array_buffers' });
}
