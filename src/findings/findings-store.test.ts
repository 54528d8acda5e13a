import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEventBus } from '../core/events.js';
import { createSilentLogger } from '../core/logger.js';
import { createMetrics } from '../core/metrics.js';
import { DISMISSED_FILE } from '../store/state-files.js';
import { createStore, type Store } from '../store/store.js';
import { createFindingsStore } from './findings-store.js';
import type { FindingReport } from './types.js';

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-findings-'));
  store = createStore({ data_dir: dir }, { log: createSilentLogger() });
  await store.start();
});
afterEach(async () => {
  await store.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const report = (over: Partial<FindingReport> = {}): FindingReport => ({
  key: 'port_scan:192.168.1.20',
  category: 'port_scan',
  severity: 'high',
  sourceIp: '192.168.1.20',
  title: 'Port scan from 192.168.1.20',
  detail: '25 ports in 300 s',
  atMs: 1000,
  evidence: { ports: 25 },
  ...over,
});

function make() {
  const bus = createEventBus();
  const events: string[] = [];
  bus.on('finding.new', (f) => events.push(`new ${f.key}`));
  bus.on('finding.updated', (f) => events.push(`upd ${f.key} x${f.occurrences}`));
  return { f: createFindingsStore({ store, bus, log: createSilentLogger(), metrics: createMetrics() }), events };
}

describe('findings store', () => {
  it('upserts by key: occurrences count, first seen kept, severity only rises', async () => {
    const { f, events } = make();
    await f.start();
    f.report(report());
    f.report(report({ atMs: 5000, severity: 'medium', detail: '40 ports' }));
    const got = f.get('port_scan:192.168.1.20');
    expect(got).toMatchObject({ occurrences: 2, firstSeenMs: 1000, lastSeenMs: 5000, severity: 'high', detail: '40 ports' });
    expect(events).toEqual(['new port_scan:192.168.1.20', 'upd port_scan:192.168.1.20 x1', 'upd port_scan:192.168.1.20 x2']);
    expect(f.openActionableCount()).toBe(1);
  });

  it('dismissals are written to homesec_dismissed.yaml at once and survive a restart with the findings', async () => {
    const a = make().f;
    await a.start();
    a.report(report());
    a.report(report({ key: 'suspicious_port:192.168.1.30', category: 'suspicious_port', sourceIp: '192.168.1.30' }));
    expect(a.dismiss('port_scan:192.168.1.20')).toBe(true);
    expect(fs.readFileSync(path.join(dir, DISMISSED_FILE), 'utf8')).toContain('- port_scan:192.168.1.20');
    const b = make().f;
    await b.start();
    expect(b.get('port_scan:192.168.1.20')?.dismissed).toBe(true);
    expect(b.list().map((x) => x.key)).toEqual(['suspicious_port:192.168.1.30']);
    expect(b.list({ includeDismissed: true })).toHaveLength(2);
    expect(b.undismiss('port_scan:192.168.1.20')).toBe(true);
    expect(fs.readFileSync(path.join(dir, DISMISSED_FILE), 'utf8')).not.toContain('port_scan');
  });

  it('bounds attacker-influenced text and evidence', async () => {
    const { f } = make();
    await f.start();
    f.report(report({ title: 'x'.repeat(5000), evidence: { blob: 'y'.repeat(100_000) } }));
    const b = make().f;
    await b.start();
    const got = b.get('port_scan:192.168.1.20');
    expect(got?.title.length).toBeLessThanOrEqual(1001);
    expect(JSON.stringify(got?.evidence).length).toBeLessThan(9000);
  });
});
