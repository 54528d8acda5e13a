/**
 * Findings from vulnerability matches. Rules:
 * - One finding per confirmed CVE on a service, key `vuln:<ip>:<port>:<CVE>` (the reference's
 *   key, as in its homesec_dismissed.yaml example), category "vulnerability", so a user can
 *   dismiss a single CVE on a single service and a dismissal made in the reference keeps
 *   working.
 * - Severity: the CVSS severity (no score yet: medium; CVSS "none": info); a CVE in CISA's KEV
 *   catalog is at least high; a match whose banner names a distribution package that may carry
 *   a back-ported fix is capped at low (medium when in KEV), and says so in its title.
 * - Possible matches (no version detected, platform unknown) never raise a per-CVE finding:
 *   one info finding per service (`vuln:<ip>:<port>:possible`) counts them.
 * - Pure; text is built from sanitised record fields and capped.
 */
import { severityRank, type FindingReport, type Severity } from '../findings/types.js';
import type { HostVulns, ServiceVulns, VulnMatch } from './types.js';

const MAX_DETAIL_DESCRIPTION = 300;
const MAX_EVIDENCE_LIST = 5;

function maxSeverity(a: Severity, b: Severity): Severity {
  return severityRank(a) >= severityRank(b) ? a : b;
}

function minSeverity(a: Severity, b: Severity): Severity {
  return severityRank(a) <= severityRank(b) ? a : b;
}

/** The finding severity of a confirmed match (see module rules). */
export function findingSeverity(m: Pick<VulnMatch, 'severity' | 'kev' | 'backported'>): Severity {
  let s: Severity = m.severity === 'unknown' ? 'medium' : m.severity === 'none' ? 'info' : m.severity;
  if (m.kev) s = maxSeverity(s, 'high');
  if (m.backported) s = minSeverity(s, m.kev ? 'medium' : 'low');
  return s;
}

/** The finding key of a CVE on a service. */
export function vulnFindingKey(ip: string, port: number, cve: string): string {
  return `vuln:${ip}:${port}:${cve}`;
}

function cveFinding(ip: string, svc: ServiceVulns, m: VulnMatch, atMs: number): FindingReport {
  const score = m.cvss ? `CVSS ${m.cvss.score} ${m.severity}` : 'no CVSS score yet';
  const title = `${m.cve} (${score}${m.kev ? ', known exploited' : ''}) in ${svc.label} on ${ip}:${svc.port}${m.backported ? ' - may be back-patched' : ''}`;
  const desc = m.description.length > MAX_DETAIL_DESCRIPTION ? `${m.description.slice(0, MAX_DETAIL_DESCRIPTION)}…` : m.description;
  const detail = [
    desc,
    `Why: ${m.reasons.join('; ')}.`,
    m.kev ? 'Listed in CISA\'s Known Exploited Vulnerabilities catalog: attackers use it.' : '',
    m.backported ? `The banner names a ${m.backported}: the distribution may have fixed this without changing the version; check its security tracker.` : 'Update the software to a fixed version.',
  ]
    .filter((s) => s.length > 0)
    .join(' ');
  return {
    key: vulnFindingKey(ip, svc.port, m.cve),
    category: 'vulnerability',
    severity: findingSeverity(m),
    sourceIp: ip,
    title,
    detail,
    atMs,
    evidence: {
      cve: m.cve,
      port: svc.port,
      service: svc.service,
      product: svc.label,
      cvss: m.cvss ?? null,
      kev: m.kev,
      published: m.published ?? null,
      criteria: m.criteria.slice(0, MAX_EVIDENCE_LIST),
      reasons: m.reasons.slice(0, MAX_EVIDENCE_LIST),
      backported: m.backported ?? null,
      source: m.source,
    },
  };
}

/** The findings for one host's results (see module rules). */
export function findingsForHost(host: HostVulns, atMs: number): FindingReport[] {
  const out: FindingReport[] = [];
  for (const svc of host.services) {
    for (const m of svc.affected) out.push(cveFinding(host.ip, svc, m, atMs));
    if (svc.possible.length > 0) {
      out.push({
        key: `vuln:${host.ip}:${svc.port}:possible`,
        category: 'vulnerability',
        severity: 'info',
        sourceIp: host.ip,
        title: `${svc.possible.length} CVEs may affect ${svc.label} on ${host.ip}:${svc.port}`,
        detail: `The version (or the platform) could not be confirmed, so these are not reported as confirmed: ${svc.possible
          .slice(0, 10)
          .map((m) => m.cve)
          .join(', ')}${svc.possible.length > 10 ? ', …' : ''}.`,
        atMs,
        evidence: { port: svc.port, product: svc.label, cves: svc.possible.slice(0, 20).map((m) => m.cve), count: svc.possible.length },
      });
    }
  }
  return out;
}
