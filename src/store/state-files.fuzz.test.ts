/**
 * Fuzzing what homesec reads back from its data directory (hostile-input catalogue 29, 30):
 * the reference's YAML state files (roles, dismissed findings, scan results) mutated as text,
 * and a populated SQLite database mutated as bytes. Rules: loading a state file never throws;
 * a file that does not parse is moved aside byte for byte, never overwritten; kept values obey
 * the file's rules (known roles, finding keys of 1-1024 characters) and survive a save and a
 * reload unchanged. Opening a mutated database either works (every table readable afterwards)
 * or moves the file aside and starts empty; it fails only with a coded HomesecError.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { fuzz, hostileBytes, mutatedText } from '../../test/support/fuzz.js';
import { HomesecError } from '../core/errors.js';
import { openDatabase } from './database.js';
import { DISMISSED_FILE, HOSTS_FILE, ROLES, ROLES_FILE, loadDismissed, loadHosts, loadRoles, saveDismissed, saveHosts, saveRoles } from './state-files.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-state-fuzz-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const GOLDEN: Record<string, string> = {
  [ROLES_FILE]: '# Home Security Assistant — device role overrides\n192.168.1.1: gateway\n192.168.1.50: camera\n192.168.1.101: iot\n"fe80::1": nas\n',
  [DISMISSED_FILE]: '# Home Security Assistant — dismissed findings\n- "vuln:192.168.1.50:80:CVE-2021-1234"\n- "suspicious_port:192.168.1.20"\n- port_scan:10.0.0.9\n',
  [HOSTS_FILE]: '# last scan\n192.168.1.50:\n  alive: true\n  open_ports: [22, 80, 554]\n  os_guess: Linux\n  ping_ms: 0.4\n  services: { "22": { product: openssh, version: 9.2p1 } }\n10.0.0.2: { alive: false }\n',
};

let n = 0;

describe('state file fuzz', () => {
  it('fuzz: mutated roles, dismissed and hosts files', async ({ task }) => {
    // At most 256 KiB: beyond that a case only measures the YAML library (about 3 s per MiB on this machine).
    const input = fc.tuple(fc.constantFrom(ROLES_FILE, DISMISSED_FILE, HOSTS_FILE), mutatedText(Object.values(GOLDEN)).map((t) => t.slice(0, 256 * 1024)));
    await fuzz(task, 'store/state files', input, ([name, text]) => {
      const dir = path.join(root, `s${n++}`);
      fs.mkdirSync(dir);
      const bytes = Buffer.from(text, 'utf8');
      fs.writeFileSync(path.join(dir, name), bytes);
      const roles = loadRoles(dir);
      const dismissed = loadDismissed(dir);
      const hosts = loadHosts(dir);
      const aside = fs.readdirSync(dir).filter((f) => f.includes('.invalid-'));
      if (aside.length > 0) {
        expect(aside).toHaveLength(1);
        expect(fs.readFileSync(path.join(dir, aside[0]!)).equals(bytes)).toBe(true);
        expect(fs.existsSync(path.join(dir, name))).toBe(false);
      }
      for (const r of roles.value.values()) expect(ROLES).toContain(r);
      for (const k of dismissed.value) expect(k.length >= 1 && k.length <= 1024).toBe(true);
      // What was kept survives a save and a reload unchanged.
      saveRoles(dir, roles.value);
      saveDismissed(dir, dismissed.value);
      saveHosts(dir, hosts.value);
      expect(loadRoles(dir)).toEqual({ value: roles.value, warnings: [] });
      expect(loadDismissed(dir)).toEqual({ value: dismissed.value, warnings: [] });
      expect(loadHosts(dir).value).toEqual(hosts.value);
      fs.rmSync(dir, { recursive: true, force: true });
    }, 120);
  });

  it('fuzz: mutated SQLite database files', async ({ task }) => {
    // A populated database as a restart would find it: every migration, rows in several tables.
    const goldenDir = path.join(root, 'golden');
    const { db } = openDatabase(path.join(goldenDir, 'homesec.db'));
    db.exec("INSERT INTO kv (key, value, updated_ms) VALUES ('flow.total', '12345', 1), ('x', '{\"a\":[1,2,3]}', 2)");
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const golden = fs.readFileSync(path.join(goldenDir, 'homesec.db'));
    await fuzz(task, 'store/sqlite file', hostileBytes([golden], 8192), (bytes) => {
      const dir = path.join(root, `d${n++}`);
      fs.mkdirSync(dir);
      const file = path.join(dir, 'homesec.db');
      fs.writeFileSync(file, bytes);
      try {
        const opened = openDatabase(file);
        // Everything the daemon reads at start must be readable now, or the open should have recovered.
        const tables = opened.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
        for (const t of tables) opened.db.prepare(`SELECT * FROM "${t.name.replace(/"/g, '""')}"`).all();
        opened.db.close();
      } catch (err) {
        if (!(err instanceof HomesecError)) throw new Error(`database open/read threw ${String(err)}`, { cause: err });
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }, 100);
  });
});
