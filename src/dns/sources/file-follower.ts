/**
 * Follows a growing text file like `tail -F`: returns the complete lines appended since the
 * previous read, surviving rotation and truncation.
 *
 * Rules:
 * - The first open starts at the end of the file (startAtEnd) or at its start; a file that
 *   does not exist yet is waited for (state 'waiting'), never an error.
 * - Rotation by rename or delete + create (logrotate's default, Pi-hole's flush): when the
 *   path names a different file (device/inode) or none, the old file is read to its end
 *   first, then the new one is followed from its start. Truncation in place (copytruncate,
 *   `pihole -f`): when the file is shorter than the read position, reading restarts at 0.
 *   Both are counted.
 * - Memory is bounded: at most maxBytesPerRead bytes per read() (the rest waits for the next
 *   one), and a line longer than maxLineBytes is dropped up to its line break and counted
 *   (hostile input cannot grow a buffer). Bytes are decoded as UTF-8 (invalid bytes become
 *   U+FFFD); CR before LF is removed.
 * - Never throws: I/O errors are counted and retried on the next read.
 */
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';

export interface FileFollowerOptions {
  startAtEnd: boolean;
  maxLineBytes: number;
  maxBytesPerRead: number;
}

export interface FollowerCounters {
  bytes: number;
  lines: number;
  longLines: number;
  rotations: number;
  truncations: number;
  ioErrors: number;
}

export interface FileFollower {
  /** The complete lines appended since the previous call (see module rules). */
  read(): Promise<string[]>;
  close(): Promise<void>;
  readonly state: 'waiting' | 'open';
  readonly counters: FollowerCounters;
}

export const FOLLOWER_DEFAULTS: FileFollowerOptions = { startAtEnd: true, maxLineBytes: 4096, maxBytesPerRead: 1024 * 1024 };

/** Creates a follower of `path`; nothing is opened before the first read(). */
export function createFileFollower(path: string, options: Partial<FileFollowerOptions> = {}): FileFollower {
  const o = { ...FOLLOWER_DEFAULTS, ...options };
  const counters: FollowerCounters = { bytes: 0, lines: 0, longLines: 0, rotations: 0, truncations: 0, ioErrors: 0 };
  let fh: fs.FileHandle | undefined;
  let ino = -1;
  let dev = -1;
  let pos = 0;
  let opened = false;
  let partial: Buffer[] = [];
  let partialLen = 0;
  let skipping = false;
  const buf = Buffer.allocUnsafe(64 * 1024);

  const pushLine = (out: string[], piece: Buffer) => {
    if (skipping) {
      skipping = false;
      partial = [];
      partialLen = 0;
      return;
    }
    const whole = partialLen > 0 ? Buffer.concat([...partial, piece]) : piece;
    partial = [];
    partialLen = 0;
    let end = whole.length;
    if (end > 0 && whole[end - 1] === 0x0d) end--;
    out.push(whole.toString('utf8', 0, end));
    counters.lines++;
  };

  const feed = (out: string[], chunk: Buffer) => {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      const piece = chunk.subarray(start, nl);
      if (!skipping && partialLen + piece.length > o.maxLineBytes) {
        counters.longLines++;
        skipping = true;
      }
      pushLine(out, Buffer.from(piece));
      start = nl + 1;
    }
    const rest = chunk.subarray(start);
    if (rest.length === 0 || skipping) return;
    if (partialLen + rest.length > o.maxLineBytes) {
      counters.longLines++;
      skipping = true;
      partial = [];
      partialLen = 0;
      return;
    }
    partial.push(Buffer.from(rest));
    partialLen += rest.length;
  };

  /** Reads from the open file up to its current end or the byte budget; returns bytes read. */
  const drain = async (out: string[], budget: number): Promise<number> => {
    if (!fh) return 0;
    const st = await fh.stat();
    if (st.size < pos) {
      counters.truncations++;
      pos = 0;
      partial = [];
      partialLen = 0;
      skipping = false;
    }
    let used = 0;
    while (used < budget && pos < st.size) {
      const want = Math.min(buf.length, budget - used, st.size - pos);
      const { bytesRead } = await fh.read(buf, 0, want, pos);
      if (bytesRead <= 0) break;
      pos += bytesRead;
      used += bytesRead;
      counters.bytes += bytesRead;
      feed(out, buf.subarray(0, bytesRead));
    }
    return used;
  };

  const openPath = async (fromEnd: boolean): Promise<boolean> => {
    try {
      const h = await fs.open(path, fsConstants.O_RDONLY);
      const st = await h.stat();
      fh = h;
      // Re-opening the same file after an I/O error resumes where reading stopped.
      pos = fromEnd ? st.size : st.ino === ino && st.dev === dev ? Math.min(pos, st.size) : 0;
      ino = st.ino;
      dev = st.dev;
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') counters.ioErrors++;
      return false;
    }
  };

  const closeFh = async () => {
    const h = fh;
    fh = undefined;
    if (h) await h.close().catch(() => undefined);
  };

  return {
    counters,
    get state() {
      return fh ? 'open' : 'waiting';
    },
    async read() {
      const out: string[] = [];
      try {
        if (!fh) {
          if (!(await openPath(!opened && o.startAtEnd))) return out;
          opened = true;
        }
        let budget = o.maxBytesPerRead - (await drain(out, o.maxBytesPerRead));
        // Rotation: does the path still name the file we have open?
        let rotated = false;
        try {
          const st = await fs.stat(path);
          rotated = st.ino !== ino || st.dev !== dev;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') rotated = true;
          else counters.ioErrors++;
        }
        if (rotated && budget > 0) {
          budget -= await drain(out, budget);
          const old = await fh?.stat();
          if (old && pos >= old.size) {
            counters.rotations++;
            if (partialLen > 0 && !skipping) pushLine(out, Buffer.alloc(0));
            partial = [];
            partialLen = 0;
            skipping = false;
            await closeFh();
            if (await openPath(false)) await drain(out, Math.max(0, budget));
          }
        }
      } catch {
        counters.ioErrors++;
        await closeFh();
      }
      return out;
    },
    async close() {
      await closeFh();
    },
  };
}
