/**
 * The first-run password. Rules: created only when no credential exists; shown ONCE on the
 * given stream (standard error — never through the structured log) and kept in
 * `<data>/homesec_initial_password` (mode 0600) so a service manager's user can still find
 * it; the file is deleted at the first successful login or when the password is changed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../store/atomic-file.js';
import type { Db } from '../../store/database.js';
import { ensureCredential } from './password.js';

export const INITIAL_PASSWORD_FILE = 'homesec_initial_password';

/** Creates and announces the first-run password when needed; true when one was created. */
export async function announceFirstRunPassword(db: Db, dataDir: string, nowMs: number, out: NodeJS.WritableStream = process.stderr): Promise<boolean> {
  const password = await ensureCredential(db, nowMs);
  if (!password) return false;
  const file = path.join(dataDir, INITIAL_PASSWORD_FILE);
  writeFileAtomic(file, `${password}\n`, { mode: 0o600 });
  out.write(
    `\nhomesec: first start — dashboard/API password: ${password}\n` +
      `homesec: (shown once; also in ${file} until the first login)\n\n`,
  );
  return true;
}

/** Deletes the first-run password file (after a login or a password change). */
export function forgetFirstRunPassword(dataDir: string): void {
  try {
    fs.rmSync(path.join(dataDir, INITIAL_PASSWORD_FILE), { force: true });
  } catch {
    /* nothing to forget */
  }
}
