/**
 * The plain-text blocklist served by homesec (a `pull` target): `/blocklist/<token>/ips.txt`
 * and `/blocklist/<token>/domains.txt`, for firewalls that subscribe to a URL list
 * (pfSense pfBlockerNG, OPNsense URL Table aliases, Pi-hole adlists for the domains).
 * Rules:
 * - Off when block_list_token is empty; a wrong token and an unknown file look the same
 *   (not served), and the token is compared in constant time on digests.
 * - Read-only: serving never changes anything. The body is `#` comment lines, then one
 *   canonical IP or domain per line, sorted; it carries exactly the engine's enforced
 *   blocks (dry-run decisions are not listed), so an entry disappears when it expires or
 *   is released.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { SubjectKind } from './subjects.js';
import type { PullTarget } from './target.js';

export const BLOCKLIST_FILES: Record<string, SubjectKind> = { 'ips.txt': 'ip', 'domains.txt': 'domain' };

export interface BlocklistTarget extends PullTarget {
  /** The file's text, or undefined when the token is wrong, the file unknown or the list off. */
  serve(token: string, file: string, values: (kind: SubjectKind) => readonly string[]): string | undefined;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Creates the blocklist target (no I/O). */
export function createBlocklistTarget(config: { block_list_token: string }, deps: { clock: Clock }): BlocklistTarget {
  const want = config.block_list_token === '' ? undefined : digest(config.block_list_token);
  const s = { fetches: 0, refused: 0, lastFetchMs: undefined as number | undefined };
  return {
    name: 'blocklist_url',
    mode: 'pull',
    kinds: ['ip', 'domain'],
    stats: () => ({ fetches: s.fetches, refused: s.refused, ...(s.lastFetchMs !== undefined ? { lastFetchMs: s.lastFetchMs } : {}) }),
    serve(token, file, values) {
      const kind = Object.hasOwn(BLOCKLIST_FILES, file) ? BLOCKLIST_FILES[file] : undefined;
      if (!want || !kind || token.length > 256 || !timingSafeEqual(digest(token), want)) {
        s.refused++;
        return undefined;
      }
      s.fetches++;
      const now = deps.clock.now();
      s.lastFetchMs = now;
      const list = [...values(kind)].sort();
      const head = `# homesec blocklist: ${kind === 'ip' ? 'IP addresses' : 'domains'} blocked now (${list.length}), generated ${new Date(now).toISOString()}\n`;
      return head + list.map((v) => `${v}\n`).join('');
    },
  };
}
