/**
 * Persistence of scan results. Rules: SQLite (`scan_hosts`, `scan_runs`, migration 4) is the
 * record; `homesec_hosts.yaml` is the reference-compatible mirror written after each cycle
 * (ip: { alive, open_ports, os_guess, ping_ms, … }) so other tools and a restart see the
 * last results at once. A host keeps its last result until it is scanned again; results of
 * hosts not seen alive for `staleMs` are pruned. Results are JSON of HostScan — rows that
 * fail to parse are skipped and counted, never fatal.
 */
import type { Db } from '../store/database.js';
import { saveHosts, type HostRecord } from '../store/state-files.js';
import type { HostScan } from './types.js';

export interface ScanRun {
  startedMs: number;
  durationMs: number;
  trigger: string;
  targets: number;
  alive: number;
  openPorts: number;
  services: number;
}

/** Writes one cycle's host results and its run row in one transaction. */
export function saveScan(db: Db, hosts: readonly HostScan[], run: ScanRun): void {
  const upsert = db.prepare(
    `INSERT INTO scan_hosts (ip, alive, scanned_ms, result) VALUES (?, ?, ?, ?)
     ON CONFLICT(ip) DO UPDATE SET alive = excluded.alive, scanned_ms = excluded.scanned_ms, result = excluded.result`,
  );
  const insRun = db.prepare(
    'INSERT INTO scan_runs (started_ms, duration_ms, trigger, targets, alive, open_ports, services) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  db.transaction(() => {
    for (const h of hosts) upsert.run(h.ip, h.alive ? 1 : 0, h.scannedAtMs, JSON.stringify(h));
    insRun.run(run.startedMs, run.durationMs, run.trigger, run.targets, run.alive, run.openPorts, run.services);
    // Keep the run log bounded: the newest 1,000 runs.
    db.prepare('DELETE FROM scan_runs WHERE id <= (SELECT MAX(id) FROM scan_runs) - 1000').run();
  })();
}

/** Loads every stored host result; `bad` counts rows that could not be parsed. */
export function loadScans(db: Db): { hosts: Map<string, HostScan>; bad: number; lastRun?: ScanRun } {
  const hosts = new Map<string, HostScan>();
  let bad = 0;
  for (const row of db.prepare('SELECT ip, result FROM scan_hosts').iterate() as Iterable<{ ip: string; result: string }>) {
    try {
      const h = JSON.parse(row.result) as HostScan;
      if (h && typeof h === 'object' && h.ip === row.ip && Array.isArray(h.openPorts)) hosts.set(row.ip, h);
      else bad++;
    } catch {
      bad++;
    }
  }
  const r = db
    .prepare('SELECT started_ms, duration_ms, trigger, targets, alive, open_ports, services FROM scan_runs ORDER BY id DESC LIMIT 1')
    .get() as Record<string, number | string> | undefined;
  const lastRun: ScanRun | undefined = r
    ? {
        startedMs: Number(r.started_ms),
        durationMs: Number(r.duration_ms),
        trigger: String(r.trigger),
        targets: Number(r.targets),
        alive: Number(r.alive),
        openPorts: Number(r.open_ports),
        services: Number(r.services),
      }
    : undefined;
  return { hosts, bad, lastRun };
}

/** Deletes host results not alive and not scanned since `olderThanMs`; returns rows deleted. */
export function pruneScans(db: Db, olderThanMs: number): number {
  return db.prepare('DELETE FROM scan_hosts WHERE scanned_ms < ? AND alive = 0').run(olderThanMs).changes;
}

/** The reference's homesec_hosts.yaml record of one host. */
export function hostRecord(h: HostScan): HostRecord {
  const rec: HostRecord = {
    alive: h.alive,
    open_ports: h.openPorts,
    os_guess: h.os ? (h.os.detail ? `${h.os.family} (${h.os.detail})` : h.os.family) : 'unknown',
    ping_ms: h.pingMs ?? null,
    last_scan: new Date(h.scannedAtMs).toISOString(),
  };
  if (h.ttl !== undefined) rec.ttl = h.ttl;
  if (h.services.length) {
    rec.services = h.services.map((s) => {
      const o: Record<string, unknown> = { port: s.port, name: s.name };
      if (s.productName ?? s.product) o.product = s.productName ?? s.product;
      if (s.version) o.version = s.version;
      return o;
    });
  }
  const tech = h.services.flatMap((s) => s.http?.technologies ?? []).map((t) => (t.version ? `${t.name} ${t.version}` : t.name));
  if (tech.length) rec.technologies = [...new Set(tech)];
  if (h.hints.length) rec.hints = h.hints;
  return rec;
}

/** Writes homesec_hosts.yaml for these hosts (atomic). */
export function saveHostsYaml(dir: string, hosts: Iterable<HostScan>): void {
  const m = new Map<string, HostRecord>();
  for (const h of hosts) m.set(h.ip, hostRecord(h));
  saveHosts(dir, m);
}
