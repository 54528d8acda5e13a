/**
 * Encoder -> decoder round trips for all four formats through the dispatcher, and for NetFlow
 * v9 / IPFIX through their decoders with a shared TemplateStore (templates in the first
 * packet only, data-only packets after, as exporters send them).
 *
 * Rules: the encoders follow RFC 3954 / RFC 7011 exactly and are checked on their own in
 * v9.test.ts / ipfix.test.ts; here any difference between input and decoded records is a
 * decoder (or contract) bug. Records are seeded-random, mixed IPv4/IPv6.
 */
import { describe, expect, it } from 'vitest';
import { encodeV5 } from './v5.js';
import { encodeV9 } from './v9.js';
import { encodeIpfix } from './ipfix.js';
import { encodeSflow } from './sflow.js';
import { mulberry32, randomFlowRecords } from './random-records.js';
import { decodeDatagram } from '../decode/index.js';
import { decodeV9 } from '../decode/v9.js';
import { decodeIpfix } from '../decode/ipfix.js';
import { TemplateStore } from '../decode/template-store.js';
import type { DecodeResult, FlowRecord } from '../types.js';

const EXPORTER = '192.0.2.10';
const NOW = 1_700_000_000_000;

function records(seed: number, n: number): FlowRecord[] {
  return randomFlowRecords(n, mulberry32(seed), { ipv6Share: 0.4, exporter: EXPORTER, nowMs: NOW,
    maxIfIndex: 2 ** 32 - 1 });
}

function collect(results: DecodeResult[]): FlowRecord[] {
  for (const r of results) expect(r.errors).toEqual([]);
  return results.flatMap((r) => r.records);
}

describe('NetFlow v9 round trip (encodeV9 -> decodeV9)', () => {
  it('templates first, then data-only packets: every record comes back', () => {
    const recs = records(1, 400);
    const store = new TemplateStore();
    const opts = { sysUptimeMs: 3_600_000, unixMs: NOW + 500, sequence: 1, sourceId: 3 };
    const tpl = decodeV9(encodeV9([], { ...opts, includeTemplate: true })[0]!, EXPORTER, store, NOW);
    expect(tpl.templatesSeen).toBe(2);
    expect(tpl.version).toBe('v9');
    const bufs = encodeV9(recs, { ...opts, sequence: 2, includeTemplate: false });
    const results = bufs.map((b) => decodeV9(b, EXPORTER, store, NOW));
    results.forEach((r, i) => {
      expect(r.sequence).toBe(2 + i);
      expect(r.domainId).toBe(3);
    });
    expect(collect(results)).toEqual(recs);
  });

  it('templates in every packet, across a sysUptime wrap', () => {
    const recs = records(2, 100);
    const store = new TemplateStore();
    const bufs = encodeV9(recs, { sysUptimeMs: 2 ** 32 + 20_000, unixMs: NOW, sequence: 0, sourceId: 0,
      includeTemplate: true });
    expect(collect(bufs.map((b) => decodeV9(b, EXPORTER, store, NOW)))).toEqual(recs);
  });
});

describe('IPFIX round trip (encodeIpfix -> decodeIpfix)', () => {
  for (const timestamps of ['milli', 'uptime'] as const) {
    it(`${timestamps} timestamps: templates first, then data-only messages`, () => {
      const recs = records(timestamps === 'milli' ? 3 : 4, 400);
      const store = new TemplateStore();
      const initMs = NOW - 86_400_000;
      const opts = { exportTimeSec: NOW / 1000, domainId: 9, timestamps, systemInitTimeMs: initMs };
      const tpl = decodeIpfix(encodeIpfix([], { ...opts, sequence: 0, includeTemplate: true })[0]!, EXPORTER, store,
        NOW);
      expect(tpl.version).toBe('ipfix');
      expect(tpl.templatesSeen).toBe(timestamps === 'milli' ? 2 : 3);
      const first = timestamps === 'milli' ? 0 : 1; // the options record counts as a Data Record
      const bufs = encodeIpfix(recs, { ...opts, sequence: first, includeTemplate: false });
      const results = bufs.map((b) => decodeIpfix(b, EXPORTER, store, NOW));
      expect(results[0]!.sequence).toBe(first);
      expect(results.every((r) => r.domainId === 9)).toBe(true);
      expect(collect(results)).toEqual(recs);
    });
  }

  it('uptime timestamps with the options record in every message', () => {
    const recs = records(5, 150);
    const store = new TemplateStore();
    const bufs = encodeIpfix(recs, { exportTimeSec: NOW / 1000, sequence: 0, domainId: 1, includeTemplate: true,
      timestamps: 'uptime' });
    expect(collect(bufs.map((b) => decodeIpfix(b, EXPORTER, store, NOW)))).toEqual(recs);
  });
});

describe('decodeDatagram dispatches every encoder format', () => {
  it('v5, v9, IPFIX and sFlow datagrams all decode back to their records', () => {
    const store = new TemplateStore();
    const v4 = randomFlowRecords(60, mulberry32(6), { exporter: EXPORTER, nowMs: NOW }); // v5: IPv4, 16-bit ifIndex
    const v5 = encodeV5(v4, { sysUptimeMs: 1e7, unixMs: NOW, sequence: 0 });
    expect(collect(v5.map((b) => decodeDatagram(b, EXPORTER, store, NOW)))).toEqual(v4);

    const mixed = records(7, 60);
    const v9 = encodeV9(mixed, { sysUptimeMs: 1e7, unixMs: NOW, sequence: 0, sourceId: 1, includeTemplate: true });
    expect(collect(v9.map((b) => decodeDatagram(b, EXPORTER, store, NOW)))).toEqual(mixed);
    const ipfix = encodeIpfix(mixed, { exportTimeSec: NOW / 1000, sequence: 0, domainId: 1, includeTemplate: true,
      timestamps: 'milli' });
    expect(collect(ipfix.map((b) => decodeDatagram(b, EXPORTER, store, NOW)))).toEqual(mixed);

    const sampled = randomFlowRecords(60, mulberry32(8), { ipv6Share: 0.4, sflow: true, samplingRate: 128,
      nowMs: NOW, exporter: '10.0.0.1' });
    const sflow = encodeSflow(sampled, { agentAddress: '10.0.0.1', sequence: 0, uptimeMs: 1000 });
    expect(collect(sflow.map((b) => decodeDatagram(b, EXPORTER, store, NOW)))).toEqual(sampled);
  });

  it('reports unknown versions and tiny datagrams without throwing', () => {
    const store = new TemplateStore();
    expect(decodeDatagram(Buffer.from([0, 7, 0, 0]), EXPORTER, store, NOW)).toEqual({ version: 'unknown',
      records: [], errors: ['bad_version'], templatesSeen: 0 });
    expect(decodeDatagram(Buffer.from([0, 0, 0, 4]), EXPORTER, store, NOW).errors).toEqual(['bad_version']);
    expect(decodeDatagram(Buffer.alloc(0), EXPORTER, store, NOW).errors).toEqual(['truncated_header']);
    expect(decodeDatagram(Buffer.from([0]), EXPORTER, store, NOW).errors).toEqual(['truncated_header']);
    expect(decodeDatagram(Buffer.from([0, 5]), EXPORTER, store, NOW)).toMatchObject({ version: 'v5',
      errors: ['truncated_header'] });
  });
});
