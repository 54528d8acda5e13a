/**
 * The daily/weekly summary (the blog's daily report): new devices, open findings, new CVEs
 * and top talkers over the period since the last summary. Rules: data comes through the
 * SummarySource interface (the default reads the traffic tables read-only and tolerates
 * their absence) and the findings store; findings about allowlisted devices are left out
 * like everywhere else in notifications; every list is bounded and everything quoted is
 * plain text (message.ts). The summary is informational: severity info (push channels
 * deliver it quietly); the alerts themselves went out when they happened.
 */
import type { Finding, Severity } from '../findings/types.js';
import { SEVERITIES, severityRank } from '../findings/types.js';
import type { Db } from '../store/database.js';
import { findingLines, findingRef, orderFindings, plain, severityLabel, type BuildContext, type MessageSection, type NotifyMessage } from './message.js';
import { formatZoned } from './time-zone.js';

export interface DeviceSeen {
  ip: string;
  firstSeenMs: number;
}

export interface Talker {
  ip: string;
  bytesOut: number;
}

/** Where the summary's traffic facts come from. */
export interface SummarySource {
  /** Devices first seen in [fromMs, toMs), oldest first, at most `limit`, plus the total. */
  newDevices(fromMs: number, toMs: number, limit: number): { list: DeviceSeen[]; total: number };
  /** Internal devices by bytes sent in [fromMs, toMs), most first. */
  topTalkers(fromMs: number, toMs: number, limit: number): Talker[];
}

/** The default source: the devices and connections tables (read-only; empty when absent). */
export function createStoreSummarySource(db: Db): SummarySource {
  const safe = <T>(fn: () => T, fallback: T): T => {
    try {
      return fn();
    } catch {
      return fallback;
    }
  };
  return {
    newDevices: (fromMs, toMs, limit) =>
      safe(
        () => ({
          list: (
            db
              .prepare('SELECT ip, first_seen_ms FROM devices WHERE first_seen_ms >= ? AND first_seen_ms < ? ORDER BY first_seen_ms ASC LIMIT ?')
              .all(fromMs, toMs, limit) as { ip: string; first_seen_ms: number }[]
          ).map((r) => ({ ip: r.ip, firstSeenMs: r.first_seen_ms })),
          total: (db.prepare('SELECT COUNT(*) AS n FROM devices WHERE first_seen_ms >= ? AND first_seen_ms < ?').get(fromMs, toMs) as { n: number }).n,
        }),
        { list: [], total: 0 },
      ),
    topTalkers: (fromMs, toMs, limit) =>
      safe(
        () =>
          (
            db
              .prepare(
                `SELECT src AS ip, SUM(bytes) AS bytes FROM connections
                 WHERE ts_ms >= ? AND ts_ms < ? AND src IN (SELECT ip FROM devices)
                 GROUP BY src ORDER BY bytes DESC LIMIT ?`,
              )
              .all(fromMs, toMs, limit) as { ip: string; bytes: number }[]
          ).map((r) => ({ ip: r.ip, bytesOut: r.bytes })),
        [],
      ),
  };
}

const CVE = /CVE-\d{4}-\d{4,7}/gi;

export interface CveSeen {
  cve: string;
  sourceIp: string;
  severity: Severity;
  title: string;
}

/** CVE ids named by findings first seen in [fromMs, toMs) (key, title, detail or evidence), one per (CVE, device). */
export function newCves(findings: readonly Finding[], fromMs: number, toMs: number): CveSeen[] {
  const out = new Map<string, CveSeen>();
  for (const f of findings) {
    if (f.firstSeenMs < fromMs || f.firstSeenMs >= toMs) continue;
    let evidence = '';
    try {
      evidence = JSON.stringify(f.evidence).slice(0, 8192);
    } catch {
      /* unserialisable evidence: ignore */
    }
    const ids = new Set(`${f.key} ${f.title} ${f.detail} ${evidence}`.match(CVE)?.map((s) => s.toUpperCase()) ?? []);
    for (const cve of ids) {
      const k = `${cve}|${f.sourceIp}`;
      if (!out.has(k)) out.set(k, { cve, sourceIp: plain(f.sourceIp, 64), severity: f.severity, title: plain(f.title, 120) });
    }
  }
  return [...out.values()].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.cve.localeCompare(b.cve));
}

/** "1.2 GB" (decimal units). */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = Math.max(0, n);
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

export interface SummaryInput {
  fromMs: number;
  toMs: number;
  period: 'daily' | 'weekly';
  /** Open (not dismissed) findings, allowlisted devices already left out. */
  openFindings: readonly Finding[];
  /** Every finding (for new CVEs), allowlisted devices already left out. */
  allFindings: readonly Finding[];
  newDevices: { list: DeviceSeen[]; total: number };
  topTalkers: Talker[];
}

const LIST_MAX = 20;

function counted(list: readonly { severity: Severity }[]): string {
  const counts = new Map<Severity, number>();
  for (const f of list) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
  return [...SEVERITIES]
    .reverse()
    .filter((s) => counts.has(s))
    .map((s) => `${counts.get(s)} ${s}`)
    .join(', ');
}

/** The summary message (see the module rules). */
export function summaryMessage(s: SummaryInput, ctx: BuildContext): NotifyMessage {
  const tz = ctx.timeZone;
  const cves = newCves(s.allFindings, s.fromMs, s.toMs);
  const newFindings = s.allFindings.filter((f) => f.firstSeenMs >= s.fromMs && f.firstSeenMs < s.toMs).length;
  const sections: MessageSection[] = [];
  sections.push({
    heading: `New devices (${s.newDevices.total})`,
    lines: s.newDevices.list.slice(0, LIST_MAX).map((d) => ({ text: plain(`${d.ip}, first seen ${formatZoned(d.firstSeenMs, tz)}`, 200) })),
    omitted: Math.max(0, s.newDevices.total - Math.min(LIST_MAX, s.newDevices.list.length)),
  });
  const refs = s.openFindings.map(findingRef);
  const open = findingLines(refs, tz);
  const shownOpen = open.lines.slice(0, LIST_MAX);
  sections.push({
    heading: `Open findings (${refs.length}${refs.length ? `: ${counted(refs)}` : ''})`,
    lines: shownOpen,
    omitted: refs.length - shownOpen.length,
  });
  sections.push({
    heading: `New CVEs (${cves.length})`,
    lines: cves.slice(0, LIST_MAX).map((c) => ({ severity: c.severity, text: plain(`${c.cve} on ${c.sourceIp} [${severityLabel(c.severity)}]: ${c.title}`, 300) })),
    omitted: Math.max(0, cves.length - LIST_MAX),
  });
  sections.push({
    heading: 'Top talkers (bytes sent)',
    lines: s.topTalkers.slice(0, 10).map((t) => ({ text: plain(`${t.ip}: ${formatBytes(t.bytesOut)}`, 100) })),
  });
  const worst = refs.reduce((m, f) => Math.max(m, severityRank(f.severity)), -1);
  const criticalNote = worst >= severityRank('high') ? ` (${counted(refs.filter((f) => severityRank(f.severity) >= severityRank('high')))})` : '';
  return {
    id: ctx.id,
    kind: 'summary',
    severity: 'info',
    title: plain(`homesec ${s.period} summary: ${s.newDevices.total} new device${s.newDevices.total === 1 ? '' : 's'}, ${refs.length} open finding${refs.length === 1 ? '' : 's'}${criticalNote}`, 200),
    lead: plain(
      `${formatZoned(s.fromMs, tz)} to ${formatZoned(s.toMs, tz)} (${tz}): ${newFindings} new finding${newFindings === 1 ? '' : 's'}, ${cves.length} new CVE${cves.length === 1 ? '' : 's'}.`,
      600,
    ),
    sections,
    createdMs: ctx.nowMs,
    timeZone: tz,
    findings: orderFindings(refs).slice(0, 50),
  };
}
