/**
 * The trigger policy and block durations. Rules (pure):
 * - A finding triggers when blocking is enabled, it is not dismissed, its category is one of
 *   block_trigger_categories and its severity is at least block_min_severity; what it blocks
 *   is subjects.ts's business.
 * - The n-th offence of a subject (within block_offence_memory_days) lasts
 *   block_ttl_minutes × block_escalation_factor^(n-1), never more than block_max_ttl_hours.
 *   A manual block lasts what was asked, never more than the maximum; nothing is permanent.
 */
import { severityRank, type Finding } from '../findings/types.js';
import type { BlockOptions } from './block-config.js';

export type PolicyConfig = Pick<
  BlockOptions,
  'block_trigger_categories' | 'block_min_severity' | 'block_ttl_minutes' | 'block_escalation_factor' | 'block_max_ttl_hours' | 'block_offence_memory_days'
>;

/** True when `f` should be acted on (see module rules). */
export function triggers(f: Pick<Finding, 'category' | 'severity' | 'dismissed'>, c: PolicyConfig): boolean {
  if (f.dismissed) return false;
  if (!(c.block_trigger_categories as readonly string[]).includes(f.category)) return false;
  return severityRank(f.severity) >= severityRank(c.block_min_severity);
}

/** Longest block, ms. */
export function maxTtlMs(c: PolicyConfig): number {
  return c.block_max_ttl_hours * 3_600_000;
}

/** Duration of the `offence`-th block of a subject, ms (offence counts from 1). */
export function ttlForOffence(offence: number, c: PolicyConfig): number {
  const n = Math.max(1, Math.floor(offence));
  const ms = c.block_ttl_minutes * 60_000 * Math.pow(c.block_escalation_factor, n - 1);
  return Math.round(Math.min(Number.isFinite(ms) ? ms : Infinity, maxTtlMs(c)));
}

/** Duration of a manual block asked for `minutes` (undefined: the escalated default for `offence`). */
export function manualTtl(minutes: number | undefined, offence: number, c: PolicyConfig): number {
  if (minutes === undefined) return ttlForOffence(offence, c);
  return Math.min(Math.max(1, Math.floor(minutes)) * 60_000, maxTtlMs(c));
}

/** Start of the offence memory window at `nowMs`. */
export function offenceSince(nowMs: number, c: PolicyConfig): number {
  return nowMs - c.block_offence_memory_days * 86_400_000;
}

/** "1h", "4h 30m", "7d" — a duration for audit text. */
export function formatDuration(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 1) return `${Math.max(1, Math.round(ms / 1000))}s`;
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  const min = m % 60;
  return [d ? `${d}d` : '', h ? `${h}h` : '', min ? `${min}m` : ''].filter(Boolean).join(' ');
}
