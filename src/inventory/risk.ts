/**
 * "At risk" (the reference flags devices with known high/critical CVEs): a device is at risk
 * when it has a CVE on CISA's Known Exploited Vulnerabilities list, a high or critical CVE, or
 * an exposure of high or critical severity (telnet, ADB, SMB/RDP/… reachable from the
 * internet: exposure-rules.ts). Rules: pure; CVE ids are validated (`CVE-YYYY-NNNN+`) and
 * de-duplicated, at most MAX_VULNS considered; reasons name the CVEs (a few) and the
 * exposures; the level is the highest severity behind the verdict (KEV counts as critical).
 */
import { severityRank, type Severity } from '../findings/types.js';
import type { Exposure } from './exposure-rules.js';

/** What the vulnerability module reports per host. */
export interface VulnerabilityRef {
  cveId: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  kev: boolean;
}

export const MAX_VULNS = 500;
const CVE = /^CVE-\d{4}-\d{4,7}$/;
const NAMED = 3;

export interface RiskSummary {
  atRisk: boolean;
  level?: Severity;
  reasons: string[];
  vulnerabilities: { total: number; high: number; critical: number; kev: number };
}

const list = (ids: string[]) => (ids.length > NAMED ? `${ids.slice(0, NAMED).join(', ')} and ${ids.length - NAMED} more` : ids.join(', '));

/** Assesses one device (see module rules). */
export function assessRisk(vulns: readonly VulnerabilityRef[], exposures: readonly Exposure[]): RiskSummary {
  const seen = new Map<string, VulnerabilityRef>();
  for (const v of vulns.slice(0, MAX_VULNS)) {
    if (typeof v?.cveId !== 'string' || !CVE.test(v.cveId) || severityRank(v.severity) < 0) continue;
    const prev = seen.get(v.cveId);
    if (!prev || severityRank(v.severity) > severityRank(prev.severity) || (v.kev && !prev.kev)) seen.set(v.cveId, { ...v, kev: v.kev || (prev?.kev ?? false) });
  }
  const all = [...seen.values()].sort((a, b) => Number(b.kev) - Number(a.kev) || severityRank(b.severity) - severityRank(a.severity) || a.cveId.localeCompare(b.cveId));
  const kev = all.filter((v) => v.kev).map((v) => v.cveId);
  const critical = all.filter((v) => v.severity === 'critical').map((v) => v.cveId);
  const high = all.filter((v) => v.severity === 'high').map((v) => v.cveId);
  const reasons: string[] = [];
  let level: Severity | undefined;
  const raise = (s: Severity) => {
    if (!level || severityRank(s) > severityRank(level)) level = s;
  };
  if (kev.length > 0) {
    reasons.push(`${kev.length} actively exploited CVE${kev.length > 1 ? 's' : ''} (CISA KEV): ${list(kev)}`);
    raise('critical');
  }
  const serious = [...critical, ...high];
  if (serious.length > 0) {
    reasons.push(`${serious.length} high/critical CVE${serious.length > 1 ? 's' : ''}: ${list(serious)}`);
    raise(critical.length > 0 ? 'critical' : 'high');
  }
  for (const e of exposures) {
    if (severityRank(e.severity) < severityRank('high')) continue;
    reasons.push(`${e.label} on port ${e.port}${e.internet ? ' reachable from the internet' : ' open'}`);
    raise(e.severity);
  }
  const summary: RiskSummary = {
    atRisk: reasons.length > 0,
    reasons,
    vulnerabilities: { total: all.length, high: high.length, critical: critical.length, kev: kev.length },
  };
  if (level) summary.level = level;
  return summary;
}
