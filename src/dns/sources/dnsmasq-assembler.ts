/**
 * Turns dnsmasq log events (dnsmasq-log-parse.ts) into DnsQuery records. dnsmasq logs one
 * query as several lines (query, forwarded, one reply line per answer, CNAME chain), so
 * lines are joined here.
 *
 * Rules:
 * - Lines belong together by the `log-queries=extra` serial number when present, else by
 *   name (a second query for the same name closes the first). Answer lines for names that
 *   have no open query (the targets of a CNAME chain without serial numbers) are ignored and
 *   counted as `orphans`; `config error is REFUSED` (dnsmasq's "no answer") closes the open
 *   query with that serial.
 * - flush() (called after every read) emits every answered query; an unanswered one is
 *   emitted after maxWaitMs of clock time with what is known (forwarded, no rcode).
 * - At most maxPending queries are open; beyond that the oldest is emitted as is (counted).
 *   Bad records (client not an IP address, ...) are counted, never thrown.
 */
import { makeQuery } from './record.js';
import type { LogEvent } from './dnsmasq-log-parse.js';
import type { DnsQuery, DnsStatus } from '../types.js';

interface Pending {
  key: string;
  timeMs: number;
  openedMs: number;
  client: string;
  name: string;
  qtype: string;
  status: DnsStatus;
  upstream: string | undefined;
  rcode: string | undefined;
  answers: string[];
  answered: boolean;
}

export interface AssemblerCounters {
  orphans: number;
  overflow: number;
  unanswered: number;
  bad: number;
}

export interface DnsmasqAssembler {
  /** Feeds one event; completed records are appended to `out`. */
  push(e: LogEvent, nowMs: number, out: DnsQuery[]): void;
  /** Emits answered queries (and unanswered ones older than maxWaitMs) into `out`. */
  flush(nowMs: number, out: DnsQuery[]): void;
  readonly pending: number;
  readonly counters: AssemblerCounters;
}

const RCODES = new Set(['NXDOMAIN', 'SERVFAIL', 'REFUSED', 'NOTIMP', 'FORMERR']);

/** What an answer text says: the rcode and the value worth keeping. */
function classify(answer: string): { rcode: string | undefined; value: string | undefined } {
  const word = answer.split(' ')[0] ?? '';
  if (RCODES.has(word)) return { rcode: word, value: undefined };
  if (word.startsWith('NODATA')) return { rcode: 'NODATA', value: undefined };
  if (word.startsWith('<') && word.endsWith('>')) return { rcode: 'NOERROR', value: word.slice(1, -1) };
  return { rcode: 'NOERROR', value: word };
}

/** Creates an assembler (see module rules). */
export function createDnsmasqAssembler(opts: { maxPending: number; maxWaitMs: number }): DnsmasqAssembler {
  const open = new Map<string, Pending>();
  const counters: AssemblerCounters = { orphans: 0, overflow: 0, unanswered: 0, bad: 0 };

  const emit = (p: Pending, nowMs: number, out: DnsQuery[]) => {
    open.delete(p.key);
    if (!p.answered) counters.unanswered++;
    const q = makeQuery(
      { timeMs: p.timeMs, client: p.client, name: p.name, type: p.qtype, status: p.status, rcode: p.rcode, answers: p.answers, upstream: p.upstream },
      nowMs,
    );
    if (q) out.push(q);
    else counters.bad++;
  };

  const find = (id: string | undefined, name: string): Pending | undefined => {
    if (id !== undefined) return open.get(`#${id}`);
    return open.get(`n:${name.toLowerCase()}`);
  };

  return {
    get pending() {
      return open.size;
    },
    counters,
    push(e, nowMs, out) {
      if (e.kind === 'query') {
        const key = e.id !== undefined ? `#${e.id}` : `n:${e.name.toLowerCase()}`;
        const prev = open.get(key);
        if (prev) emit(prev, nowMs, out);
        if (open.size >= opts.maxPending) {
          const oldest = open.values().next();
          if (!oldest.done) {
            counters.overflow++;
            emit(oldest.value, nowMs, out);
          }
        }
        open.set(key, {
          key,
          timeMs: e.timeMs,
          openedMs: nowMs,
          client: e.client,
          name: e.name,
          qtype: e.qtype,
          status: 'unknown',
          upstream: undefined,
          rcode: undefined,
          answers: [],
          answered: false,
        });
        return;
      }
      if (e.kind === 'forwarded') {
        const p = find(e.id, e.name);
        if (!p) {
          counters.orphans++;
          return;
        }
        if (p.status === 'unknown') p.status = 'forwarded';
        p.upstream ??= e.upstream;
        return;
      }
      if (e.kind !== 'answer') return;
      let p = find(e.id, e.name);
      if (!p && e.id === undefined && e.name === 'error') return;
      if (!p) {
        counters.orphans++;
        return;
      }
      p = p as Pending;
      const status: DnsStatus = e.how === 'reply' ? 'forwarded' : e.how;
      if (status === 'blocked' || !p.answered) p.status = status;
      const { rcode, value } = classify(e.answer);
      p.rcode ??= rcode;
      if (value && p.answers.length < 4) p.answers.push(value);
      p.answered = true;
    },
    flush(nowMs, out) {
      for (const p of [...open.values()]) {
        if (p.answered || nowMs - p.openedMs >= opts.maxWaitMs) emit(p, nowMs, out);
      }
    },
  };
}
