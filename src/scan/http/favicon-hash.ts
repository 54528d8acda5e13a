/**
 * Shodan-style favicon hash: MurmurHash3 x86 32-bit (seed 0), as a signed 32-bit integer, of
 * the favicon's base64 text wrapped the way Python's `base64.encodebytes` writes it (a "\n"
 * after every 76 characters and after the last line; empty input gives ""). This is what
 * Shodan's `http.favicon.hash` (blog.shodan.io "Deep Dive: http.favicon") and nuclei's
 * `mmh3(base64_py(body))` compute with the Python mmh3 module (`mmh3.hash`).
 *
 * Rules: pure functions over bytes; never throw; cost is linear in the input. Callers bound
 * how many favicon bytes they read.
 */

const MIME_LINE = 76;

/** Python `base64.encodebytes`: standard base64, "\n" after every 76 characters and at the end. */
export function base64Lines(bytes: Uint8Array): string {
  const plain = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  if (plain === '') return '';
  let out = '';
  for (let i = 0; i < plain.length; i += MIME_LINE) out += `${plain.slice(i, i + MIME_LINE)}\n`;
  return out;
}

/** MurmurHash3_x86_32 of `bytes` with `seed`, as a signed 32-bit integer (Python mmh3.hash). */
export function murmur3x86_32(bytes: Uint8Array, seed = 0): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const len = bytes.length;
  const blocks = len - (len % 4);
  for (let i = 0; i < blocks; i += 4) {
    let k = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = len & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= bytes[blocks + 2]! << 16;
    if (tail >= 2) k ^= bytes[blocks + 1]! << 8;
    k ^= bytes[blocks]!;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** The Shodan favicon hash of the favicon bytes (signed 32-bit, e.g. 81586312 for Jenkins). */
export function faviconHash(bytes: Uint8Array): number {
  return murmur3x86_32(Buffer.from(base64Lines(bytes), 'ascii'));
}
