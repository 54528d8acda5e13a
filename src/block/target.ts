/**
 * The one interface every block target implements (nftables, OPNsense, MikroTik, Pi-hole,
 * the blocklist URL), listed in registry.ts. Rules:
 * - A target knows only how to read and change ITS OWN entries; what should be there is the
 *   engine's business (reconcile: desired vs listed). The guards have run before any entry
 *   reaches add().
 * - `push` targets are changed by homesec (list/add/remove); `pull` targets are read by
 *   someone else (the blocklist URL) and always reflect the engine's list.
 * - list() says which entries homesec owns when the target can tell (a homesec-only table, a
 *   "homesec:" comment); `owned` left undefined means "ask the engine's ledger of what it
 *   pushed". Entries homesec does not own are never removed.
 * - Failures of a whole call throw TargetError (a safe, secret-free message); per-entry
 *   failures (a full set, a refused address) come back in OpResult.failed so the rest of a
 *   batch still goes through.
 * - Nothing a target returns carries a credential, a session id or raw server text.
 */
import { cleanText } from '../intel/sanitise.js';
import type { SubjectKind } from './subjects.js';

/** The comment prefix that marks an entry as homesec's on targets that keep comments (MikroTik, Pi-hole). */
export const COMMENT_TAG = 'homesec:';

/** The comment homesec puts on an entry: the tag and the reason, cleaned (no quotes or backslashes) and cut. */
export function entryComment(reason: string): string {
  const clean = (cleanText(reason, 200) ?? '').replace(/["\\]/g, "'");
  return `${COMMENT_TAG} ${clean}`.slice(0, 120).trim();
}

/** An entry as found on a target. */
export interface TargetEntry {
  kind: SubjectKind;
  value: string;
  /** true: homesec's (tagged or in homesec's own table); false: someone else's; undefined: the target cannot tell. */
  owned?: boolean;
  /** When the target will drop it by itself (targets with per-entry timeouts). */
  expiresMs?: number;
  /** The target's own id of the entry (MikroTik `.id`), for remove(). */
  ref?: string;
}

/** An entry homesec wants on a target. */
export interface DesiredEntry {
  kind: SubjectKind;
  value: string;
  expiresMs: number;
  /** Plain text (the block's reason), cut and cleaned by each target before use. */
  comment: string;
}

export interface TargetListing {
  entries: TargetEntry[];
  /** false when the target answered with only part of its list (extras then stay). */
  complete: boolean;
}

export interface OpResult {
  done: string[];
  failed: { value: string; detail: string }[];
}

export type TargetErrorKind = 'auth' | 'timeout' | 'unreachable' | 'protocol' | 'refused' | 'command';

/** A failed call to a target; `message` is safe to log and show. */
export class TargetError extends Error {
  constructor(
    readonly kind: TargetErrorKind,
    message: string,
  ) {
    super(`${kind}: ${message}`);
    this.name = 'TargetError';
  }
}

export interface PushTarget {
  readonly name: string;
  readonly mode: 'push';
  readonly kinds: readonly SubjectKind[];
  /** Longest per-entry timeout the target holds, ms; undefined when its entries never expire by themselves. */
  readonly maxTimeoutMs?: number;
  /** Makes sure homesec's structure exists (nftables: table, sets, chains). */
  prepare?(): Promise<void>;
  list(): Promise<TargetListing>;
  add(entries: readonly DesiredEntry[], nowMs: number): Promise<OpResult>;
  remove(entries: readonly TargetEntry[]): Promise<OpResult>;
  /** Applies a pass's changes where the target needs it (OPNsense alias reconfigure). */
  commit?(): Promise<void>;
  /** Releases sessions (Pi-hole logout). */
  close?(): Promise<void>;
}

export interface PullTarget {
  readonly name: string;
  readonly mode: 'pull';
  readonly kinds: readonly SubjectKind[];
  /** Counters for the status view. */
  stats(): { fetches: number; refused: number; lastFetchMs?: number };
}

export type BlockTarget = PushTarget | PullTarget;

/** Makes any thrown value a TargetError (unknown errors become 'command' with a generic text). */
export function asTargetError(err: unknown): TargetError {
  return err instanceof TargetError ? err : new TargetError('command', 'unexpected failure');
}
