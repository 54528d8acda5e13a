/**
 * The notifications migration (version 8), kept here until the lead appends it to
 * src/store/migrations.ts. Rules: append-only like every migration; the outbox is the only
 * place a notification lives between the policy deciding it and the provider accepting it,
 * so every state change is a committed row update (see outbox.ts for the state machine).
 *
 * notify_outbox: one row per (channel, message). `uid` is the message's idempotency key
 * (e-mail Message-ID, webhook delivery id), stable across retries and restarts. `state` is
 * queued | sending | sent | failed | held | suppressed | folded. `priority` is the severity
 * rank (critical first). A summary is enqueued at most once per channel and scheduled
 * instant (partial unique index).
 * notify_keys: per channel and finding key, the severity and time last notified (the
 * per-key de-duplication survives restarts).
 */
import type { Migration } from '../store/migrations.js';

export const NOTIFY_MIGRATION_VERSION = 8;

export const NOTIFY_MIGRATION_SQL = `CREATE TABLE notify_outbox (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            channel TEXT NOT NULL,
            kind TEXT NOT NULL,
            dedupe_key TEXT NOT NULL,
            severity TEXT NOT NULL,
            priority INTEGER NOT NULL,
            state TEXT NOT NULL,
            payload TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_ms INTEGER NOT NULL,
            created_ms INTEGER NOT NULL,
            updated_ms INTEGER NOT NULL,
            sent_ms INTEGER,
            last_error TEXT
          );
          CREATE INDEX notify_outbox_due ON notify_outbox(state, channel, next_attempt_ms);
          CREATE INDEX notify_outbox_window ON notify_outbox(kind, created_ms);
          CREATE UNIQUE INDEX notify_outbox_summary_once ON notify_outbox(channel, dedupe_key) WHERE kind = 'summary';
          CREATE TABLE notify_keys (
            channel TEXT NOT NULL,
            key TEXT NOT NULL,
            severity TEXT NOT NULL,
            notified_ms INTEGER NOT NULL,
            PRIMARY KEY (channel, key)
          );
          CREATE INDEX notify_keys_time ON notify_keys(notified_ms);`;

/** The migration entry to append to MIGRATIONS. */
export const NOTIFY_MIGRATION: Migration = {
  version: NOTIFY_MIGRATION_VERSION,
  name: 'notifications: outbox and per-key de-duplication',
  sql: NOTIFY_MIGRATION_SQL,
};
