import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mulberry32, randInt } from '../../flow/encode/random-records.js';
import { tempDb, type TempDb } from '../../../test/support/temp-db.js';
import { externalIp, seedEnrichment, seedExternalIps, type ExternalSeed } from '../test-kit.js';
import { createExternalIpIndex, EXTERNAL_SORTS, type ExternalIpIndex } from './external-ip-index.js';

const NOW = Date.UTC(2026, 4, 1);
let t: TempDb;
let now: number;
let index: ExternalIpIndex;
let table: Map<string, ExternalSeed>;
const rng = mulberry32(11);

function seedRow(i: number): ExternalSeed {
  return {
    ip: externalIp(i),
    firstSeenMs: NOW - 3_600_000,
    lastSeenMs: NOW - randInt(rng, 0, 3_000_000),
    bytesIn: randInt(rng, 0, 50) * 1000, // many ties
    bytesOut: randInt(rng, 0, 3) * 10,
    flows: 1,
    devices: Array.from({ length: randInt(rng, 1, 3) }, (_, k) => `192.168.1.${k + 2}`),
  };
}

beforeEach(() => {
  t = tempDb('homesec-extindex-');
  now = NOW;
  table = new Map();
  for (let i = 0; i < 400; i++) table.set(externalIp(i), seedRow(i));
  seedExternalIps(t.db, [...table.values()]);
  seedEnrichment(
    t.db,
    Array.from({ length: 60 }, (_, i) => ({ ip: externalIp(i * 5), provider: 'virustotal', fetchedMs: NOW - 1000, data: { malicious: i % 7, suspicious: i % 3, harmless: 1, undetected: 1, timeout: 0 } })),
  );
  index = createExternalIpIndex({ db: () => t.db, now: () => now, intel: { matcher: () => ({ matchIp: (ip) => (ip.endsWith('.9') ? ['feed'] : undefined) }), peekName: () => undefined, listedName: () => undefined } }, { retentionMs: 0, chunkRows: 7 });
});
afterEach(() => t.cleanup());

/** The expected order by brute force over the index's own rows (keys from the table, ratings from the index). */
function expected(sort: (typeof EXTERNAL_SORTS)[number], order: 'asc' | 'desc', flagged: boolean): string[] {
  const rows = index.page({ limit: 500, offset: 0, sort: 'last_seen', order: 'desc', ...(flagged ? { flagged } : {}) }).items;
  const key = (r: (typeof rows)[number]) => (sort === 'last_seen' ? r.lastSeenMs : sort === 'bytes' ? r.bytes : sort === 'rating' ? r.rating.score : r.devices);
  const sorted = [...rows].sort((a, b) => key(b) - key(a) || (sort === 'rating' ? b.lastSeenMs - a.lastSeenMs : 0) || (a.ip < b.ip ? -1 : 1));
  const ips = sorted.map((r) => r.ip);
  return order === 'desc' ? ips : ips.reverse();
}

describe('external IP index', () => {
  it('keeps every sort order right while rows change, arrive and expire between refreshes', async () => {
    for (let round = 0; round < 25; round++) {
      await index.refresh();
      for (const sort of EXTERNAL_SORTS) {
        for (const order of ['desc', 'asc'] as const) {
          for (const flagged of [false, true]) {
            const got = index.page({ limit: 500, offset: 0, sort, order, ...(flagged ? { flagged } : {}) }).items.map((r) => r.ip);
            expect(got, `round ${round} ${sort} ${order} flagged=${flagged}`).toEqual(expected(sort, order, flagged));
            // Searches: a broad prefix (most rows: the order is walked) and a narrow one (few rows: the matches are sorted).
            for (const q of [externalIp(0).slice(0, 3), externalIp(round * 7).slice(0, 9)]) {
              const hit = index.page({ limit: 500, offset: 0, sort, order, q, ...(flagged ? { flagged } : {}) });
              const want = expected(sort, order, flagged).filter((ip) => ip.startsWith(q));
              expect(hit.items.map((r) => r.ip), `round ${round} ${sort} ${order} flagged=${flagged} q=${q}`).toEqual(want);
              expect(hit.total).toBe(want.length);
            }
          }
        }
      }
      // Between refreshes: the tracker updates some rows and adds new ones; intel answers about others.
      now += 3000;
      const changed: ExternalSeed[] = [];
      for (let k = 0; k < randInt(rng, 1, 40); k++) {
        const ip = externalIp(randInt(rng, 0, table.size - 1));
        const r = table.get(ip)!;
        const next = { ...r, lastSeenMs: now - randInt(rng, 0, 1000), bytesIn: r.bytesIn + randInt(rng, 0, 3) * 1000, devices: rng() < 0.3 ? [...r.devices, '192.168.1.99'] : r.devices };
        table.set(ip, next);
        changed.push(next);
      }
      for (let k = 0; k < randInt(rng, 0, 5); k++) {
        const row = { ...seedRow(table.size), lastSeenMs: now };
        table.set(row.ip, row);
        changed.push(row);
      }
      seedExternalIps(t.db, changed);
      if (round % 4 === 1) seedEnrichment(t.db, [{ ip: externalIp(randInt(rng, 0, 399)), provider: 'abuseipdb', fetchedMs: now, data: { abuseConfidenceScore: 90, totalReports: 3, numDistinctUsers: 2, isTor: false } }]);
    }
    await index.refresh();
    const all = index.page({ limit: 500, offset: 0, sort: 'bytes', order: 'desc' });
    expect(all.total).toBe(table.size);
    for (const r of all.items) expect(r.bytesIn, r.ip).toBe(table.get(r.ip)!.bytesIn);
  });

  it('a full read in chunks sees every row once and is joined by concurrent callers', async () => {
    const [a, b] = [index.refresh(), index.refresh()];
    expect(a).toBe(b);
    await a;
    expect(index.counts().known).toBe(400);
    expect(new Set(index.page({ limit: 500, offset: 0, sort: 'last_seen', order: 'desc' }).items.map((r) => r.ip)).size).toBe(400);
    expect(index.get(externalIp(5))?.enr?.virustotal).toBeDefined();
  });

  it('pages and searches the maintained order', async () => {
    await index.refresh();
    const whole = index.page({ limit: 500, offset: 0, sort: 'bytes', order: 'desc' }).items.map((r) => r.ip);
    const pages: string[] = [];
    for (let off = 0; off < whole.length; off += 37) pages.push(...index.page({ limit: 37, offset: off, sort: 'bytes', order: 'desc' }).items.map((r) => r.ip));
    expect(pages).toEqual(whole);
    const broad: string[] = [];
    for (let off = 0; off < whole.length; off += 37) {
      const pg = index.page({ limit: 37, offset: off, sort: 'bytes', order: 'desc', q: '23.' });
      expect(pg.total).toBe(whole.length);
      broad.push(...pg.items.map((r) => r.ip));
    }
    expect(broad).toEqual(whole);
    const prefix = externalIp(12).slice(0, 6);
    const found = index.page({ limit: 500, offset: 0, sort: 'bytes', order: 'desc', q: prefix.toUpperCase() });
    expect(found.items.map((r) => r.ip)).toEqual(whole.filter((ip) => ip.startsWith(prefix)));
  });
});
