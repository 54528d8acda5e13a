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

  it('keeps IPv4 keys (by number) and other texts (by string) apart, and evicts and expires both', () => {
    const m = createMetrics();
    const t = new BoundedTable(3, m, 'x', () => new E());
    const a = t.track('10.0.0.1');
    const b = t.track('2001:db8::1');
    const c = t.track('10.0.0.01'); // not canonical: its own key
    expect(t.get('10.0.0.1')).toBe(a);
    expect(t.get('10.0.0.1', 0x0a000001)).toBe(a);
    expect(t.get('2001:db8::1')).toBe(b);
    expect(t.get('10.0.0.01')).toBe(c);
    expect(t.size).toBe(3);
    b.touched = true;
    c.touched = true;
    t.track('10.0.0.2'); // a (untouched) goes
    expect(t.get('10.0.0.1')).toBeUndefined();
    expect(t.get('2001:db8::1')).toBe(b);
    expect(t.size).toBe(3);
    t.tick(1000, 10);
    t.tick(2000, 10); // all idle
    expect(t.size).toBe(0);
    expect(t.get('2001:db8::1')).toBeUndefined();
    expect(t.get('10.0.0.2')).toBeUndefined();
  });
});

