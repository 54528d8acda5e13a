import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buttonOf, discoveryTopic, ownDiscoveryFilter, safeId, topicNames } from './topics.js';

describe('safeId', () => {
  it('keeps plain ids and changes others into [a-z0-9_] with a hash', () => {
    expect(safeId('homesec')).toBe('homesec');
    expect(safeId('42')).toBe('42');
    expect(safeId('Home-Sec')).toMatch(/^home_sec_[0-9a-f]{10}$/);
    expect(safeId('')).toMatch(/^[0-9a-f]{10}$/);
    expect(safeId('+/#')).toMatch(/^[0-9a-f]{10}$/);
  });

  it('is safe, bounded, deterministic and tells different inputs apart', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300 }), (a, b) => {
        const x = safeId(a);
        expect(x).toMatch(/^[a-z0-9_]{1,64}$/);
        expect(safeId(a)).toBe(x);
        if (a !== b) expect(safeId(b)).not.toBe(x);
      }),
      { numRuns: 500 },
    );
    // The classic collisions of a plain replace: case and punctuation variants.
    expect(new Set(['dev-1', 'dev_1', 'DEV_1', 'dev 1', 'dev/1'].map(safeId)).size).toBe(5);
  });
});

describe('topics', () => {
  it('builds discovery topics under the node id and the own-discovery filter', () => {
    const t = topicNames('ha/disc', 'my-homesec');
    expect(t.node).toBe(safeId('my-homesec'));
    expect(discoveryTopic(t, 'sensor', 'total_flows')).toBe(`ha/disc/sensor/${t.node}/total_flows/config`);
    expect(ownDiscoveryFilter(t)).toBe(`ha/disc/+/${t.node}/+/config`);
    expect(t.haStatus).toBe('ha/disc/status');
    expect(t.availability).toBe('my-homesec/availability');
  });

  it('buttonOf accepts only <base>/button/<id>/press with a safe id', () => {
    const t = topicNames('homeassistant', 'homesec');
    expect(buttonOf(t, 'homesec/button/trigger_scan/press')).toBe('trigger_scan');
    expect(buttonOf(t, 'homesec/button/a/b/press')).toBeUndefined();
    expect(buttonOf(t, 'homesec/button//press')).toBeUndefined();
    expect(buttonOf(t, 'other/button/trigger_scan/press')).toBeUndefined();
    expect(buttonOf(t, 'homesec/button/trigger_scan/set')).toBeUndefined();
  });
});
