/**
 * Pi-hole v5 FTL database source (`dns_source: pihole5_db`): reads the `queries` view of
 * /etc/pihole/pihole-FTL.db (dns_db_path) READ-ONLY (better-sqlite3 `readonly`,
 * `fileMustExist`; homesec never writes Pi-hole's database).
 *
 * Rules: incremental by id (`WHERE id > ? ORDER BY id LIMIT maxRows`); the first poll ever
 * starts at the queries of the last backfillMs. The position is persisted. FTL writes its
 * database about once a minute, so records arrive in such steps. A locked or missing
 * database is a counted error retried at the next poll (the handle is reopened); a
 * database whose ids went backwards (recreated) restarts at its newest query. Older FTL
 * versions have no reply_type column: the query falls back to the columns they have.
 */
import Database from 'better-sqlite3';
import type { Clock } from '../../core/clock.js';
import { errorMessage } from '../../core/errors.js';
import { asRecord, cleanInt } from '../../intel/sanitise.js';
import type { DnsQuery, DnsSource } from '../types.js';
import { parseFtlRow, type FtlRow } from './pihole-parse.js';
import { createStatus, memoryCursorStore, type CursorStore } from './source-kit.js';

export interface Pihole5DbConfig {
  dns_db_path: string;
}

export interface Pihole5DbOptions {
  maxRows?: number;
  backfillMs?: number;
  busyTimeoutMs?: number;
}

const DEFAULTS = { maxRows: 20_000, backfillMs: 5 * 60_000, busyTimeoutMs: 2000 };
const COLUMNS = 'id, timestamp, type, status, domain, client, forward, additional_info';

/** Creates the source (the database is opened by the first poll). */
export function createPihole5DbSource(config: Pihole5DbConfig, deps: { clock: Clock; cursor?: CursorStore }, options: Pihole5DbOptions = {}): DnsSource {
  const o = { ...DEFAULTS, ...options };
  const cursor = deps.cursor ?? memoryCursorStore();
  const s = createStatus('pihole5_db');
  let db: Database.Database | undefined;
  let withReply = true;
  let lastId: number | undefined;

  const close = () => {
    try {
      db?.close();
    } catch {
      /* already closed */
    }
    db = undefined;
  };

  const rowsAfter = (id: number): FtlRow[] => {
    const d = db as Database.Database;
    if (withReply) {
      try {
        return d.prepare(`SELECT ${COLUMNS}, reply_type FROM queries WHERE id > ? ORDER BY id LIMIT ?`).all(id, o.maxRows) as FtlRow[];
      } catch (err) {
        if (!/no such column/i.test(errorMessage(err))) throw err;
        withReply = false;
      }
    }
    return d.prepare(`SELECT ${COLUMNS} FROM queries WHERE id > ? ORDER BY id LIMIT ?`).all(id, o.maxRows) as FtlRow[];
  };

  return {
    kind: 'pihole5_db',
    async start() {
      lastId = cleanInt(asRecord(cursor.load())?.lastId, 0, Number.MAX_SAFE_INTEGER);
    },
    async poll() {
      const now = deps.clock.now();
      s.begin(now);
      try {
        db ??= new Database(config.dns_db_path, { readonly: true, fileMustExist: true, timeout: o.busyTimeoutMs });
        const maxId = cleanInt((db.prepare('SELECT MAX(id) AS m FROM queries').get() as { m: unknown } | undefined)?.m, 0, Number.MAX_SAFE_INTEGER) ?? 0;
        if (lastId === undefined || lastId > maxId) {
          if (lastId !== undefined) s.count('resets');
          const first = (db.prepare('SELECT MIN(id) AS m FROM queries WHERE timestamp >= ?').get(Math.floor((now - o.backfillMs) / 1000)) as { m: unknown } | undefined)?.m;
          lastId = (cleanInt(first, 0, Number.MAX_SAFE_INTEGER) ?? maxId + 1) - 1;
        }
        const rows = rowsAfter(lastId);
        const out: DnsQuery[] = [];
        let bad = 0;
        for (const row of rows) {
          const q = parseFtlRow(row, now);
          if (q) out.push(q);
          else bad++;
          const id = cleanInt(row.id, 0, Number.MAX_SAFE_INTEGER);
          if (id !== undefined && id > (lastId ?? 0)) lastId = id;
        }
        if (rows.length > 0) cursor.save({ lastId });
        if (rows.length >= o.maxRows) s.count('capped');
        s.ok(now, out.length, bad);
        return out;
      } catch (err) {
        close();
        const code = (err as { code?: unknown }).code;
        s.fail({ kind: 'server', detail: typeof code === 'string' ? code.replace(/[^A-Z0-9_]/g, '').slice(0, 40) || 'database error' : 'database error' });
        return [];
      }
    },
    async stop() {
      close();
    },
    status: () => s.snapshot(),
  };
}
