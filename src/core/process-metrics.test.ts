import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';
import { PROCESS_MEMORY_METRIC, sampleProcessMemory } from './process-metrics.js';

describe('process memory gauges', () => {
  it('renders rss, heap_used, heap_total, external and array_buffers as one gauge family', () => {
    const metrics = createMetrics();
    sampleProcessMemory(metrics);
    const text = metrics.render();
    expect(text).toContain(`# TYPE ${PROCESS_MEMORY_METRIC} gauge`);
    for (const area of ['rss', 'heap_used', 'heap_total', 'external', 'array_buffers']) {
      expect(text).toMatch(new RegExp(`^${PROCESS_MEMORY_METRIC}\\{area="${area}"\\} \\d+$`, 'm'));
    }
    expect(metrics.get(PROCESS_MEMORY_METRIC, { area: 'rss' })).toBeGreaterThan(metrics.get(PROCESS_MEMORY_METRIC, { area: 'heap_used' }));
  });
});
