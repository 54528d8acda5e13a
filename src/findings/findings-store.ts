/**
 * The findings store. Rules: findings are upserted by key (a repeat raises occurrences and
 * last-seen, keeps first-seen, takes the newer text and the higher severity); rows live in
 * SQLite so they survive restarts; dismissals live in homesec_dismissed.yaml (the
 * reference's file) and are written atomically before dismiss() returns, so a dismissal
 * acknowledged to the user is never lost. A finding seen for the first time emits `finding.new` on
 * the bus (a dismissed one stays dismissed when seen again); every report, dismiss and
 * un-dismiss that changes a finding emits `finding.updated`. Evidence is capped in size.
 * reloadDismissed() re-reads homesec_dismissed.yaml (the reference re-reads it on every
 * refresh): a key removed from the file restores its finding, a key added dismisses it; a file
 * that no longer parses is moved aside by the loader and rewritten from the keys in memory.
 * The optional remediation hint lives in the `remediation` column (migration 9).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { EventBus } from '../core/events.js';
import type { Service } from '../core/lifecycle.js';
import type { Log } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import { DISMISSED_FILE, loadDismissed, saveDismissed } from '../store/state-files.js';
import type { Store } from '../store/store.js';
import { isActionable, severityRank, type Finding, type FindingReport, type Severity } from './types.js';

declare module '../core/events.js' {
  interface HomesecEvents {
    'finding.new': Finding;
    'finding.updated': Finding;
  }
}

/** Bytes of JSON evidence kept per finding at most. */
export const MAX_EVIDENCE_BYTES = 8192;
/** Bytes of title/detail kept at most. */
const MAX_TEXT = 1000;

export interface FindingsStore extends Service {
  report(r: FindingReport): Finding;
  get(key: string): Finding | undefined;
  /** All findings, newest first; dismissed ones only when includeDismissed. */
  list(opts?: { includeDismissed?: boolean; minSeverity?: Severity; category?: string; actionableOnly?: boolean }): Finding[];
  /** Marks dismissed and persists; returns false for an unknown key (the key is still remembered). */
  dismiss(key: string): boolean;
  /** Restores a dismissed key and persists; returns false for an unknown key (the key is still forgotten). */
  undismiss(key: string): boolean;
  /** Re-reads homesec_dismissed.yaml and applies what changed (see module rules). */
  reloadDismissed(): { dismissed: string[]; restored: string[] };
  /** Count of open (not dismissed) high/critical findings — the reference's "Open Findings". */
  openActionableCount(): number;
}

function clip(s: string): string {
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s;
}

function boundedEvidence(e: Record<string, unknown>): string {
  const json = JSON.stringify(e);
  return json.length <= MAX_EVIDENCE_BYTES ? json : JSON.stringify({ truncated: true, preview: json.slice(0, MAX_EVIDENCE_BYTES - 64) });
}

interface Row {
  key: string;
  category: string;
  severity: Severity;
  source_ip: string;
  title: string;
  detail: string;
  first_seen_ms: number;
  last_seen_ms: number;
  occurrences: number;
  evidence: string;
  remediation?: string | null;
}

/** Creates the store; loads rows and dismissals at start(). */
export function createFindingsStore(deps: { store: Store; bus: EventBus; log: Log; metrics: Metrics }): FindingsStore {
  const findings = new Map<string, Finding>();
  let dismissed = new Set<string>();

  const persist = (f: Finding) => {
    deps.store.db
      .prepare(
        `INSERT INTO findings (key, category, severity, source_ip, title, detail, first_seen_ms, last_seen_ms, occurrences, evidence, remediation)
         VALUES (@key, @category, @severity, @sourceIp, @title, @detail, @firstSeenMs, @lastSeenMs, @occurrences, @evidence, @remediation)
         ON CONFLICT(key) DO UPDATE SET severity = excluded.severity, title = excluded.title, detail = excluded.detail,
           last_seen_ms = excluded.last_seen_ms, occurrences = excluded.occurrences, evidence = excluded.evidence, remediation = excluded.remediation`,
      )
      .run({
        key: f.key,
        category: f.category,
        severity: f.severity,
        sourceIp: f.sourceIp,
        title: f.title,
        detail: f.detail,
        firstSeenMs: f.firstSeenMs,
        lastSeenMs: f.lastSeenMs,
        occurrences: f.occurrences,
        evidence: boundedEvidence(f.evidence),
        remediation: f.remediation ?? null,
      });
  };

  const saveDismissals = () => saveDismissed(deps.store.dir, dismissed);

  /** Sets a finding's dismissed flag; emits finding.updated when it changed. */
  const mark = (key: string, value: boolean) => {
    const f = findings.get(key);
    if (!f || f.dismissed === value) return;
    f.dismissed = value;
    deps.bus.emit('finding.updated', f);
  };

  return {
    async start() {
      const d = loadDismissed(deps.store.dir);
      for (const w of d.warnings) deps.log.warn(w);
      dismissed = d.value;
      const rows = deps.store.db.prepare('SELECT * FROM findings').all() as Row[];
      for (const r of rows) {
        let evidence: Record<string, unknown> = {};
        try {
          evidence = JSON.parse(r.evidence) as Record<string, unknown>;
        } catch {
          /* keep empty */
        }
        findings.set(r.key, {
          key: r.key,
          category: r.category,
          severity: r.severity,
          sourceIp: r.source_ip,
          title: r.title,
          detail: r.detail,
          firstSeenMs: r.first_seen_ms,
          lastSeenMs: r.last_seen_ms,
          occurrences: r.occurrences,
          evidence,
          dismissed: dismissed.has(r.key),
          ...(typeof r.remediation === 'string' ? { remediation: r.remediation } : {}),
        });
      }
    },
    async stop() {
      /* every change is persisted when it happens */
    },
    report(r) {
      const prev = findings.get(r.key);
      const f: Finding = prev
        ? {
            ...prev,
            severity: severityRank(r.severity) > severityRank(prev.severity) ? r.severity : prev.severity,
            title: clip(r.title),
            detail: clip(r.detail),
            lastSeenMs: Math.max(prev.lastSeenMs, r.atMs),
            occurrences: prev.occurrences + 1,
            evidence: r.evidence,
            ...(r.remediation !== undefined ? { remediation: clip(r.remediation) } : {}),
          }
        : {
            key: r.key,
            category: r.category,
            severity: r.severity,
            sourceIp: r.sourceIp,
            title: clip(r.title),
            detail: clip(r.detail),
            firstSeenMs: r.atMs,
            lastSeenMs: r.atMs,
            occurrences: 1,
            evidence: r.evidence,
            dismissed: dismissed.has(r.key),
            ...(r.remediation !== undefined ? { remediation: clip(r.remediation) } : {}),
          };
      findings.set(f.key, f);
      persist(f);
      deps.metrics.inc('homesec_findings_reported_total', { category: f.category, severity: f.severity });
      if (!prev) deps.bus.emit('finding.new', f);
      deps.bus.emit('finding.updated', f);
      return f;
    },
    get: (key) => findings.get(key),
    list(opts = {}) {
      const min = opts.minSeverity ? severityRank(opts.minSeverity) : 0;
      return [...findings.values()]
        .filter(
          (f) =>
            (opts.includeDismissed || !f.dismissed) &&
            severityRank(f.severity) >= min &&
            (opts.category === undefined || f.category === opts.category) &&
            (!opts.actionableOnly || isActionable(f)),
        )
        .sort((a, b) => b.lastSeenMs - a.lastSeenMs);
    },
    dismiss(key) {
      dismissed.add(key);
      saveDismissals();
      mark(key, true);
      return findings.has(key);
    },
    undismiss(key) {
      const had = dismissed.delete(key);
      if (had) saveDismissals();
      mark(key, false);
      return findings.has(key);
    },
    reloadDismissed() {
      const file = path.join(deps.store.dir, DISMISSED_FILE);
      const existed = fs.existsSync(file);
      const d = loadDismissed(deps.store.dir);
      for (const w of d.warnings) deps.log.warn(w);
      if (existed && !fs.existsSync(file)) {
        // It did not parse and was moved aside: keep what we know and write it back.
        saveDismissals();
        return { dismissed: [], restored: [] };
      }
      const added = [...d.value].filter((k) => !dismissed.has(k));
      const removed = [...dismissed].filter((k) => !d.value.has(k));
      dismissed = d.value;
      for (const k of added) mark(k, true);
      for (const k of removed) mark(k, false);
      return { dismissed: added, restored: removed };
    },
    openActionableCount() {
      let n = 0;
      for (const f of findings.values()) if (isActionable(f)) n++;
      return n;
    },
  };
}
