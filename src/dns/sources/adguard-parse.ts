/**
 * PURE parser of AdGuard Home's query log API (`GET /control/querylog`, openapi/openapi.yaml
 * QueryLog / QueryLogItem): `{oldest, data: [{time (RFC 3339, nanoseconds), client,
 * client_info{name}, question{name, type, class}, answer[{type, value, ttl}], reason,
 * status (rcode), upstream, cached, elapsedMs}]}`, newest first. Reasons starting with
 * `Filtered` (FilteredBlackList, FilteredSafeBrowsing, FilteredParental,
 * FilteredBlockedService, ...) are blocked; `Rewrite*` answers are local. Never throws.
 */
import { asRecord, cleanText } from '../../intel/sanitise.js';
import type { DnsQuery, DnsStatus } from '../types.js';
import { makeQuery } from './record.js';

export interface AdguardItem {
  /** Exact identity of the entry (time text + client + name + type) for de-duplication at equal times. */
  key: string;
  query: DnsQuery;
}

export interface AdguardPage {
  items: AdguardItem[];
  bad: number;
  /** The `oldest` value to pass as older_than for the next page. */
  oldest: string | undefined;
  count: number;
}

function status(reason: string | undefined, cached: unknown): DnsStatus {
  if (reason?.startsWith('Filtered')) return 'blocked';
  if (reason?.startsWith('Rewrite')) return 'local';
  if (cached === true) return 'cached';
  return reason ? 'forwarded' : 'unknown';
}

/** Parses one querylog answer (see module rules). */
export function parseAdguardQueryLog(json: unknown, nowMs: number, maxItems = 10_000): AdguardPage {
  const root = asRecord(json);
  const data = Array.isArray(root?.data) ? (root.data as unknown[]) : undefined;
  if (!data) return { items: [], bad: 1, oldest: undefined, count: 0 };
  const items: AdguardItem[] = [];
  let bad = 0;
  const n = Math.min(data.length, maxItems);
  for (let i = 0; i < n; i++) {
    const r = asRecord(data[i]);
    const question = asRecord(r?.question);
    const time = typeof r?.time === 'string' && r.time.length <= 64 ? r.time : undefined;
    const reason = cleanText(r?.reason, 48);
    const answers = Array.isArray(r?.answer) ? (r.answer as unknown[]).map((a) => asRecord(a)?.value) : [];
    const q =
      r && time
        ? makeQuery(
            {
              timeMs: Date.parse(time),
              client: r.client,
              name: question?.name,
              type: question?.type,
              status: status(reason, r.cached),
              rcode: typeof r.status === 'string' ? r.status : undefined,
              answers,
              upstream: r.upstream,
            },
            nowMs,
          )
        : undefined;
    if (q && time) items.push({ key: `${time}|${q.client}|${q.name}|${q.type}`, query: q });
    else bad++;
  }
  const oldest = typeof root?.oldest === 'string' && root.oldest.length > 0 && root.oldest.length <= 64 ? root.oldest : undefined;
  return { items, bad, oldest, count: n };
}
