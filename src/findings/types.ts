/**
 * Finding types. Rules: a finding is identified by a stable `key`
 * (`<category>:<source ip>[:<detail>]`, the reference's format, e.g. `port_scan:192.168.1.20`)
 * so repeated detections raise its occurrence count instead of new rows, and a dismissal
 * (homesec_dismissed.yaml) keeps matching it. Text fields may quote attacker-controlled
 * data; they are stored as plain text and escaped wherever shown. A finding is actionable
 * when it is high or critical and not dismissed (the reference's "Open Findings").
 */

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The categories detectors report (the list); `category` stays a string so a new detector needs no change here. */
export const FINDING_CATEGORIES = [
  'suspicious_port',
  'port_scan',
  'high_egress',
  'beaconing',
  'vulnerability',
  'blacklist',
  'new_device',
  'dns',
  'exposure',
] as const;
export type FindingCategory = (typeof FINDING_CATEGORIES)[number];

/** What a detector reports. */
export interface FindingReport {
  key: string;
  /** e.g. suspicious_port, port_scan, high_egress, beaconing, vulnerability. */
  category: string;
  severity: Severity;
  /** The device or external address the finding is about. */
  sourceIp: string;
  title: string;
  detail: string;
  /** When it was observed (Unix ms). */
  atMs: number;
  /** Small, JSON-serialisable facts behind the finding (bounded by the detector). */
  evidence: Record<string, unknown>;
  /** What the user can do about it (plain text, e.g. "Disable telnet in the device's settings"). */
  remediation?: string;
}

/** A stored finding. */
export interface Finding extends Omit<FindingReport, 'atMs'> {
  firstSeenMs: number;
  lastSeenMs: number;
  occurrences: number;
  dismissed: boolean;
}

/** Numeric rank of a severity (info 0 .. critical 4). */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** True for an open (not dismissed) high or critical finding. */
export function isActionable(f: Pick<Finding, 'severity' | 'dismissed'>): boolean {
  return !f.dismissed && severityRank(f.severity) >= severityRank('high');
}
