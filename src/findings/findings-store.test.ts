import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEventBus } from '../core/events.js';
import { createSilentLogger } from '../core/logger.js';
import { createMetrics } from '../core/metrics.js';
import { openDatabase } from '../store/database.js';
import { MIGRATIONS } from '../store/migrations.js';
import { DISMISSED_FILE } from '../store/state-files.js';
import { DB_FILE, createStore, type Store } from '../store/store.js';
import { createFindingsStore } from './findings-store.js';
import { isActionable, type FindingReport } from './types.js';

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
  bus.on('finding.updated', (f) => events.push(`upd ${f.key} x${f.occurrences}${f.dismissed ? ' dismissed' : ''}`));
  return { f: createFindingsStore({ store, bus, log: createSilentLogger(), metrics: createMetrics() }), events };
}

/** Restarts the store on a database that has the inventory migration (the remediation column). */
async function withRemediationColumn() {
  await store.stop();
  openDatabase(path.join(dir, DB_FILE), MIGRATIONS).db.close();
  store = createStore({ data_dir: dir }, { log: createSilentLogger() });
  await store.start();
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

  it('counts repeats of one key as occurrences of one finding, over a restart too', async () => {
    const a = make().f;
    await a.start();
    for (let i = 0; i < 5; i++) a.report(report({ atMs: 1000 + i * 100 }));
    const b = make().f;
    await b.start();
    b.report(report({ atMs: 9000 }));
    expect(b.list({ includeDismissed: true })).toHaveLength(1);
    expect(b.get('port_scan:192.168.1.20')).toMatchObject({ occurrences: 6, firstSeenMs: 1000, lastSeenMs: 9000 });
  });

  it('dismiss and undismiss emit finding.updated once per change; actionable follows', async () => {
    const { f, events } = make();
    await f.start();
    f.report(report());
    f.report(report({ key: 'new_device:aa:bb:cc:dd:ee:ff', category: 'new_device', severity: 'low' }));
    events.length = 0;
    expect(f.dismiss('port_scan:192.168.1.20')).toBe(true);
    expect(f.dismiss('port_scan:192.168.1.20')).toBe(true);
    expect(f.openActionableCount()).toBe(0);
    expect(f.list({ includeDismissed: true, actionableOnly: true })).toEqual([]);
    expect(f.undismiss('port_scan:192.168.1.20')).toBe(true);
    expect(events).toEqual(['upd port_scan:192.168.1.20 x1 dismissed', 'upd port_scan:192.168.1.20 x1']);
    expect(f.list({ actionableOnly: true }).map((x) => x.key)).toEqual(['port_scan:192.168.1.20']);
    expect(f.list({ category: 'new_device' }).map((x) => x.key)).toEqual(['new_device:aa:bb:cc:dd:ee:ff']);
    expect(f.undismiss('no:such')).toBe(false);
  });

  it('a key removed from homesec_dismissed.yaml restores its finding at the next reload; an added one dismisses', async () => {
    const { f, events } = make();
    await f.start();
    f.report(report());
    f.report(report({ key: 'suspicious_port:192.168.1.30', category: 'suspicious_port', sourceIp: '192.168.1.30' }));
    f.dismiss('port_scan:192.168.1.20');
    events.length = 0;
    fs.writeFileSync(path.join(dir, DISMISSED_FILE), '# edited by hand\n- suspicious_port:192.168.1.30\n');
    expect(f.reloadDismissed()).toEqual({ dismissed: ['suspicious_port:192.168.1.30'], restored: ['port_scan:192.168.1.20'] });
    expect(f.get('port_scan:192.168.1.20')?.dismissed).toBe(false);
    expect(f.get('suspicious_port:192.168.1.30')?.dismissed).toBe(true);
    expect(events).toEqual(['upd suspicious_port:192.168.1.30 x1 dismissed', 'upd port_scan:192.168.1.20 x1']);
    expect(f.reloadDismissed()).toEqual({ dismissed: [], restored: [] });
  });

  it('a dismissed file that no longer parses is moved aside and rewritten from memory, nothing restored', async () => {
    const { f } = make();
    await f.start();
    f.report(report());
    f.dismiss('port_scan:192.168.1.20');
    fs.writeFileSync(path.join(dir, DISMISSED_FILE), '- [unclosed\n');
    expect(f.reloadDismissed()).toEqual({ dismissed: [], restored: [] });
    expect(f.get('port_scan:192.168.1.20')?.dismissed).toBe(true);
    expect(fs.readFileSync(path.join(dir, DISMISSED_FILE), 'utf8')).toContain('- port_scan:192.168.1.20');
    expect(fs.readdirSync(dir).some((n) => n.startsWith(`${DISMISSED_FILE}.invalid-`))).toBe(true);
  });

  it('keeps the remediation hint (bounded) across a restart when the column exists', async () => {
    await withRemediationColumn();
    const a = make().f;
    await a.start();
    a.report(report({ remediation: 'Disable telnet. ' + 'x'.repeat(3000) }));
    a.report(report({ key: 'k2', remediation: undefined }));
    const b = make().f;
    await b.start();
    expect(b.get('port_scan:192.168.1.20')?.remediation?.startsWith('Disable telnet.')).toBe(true);
    expect(b.get('port_scan:192.168.1.20')?.remediation?.length).toBeLessThanOrEqual(1001);
    expect(b.get('k2')?.remediation).toBeUndefined();
    // a later report without a hint keeps the earlier one
    b.report(report({ atMs: 2000 }));
    expect(b.get('port_scan:192.168.1.20')?.remediation?.startsWith('Disable telnet.')).toBe(true);
  });

  it('the remediation hint is stored and read back after a restart', async () => {
    const a = make().f;
    await a.start();
    expect(a.report(report({ remediation: 'Patch it' })).remediation).toBe('Patch it');
    const b = make().f;
    await b.start();
    expect(b.get('port_scan:192.168.1.20')?.remediation).toBe('Patch it');
  });

  it('isActionable: high/critical and not dismissed', () => {
    expect(isActionable({ severity: 'critical', dismissed: false })).toBe(true);
    expect(isActionable({ severity: 'high', dismissed: true })).toBe(false);
    expect(isActionable({ severity: 'medium', dismissed: false })).toBe(false);
  });
});
