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
  {
    version: 6,
    name: 'vulnerabilities: NVD CVE cache and CISA KEV catalog',
    sql: `CREATE TABLE vuln_cves (
            id TEXT PRIMARY KEY,
            last_modified TEXT,
            data TEXT NOT NULL
          );
          CREATE TABLE vuln_queries (
            query TEXT PRIMARY KEY,
            fetched_ms INTEGER NOT NULL,
            total INTEGER NOT NULL
          );
          CREATE TABLE vuln_query_cves (
            query TEXT NOT NULL REFERENCES vuln_queries(query) ON DELETE CASCADE,
            cve_id TEXT NOT NULL,
            PRIMARY KEY (query, cve_id)
          ) WITHOUT ROWID;
          CREATE INDEX vuln_query_cves_cve ON vuln_query_cves(cve_id);
          CREATE TABLE vuln_kev (
            cve_id TEXT PRIMARY KEY,
            data TEXT NOT NULL
          );`,
  },
  {
    version: 7,
    name: 'dns: device domain profiles and statistics',
    // dns_devices: when each device made its first query (new-domain learning period);
    // dns_device_domains: each device's registrable domains and when each was first seen;
    // dns_stats: per-device statistics. Source read positions live in kv (`dns.cursor.<source>`).
    sql: `CREATE TABLE dns_devices (
          ip TEXT PRIMARY KEY,
          first_seen_ms INTEGER NOT NULL
        );
        CREATE TABLE dns_device_domains (
          ip TEXT NOT NULL,
          domain TEXT NOT NULL,
          first_seen_ms INTEGER NOT NULL,
          PRIMARY KEY (ip, domain)
        );
        CREATE TABLE dns_stats (
          ip TEXT PRIMARY KEY,
          data TEXT NOT NULL,
          updated_ms INTEGER NOT NULL
        );`,
  },
  {
    version: 8,
    name: 'notifications: outbox and per-key de-duplication',
    // notify_outbox: one row per (channel, message); uid = idempotency key (e-mail Message-ID,
    // webhook delivery id), stable across retries and restarts; state queued | sending | sent |
    // failed | held | suppressed | folded; priority = severity rank. notify_keys: per channel and
    // finding key, the severity and time last notified (de-duplication survives restarts).
    sql: `CREATE TABLE notify_outbox (
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
          CREATE INDEX notify_keys_time ON notify_keys(notified_ms);`,
  },
  {
    version: 9,
    name: 'inventory: devices, MACs, IP history; findings remediation hint',
    // inventory_devices: one row per device (opaque id that never changes; merged-away devices
    // are deleted); current_ip NULL when another device took its address; baseline = learnt
    // during the learning window. inventory_macs: every MAC a device was seen with (one device
    // per MAC). inventory_ip_history: one row per stretch of time a device held an address.
    sql: `CREATE TABLE inventory_devices (
            id INTEGER PRIMARY KEY,
            current_ip TEXT,
            hostname TEXT,
            hostname_source TEXT,
            hostname_ms INTEGER,
            name TEXT,
            trusted INTEGER NOT NULL DEFAULT 0,
            baseline INTEGER NOT NULL DEFAULT 0,
            first_seen_ms INTEGER NOT NULL,
            last_seen_ms INTEGER NOT NULL
          );
          CREATE INDEX inventory_devices_ip ON inventory_devices(current_ip);
          CREATE TABLE inventory_macs (
            mac TEXT PRIMARY KEY,
            device_id INTEGER NOT NULL REFERENCES inventory_devices(id) ON DELETE CASCADE,
            first_seen_ms INTEGER NOT NULL,
            last_seen_ms INTEGER NOT NULL
          );
          CREATE INDEX inventory_macs_device ON inventory_macs(device_id);
          CREATE TABLE inventory_ip_history (
            id INTEGER PRIMARY KEY,
            device_id INTEGER NOT NULL REFERENCES inventory_devices(id) ON DELETE CASCADE,
            ip TEXT NOT NULL,
            first_seen_ms INTEGER NOT NULL,
            last_seen_ms INTEGER NOT NULL
          );
          CREATE INDEX inventory_ip_history_device ON inventory_ip_history(device_id, id);
          ALTER TABLE findings ADD COLUMN remediation TEXT;`,
  },
  {
    version: 10,
    name: 'blocking: active blocks, audit log, offences, pushed entries, state',
    // block_active: one row per blocked IP or domain (expires_ms always set; dry_run rows were
    // never pushed). block_audit: every decision, newest by id. block_offences: repeat
    // counts for escalation. block_pushed: what homesec put on each target (targets that
    // cannot tag entries remove only these). block_state: pause flag and the like.
    sql: `CREATE TABLE block_active (
            value TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            reason TEXT NOT NULL,
            source TEXT NOT NULL,
            finding_key TEXT,
            created_ms INTEGER NOT NULL,
            expires_ms INTEGER NOT NULL,
            offence INTEGER NOT NULL,
            dry_run INTEGER NOT NULL
          );
          CREATE INDEX block_active_expires ON block_active(expires_ms);
          CREATE TABLE block_audit (
            id INTEGER PRIMARY KEY,
            ts_ms INTEGER NOT NULL,
            action TEXT NOT NULL,
            value TEXT,
            kind TEXT,
            actor TEXT NOT NULL,
            result TEXT NOT NULL,
            reason TEXT NOT NULL,
            guard TEXT,
            detail TEXT NOT NULL
          );
          CREATE INDEX block_audit_ts ON block_audit(ts_ms);
          CREATE TABLE block_offences (
            value TEXT PRIMARY KEY,
            count INTEGER NOT NULL,
            last_ms INTEGER NOT NULL
          );
          CREATE TABLE block_pushed (
            target TEXT NOT NULL,
            value TEXT NOT NULL,
            pushed_ms INTEGER NOT NULL,
            PRIMARY KEY (target, value)
          );
          CREATE TABLE block_state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
          );`,
  },
];
