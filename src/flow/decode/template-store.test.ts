import { describe, expect, it } from 'vitest';
import { decodeIpfix } from './ipfix.js';
import { PLAN } from './record-reader.js';
import { TemplateStore, type TemplateSnapshot } from './template-store.js';
import { dataSet, ipfixMessage, ipfixTemplates, record, v9Packet, v9Templates, type Field } from './testdata/builder.js';
import { Rng, retainedHeap } from './testdata/fuzz.js';
import { decodeV9 } from './v9.js';

const NOW = 1_700_000_000_000;
const { S_BYTES, S_DST4, S_SRC4, S_START, TIME_MS } = PLAN;

function add(store: TemplateStore, exporter: string, id: number, fields: Field[], now = NOW, domain = 0, protocol: 'v9' | 'ipfix' = 'ipfix') {
  return store.upsert(
    exporter, protocol, domain, id, false, 0,
    fields.map((f) => f[0]), fields.map((f) => f[1]), fields.map((f) => f[2] ?? 0), fields.length, now,
  );
}

const F: Field[] = [[8, 4], [12, 4], [1, 4]];

describe('TemplateStore', () => {
  it('compiles a fixed-length plan with slot offsets', () => {
    const store = new TemplateStore();
    expect(add(store, 'a', 256, [[99, 3], [8, 4], [152, 8], [12, 4], [1, 8]])).toBe('added');
    const plan = store.get('a', 'ipfix', 0, 256, NOW)!;
    expect(plan.fixedLength).toBe(27);
    expect(plan.minLength).toBe(27);
    expect(plan.slotRel[S_SRC4]).toBe(3);
    expect(plan.slotRel[S_START]).toBe(7);
    expect(plan.startKind).toBe(TIME_MS);
    expect(plan.slotRel[S_DST4]).toBe(15);
    expect(plan.slotRel[S_BYTES]).toBe(19);
    expect(plan.slotLen[S_BYTES]).toBe(8);
    expect(plan.emitsFlows).toBe(true);
  });

  it('compiles a variable-length plan with minimum length 1 per variable field', () => {
    const store = new TemplateStore();
    add(store, 'a', 256, [[8, 4], [82, 0xffff], [12, 4], [1, 4, 9]]);
    const plan = store.get('a', 'ipfix', 0, 256, NOW)!;
    expect(plan.fixedLength).toBe(-1);
    expect(plan.minLength).toBe(13);
  });

  it('reports added / refreshed / changed / invalid / too_many_fields', () => {
    const store = new TemplateStore({ maxFieldsPerTemplate: 4 });
    expect(add(store, 'a', 256, F)).toBe('added');
    expect(add(store, 'a', 256, F, NOW + 1)).toBe('refreshed');
    expect(add(store, 'a', 256, [[8, 4], [12, 4]], NOW + 2)).toBe('changed');
    expect(add(store, 'a', 256, [[8, 16]], NOW + 3)).toBe('invalid');
    expect(store.templateCount('a')).toBe(0); // the stale layout is gone too
    expect(add(store, 'a', 257, [[1, 1], [1, 1], [1, 1], [1, 1], [1, 1]])).toBe('too_many_fields');
    expect(add(store, 'a', 258, [[0, 0], [5, 0]])).toBe('invalid');
    expect(store.stats()).toMatchObject({ templates: 0, templatesChanged: 1, templatesRejected: 3 });
  });

  it('keeps v9 and IPFIX, domains and exporters in separate namespaces', () => {
    const store = new TemplateStore();
    add(store, 'a', 256, F, NOW, 0, 'v9');
    expect(store.get('a', 'ipfix', 0, 256, NOW)).toBeUndefined();
    expect(store.get('a', 'v9', 1, 256, NOW)).toBeUndefined();
    expect(store.get('b', 'v9', 0, 256, NOW)).toBeUndefined();
    expect(store.get('a', 'v9', 0, 256, NOW)).toBeDefined();
    add(store, 'a', 256, F, NOW, 0xffffffff, 'v9');
    expect(store.get('a', 'v9', 0xffffffff, 256, NOW)).toBeDefined();
    expect(store.templateCount()).toBe(2);
  });

  it('expires templates templateTtlMs after their last refresh, on lookup and on sweep', () => {
    const store = new TemplateStore({ templateTtlMs: 10_000 });
    add(store, 'a', 256, F);
    add(store, 'a', 257, F);
    add(store, 'a', 256, F, NOW + 8000); // refresh
    expect(store.get('a', 'ipfix', 0, 257, NOW + 10_001)).toBeUndefined();
    expect(store.get('a', 'ipfix', 0, 256, NOW + 10_001)).toBeDefined();
    store.sweep(NOW + 18_001);
    expect(store.stats()).toMatchObject({ templates: 0, exporters: 0, templatesExpired: 2 });
  });

  it('evicts the least recently defined template when an exporter is full, and counts it', () => {
    const store = new TemplateStore({ maxTemplatesPerExporter: 3 });
    for (const id of [256, 257, 258]) add(store, 'a', id, F);
    add(store, 'a', 256, F, NOW + 1); // refresh: 257 becomes the oldest
    expect(add(store, 'a', 259, F, NOW + 2)).toBe('evicted');
    expect(store.get('a', 'ipfix', 0, 257, NOW + 2)).toBeUndefined();
    expect(store.get('a', 'ipfix', 0, 256, NOW + 2)).toBeDefined();
    expect(store.stats()).toMatchObject({ templates: 3, templatesEvicted: 1 });
  });

  it('evicts the least recently used exporter when maxExporters is reached; use refreshes recency', () => {
    const store = new TemplateStore({ maxExporters: 2 });
    add(store, 'a', 256, F);
    add(store, 'b', 256, F);
    store.get('a', 'ipfix', 0, 256, NOW); // a is now more recent than b
    expect(add(store, 'c', 256, F)).toBe('evicted');
    expect(store.templatesByExporter().map((e) => e.exporter)).toEqual(['a', 'c']);
    expect(store.stats()).toMatchObject({ exporters: 2, exportersEvicted: 1, templatesEvicted: 1 });
  });

  it('enforces total template and field budgets across exporters', () => {
    const store = new TemplateStore({ maxTotalTemplates: 4, maxTotalFields: 10, maxFieldsPerTemplate: 5 });
    add(store, 'a', 256, F);
    add(store, 'b', 256, F);
    add(store, 'c', 256, F); // 9 fields
    expect(add(store, 'd', 256, F)).toBe('evicted'); // 12 > 10: 'a' goes
    expect(store.stats()).toMatchObject({ templates: 3, fields: 9 });
    expect(store.templateCount('a')).toBe(0);
  });

  it('withdraws single templates of the matching kind and all templates of a domain', () => {
    const store = new TemplateStore();
    add(store, 'a', 256, F);
    add(store, 'a', 257, F);
    add(store, 'a', 258, F, NOW, 1);
    store.upsert('a', 'ipfix', 0, 259, true, 1, [149, 34], [4, 4], [0, 0], 2, NOW);
    expect(store.withdraw('a', 'ipfix', 0, 259, false)).toBe(false);
    expect(store.withdraw('a', 'ipfix', 0, 256, false)).toBe(true);
    expect(store.withdraw('a', 'ipfix', 0, 256, false)).toBe(false);
    expect(store.withdraw('zzz', 'ipfix', 0, 256)).toBe(false);
    expect(store.withdrawAll('a', 'ipfix', 0, false)).toBe(1);
    expect(store.templateCount('a')).toBe(2);
    expect(store.withdrawAll('a', 'ipfix', 0, true)).toBe(1);
    expect(store.stats().templatesWithdrawn).toBe(3);
  });

  it('stores options values per exporter/protocol/domain with TTL', () => {
    const store = new TemplateStore({ templateTtlMs: 1000 });
    expect(store.updateOptions('a', 'v9', 0, 10, Number.NaN, NOW)).toBeUndefined(); // unknown exporter
    add(store, 'a', 256, F);
    store.updateOptions('a', 'v9', 0, 10, Number.NaN, NOW);
    store.updateOptions('a', 'v9', 0, Number.NaN, 12345, NOW);
    expect(store.getOptions('a', 'v9', 0, NOW)).toMatchObject({ samplingRate: 10, systemInitMs: 12345, updatedMs: NOW });
    expect(store.getOptions('a', 'ipfix', 0, NOW)).toBeUndefined();
    expect(store.getOptions('a', 'v9', 1, NOW)).toBeUndefined();
    expect(store.getOptions('a', 'v9', 0, NOW + 1001)).toBeUndefined();
  });

  it('snapshot/restore: catalogue #9 — a persisted template never overrides a fresh one', () => {
    const old = new TemplateStore();
    add(old, 'a', 256, F, NOW - 1000);
    add(old, 'a', 257, F, NOW - 1000);
    const snap = JSON.parse(JSON.stringify(old.snapshot(NOW))) as TemplateSnapshot[];
    expect(snap).toHaveLength(2);
    const fresh = new TemplateStore();
    add(fresh, 'a', 256, [[12, 4], [8, 4]], NOW);
    expect(fresh.restore([...snap, { bogus: true } as unknown as TemplateSnapshot], NOW)).toBe(1);
    const kept = fresh.get('a', 'ipfix', 0, 256, NOW)!;
    expect(Array.from(kept.ids)).toEqual([12, 8]);
    const restored = fresh.get('a', 'ipfix', 0, 257, NOW)!;
    expect(restored.refreshedMs).toBe(NOW - 1000);
    // Expired snapshots are ignored.
    expect(new TemplateStore({ templateTtlMs: 500 }).restore(snap, NOW)).toBe(0);
  });

  it('catalogue #13: 100,000 spoofed exporters with random domains and template ids stay within the caps', () => {
    const store = new TemplateStore();
    const rng = new Rng(13);
    const fields: Field[] = [[8, 4], [12, 4], [1, 4], [2, 4]];
    const rec = record(fields, ['1.1.1.1', '2.2.2.2', 1, 1]);
    // Built once; the domain / source id and template ids are patched per datagram.
    const v9 = v9Packet({ count: 2, sysUptime: 1000, unixSecs: NOW / 1000 }, [v9Templates([{ id: 256, fields }]), dataSet(256, [rec])]);
    const ipfix = ipfixMessage({ exportTime: NOW / 1000 }, [ipfixTemplates([{ id: 256, fields }]), dataSet(256, [rec])]);
    const v9Tid = [24, 20 + 4 + 4 + fields.length * 4];
    const ipfixTid = [20, 16 + 4 + 4 + fields.length * 4];
    const heap0 = retainedHeap();
    const t0 = performance.now();
    let now = NOW;
    let limitReports = 0;
    for (let i = 0; i < 100_000; i++) {
      now += 1;
      const exporter = `${rng.int(256)}.${rng.int(256)}.${rng.int(256)}.${rng.int(256)}`;
      const domain = rng.next();
      const tid = 256 + rng.int(65280);
      const isV9 = i % 2 === 0;
      const buf = isV9 ? v9 : ipfix;
      buf.writeUInt32BE(domain, isV9 ? 16 : 12);
      for (const o of isV9 ? v9Tid : ipfixTid) buf.writeUInt16BE(tid, o);
      const r = isV9 ? decodeV9(buf, exporter, store, now) : decodeIpfix(buf, exporter, store, now);
      if (r.records.length !== 1 || r.domainId !== domain) throw new Error(`datagram ${i}: ${JSON.stringify(r.errors)}`);
      if (r.errors.includes('template_limit')) limitReports++;
    }
    const ms = performance.now() - t0;
    const s = store.stats();
    expect(s.exporters).toBeLessThanOrEqual(store.maxExporters);
    expect(s.templates).toBeLessThanOrEqual(store.maxExporters);
    expect(s.exportersEvicted).toBeGreaterThanOrEqual(100_000 - store.maxExporters - 1000);
    expect(limitReports).toBe(s.exportersEvicted);
    const growth = retainedHeap() - heap0;
    console.log(`catalogue #13: ${ms.toFixed(0)} ms, ${JSON.stringify(s)}, heap growth ${(growth / 1048576).toFixed(1)} MiB`);
    // 10,000 exporters x 1 template each, retained.
    expect(growth).toBeLessThan(32 * 1024 * 1024);
  });
});
