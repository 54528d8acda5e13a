/**
 * Reconciling one push target with homesec's list. Rules:
 * - `desired` is what must be on the target (guards already passed, dry-run blocks left
 *   out); an empty list with `prepare: false` never creates anything (release-all, nothing
 *   to block).
 * - Missing entries are added; an entry whose target-side expiry is off by more than the
 *   tolerance (a block that was extended, a timeout capped by the target) is replaced;
 *   extras are removed ONLY when homesec owns them: the target says so (`owned: true`, a tag
 *   or homesec's own table) or, when it cannot tell, homesec's ledger says homesec pushed
 *   them. Entries someone else made are never removed, even when they name a blocked address.
 * - The ledger is written ahead: an entry is marked pushed before add() and unmarked when
 *   add() reports it failed, so a crash can never leave an entry of homesec's unmarked; an
 *   entry that left the target by other means is forgotten at the next complete listing.
 * - A thrown TargetError aborts the pass for this target (the caller records the health);
 *   per-entry failures are returned.
 */
import type { DesiredEntry, PushTarget, TargetEntry } from './target.js';

export interface Ledger {
  pushed(target: string): Set<string>;
  markPushed(target: string, values: readonly string[], nowMs: number): void;
  unmarkPushed(target: string, values: readonly string[]): void;
}

export interface SyncOutcome {
  added: number;
  removed: number;
  failed: { value: string; detail: string }[];
  /** homesec's entries on the target after the pass (as far as it knows). */
  entries: number;
}

/** Target-side expiry may differ from homesec's by this much before it is rewritten. */
export function expiryTolerance(remainingMs: number): number {
  return Math.max(120_000, remainingMs * 0.01);
}

/** Brings `t` in line with `desired` (see module rules). */
export async function reconcileTarget(t: PushTarget, desired: readonly DesiredEntry[], ledger: Ledger, nowMs: number, opts: { prepare: boolean }): Promise<SyncOutcome> {
  if (opts.prepare) await t.prepare?.();
  const listing = await t.list();
  const pushed = ledger.pushed(t.name);
  const mine = (e: TargetEntry) => e.owned ?? pushed.has(e.value);
  const want = new Map(desired.map((d) => [d.value, d]));
  const have = new Map(listing.entries.map((e) => [e.value, e]));
  // Ledger entries that are gone from the target (expired there, deleted by hand) and not wanted are
  // forgotten, so an address the admin adds later by hand is never taken for homesec's.
  if (listing.complete) {
    const stale = [...pushed].filter((v) => !have.has(v) && !want.has(v));
    ledger.unmarkPushed(t.name, stale);
    for (const v of stale) pushed.delete(v);
  }

  const remove: TargetEntry[] = [];
  const add: DesiredEntry[] = [];
  for (const e of listing.entries) if (!want.has(e.value) && mine(e)) remove.push(e);
  for (const d of desired) {
    const e = have.get(d.value);
    if (!e) {
      add.push(d);
      continue;
    }
    if (t.maxTimeoutMs === undefined || e.expiresMs === undefined || !mine(e)) continue;
    const wanted = Math.min(d.expiresMs, nowMs + t.maxTimeoutMs);
    if (Math.abs(e.expiresMs - wanted) > expiryTolerance(wanted - nowMs)) {
      remove.push(e);
      add.push(d);
    }
  }

  const failed: SyncOutcome['failed'] = [];
  const gone = new Set<string>();
  if (remove.length > 0) {
    const r = await t.remove(remove);
    for (const v of r.done) gone.add(v);
    const replaced = new Set(add.map((d) => d.value));
    ledger.unmarkPushed(
      t.name,
      r.done.filter((v) => !replaced.has(v)),
    );
    failed.push(...r.failed);
  }
  let added = 0;
  if (add.length > 0) {
    ledger.markPushed(
      t.name,
      add.map((d) => d.value),
      nowMs,
    );
    const r = await t.add(add, nowMs);
    const stillThere = (v: string) => have.has(v) && !gone.has(v);
    ledger.unmarkPushed(
      t.name,
      r.failed.map((f) => f.value).filter((v) => !stillThere(v)),
    );
    added = r.done.filter((v) => !have.has(v)).length;
    failed.push(...r.failed);
  }
  const removed = [...gone].filter((v) => !want.has(v)).length;
  if (remove.length > 0 || add.length > 0) await t.commit?.();
  const present = listing.entries.filter((e) => want.has(e.value) || mine(e)).length;
  return { added, removed, failed, entries: present - removed + added };
}
