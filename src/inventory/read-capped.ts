/**
 * Reading a local text file with a size cap (lease files, /proc tables). Rules: at most
 * `maxBytes` bytes are read, in a loop (files under /proc report size 0 and may answer in
 * pieces); bytes are decoded as latin1 so invalid UTF-8 can never throw; `truncated` tells
 * whether the file had more.
 */
import fs from 'node:fs/promises';

/** Reads up to maxBytes of `file` (see module rules); rejects when it cannot be opened. */
export async function readCapped(file: string, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  const handle = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(maxBytes + 1);
    let used = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, used, buf.length - used, null);
      if (bytesRead === 0) break;
      used += bytesRead;
      if (used >= buf.length) break;
    }
    const truncated = used > maxBytes;
    return { text: buf.subarray(0, Math.min(used, maxBytes)).toString('latin1'), truncated };
  } finally {
    await handle.close();
  }
}
