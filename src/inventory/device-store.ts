/**
 * Persistence of the device table in SQLite (tables of migration 9 in src/store/migrations.ts).
 * Rules: saveDevices writes the changed devices (row, MACs, address history) and deletes
 * merged-away ones in ONE transaction, so a crash leaves either the old or the new state;
 * a device's MACs and history are rewritten whole (both are small and bounded by
 * identity.ts). loadDevices never throws on a bad row value: an unknown name source is
 * dropped, rows are otherwise trusted (only homesec writes them).
 */
import type { Db } from '../store/database.js';
import { NAME_SOURCES, type DeviceRecord, type NameSource } from './types.js';

interface DeviceRow {
  id: number;
  current_ip: string | null;
  hostname: string | null;
  hostname_source: string | null;
  hostname_ms: number | null;
  name: string | null;
  trusted: number;
  baseline: number;
  first_seen_ms: number;
  last_seen_ms: number;
}

/** All stored devices with their MACs (oldest seen first) and address history (oldest first). */
export function loadDevices(db: Db): DeviceRecord[] {
  const byId = new Map<number, DeviceRecord>();
  for (const r of db.prepare('SELECT * FROM inventory_devices ORDER BY id').all() as DeviceRow[]) {
    const d: DeviceRecord = {
      id: r.id,
      ips: [],
      macs: [],
      trusted: r.trusted === 1,
      baseline: r.baseline === 1,
      firstSeenMs: r.first_seen_ms,
      lastSeenMs: r.last_seen_ms,
    };
    if (r.current_ip !== null) d.currentIp = r.current_ip;
    if (r.hostname !== null) d.hostname = r.hostname;
    if (r.hostname_source !== null && (NAME_SOURCES as readonly string[]).includes(r.hostname_source)) d.hostnameSource = r.hostname_source as NameSource;
    if (r.hostname_ms !== null) d.hostnameMs = r.hostname_ms;
    if (r.name !== null) d.name = r.name;
    byId.set(d.id, d);
  }
  const macs = db.prepare('SELECT mac, device_id, first_seen_ms, last_seen_ms FROM inventory_macs ORDER BY last_seen_ms, mac').all() as {
    mac: string;
    device_id: number;
    first_seen_ms: number;
    last_seen_ms: number;
  }[];
  for (const m of macs) byId.get(m.device_id)?.macs.push({ mac: m.mac, firstSeenMs: m.first_seen_ms, lastSeenMs: m.last_seen_ms });
  const stints = db.prepare('SELECT device_id, ip, first_seen_ms, last_seen_ms FROM inventory_ip_history ORDER BY device_id, id').all() as {
    device_id: number;
    ip: string;
    first_seen_ms: number;
    last_seen_ms: number;
  }[];
  for (const s of stints) byId.get(s.device_id)?.ips.push({ ip: s.ip, firstSeenMs: s.first_seen_ms, lastSeenMs: s.last_seen_ms });
  return [...byId.values()];
}

/** Writes changed devices and deletes merged-away ones in one transaction (see module rules). */
export function saveDevices(db: Db, changed: readonly DeviceRecord[], deleted: readonly number[]): void {
  if (changed.length === 0 && deleted.length === 0) return;
  const del = db.prepare('DELETE FROM inventory_devices WHERE id = ?');
  const upsert = db.prepare(
    `INSERT INTO inventory_devices (id, current_ip, hostname, hostname_source, hostname_ms, name, trusted, baseline, first_seen_ms, last_seen_ms)
     VALUES (@id, @currentIp, @hostname, @hostnameSource, @hostnameMs, @name, @trusted, @baseline, @firstSeenMs, @lastSeenMs)
     ON CONFLICT(id) DO UPDATE SET current_ip = excluded.current_ip, hostname = excluded.hostname, hostname_source = excluded.hostname_source,
       hostname_ms = excluded.hostname_ms, name = excluded.name, trusted = excluded.trusted, baseline = excluded.baseline,
       first_seen_ms = excluded.first_seen_ms, last_seen_ms = excluded.last_seen_ms`,
  );
  const delMacs = db.prepare('DELETE FROM inventory_macs WHERE device_id = ?');
  const delMac = db.prepare('DELETE FROM inventory_macs WHERE mac = ?');
  const insMac = db.prepare('INSERT INTO inventory_macs (mac, device_id, first_seen_ms, last_seen_ms) VALUES (?, ?, ?, ?)');
  const delIps = db.prepare('DELETE FROM inventory_ip_history WHERE device_id = ?');
  const insIp = db.prepare('INSERT INTO inventory_ip_history (device_id, ip, first_seen_ms, last_seen_ms) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (const id of deleted) del.run(id);
    for (const d of changed) {
      upsert.run({
        id: d.id,
        currentIp: d.currentIp ?? null,
        hostname: d.hostname ?? null,
        hostnameSource: d.hostnameSource ?? null,
        hostnameMs: d.hostnameMs ?? null,
        name: d.name ?? null,
        trusted: d.trusted ? 1 : 0,
        baseline: d.baseline ? 1 : 0,
        firstSeenMs: d.firstSeenMs,
        lastSeenMs: d.lastSeenMs,
      });
      delMacs.run(d.id);
      for (const m of d.macs) {
        delMac.run(m.mac); // a MAC moved here by a merge
        insMac.run(m.mac, d.id, m.firstSeenMs, m.lastSeenMs);
      }
      delIps.run(d.id);
      for (const s of d.ips) insIp.run(d.id, s.ip, s.firstSeenMs, s.lastSeenMs);
    }
  })();
}
