/**
 * The one loop that does target I/O for the engine. Rules:
 * - request() asks for a pass and resolves when a pass that started after the call has
 *   finished; requests made during a pass run exactly one more, so a burst of decisions
 *   costs at most two passes and a target is never changed by two passes at once.
 * - A pass reconciles every push target in parallel (sync.ts) and records each one's
 *   health; a failing target does not hold back the others and is retried by the next pass.
 * - Quiet rule: in dry run, a target with nothing to hold and nothing homesec pushed to it
 *   before is not contacted at all (state `dry_run`), unless the request forces contact.
 * - A failure is audit-logged when it starts or changes (not at every retry); per-entry
 *   refusals are audit-logged per pass. Messages are TargetError texts (secret-free).
 * - After the abort signal (the engine stopping) no new pass starts and a pass in flight
 *   records nothing.
 */
import type { Log } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import { cleanText } from '../intel/sanitise.js';
import type { AuditInput } from './block-store.js';
import { reconcileTarget, type Ledger } from './sync.js';
import { asTargetError, type DesiredEntry, type PushTarget } from './target.js';
import type { TargetHealthView } from './types.js';

/** A push target's health as the loop keeps it (the view adds name, mode and kinds). */
type Health = Omit<TargetHealthView, 'name' | 'mode' | 'kinds' | 'fetches' | 'lastFetchMs'>;

export interface SyncLoopDeps {
  targets: readonly PushTarget[];
  ledger: Ledger;
  /** What must be on a target now (guards passed, dry-run blocks left out). */
  desiredFor(t: PushTarget): DesiredEntry[];
  dryRun: boolean;
  audit(a: AuditInput): void;
  now(): number;
  log: Log;
  metrics: Metrics;
  signal: AbortSignal;
}

export interface SyncLoop {
  /** Asks for a pass (`force`: contact every target, quiet rule off). */
  request(force?: boolean): Promise<void>;
  /** Resolves once no pass is running or requested. */
  idle(): Promise<void>;
  health(): TargetHealthView[];
  lastPassMs(): number | undefined;
}

/** Creates the loop (no I/O until request()). */
export function createSyncLoop(deps: SyncLoopDeps): SyncLoop {
  const { metrics, log } = deps;
  const health = new Map<string, Health>(deps.targets.map((t) => [t.name, { state: 'never', added: 0, removed: 0, failed: 0 }]));
  let pass: Promise<void> | undefined;
  let again = false;
  let forceNext = false;
  let lastPass: number | undefined;

  const one = async (t: PushTarget, force: boolean): Promise<void> => {
    const h = health.get(t.name) as Health;
    const desired = deps.desiredFor(t);
    if (!force && desired.length === 0 && deps.dryRun && deps.ledger.pushed(t.name).size === 0) {
      h.state = 'dry_run';
      return;
    }
    const t0 = deps.now();
    h.lastAttemptMs = t0;
    try {
      const r = await reconcileTarget(t, desired, deps.ledger, t0, { prepare: desired.length > 0 });
      if (deps.signal.aborted) return;
      h.state = 'ok';
      h.lastOkMs = t0;
      delete h.lastError;
      h.entries = r.entries;
      h.added += r.added;
      h.removed += r.removed;
      h.failed += r.failed.length;
      metrics.inc('homesec_block_target_changes_total', { target: t.name, op: 'add' }, r.added);
      metrics.inc('homesec_block_target_changes_total', { target: t.name, op: 'remove' }, r.removed);
      if (r.failed.length > 0) {
        metrics.inc('homesec_block_target_refused_total', { target: t.name }, r.failed.length);
        const first = r.failed[0] as { value: string; detail: string };
        deps.audit({ action: 'target_error', actor: 'system', result: 'error', reason: `${t.name} refused ${r.failed.length} entr${r.failed.length === 1 ? 'y' : 'ies'}`, detail: `${first.value}: ${first.detail}` });
        log.warn({ target: t.name, refused: r.failed.length, first: first.detail }, 'block target refused entries');
      }
    } catch (err) {
      if (deps.signal.aborted) return;
      const e = asTargetError(err);
      const msg = cleanText(e.message, 200) ?? 'failed';
      metrics.inc('homesec_block_target_errors_total', { target: t.name, kind: e.kind });
      if (h.state !== 'error' || h.lastError !== msg) {
        deps.audit({ action: 'target_error', actor: 'system', result: 'error', reason: `${t.name} failed`, detail: msg });
        log.warn({ target: t.name, err: msg }, 'block target failed; the next reconcile retries');
      }
      h.state = 'error';
      h.lastError = msg;
    }
  };

  const loop = async (): Promise<void> => {
    try {
      while (again && !deps.signal.aborted) {
        again = false;
        const force = forceNext;
        forceNext = false;
        await Promise.all(deps.targets.map((t) => one(t, force)));
        lastPass = deps.now();
      }
    } catch (err) {
      log.error({ err: (err as Error).message }, 'block sync pass failed');
    } finally {
      pass = undefined;
    }
  };

  return {
    request(force = false) {
      again = true;
      if (force) forceNext = true;
      pass ??= loop();
      return pass;
    },
    async idle() {
      while (pass) await pass;
    },
    health: () => deps.targets.map((t) => ({ name: t.name, mode: 'push' as const, kinds: [...t.kinds], ...(health.get(t.name) as Health) })),
    lastPassMs: () => lastPass,
  };
}
