/**
 * Persistence of blocking (migration 10): active blocks, the audit log, offence counts, the
 * ledger of entries pushed to each target, and small state (the pause flag). Rules:
 * - Every change is written before the engine acts on it or answers, so a restart keeps
 *   blocks, their expiry, offences, the pause and the audit trail.
 * - Audit text is stored as given (plain text, already bounded by the engine); the log is
 *   pruned to `maxAuditRows` and `auditDays` by prune().
 * - The db is read through a getter: the store opens it only at start.
 */
import type { Db } from '../store/database.js';
import type { SubjectKind } from './subjects.js';
import type { AuditAction, AuditEntryView, BlockView } from './types.js';

export interface AuditInput {
  action: AuditAction;
  value?: string;
  kind?: SubjectKind;
  actor: AuditEntryView['actor'];
  result: AuditEntryView['result'];
  reason: string;
  guard?: string;
  detail?: string;
}

interface BlockRow {
  value: string;
  kind: SubjectKind;
  reason: string;
  source: 'auto' | 'manual';
  finding_key: string | null;
  created_ms: number;
  expires_ms: number;
  offence: number;
  dry_run: number;
}

interface AuditRow {
  id: number;
  ts_ms: number;
  action: AuditAction;
  value: string | null;
  kind: SubjectKind | null;
  actor: AuditEntryView['actor'];
  result: AuditEntryView['result'];
  reason: string;
  guard: string | null;
  detail: string;
}

function toView(r: BlockRow): BlockView {
  return {
    value: r.value,
    kind: r.kind,
    reason: r.reason,
    source: r.source,
    ...(r.finding_key ? { findingKey: r.finding_key } : {}),
    createdMs: r.created_ms,
    expiresMs: r.expires_ms,
    offence: r.offence,
    dryRun: r.dry_run === 1,
  };
}

function auditView(r: AuditRow): AuditEntryView {
  return {
    id: r.id,
    tsMs: r.ts_ms,
    action: r.action,
    ...(r.value !== null ? { value: r.value } : {}),
    ...(r.kind !== null ? { kind: r.kind } : {}),
    actor: r.actor,
    result: r.result,
    reason: r.reason,
    ...(r.guard !== null ? { guard: r.guard } : {}),
    detail: r.detail,
  };
}

export interface BlockStore {
  blocks(): BlockView[];
  putBlock(b: BlockView): void;
  deleteBlock(value: string): void;
  deleteAllBlocks(): number;
  audit(a: AuditInput, tsMs: number): void;
  auditList(limit: number, beforeId?: number): AuditEntryView[];
  /** Automatic block decisions (dry run included) since `sinceMs`. */
  automaticSince(sinceMs: number): number;
  /** Offences of `value` remembered since `sinceMs` (older ones are forgotten). */
  offences(value: string, sinceMs: number): number;
  recordOffence(value: string, nowMs: number, sinceMs: number): number;
  pushed(target: string): Set<string>;
  markPushed(target: string, values: readonly string[], nowMs: number): void;
  unmarkPushed(target: string, values: readonly string[]): void;
  hasPushed(): boolean;
  getState(key: string): string | undefined;
  setState(key: string, value: string | undefined): void;
  prune(nowMs: number, opts: { maxAuditRows: number; auditDays: number; offenceSinceMs: number }): void;
}

/** Creates the store over the database `db()` returns (after the store component started). */
export function createBlockStore(db: () => Db): BlockStore {
  const tx = <T>(fn: () => T): T => db().transaction(fn)();
  return {
    blocks: () => (db().prepare('SELECT * FROM block_active ORDER BY created_ms, value').all() as BlockRow[]).map(toView),
    putBlock(b) {
      db()
        .prepare(
          `INSERT INTO block_active (value, kind, reason, source, finding_key, created_ms, expires_ms, offence, dry_run)
           VALUES (@value, @kind, @reason, @source, @findingKey, @createdMs, @expiresMs, @offence, @dryRun)
           ON CONFLICT(value) DO UPDATE SET reason = excluded.reason, source = excluded.source, finding_key = excluded.finding_key,
             expires_ms = excluded.expires_ms, offence = excluded.offence, dry_run = excluded.dry_run`,
        )
        .run({ ...b, findingKey: b.findingKey ?? null, dryRun: b.dryRun ? 1 : 0 });
    },
    deleteBlock(value) {
      db().prepare('DELETE FROM block_active WHERE value = ?').run(value);
    },
    deleteAllBlocks: () => db().prepare('DELETE FROM block_active').run().changes,
    audit(a, tsMs) {
      db()
        .prepare(
          `INSERT INTO block_audit (ts_ms, action, value, kind, actor, result, reason, guard, detail)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(tsMs, a.action, a.value ?? null, a.kind ?? null, a.actor, a.result, a.reason, a.guard ?? null, a.detail ?? '');
    },
    auditList(limit, beforeId) {
      const rows =
        beforeId === undefined
          ? db().prepare('SELECT * FROM block_audit ORDER BY id DESC LIMIT ?').all(limit)
          : db().prepare('SELECT * FROM block_audit WHERE id < ? ORDER BY id DESC LIMIT ?').all(beforeId, limit);
      return (rows as AuditRow[]).map(auditView);
    },
    automaticSince: (sinceMs) =>
      (
        db()
          .prepare(`SELECT COUNT(*) AS n FROM block_audit WHERE ts_ms > ? AND action = 'block' AND actor = 'auto' AND result IN ('ok', 'dry_run')`)
          .get(sinceMs) as { n: number }
      ).n,
    offences(value, sinceMs) {
      const r = db().prepare('SELECT count, last_ms FROM block_offences WHERE value = ?').get(value) as { count: number; last_ms: number } | undefined;
      return r && r.last_ms >= sinceMs ? r.count : 0;
    },
    recordOffence(value, nowMs, sinceMs) {
      return tx(() => {
        const r = db().prepare('SELECT count, last_ms FROM block_offences WHERE value = ?').get(value) as { count: number; last_ms: number } | undefined;
        const count = r && r.last_ms >= sinceMs ? r.count + 1 : 1;
        db().prepare('INSERT INTO block_offences (value, count, last_ms) VALUES (?, ?, ?) ON CONFLICT(value) DO UPDATE SET count = excluded.count, last_ms = excluded.last_ms').run(value, count, nowMs);
        return count;
      });
    },
    pushed: (target) => new Set((db().prepare('SELECT value FROM block_pushed WHERE target = ?').all(target) as { value: string }[]).map((r) => r.value)),
    markPushed(target, values, nowMs) {
      if (values.length === 0) return;
      const st = db().prepare('INSERT INTO block_pushed (target, value, pushed_ms) VALUES (?, ?, ?) ON CONFLICT(target, value) DO UPDATE SET pushed_ms = excluded.pushed_ms');
      tx(() => {
        for (const v of values) st.run(target, v, nowMs);
      });
    },
    unmarkPushed(target, values) {
      if (values.length === 0) return;
      const st = db().prepare('DELETE FROM block_pushed WHERE target = ? AND value = ?');
      tx(() => {
        for (const v of values) st.run(target, v);
      });
    },
    hasPushed: () => db().prepare('SELECT 1 FROM block_pushed LIMIT 1').get() !== undefined,
    getState: (key) => (db().prepare('SELECT value FROM block_state WHERE key = ?').get(key) as { value: string } | undefined)?.value,
    setState(key, value) {
      if (value === undefined) db().prepare('DELETE FROM block_state WHERE key = ?').run(key);
      else db().prepare('INSERT INTO block_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
    },
    prune(nowMs, opts) {
      tx(() => {
        db().prepare('DELETE FROM block_audit WHERE ts_ms < ?').run(nowMs - opts.auditDays * 86_400_000);
        db().prepare('DELETE FROM block_audit WHERE id <= (SELECT id FROM block_audit ORDER BY id DESC LIMIT 1 OFFSET ?)').run(opts.maxAuditRows);
        db().prepare('DELETE FROM block_offences WHERE last_ms < ?').run(opts.offenceSinceMs);
      });
    },
  };
}
