/**
 * Crash-safe file replacement. Rules: a file is replaced by writing a temp file in the same
 * directory, fsyncing it, renaming it over the target and fsyncing the directory, so a crash
 * (kill -9, power loss) at any instant leaves either the old or the new content, never a
 * torn one. A failed write (ENOSPC, EACCES) removes its temp file and leaves the old file.
 * Temp files left by a crash are named `.<name>.tmp-<pid>-<n>` and removed by
 * cleanupTempFiles() at start-up.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface AtomicWriteOptions {
  /** File mode for the new file (0o600 for files holding secrets). Default 0o644. */
  mode?: number;
  /** Test hook: called after the temp file is written and synced, before the rename. */
  beforeRename?: (tempPath: string) => void;
}

let counter = 0;

function tempPathFor(target: string): string {
  const dir = path.dirname(target);
  return path.join(dir, `.${path.basename(target)}.tmp-${process.pid}-${++counter}`);
}

/** Atomically replaces `target` with `data` (see module rules). Throws the underlying fs error. */
export function writeFileAtomic(target: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  const mode = opts.mode ?? 0o644;
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = tempPathFor(target);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', mode);
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
    fs.fchmodSync(fd, mode); // the umask may have narrowed or widened what openSync set
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    opts.beforeRename?.(tmp);
    fs.renameSync(tmp, target);
  } catch (err) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* may not exist */
    }
    throw err;
  }
  fsyncDir(dir);
}

/** fsyncs a directory so a rename in it is durable (no-op where the platform refuses). */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    /* some filesystems do not allow fsync on directories */
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Removes temp files a crashed writer left in `dir`; returns how many were removed. */
export function cleanupTempFiles(dir: string): number {
  let removed = 0;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (/^\..+\.tmp-\d+-\d+$/.test(name)) {
      try {
        fs.unlinkSync(path.join(dir, name));
        removed++;
      } catch {
        /* raced with another cleaner */
      }
    }
  }
  return removed;
}
