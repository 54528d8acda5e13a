/**
 * Blocking's data shapes: what the engine keeps and what its API routes answer (the
 * dashboard's contract for /api/block*). Rules: self-contained types (no imports) so
 * src/api/contract.ts can copy them as they are; times are Unix ms; every string that came
 * from a finding or a target is plain text, to be rendered as text.
 */

export type BlockKindView = 'ip' | 'domain';

/** One active block (GET /api/block/active). */
export interface BlockView {
  value: string;
  kind: BlockKindView;
  /** Plain text: the finding title or the reason given by hand. */
  reason: string;
  source: 'auto' | 'manual';
  /** The finding that triggered an automatic block. */
  findingKey?: string;
  createdMs: number;
  expiresMs: number;
  /** Which offence of this subject set the duration (1 = first). */
  offence: number;
  /** Recorded in dry run: never pushed to a target. */
  dryRun: boolean;
}

export type AuditAction =
  | 'block'
  | 'extend'
  | 'unblock'
  | 'expire'
  | 'refuse'
  | 'cap'
  | 'pause'
  | 'resume'
  | 'release_all'
  | 'discard'
  | 'target_error';

/** One audit log line (GET /api/block/audit), newest first. */
export interface AuditEntryView {
  id: number;
  tsMs: number;
  action: AuditAction;
  value?: string;
  kind?: BlockKindView;
  /** auto: a finding; api: a person through the API; system: expiry, start-up, reconcile. */
  actor: 'auto' | 'api' | 'system';
  result: 'ok' | 'dry_run' | 'refused' | 'error';
  reason: string;
  /** For refusals: the protected class (gateway, dns_resolver, internal_network, ...). */
  guard?: string;
  /** Plain-text detail (targets, counts, the guard's explanation). */
  detail: string;
}

/** A target's health (in BlockStatusView.targets). */
export interface TargetHealthView {
  name: string;
  mode: 'push' | 'pull';
  kinds: BlockKindView[];
  /** never: not contacted yet; dry_run: not contacted because of dry run. */
  state: 'ok' | 'error' | 'never' | 'dry_run';
  lastAttemptMs?: number;
  lastOkMs?: number;
  /** Safe text of the last failure (never a credential or raw server text). */
  lastError?: string;
  /** homesec's entries on the target at the last successful pass. */
  entries?: number;
  added: number;
  removed: number;
  /** Entries the target refused (e.g. a full set). */
  failed: number;
  /** Pull targets: requests served, and when last. */
  fetches?: number;
  lastFetchMs?: number;
}

/** GET /api/block — the state of automated response. */
export interface BlockStatusView {
  enabled: boolean;
  dryRun: boolean;
  /** Set while automation is paused (cap reached, release-all); manual blocks still work. */
  paused: { sinceMs: number; reason: string } | null;
  active: number;
  /** Automatic blocks recorded in the last hour (dry-run ones included). */
  lastHourAutomatic: number;
  caps: { maxActive: number; maxPerHour: number };
  ttl: { baseMinutes: number; escalationFactor: number; maxHours: number };
  triggers: { categories: string[]; minSeverity: string };
  targets: TargetHealthView[];
  /** How many addresses/names each protected class holds (the guards' view). */
  protectedCounts: Record<string, number>;
  /** Candidates dropped while paused since start. */
  skippedWhilePaused: number;
  lastReconcileMs?: number;
}

/** POST /api/block answer. */
export interface BlockResultView {
  block: BlockView;
  dryRun: boolean;
  /** true when the subject was blocked already (its expiry may have been extended). */
  already: boolean;
  targets: TargetHealthView[];
}

/** POST /api/block/unblock answer. */
export interface UnblockResultView {
  value: string;
  targets: TargetHealthView[];
}

/** POST /api/block/release-all answer. */
export interface ReleaseAllResultView {
  released: number;
  paused: { sinceMs: number; reason: string } | null;
  targets: TargetHealthView[];
}
