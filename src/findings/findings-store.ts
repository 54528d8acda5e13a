/**
 * The findings store. Rules: findings are upserted by key (a repeat raises occurrences and
 * last-seen, keeps first-seen, takes the newer text and the higher severity); rows live in
 * SQLite so they survive restarts; dismissals live in homesec_dismissed.yaml (the
 * reference's file) and are written atomically before dismiss() returns, so a dismissal
 * acknowledged to the user is never lost. A finding seen for the first time emits `finding.new` on
 * the bus (a dismissed one stays dismissed when seen again); every report emits
 * `finding.updated`. Evidence is capped in size.
 */
import type { EventBus } from '../core/events.js';
import type { Service } from '../core/lifecycle.js';
import type { Log } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import { loadDismissed, saveDismissed } from '../store/state-files.js';
import type { Store } from '../store/store.js';
import { severityRank, type Finding, type FindingReport, type Severity } from './types.js';

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
  list(opts?: { includeDismissed?: boolean; minSeverity?: Severity }): Finding[];
  /** Marks dismissed and persists; returns false for an unknown key (the key is still remembered). */
  dismiss(key: string): boolean;
  undismiss(key: string): boolean;
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
}

/** Creates the store; loads rows and dismissals at start(). */
export function createFindingsStore(deps: { store: Store; bus: EventBus; log: Log; metrics: Metrics }): FindingsStore {
  const findings = new Map<string, Finding>();
  let dismissed = new Set<string>();

  const persist = (f: Finding) => {
    deps.store.db
      .prepare(
        `INSERT INTO findings (key, category, severity, source_ip, title, detail, first_seen_ms, last_seen_ms, occurrences, evidence)
         VALUES (@key, @category, @severity, @sourceIp, @title, @detail, @firstSeenMs, @lastSeenMs, @occurrences, @evidence)
         ON CONFLICT(key) DO UPDATE SET severity = excluded.severity, title = excluded.title, detail = excluded.detail,
           last_seen_ms = excluded.last_seen_ms, occurrences = excluded.occurrences, evidence = excluded.evidence`,
      )
      .run({ ...f, evidence: boundedEvidence(f.evidence) });
  };

  const saveDismissals = () => saveDismissed(deps.store.dir, dismissed);

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
        .filter((f) => (opts.includeDismissed || !f.dismissed) && severityRank(f.severity) >= min)
        .sort((a, b) => b.lastSeenMs - a.lastSeenMs);
    },
    dismiss(key) {
      dismissed.add(key);
      saveDismissals();
      const f = findings.get(key);
      if (f) f.dismissed = true;
      return f !== undefined;
    },
    undismiss(key) {
      const had = dismissed.delete(key);
      if (had) saveDismissals();
      const f = findings.get(key);
      if (f) f.dismissed = false;
      return f !== undefined;
    },
    openActionableCount() {
      let n = 0;
      for (const f of findings.values()) if (!f.dismissed && severityRank(f.severity) >= severityRank('high')) n++;
      return n;
    },
  };
}
