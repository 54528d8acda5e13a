/**
 * The reference's YAML state files, kept compatible: `homesec_roles.yaml` (flat ip: role),
 * `homesec_hosts.yaml` (ip: scan result dict), `homesec_dismissed.yaml` (list of finding
 * keys). Rules: every save is atomic (atomic-file.ts); a file that does not parse is never
 * overwritten blindly: it is moved aside as `<name>.invalid-<time>` (so no data is lost), a
 * warning names the file and the problem, and homesec continues with an empty value. Values
 * are validated on load (bad entries skipped and reported, not fatal).
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { writeFileAtomic } from './atomic-file.js';

export const ROLES_FILE = 'homesec_roles.yaml';
export const HOSTS_FILE = 'homesec_hosts.yaml';
export const DISMISSED_FILE = 'homesec_dismissed.yaml';

/** Roles of the reference's vocabulary plus those homesec infers. */
export const ROLES = ['gateway', 'camera', 'iot', 'desktop', 'server', 'mobile', 'printer', 'nas', 'tv', 'unknown'] as const;
export type Role = (typeof ROLES)[number];

export interface LoadResult<T> {
  value: T;
  /** Problems found (file moved aside, entries skipped). */
  warnings: string[];
}

const HEADER: Record<string, string> = {
  [ROLES_FILE]: '# homesec — device role overrides (ip: role)\n',
  [HOSTS_FILE]: '# homesec — last active-scan results (auto-managed; overwritten after each scan)\n',
  [DISMISSED_FILE]: '# homesec — dismissed findings (remove a key to restore the finding)\n',
};

function readYaml(file: string): { data: unknown; warning?: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { data: undefined };
    return { data: undefined, warning: `${file}: cannot read (${(err as Error).message})` };
  }
  try {
    return { data: YAML.parse(text, { uniqueKeys: false }) as unknown };
  } catch (err) {
    const aside = `${file}.invalid-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      fs.renameSync(file, aside);
    } catch {
      /* leave it where it is */
    }
    return { data: undefined, warning: `${file}: not valid YAML (${(err as Error).message.split('\n')[0]}); moved to ${aside}` };
  }
}

function writeYaml(dir: string, name: string, value: unknown): void {
  const body = value === undefined ? '' : YAML.stringify(value, { lineWidth: 0 });
  writeFileAtomic(path.join(dir, name), (HEADER[name] ?? '') + body);
}

/** Loads role overrides; entries whose role is not in ROLES are skipped with a warning. */
export function loadRoles(dir: string): LoadResult<Map<string, Role>> {
  const file = path.join(dir, ROLES_FILE);
  const { data, warning } = readYaml(file);
  const warnings = warning ? [warning] : [];
  const out = new Map<string, Role>();
  if (data && typeof data === 'object' && !Array.isArray(data)) {
    for (const [ip, role] of Object.entries(data as Record<string, unknown>)) {
      if (typeof role === 'string' && (ROLES as readonly string[]).includes(role)) out.set(ip, role as Role);
      else warnings.push(`${file}: ${ip}: unknown role ${JSON.stringify(role)}; skipped`);
    }
  } else if (data !== undefined && data !== null) {
    warnings.push(`${file}: expected a mapping ip: role; ignored`);
  }
  return { value: out, warnings };
}

/** Saves role overrides atomically, sorted by key. */
export function saveRoles(dir: string, roles: ReadonlyMap<string, Role>): void {
  const obj: Record<string, string> = {};
  for (const k of [...roles.keys()].sort()) obj[k] = roles.get(k) as string;
  writeYaml(dir, ROLES_FILE, obj);
}

/** Loads the dismissed finding keys. */
export function loadDismissed(dir: string): LoadResult<Set<string>> {
  const file = path.join(dir, DISMISSED_FILE);
  const { data, warning } = readYaml(file);
  const warnings = warning ? [warning] : [];
  const out = new Set<string>();
  if (Array.isArray(data)) {
    for (const k of data) {
      if (typeof k === 'string' && k.length > 0 && k.length <= 1024) out.add(k);
      else warnings.push(`${file}: entry ${JSON.stringify(k)?.slice(0, 80)} is not a finding key; skipped`);
    }
  } else if (data !== undefined && data !== null) {
    warnings.push(`${file}: expected a list of finding keys; ignored`);
  }
  return { value: out, warnings };
}

/** Saves dismissed finding keys atomically, sorted. */
export function saveDismissed(dir: string, keys: ReadonlySet<string>): void {
  writeYaml(dir, DISMISSED_FILE, [...keys].sort());
}

export type HostRecord = Record<string, unknown>;

/** Loads the last scan results (ip -> dict). */
export function loadHosts(dir: string): LoadResult<Map<string, HostRecord>> {
  const file = path.join(dir, HOSTS_FILE);
  const { data, warning } = readYaml(file);
  const warnings = warning ? [warning] : [];
  const out = new Map<string, HostRecord>();
  if (data && typeof data === 'object' && !Array.isArray(data)) {
    for (const [ip, rec] of Object.entries(data as Record<string, unknown>)) {
      if (rec && typeof rec === 'object' && !Array.isArray(rec)) out.set(ip, rec as HostRecord);
      else warnings.push(`${file}: ${ip}: expected a mapping of scan results; skipped`);
    }
  } else if (data !== undefined && data !== null) {
    warnings.push(`${file}: expected a mapping ip: scan results; ignored`);
  }
  return { value: out, warnings };
}

/** Saves scan results atomically, sorted by key. */
export function saveHosts(dir: string, hosts: ReadonlyMap<string, HostRecord>): void {
  const obj: Record<string, HostRecord> = {};
  for (const k of [...hosts.keys()].sort()) obj[k] = hosts.get(k) as HostRecord;
  writeYaml(dir, HOSTS_FILE, obj);
}
