/**
 * The notification policy for one finding on one channel, as a pure function. Rules, in
 * order: dismissed findings and findings about allowlisted devices are never notified;
 * below the channel's min_severity is skipped; a finding already notified on the channel
 * within the de-duplication window is skipped unless its severity rose; a CRITICAL finding
 * then always goes out at once (quiet hours and rate limits never hold it back, though it
 * counts toward the limits); otherwise quiet hours hold it for the morning digest, and a
 * full rate window (the channel's own, or the global one) suppresses it for the
 * "k more suppressed" summary.
 */
import { severityRank, type Severity } from '../findings/types.js';

export type Decision =
  | 'send'
  | 'hold'
  | 'suppress'
  | 'skip_dismissed'
  | 'skip_allowlisted'
  | 'skip_below_min'
  | 'skip_duplicate';

export interface PolicyInput {
  severity: Severity;
  dismissed: boolean;
  allowlisted: boolean;
  minSeverity: Severity;
  /** The channel's last notification of this finding key. */
  previous: { severity: Severity; notifiedMs: number } | undefined;
  nowMs: number;
  /** De-duplication window (0: every report is new). */
  dedupeMs: number;
  quiet: boolean;
  /** Alerts on the channel in the last hour, and its limit (0 = none). */
  channelCount: number;
  channelLimit: number;
  /** Distinct findings alerted on any channel in the last hour, and the limit (0 = none). */
  globalCount: number;
  globalLimit: number;
}

/** What to do with a finding on a channel (see the module rules). */
export function decide(i: PolicyInput): Decision {
  if (i.dismissed) return 'skip_dismissed';
  if (i.allowlisted) return 'skip_allowlisted';
  if (severityRank(i.severity) < severityRank(i.minSeverity)) return 'skip_below_min';
  if (
    i.previous &&
    i.dedupeMs > 0 &&
    i.nowMs - i.previous.notifiedMs < i.dedupeMs &&
    severityRank(i.severity) <= severityRank(i.previous.severity)
  ) {
    return 'skip_duplicate';
  }
  if (i.severity === 'critical') return 'send';
  if (i.quiet) return 'hold';
  if (i.channelLimit > 0 && i.channelCount >= i.channelLimit) return 'suppress';
  if (i.globalLimit > 0 && i.globalCount >= i.globalLimit) return 'suppress';
  return 'send';
}

/** True when a channel has room for one more alert under both limits. */
export function underLimits(channelCount: number, channelLimit: number, globalCount: number, globalLimit: number): boolean {
  return (channelLimit === 0 || channelCount < channelLimit) && (globalLimit === 0 || globalCount < globalLimit);
}
