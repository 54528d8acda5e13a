/**
 * The persistent outbox (SQLite, tables of migration 8 in src/store/migrations.ts). Rules: a notification exists
 * from the moment its row is committed; every state change is one committed UPDATE, made
 * BEFORE the next step acts on it:
 *
 *   queued ──markSending (committed)──▶ sending ──provider 2xx──▶ sent
 *      ▲                                   │ ├──permanent error / too old──▶ failed
 *      └────────markRetry (backoff)────────┘ └──interrupted (crash, stop)──▶ unconfirmed
 *   held (quiet hours) / suppressed (rate limit) ──folded into a digest──▶ folded
 *
 * A row found in `sending` at start-up was interrupted mid-send (the provider may or may not
 * have it): recoverInFlight() makes it `unconfirmed` and never sends it again (at most once,
 * the default), or puts it back to `queued` when the caller asks for at-least-once (see
 * notifier.ts for what each channel then guarantees). A `queued` row has never reached a
 * provider, so a crash before the send costs nothing and sends nothing twice. Rows are read
 * back defensively: a payload that does not parse fails its row instead of throwing.
 */
import { severityRank, type Severity } from '../findings/types.js';
import type { Db } from '../store/database.js';
import type { MessageKind, NotifyMessage } from './message.js';

export type OutboxState = 'queued' | 'sending' | 'sent' | 'failed' | 'unconfirmed' | 'held' | 'suppressed' | 'folded';
export const OUTBOX_STATES: readonly OutboxState[] = ['queued', 'sending', 'sent', 'failed', 'unconfirmed', 'held', 'suppressed', 'folded'];

export interface OutboxRow {
  id: number;
  uid: string;
  channel: string;
  kind: MessageKind;
  dedupeKey: string;
  severity: Severity;
  state: OutboxState;
  message: NotifyMessage | undefined;
  attempts: number;
  nextAttemptMs: number;
  createdMs: number;
  updatedMs: number;
  sentMs: number | undefined;
  lastError: string | undefined;
}

export interface EnqueueInput {
  channel: string;
  kind: MessageKind;
  /** Finding key for alerts; the scheduled instant for summaries. */
  dedupeKey: string;
  state: 'queued' | 'held' | 'suppressed';
  message: NotifyMessage;
}

interface RawRow {
  id: number;
  uid: string;
  channel: string;
  kind: string;
  dedupe_key: string;
  severity: string;
  state: string;
  payload: string;
  attempts: number;
  next_attempt_ms: number;
  created_ms: number;
  updated_ms: number;
  sent_ms: number | null;
  last_error: string | null;
}

function toRow(r: RawRow): OutboxRow {
  let message: NotifyMessage | undefined;
  try {
    const m = JSON.parse(r.payload) as NotifyMessage;
    if (m && typeof m === 'object' && typeof m.title === 'string' && Array.isArray(m.sections) && Array.isArray(m.findings)) message = m;
  } catch {
    /* judged by the caller */
  }
  return {
    id: r.id,
    uid: r.uid,
    channel: r.channel,
    kind: r.kind as MessageKind,
    dedupeKey: r.dedupe_key,
    severity: r.severity as Severity,
    state: r.state as OutboxState,
    message,
    attempts: r.attempts,
    nextAttemptMs: r.next_attempt_ms,
    createdMs: r.created_ms,
    updatedMs: r.updated_ms,
    sentMs: r.sent_ms ?? undefined,
    lastError: r.last_error ?? undefined,
  };
}

/** States whose alerts count toward the rate limits (what was, may have been, or will be sent). */
const COUNTED = `('queued','sending','sent','failed','unconfirmed')`;
/** Rows no longer waiting for anything (pruned after the retention). */
const FINISHED = `('sent','failed','unconfirmed','folded')`;
/** Why an interrupted row is not sent again (its last_error). */
export const UNCONFIRMED_DETAIL = 'interrupted mid-send; the provider may or may not have it; not sent again (notify_delivery at_most_once)';

export interface Outbox {
  /** Inserts a row; returns its id, or undefined when a summary for that instant exists. */
  enqueue(e: EnqueueInput, nowMs: number): number | undefined;
  /**
   * Rows left `sending` by a crash: → `unconfirmed` (resend false: never sent again) or →
   * `queued`, due now (resend true: sent again with the same id). Returns how many, per channel.
   */
  recoverInFlight(nowMs: number, resend: boolean): Map<string, number>;
  /** Fails queued/held/suppressed rows of channels no longer configured; returns how many. */
  failOrphans(channels: ReadonlySet<string>, nowMs: number): number;
  /** The most urgent due queued row of a channel (critical first, then oldest). */
  nextDue(channel: string, nowMs: number): OutboxRow | undefined;
  /** When the channel's next queued row falls due. */
  nextAttemptMs(channel: string): number | undefined;
  markSending(id: number, nowMs: number): void;
  markSent(id: number, nowMs: number): void;
  markRetry(id: number, nextMs: number, error: string, nowMs: number): void;
  markFailed(id: number, error: string, nowMs: number): void;
  /** sending → unconfirmed: interrupted after the provider may have seen it; never sent again. */
  markUnconfirmed(id: number, nowMs: number): void;
  /** Rows of a channel in a state, oldest first. */
  rows(channel: string, state: OutboxState): OutboxRow[];
  setState(ids: readonly number[], state: OutboxState, nowMs: number): void;
  /** Alerts of a channel counted by the rate limit since sinceMs. */
  alertCount(channel: string, sinceMs: number): number;
  /** Distinct findings alerted on any channel since sinceMs. */
  globalAlertCount(sinceMs: number): number;
  /** Row counts per channel and state. */
  counts(): Map<string, Partial<Record<OutboxState, number>>>;
  lastError(channel: string): { error: string; atMs: number } | undefined;
  lastSentMs(channel: string): number | undefined;
  /** When a channel last notified a finding key, and at which severity. */
  getKey(channel: string, key: string): { severity: Severity; notifiedMs: number } | undefined;
  setKey(channel: string, key: string, severity: Severity, nowMs: number): void;
  /** Deletes finished rows (sent, failed, unconfirmed, folded) last changed before rowsBeforeMs and key records older than keysBeforeMs. */
  prune(rowsBeforeMs: number, keysBeforeMs: number): number;
  /** Runs fn in one transaction. */
  transaction<T>(fn: () => T): T;
}

/** The outbox over an open database (migration 8 applied). */
export function createOutbox(db: Db): Outbox {
  const insert = db.prepare(
    `INSERT OR IGNORE INTO notify_outbox (uid, channel, kind, dedupe_key, severity, priority, state, payload, attempts, next_attempt_ms, created_ms, updated_ms)
     VALUES (@uid, @channel, @kind, @dedupeKey, @severity, @priority, @state, @payload, 0, @now, @now, @now)`,
  );
  const update = (sql: string) => db.prepare(`UPDATE notify_outbox SET ${sql} WHERE id = @id`);
  const toSending = update(`state = 'sending', attempts = attempts + 1, updated_ms = @now`);
  const toSent = update(`state = 'sent', sent_ms = @now, updated_ms = @now`);
  const toRetry = update(`state = 'queued', next_attempt_ms = @next, last_error = @error, updated_ms = @now`);
  const toFailed = update(`state = 'failed', last_error = @error, updated_ms = @now`);
  const toUnconfirmed = update(`state = 'unconfirmed', last_error = @error, updated_ms = @now`);
  const toState = update(`state = @state, updated_ms = @now`);
  const due = db.prepare(
    `SELECT * FROM notify_outbox WHERE state = 'queued' AND channel = ? AND next_attempt_ms <= ? ORDER BY priority DESC, id ASC LIMIT 1`,
  );
  const nextAt = db.prepare(`SELECT MIN(next_attempt_ms) AS t FROM notify_outbox WHERE state = 'queued' AND channel = ?`);
  const inState = db.prepare(`SELECT * FROM notify_outbox WHERE channel = ? AND state = ? ORDER BY id ASC`);
  const chCount = db.prepare(`SELECT COUNT(*) AS n FROM notify_outbox WHERE kind = 'alert' AND channel = ? AND created_ms > ? AND state IN ${COUNTED}`);
  const glCount = db.prepare(`SELECT COUNT(DISTINCT dedupe_key) AS n FROM notify_outbox WHERE kind = 'alert' AND created_ms > ? AND state IN ${COUNTED}`);
  const keyGet = db.prepare(`SELECT severity, notified_ms FROM notify_keys WHERE channel = ? AND key = ?`);
  const keySet = db.prepare(
    `INSERT INTO notify_keys (channel, key, severity, notified_ms) VALUES (?, ?, ?, ?)
     ON CONFLICT(channel, key) DO UPDATE SET severity = excluded.severity, notified_ms = excluded.notified_ms`,
  );
  const tx = <T>(fn: () => T): T => db.transaction(fn)();

  return {
    enqueue(e, nowMs) {
      const r = insert.run({
        uid: e.message.id,
        channel: e.channel,
        kind: e.kind,
        dedupeKey: e.dedupeKey,
        severity: e.message.severity,
        priority: severityRank(e.message.severity),
        state: e.state,
        payload: JSON.stringify(e.message),
        now: nowMs,
      });
      return r.changes > 0 ? Number(r.lastInsertRowid) : undefined;
    },
    recoverInFlight(nowMs, resend) {
      return tx(() => {
        const rows = db.prepare(`SELECT channel, COUNT(*) AS n FROM notify_outbox WHERE state = 'sending' GROUP BY channel`).all() as { channel: string; n: number }[];
        if (resend) db.prepare(`UPDATE notify_outbox SET state = 'queued', next_attempt_ms = ?, updated_ms = ? WHERE state = 'sending'`).run(nowMs, nowMs);
        else db.prepare(`UPDATE notify_outbox SET state = 'unconfirmed', last_error = ?, updated_ms = ? WHERE state = 'sending'`).run(UNCONFIRMED_DETAIL, nowMs);
        return new Map(rows.map((r) => [r.channel, r.n]));
      });
    },
    failOrphans(channels, nowMs) {
      const names = [...channels];
      const placeholders = names.map(() => '?').join(',');
      const where = names.length ? `AND channel NOT IN (${placeholders})` : '';
      return db
        .prepare(`UPDATE notify_outbox SET state = 'failed', last_error = 'channel no longer configured', updated_ms = ? WHERE state IN ('queued','held','suppressed') ${where}`)
        .run(nowMs, ...names).changes;
    },
    nextDue(channel, nowMs) {
      const r = due.get(channel, nowMs) as RawRow | undefined;
      return r ? toRow(r) : undefined;
    },
    nextAttemptMs(channel) {
      const r = nextAt.get(channel) as { t: number | null };
      return r.t ?? undefined;
    },
    markSending: (id, now) => void toSending.run({ id, now }),
    markSent: (id, now) => void toSent.run({ id, now }),
    markRetry: (id, next, error, now) => void toRetry.run({ id, next, error, now }),
    markFailed: (id, error, now) => void toFailed.run({ id, error, now }),
    markUnconfirmed: (id, now) => void toUnconfirmed.run({ id, error: UNCONFIRMED_DETAIL, now }),
    rows: (channel, state) => (inState.all(channel, state) as RawRow[]).map(toRow),
    setState(ids, state, now) {
      tx(() => {
        for (const id of ids) toState.run({ id, state, now });
      });
    },
    alertCount: (channel, since) => (chCount.get(channel, since) as { n: number }).n,
    globalAlertCount: (since) => (glCount.get(since) as { n: number }).n,
    counts() {
      const out = new Map<string, Partial<Record<OutboxState, number>>>();
      for (const r of db.prepare(`SELECT channel, state, COUNT(*) AS n FROM notify_outbox GROUP BY channel, state`).all() as {
        channel: string;
        state: OutboxState;
        n: number;
      }[]) {
        const c = out.get(r.channel) ?? {};
        c[r.state] = r.n;
        out.set(r.channel, c);
      }
      return out;
    },
    lastError(channel) {
      const r = db
        .prepare(`SELECT last_error, updated_ms FROM notify_outbox WHERE channel = ? AND last_error IS NOT NULL ORDER BY updated_ms DESC, id DESC LIMIT 1`)
        .get(channel) as { last_error: string; updated_ms: number } | undefined;
      return r ? { error: r.last_error, atMs: r.updated_ms } : undefined;
    },
    lastSentMs(channel) {
      const r = db.prepare(`SELECT MAX(sent_ms) AS t FROM notify_outbox WHERE channel = ? AND state = 'sent'`).get(channel) as { t: number | null };
      return r.t ?? undefined;
    },
    getKey(channel, key) {
      const r = keyGet.get(channel, key) as { severity: Severity; notified_ms: number } | undefined;
      return r ? { severity: r.severity, notifiedMs: r.notified_ms } : undefined;
    },
    setKey: (channel, key, severity, now) => void keySet.run(channel, key, severity, now),
    prune(rowsBeforeMs, keysBeforeMs) {
      return tx(
        () =>
          db.prepare(`DELETE FROM notify_outbox WHERE state IN ${FINISHED} AND updated_ms < ?`).run(rowsBeforeMs).changes +
          db.prepare(`DELETE FROM notify_keys WHERE notified_ms < ?`).run(keysBeforeMs).changes,
      );
    },
    transaction: tx,
  };
}
