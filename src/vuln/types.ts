/**
 * Vulnerability-intelligence types: the compact CVE record homesec keeps (what NVD's CVE API
 * 2.0 sends, reduced to what matching and display need), KEV entries, and the match results.
 * Rules: everything here is plain JSON-serialisable data; every string in a CveRecord or
 * KevEntry came from the network and was sanitised and capped by its parser (nvd-parse.ts,
 * kev.ts); match results only quote those.
 */

export type CvssVersion = '4.0' | '3.1' | '3.0' | '2.0';
export type CvssSeverity = 'critical' | 'high' | 'medium' | 'low' | 'none';

/** The score homesec shows for a CVE: CVSS v3.1 first, then v4.0, v3.0, v2. */
export interface CvssScore {
  version: CvssVersion;
  score: number;
  severity: CvssSeverity;
  vector?: string;
}

/** One cpeMatch entry of an NVD configuration node (NVD's field names). */
export interface CpeMatchRecord {
  vulnerable: boolean;
  criteria: string;
  matchCriteriaId?: string;
  versionStartIncluding?: string;
  versionStartExcluding?: string;
  versionEndIncluding?: string;
  versionEndExcluding?: string;
}

export interface ConfigNodeRecord {
  operator: 'AND' | 'OR';
  negate: boolean;
  cpeMatch: CpeMatchRecord[];
}

export interface ConfigurationRecord {
  /** How the nodes combine (NVD sends "AND" for "running on/with" configurations). */
  operator?: 'AND' | 'OR';
  nodes: ConfigNodeRecord[];
}

/** A CVE as homesec keeps it. */
export interface CveRecord {
  id: string;
  /** NVD's published time, "YYYY-MM-DDTHH:MM:SS(.sss)" (UTC). */
  published?: string;
  lastModified?: string;
  /** NVD's vulnStatus, e.g. "Analyzed", "Awaiting Analysis". */
  status?: string;
  /** English description, sanitised and capped. */
  description: string;
  cvss?: CvssScore;
  configurations: ConfigurationRecord[];
  /** NVD's own copy of the KEV date (cisaExploitAdd), when it has one. */
  cisaExploitAdd?: string;
}

/** One entry of CISA's Known Exploited Vulnerabilities catalog. */
export interface KevEntry {
  cveID: string;
  vendorProject?: string;
  product?: string;
  vulnerabilityName?: string;
  dateAdded?: string;
  dueDate?: string;
  knownRansomwareCampaignUse?: string;
}

/** Where a searched product name came from (the reference's NVD Keywords sensor). */
export type KeywordSource = 'custom' | 'product_map' | 'fingerprint' | 'banner';

/** confirmed: the detected version is inside a vulnerable range. possible: we cannot tell (no version, platform unknown, vendor unconfirmed). */
export type MatchStatus = 'affected' | 'possible';

/** One CVE on one service, with the reasons. */
export interface VulnMatch {
  cve: string;
  status: MatchStatus;
  cvss?: CvssScore;
  /** CVSS severity, or "unknown" when NVD has no score yet. */
  severity: CvssSeverity | 'unknown';
  published?: string;
  kev: boolean;
  description: string;
  /** The NVD criteria that matched, with their ranges ("cpe:2.3:a:openbsd:openssh:*:...; >= 8.6, < 9.8"). */
  criteria: string[];
  /** Why it matched, or why it is only possible. */
  reasons: string[];
  /** Set when the banner names a distribution package that may carry a back-ported fix (e.g. "debian package Debian-2+deb12u3"). */
  backported?: string;
  /** The product as matched ("openbsd:openssh") and how it was identified. */
  product: string;
  source: KeywordSource;
}

/** The vulnerabilities of one service (an open port). */
export interface ServiceVulns {
  port: number;
  service: string;
  /** What was identified, e.g. "OpenSSH 9.2p1". */
  label: string;
  /** Confirmed matches, most severe first. */
  affected: VulnMatch[];
  /** Possible matches (no version, unknown platform), most severe first; never counted as confirmed. */
  possible: VulnMatch[];
  /** Matches left out by the per-service cap. */
  dropped: number;
}

export interface SeverityCounts {
  critical: number;
  high: number;
  medium: number;
  low: number;
  none: number;
  unknown: number;
}

/** The vulnerabilities of one host. */
export interface HostVulns {
  ip: string;
  /** A confirmed high or critical CVE with no back-port hint (the reference's "at risk"). */
  atRisk: boolean;
  /** Confirmed matches by severity. */
  counts: SeverityCounts;
  possible: number;
  kev: number;
  /** Confirmed matches that may be back-patched by the distribution. */
  backported: number;
  services: ServiceVulns[];
}
