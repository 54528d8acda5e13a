/**
 * Fuzzing the DNS source parsers (hostile-input catalogue 17, 18): the dnsmasq / pihole.log
 * fixture mutated line by line through the line parser and the query assembler, and the
 * Pi-hole v6 / v5 api.php / FTL row and AdGuard Home JSON answers mutated as JSON. Rules:
 * nothing throws; every DnsQuery is what types.ts promises (canonical client IP, plain name of
 * at most 255 characters, at most 4 plain answers of 80, a plausible time); pending queries
 * stay under maxPending; page item counts stay under maxItems.
 */
import fs from 'node:fs';
import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ensure, expectBoundedText, fuzz, mutatedJson, mutatedText } from '../../../test/support/fuzz.js';
import { MAX_NAME_CHARS } from '../names.js';
import { MAX_ANSWERS, type DnsQuery } from '../types.js';
import { parseAdguardQueryLog } from './adguard-parse.js';
import { createDnsmasqAssembler } from './dnsmasq-assembler.js';
import { parseLogLine } from './dnsmasq-log-parse.js';
import { parseFtlRow, parsePihole5Api, parsePihole6Queries, type FtlRow } from './pihole-parse.js';

const NOW = new Date(2026, 0, 25, 12, 0, 0).getTime();
const read = (f: string) => fs.readFileSync(new URL(`./testdata/${f}`, import.meta.url), 'utf8');
/** The fixture in chunks of 40 lines (each a seed: mutations then hit a larger share of each). */
const LOG_CHUNKS = ((lines) => Array.from({ length: Math.ceil(lines.length / 40) }, (_, i) => lines.slice(i * 40, i * 40 + 40).join('\n')))(read('pihole.log').split('\n'));

function checkQuery(q: DnsQuery): void {
  ensure(isIP(q.client) !== 0, 'client is not an IP', q);
  ensure(q.name.length > 0 && q.name.length <= MAX_NAME_CHARS, 'name length', q);
  ensure(q.answers.length <= MAX_ANSWERS && q.answers.every((a) => a.length <= 80), 'answers', q);
  ensure(Number.isInteger(q.timeMs) && q.timeMs <= NOW + 86_400_000, 'time', q);
  ensure(q.blocked === (q.status === 'blocked'), 'blocked flag', q);
  expectBoundedText(q, MAX_NAME_CHARS);
}

const pihole6 = JSON.parse(read('pihole6-queries.json')) as { queries: (Record<string, unknown> | null)[] };
const v6Queries = pihole6.queries.filter((q): q is Record<string, unknown> => q !== null && typeof q === 'object');
const adguard = JSON.parse(read('adguard-querylog.json')) as unknown;
/** The v5 api.php shape of the same queries: [ts, type, domain, client, status, dnssec, reply, delay, cname, regex, upstream]. */
const pihole5 = {
  data: v6Queries.map((q) => [String(q.time), q.type, q.domain, (q.client as { ip?: string } | null)?.ip, '2', '0', '4', '12', 'N/A', '-1', q.upstream, '0']),
};
const ftlRows: FtlRow[] = v6Queries.map((q, i) => ({ id: i, timestamp: q.time, type: 1, status: 2, domain: q.domain, client: (q.client as { ip?: string } | null)?.ip, forward: q.upstream, reply_type: 4 }));

describe('DNS source parsers fuzz', () => {
  it('fuzz: mutated dnsmasq / pihole.log through the line parser and the assembler', async ({ task }) => {
    await fuzz(task, 'dns/dnsmasq log', mutatedText(LOG_CHUNKS), (text) => {
      const a = createDnsmasqAssembler({ maxPending: 50, maxWaitMs: 10_000 });
      const out: DnsQuery[] = [];
      let maxPending = 0;
      for (const line of text.split('\n')) {
        const e = parseLogLine(line, NOW);
        if (e.kind !== 'bad' && e.kind !== 'other') a.push(e, NOW, out);
        maxPending = Math.max(maxPending, a.pending);
      }
      expect(maxPending).toBeLessThanOrEqual(50);
      a.flush(NOW + 60_000, out);
      out.forEach(checkQuery);
    }, 800);
  });

  it('fuzz: mutated Pi-hole v6, v5 api.php, FTL rows and AdGuard Home answers', async ({ task }) => {
    const input = fc.tuple(fc.constantFrom(0, 1, 2, 3), mutatedJson([pihole6, pihole5, adguard, { rows: ftlRows }]));
    await fuzz(task, 'dns/query JSON', input, ([which, json]) => {
      if (which === 0) {
        const p = parsePihole6Queries(json, NOW, 100);
        expect(p.items.length).toBeLessThanOrEqual(100);
        p.items.forEach((i) => checkQuery(i.query));
      } else if (which === 1) {
        const p = parsePihole5Api(json, NOW, 100);
        expect(p.queries.length).toBeLessThanOrEqual(100);
        p.queries.forEach(checkQuery);
      } else if (which === 2) {
        const p = parseAdguardQueryLog(json, NOW, 100);
        expect(p.items.length).toBeLessThanOrEqual(100);
        p.items.forEach((i) => checkQuery(i.query));
        expect((p.oldest ?? '').length).toBeLessThanOrEqual(64);
      } else {
        const rows = (json as { rows?: unknown } | null)?.rows;
        for (const row of Array.isArray(rows) ? rows.slice(0, 100) : []) {
          const q = parseFtlRow((row ?? {}) as FtlRow, NOW);
          if (q) checkQuery(q);
        }
      }
    }, 3000);
  });
});
