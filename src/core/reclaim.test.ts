import { describe, expect, it } from 'vitest';
import { MIN_INTERVAL_MS, reclaimAfterBurst } from './reclaim.js';

describe('reclaimAfterBurst', () => {
  it('runs a full collection, then none until MIN_INTERVAL_MS has passed', () => {
    const t = 1e12;
    expect(reclaimAfterBurst(t)).toBe(true);
    expect(reclaimAfterBurst(t + MIN_INTERVAL_MS - 1)).toBe(false);
    expect(reclaimAfterBurst(t + MIN_INTERVAL_MS)).toBe(true);
  });
});
