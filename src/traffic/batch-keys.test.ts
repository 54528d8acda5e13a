import { describe, expect, it } from 'vitest';
import { createMetrics } from '../core/metrics.js';
import { flow as kitFlow } from '../detect/test-kit.js';
import type { FlowRecord } from '../flow/types.js';
import { BatchKeys, DIR, fillBatchKeys } from './batch-keys.js';
import { createClassifier } from './classifier.js';
import { createTrafficTracker } from './traffic-tracker.js';

const flow = (src: string, dst: string): FlowRecord => kitFlow({ srcAddr: src, dstAddr: dst, ipVersion: src.includes(':') ? 6 : 4 });

const cfg = { internal_networks: ['192.168.0.0/16', 'fd00::/8'], flow_retention_hours: 24, external_ip_retention_hours: 24 };
const batch = [
  flow('192.168.1.10', '8.8.8.8'),
  flow('8.8.8.8', '192.168.1.10'),
  flow('192.168.1.10', '192.168.1.11'),
  flow('8.8.8.8', '1.1.1.1'),
  flow('fd00::1', '2001:db8::1'),
  flow('192.168.001.010', '8.8.8.8'),
  flow('255.255.255.255', '192.168.1.10'),
];

describe('batch keys', () => {
  it('fillBatchKeys gives numbers (-1 for IPv6 and non-canonical text) and directions', () => {
    const k = fillBatchKeys(batch, createClassifier(cfg.internal_networks), new BatchKeys());
    expect(k.length).toBe(batch.length);
    expect([...k.dir.subarray(0, k.length)]).toEqual([DIR.outbound, DIR.inbound, DIR.internal, DIR.transit, DIR.outbound, DIR.outbound, DIR.inbound]);
    expect([...k.src.subarray(0, k.length)]).toEqual([0xc0a8010a, 0x08080808, 0xc0a8010a, 0x08080808, -1, -1, 0xffffffff]);
    expect(k.dst[3]).toBe(0x01010101);
  });

  it("the tracker's keysOf gives the same for its last batch only, and grows past the initial size", () => {
    const t = createTrafficTracker(cfg, { metrics: createMetrics(), detectors: [] });
    const big = Array.from({ length: 200 }, (_, i) => batch[i % batch.length] as FlowRecord);
    const own = fillBatchKeys(big, createClassifier(cfg.internal_networks), new BatchKeys());
    expect(t.keysOf(big)).toBeUndefined();
    t.ingest(big);
    const k = t.keysOf(big);
    expect(k?.length).toBe(200);
    expect([...(k?.dir.subarray(0, 200) ?? [])]).toEqual([...own.dir.subarray(0, 200)]);
    expect([...(k?.src.subarray(0, 200) ?? [])]).toEqual([...own.src.subarray(0, 200)]);
    expect([...(k?.dst.subarray(0, 200) ?? [])]).toEqual([...own.dst.subarray(0, 200)]);
    expect(t.keysOf([...big])).toBeUndefined();
    t.ingest(batch);
    expect(t.keysOf(big)).toBeUndefined();
    expect(t.keysOf(batch)?.length).toBe(batch.length);
  });
});
