/**
 * The SQLite schema, as an ordered list of migrations. Rules: append only — a released
 * migration is never edited; each runs once, in its own transaction, and is recorded in
 * `schema_migrations`. Each capability adds its tables here (one list, one order).
 */

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'key-value state',
    sql: `CREATE TABLE kv (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_ms INTEGER NOT NULL
          );`,
  },
  {
    version: 2,
    name: 'traffic: connection history and external IPs',
    sql: `CREATE TABLE connections (
            id INTEGER PRIMARY KEY,
            ts_ms INTEGER NOT NULL,
            src TEXT NOT NULL,
            dst TEXT NOT NULL,
            dst_port INTEGER NOT NULL,
            protocol INTEGER NOT NULL,
            flows INTEGER NOT NULL,
            bytes INTEGER NOT NULL,
            packets INTEGER NOT NULL
          );
          CREATE INDEX connections_ts ON connections(ts_ms);
          CREATE INDEX connections_src ON connections(src, ts_ms);
          CREATE TABLE external_ips (
            ip TEXT PRIMARY KEY,
            first_seen_ms INTEGER NOT NULL,
            last_seen_ms INTEGER NOT NULL,
            bytes_in INTEGER NOT NULL,
            bytes_out INTEGER NOT NULL,
            flows INTEGER NOT NULL,
            devices TEXT NOT NULL
          );
          CREATE INDEX external_ips_last ON external_ips(last_seen_ms);
          CREATE TABLE devices (
            ip TEXT PRIMARY KEY,
            first_seen_ms INTEGER NOT NULL,
            last_seen_ms INTEGER NOT NULL,
            flows INTEGER NOT NULL,
            bytes_out INTEGER NOT NULL,
            bytes_in INTEGER NOT NULL
          );`,
  },
  {
    version: 3,
    name: 'findings',
    sql: `CREATE TABLE findings (
            key TEXT PRIMARY KEY,
            category TEXT NOT NULL,
            severity TEXT NOT NULL,
            source_ip TEXT NOT NULL,
            title TEXT NOT NULL,
            detail TEXT NOT NULL,
            first_seen_ms INTEGER NOT NULL,
            last_seen_ms INTEGER NOT NULL,
            occurrences INTEGER NOT NULL,
            evidence TEXT NOT NULL
          );
          CREATE INDEX findings_last ON findings(last_seen_ms);`,
  },
  {
    version: 4,
    name: 'active scanner: host results and scan runs',
    sql: `CREATE TABLE scan_hosts (
            ip TEXT PRIMARY KEY,
            alive INTEGER NOT NULL,
            scanned_ms INTEGER NOT NULL,
            result TEXT NOT NULL
          );
          CREATE TABLE scan_runs (
            id INTEGER PRIMARY KEY,
            started_ms INTEGER NOT NULL,
            duration_ms INTEGER NOT NULL,
            trigger TEXT NOT NULL,
            targets INTEGER NOT NULL,
            alive INTEGER NOT NULL,
            open_ports INTEGER NOT NULL,
            services INTEGER NOT NULL
          );`,
  },
  {
    version: 5,
    name: 'intel: budgets, enrichment cache, feeds',
    // intel_budget: requests counted per provider and local day (counted before sending);
    // intel_enrichment: last answer per (ip, provider) for the cache TTL and the External IPs view;
    // intel_feeds: last good copy of each blacklist feed with its validators (ETag, Last-Modified).
    sql: `CREATE TABLE intel_budget (
            provider TEXT PRIMARY KEY,
            day TEXT NOT NULL,
            used INTEGER NOT NULL
          );
          CREATE TABLE intel_enrichment (
            ip TEXT NOT NULL,
            provider TEXT NOT NULL,
            fetched_ms INTEGER NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (ip, provider)
          );
          CREATE INDEX intel_enrichment_fetched ON intel_enrichment(fetched_ms);
          CREATE TABLE intel_feeds (
            url TEXT PRIMARY KEY,
            etag TEXT,
            last_modified TEXT,
            fetched_ms INTEGER NOT NULL,
            checked_ms INTEGER NOT NULL,
            body BLOB NOT NULL
          );`,
  },
];
