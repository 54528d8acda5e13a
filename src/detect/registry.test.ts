import { describe, expect, it } from 'vitest';
import { DETECTORS } from './registry.js';
import { T0, flow, testContext } from './test-kit.js';

describe('detector registry', () => {
  it('lists each detector once, under the name it reports', () => {
    const names = DETECTORS.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(['suspicious_port', 'port_scan', 'high_egress', 'beaconing']);
    const { ctx } = testContext();
    for (const d of DETECTORS) {
      const det = d.create(ctx);
      expect(det.name).toBe(d.name);
      det.observe(flow(), 'internal');
      det.observe(flow({ dstAddr: '203.0.113.1', dstPort: 445 }), 'outbound');
      det.tick(T0);
      expect(det.size()).toBeGreaterThanOrEqual(0);
    }
  });
});
