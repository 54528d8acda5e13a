/**
 * Spoofed exporters against the real daemon (the collector's unit test covers the decision;
 * this covers the whole path through real sockets): with exporter_allowlist set to one
 * loopback address, datagrams sent from other loopback addresses — carrying flows that would
 * raise findings — are dropped before decoding and counted per exporter and in
 * homesec_flow_dropped_total{reason="not_allowlisted"}; only the allowlisted exporter's flows
 * reach the traffic tables. Loopback only (127.0.0.0/8 source addresses of this host).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { launch, sendFrom, sleep, v5Datagrams, type RunningDaemon } from './reliability-kit.js';

const ALLOWED = '127.0.0.2';
const SPOOFERS = ['127.0.0.1', '127.0.0.3', '127.9.9.9'];

let d: RunningDaemon | undefined;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-spoof-'));
afterAll(async () => {
  await d?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Health {
  flows_total: number;
  collector: { datagrams: number; records: number; dropped: number };
  exporters: { exporter: string; datagrams: number; records: number; drops: Record<string, number> }[];
}

describe('spoofed exporters (exporter_allowlist) on the real daemon', () => {
  it('drops and counts datagrams from non-allowlisted sources; only the allowlisted one feeds the tables', async () => {
    d = await launch(dir, { env: { HOMESEC_EXPORTER_ALLOWLIST: ALLOWED } });
    // Each spoofer claims 30 telnet connections from an inside device (a suspicious_port finding if believed).
    const bad = v5Datagrams(Array.from({ length: 30 }, (_, i) => ({ src: '10.66.0.5', dst: `203.0.113.${i + 1}`, dstPort: 23 })));
    const good = v5Datagrams(Array.from({ length: 12 }, (_, i) => ({ src: '10.66.0.9', dst: `198.51.100.${i + 1}`, dstPort: 443 })));
    for (const from of SPOOFERS) await sendFrom(from, d.udpPort, [...bad, ...bad, ...bad]);
    await sendFrom(ALLOWED, d.udpPort, good);

    let h: Health | undefined;
    for (let i = 0; i < 100; i++) {
      h = JSON.parse((await d.api('GET', '/health')).text) as Health;
      if (h.collector.datagrams >= SPOOFERS.length * 3 + 1) break;
      await sleep(100);
    }
    expect(h?.collector.datagrams).toBe(SPOOFERS.length * 3 + 1);
    expect(h?.collector.dropped).toBe(SPOOFERS.length * 3);
    expect(h?.collector.records).toBe(12);
    expect(h?.flows_total).toBe(12);
    const byExporter = new Map(h?.exporters.map((e) => [e.exporter, e]));
    for (const from of SPOOFERS) {
      expect(byExporter.get(from)?.drops.not_allowlisted).toBe(3);
      expect(byExporter.get(from)?.records ?? 0).toBe(0);
    }
    expect(byExporter.get(ALLOWED)?.records).toBe(12);
    const metrics = (await d.api('GET', '/metrics')).text;
    expect(metrics).toMatch(new RegExp(`homesec_flow_dropped_total\\{reason="not_allowlisted"\\} ${SPOOFERS.length * 3}\\b`));
    expect(d.alive()).toBe(true);
  });
});
