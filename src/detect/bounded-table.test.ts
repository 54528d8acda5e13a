import { describe, expect, it } from 'vitest';
import { createMetrics } from '../core/metrics.js';
import { BoundedTable, type TableEntry } from './bounded-table.js';
import { EVICTIONS_METRIC, NOT_SEEN, TRACKED_METRIC } from './clock-ring.js';

class E implements TableEntry {
  slot = -1;
  touched = false;
  seenMs = NOT_SEEN;
  key = '';
  resets = 0;
  reset(): void {
    this.resets++;
  }
}

describe('BoundedTable', () => {
  it('tracks up to capacity, then recycles the CLOCK victim and counts the eviction', () => {
    const m = createMetrics();
    let created = 0;
    const t = new BoundedTable(2, m, 'x', () => (created++, new E()));
    const a = t.track('a');
    expect(a).toMatchObject({ key: 'a', touched: false, seenMs: NOT_SEEN, resets: 1 });
    t.track('b');
    a.touched = true;
    const c = t.track('c'); // b is untouched, so it goes; its object is reused
    expect(created).toBe(2);
    expect(c.key).toBe('c');
    expect(c.resets).toBe(2);
    expect(t.get('b')).toBeUndefined();
    expect(t.get('a')).toBe(a);
    expect(t.size).toBe(2);
    t.tick(1000, 10);
    expect(m.get(EVICTIONS_METRIC, { detector: 'x' })).toBe(1);
    expect(m.get(TRACKED_METRIC, { detector: 'x' })).toBe(2);
  });

  it('tick() visits every entry, expires idle ones by ingest time and stamps new ones with tickMs', () => {
    const m = createMetrics();
    const t = new BoundedTable(4, m, 'x', () => new E());
    t.track('a'); // touched before the first tick: stamped, kept
    const visited: string[] = [];
    t.tick(1000, 10, (e) => visited.push(e.key));
    expect(visited).toEqual(['a']);
    expect(t.tickMs).toBe(1000);
    expect(t.track('b').seenMs).toBe(1000);
    t.tick(1011, 10);
    expect(t.get('a')).toBeUndefined();
    expect(t.get('b')).toBeUndefined();
    expect(t.size).toBe(0);
    expect(m.get(TRACKED_METRIC, { detector: 'x' })).toBe(0);
  });
});
