/**
 * Per-exporter health counters (datagrams, records, bytes, drops by reason, versions
 * seen, last seen, sequence gaps). Rules: bounded — at most `maxExporters` entries, the
 * least recently seen evicted in chunks (evictions counted); attacker-chosen exporter
 * addresses are only ever map keys, never labels of unbounded metrics. Sequence gaps
 * follow each format's rule: v5 counts flows (RFC-less, Cisco: flow_sequence), v9 counts
 * export packets per source id (RFC 3954 §5.1), IPFIX counts data records per observation
 * domain (RFC 7011 §3.1; softflowd counts the current message's records too — both accepted), sFlow counts datagrams per agent/sub-agent. Resets and
 * duplicates (a backwards jump) only re-sync; they are counted as resets, not gaps.
 */
import type { DecodeErrorReason, DecodeResult } from './types.js';

export type DropReason = DecodeErrorReason | 'not_allowlisted' | 'exporter_limit';

export interface ExporterHealth {
  exporter: string;
  datagrams: number;
  records: number;
  bytes: number;
  drops: Partial<Record<DropReason, number>>;
  versions: Set<DecodeResult['version']>;
  firstSeenMs: number;
  lastSeenMs: number;
  /** Records believed lost (sum of positive sequence jumps). */
  sequenceGaps: number;
  sequenceResets: number;
  /** Next expected sequence per "<version>:<domain>" (RFC numbering). */
  nextSeq: Map<string, number>;
  /** Last sequence seen per "<version>:<domain>". */
  lastSeq: Map<string, number>;
}

export interface HealthTable {
  /** Accounts one decoded datagram from `exporter`. */
  account(exporter: string, size: number, res: DecodeResult, nowMs: number): void;
  /** Accounts a datagram dropped before decoding. */
  drop(exporter: string, reason: DropReason, nowMs: number): void;
  get(exporter: string): ExporterHealth | undefined;
  all(): ExporterHealth[];
  readonly evicted: number;
}

const MAX_SEQ_KEYS = 64;

/** Creates an empty table holding at most maxExporters exporters. */
export function createHealthTable(maxExporters: number): HealthTable {
  const table = new Map<string, ExporterHealth>();
  let evicted = 0;

  const entry = (exporter: string, nowMs: number): ExporterHealth => {
    let h = table.get(exporter);
    if (!h) {
      if (table.size >= maxExporters) {
        const n = Math.max(1, Math.floor(maxExporters / 10));
        const victims = [...table.values()].sort((a, b) => a.lastSeenMs - b.lastSeenMs).slice(0, n);
        for (const v of victims) table.delete(v.exporter);
        evicted += victims.length;
      }
      h = {
        exporter,
        datagrams: 0,
        records: 0,
        bytes: 0,
        drops: {},
        versions: new Set(),
        firstSeenMs: nowMs,
        lastSeenMs: nowMs,
        sequenceGaps: 0,
        sequenceResets: 0,
        nextSeq: new Map(),
        lastSeq: new Map(),
      };
      table.set(exporter, h);
    }
    h.lastSeenMs = nowMs;
    return h;
  };

  const sequence = (h: ExporterHealth, res: DecodeResult) => {
    if (res.sequence === undefined || res.version === 'unknown') return;
    const key = `${res.version}:${res.domainId ?? 0}`;
    const perDatagram = res.version === 'v9' || res.version === 'sflow5';
    const count = perDatagram ? 1 : res.records.length;
    const prev = h.nextSeq.get(key);
    if (prev !== undefined) {
      const expected = prev;
      const lastSeq = h.lastSeq.get(key) ?? expected;
      // RFC 7011 §3.1 counts records sent BEFORE this message; softflowd counts them
      // INCLUDING this message. Both are in order.
      const inOrder = res.sequence === expected || (!perDatagram && res.sequence === ((lastSeq + count) >>> 0));
      if (!inOrder) {
        const delta = (res.sequence - expected) >>> 0;
        if (delta < 0x80000000 && delta < 1_000_000) h.sequenceGaps += delta;
        else h.sequenceResets++;
      }
    } else if (h.nextSeq.size >= MAX_SEQ_KEYS) {
      h.nextSeq.clear();
      h.lastSeq.clear();
    }
    h.lastSeq.set(key, res.sequence);
    h.nextSeq.set(key, (res.sequence + count) >>> 0);
  };

  return {
    account(exporter, size, res, nowMs) {
      const h = entry(exporter, nowMs);
      h.datagrams++;
      h.bytes += size;
      h.records += res.records.length;
      h.versions.add(res.version);
      for (const reason of res.errors) h.drops[reason] = (h.drops[reason] ?? 0) + 1;
      sequence(h, res);
    },
    drop(exporter, reason, nowMs) {
      const h = entry(exporter, nowMs);
      h.datagrams++;
      h.drops[reason] = (h.drops[reason] ?? 0) + 1;
    },
    get: (exporter) => table.get(exporter),
    all: () => [...table.values()],
    get evicted() {
      return evicted;
    },
  };
}
