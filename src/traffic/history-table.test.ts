import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../flow/encode/random-records.js';
import { ipv4Key } from '../flow/ip-text.js';
import { HistoryTable, type HistoryRowView } from './history-table.js';

type Ref = HistoryRowView;

const rows = (t: HistoryTable): Ref[] => {
  const out: Ref[] = [];
  t.forEach((r: HistoryRowView) => out.push({ ...r }));
  return out;
};

describe('HistoryTable', () => {
  it('aggregates per (source, destination, port, protocol) exactly like a Map, rows in first-seen order, across growth and windows', () => {
    const rng = mulberry32(3);
    const addrs = [
      ...Array.from({ length: 40 }, (_, i) => `192.168.1.${i + 1}`),
      ...Array.from({ length: 300 }, (_, i) => `${20 + (i % 200)}.${i % 7}.${i % 13}.${1 + (i % 250)}`),
      '2001:db8::1',
      'fe80::2',
      '192.168.001.001', // not canonical: keyed by text, distinct from 192.168.1.1
    ];
    const table = new HistoryTable(100_000);
    for (let window = 0; window < 3; window++) {
      const ref = new Map<string, Ref>();
      let wrongFresh = 0;
      for (let i = 0; i < 20_000; i++) {
        const src = addrs[Math.floor(rng() * addrs.length)] as string;
        const dst = addrs[Math.floor(rng() * addrs.length)] as string;
        const dstPort = [53, 443, 80, Math.floor(rng() * 65536)][Math.floor(rng() * 4)] as number;
        const protocol = rng() < 0.7 ? 6 : 17;
        const t = 1_000_000 + Math.floor(rng() * 600_000);
        const bytes = Math.floor(rng() * 1e6);
        const key = `${src}|${dst}|${dstPort}|${protocol}`;
        const had = ref.get(key);
        const fresh = table.add(src, ipv4Key(src), dst, ipv4Key(dst), dstPort, protocol, t, bytes, 3);
        if (fresh !== (had === undefined)) wrongFresh++;
        if (had) {
          had.flows++;
          had.bytes += bytes;
          had.packets += 3;
          had.tsMs = Math.min(had.tsMs, t);
        } else {
          ref.set(key, { tsMs: t, src, dst, dstPort, protocol, flows: 1, bytes, packets: 3 });
        }
      }
      expect(wrongFresh).toBe(0);
      expect(table.rows).toBe(ref.size);
      expect(rows(table)).toEqual([...ref.values()]);
      table.clear();
      expect(table.rows).toBe(0);
      expect(rows(table)).toEqual([]);
    }
    expect(table.takeDropped()).toBe(0);
  });

  it('holds at most maxRows rows and counts the flows that found it full', () => {
    const table = new HistoryTable(3);
    const add = (dst: string) => table.add('192.168.1.2', ipv4Key('192.168.1.2'), dst, ipv4Key(dst), 443, 6, 1000, 10, 1);
    expect([add('1.1.1.1'), add('1.1.1.2'), add('2001:db8::9'), add('1.1.1.1')]).toEqual([true, true, true, false]);
    expect(add('1.1.1.3')).toBe(true); // would be new: dropped
    expect(add('2001:db8::10')).toBe(true);
    expect(table.rows).toBe(3);
    expect(table.takeDropped()).toBe(2);
    expect(table.takeDropped()).toBe(0);
    expect(rows(table).map((r) => [r.dst, r.flows])).toEqual([
      ['1.1.1.1', 2],
      ['1.1.1.2', 1],
      ['2001:db8::9', 1],
    ]);
  });
});
