/**
 * Threat rating of one external IP. PURE. Rules: each source that has something to say adds
 * a reason (which source said what, and the level it implies); the rating is the strongest
 * reason, raised by 10 points when two or more sources (each feed counts as one) say medium or worse.
 * Levels by score: high >= 75, medium >= 50, low >= 20; below that "clean" when VirusTotal
 * or AbuseIPDB answered, else "unknown" (a blacklist miss or geolocation is no verdict).
 * Thresholds:
 * - a blacklist feed lists the IP: 90; lists its reverse-DNS name: 80;
 * - VirusTotal engines flagging it malicious: >= 5 → 85, 2-4 → 60, 1 → 30 (single-engine
 *   false positives are common); suspicious only, >= 2 → 25;
 * - AbuseIPDB confidence >= 75 → 80, >= 25 → 55, > 0 → 25; a Tor exit node → 30;
 * - Shodan: known CVEs on the host → 20 (it is exposed, not necessarily hostile).
 */
import type { AbuseIpDbData, ShodanData, VirusTotalData } from './types.js';

export type ThreatLevel = 'unknown' | 'clean' | 'low' | 'medium' | 'high';

export interface RatingReason {
  source: string;
  said: string;
  score: number;
}

export interface ThreatRating {
  level: ThreatLevel;
  /** 0..100. */
  score: number;
  /** Strongest first. */
  reasons: RatingReason[];
}

export interface RatingInput {
  /** Feeds listing the IP. */
  blacklists?: readonly string[];
  /** The IP's reverse-DNS name and the feeds listing it. */
  listedName?: { name: string; feeds: readonly string[] };
  virustotal?: VirusTotalData;
  abuseipdb?: AbuseIpDbData;
  shodan?: ShodanData;
}

/** Level for a score (see module rules). */
export function levelOf(score: number, anyVerdict: boolean): ThreatLevel {
  if (score >= 75) return 'high';
  if (score >= 50) return 'medium';
  if (score >= 20) return 'low';
  return anyVerdict ? 'clean' : 'unknown';
}

/** Rates an IP from what the sources said (see module rules). */
export function rateIp(input: RatingInput): ThreatRating {
  const reasons: RatingReason[] = [];
  for (const feed of input.blacklists ?? []) reasons.push({ source: `blacklist ${feed}`, said: 'lists this address', score: 90 });
  if (input.listedName) {
    for (const feed of input.listedName.feeds) {
      reasons.push({ source: `blacklist ${feed}`, said: `lists its name ${input.listedName.name}`, score: 80 });
    }
  }
  const vt = input.virustotal;
  if (vt) {
    const engines = vt.malicious + vt.suspicious + vt.harmless + vt.undetected + vt.timeout;
    const score = vt.malicious >= 5 ? 85 : vt.malicious >= 2 ? 60 : vt.malicious === 1 ? 30 : vt.suspicious >= 2 ? 25 : 0;
    reasons.push({ source: 'VirusTotal', said: `${vt.malicious} of ${engines} engines say malicious, ${vt.suspicious} suspicious`, score });
  }
  const ab = input.abuseipdb;
  if (ab) {
    const s = ab.abuseConfidenceScore;
    const score = s >= 75 ? 80 : s >= 25 ? 55 : s > 0 ? 25 : 0;
    const usage = ab.usageType ? ` (${ab.usageType})` : '';
    reasons.push({ source: 'AbuseIPDB', said: `abuse confidence ${s}%, ${ab.totalReports} reports${usage}`, score });
    if (ab.isTor) reasons.push({ source: 'AbuseIPDB', said: 'Tor exit node', score: 30 });
  }
  const sh = input.shodan;
  if (sh?.found && sh.vulns.length > 0) {
    reasons.push({ source: 'Shodan', said: `host exposes ${sh.vulns.length} known CVEs on ports ${sh.ports.slice(0, 10).join(', ')}`, score: 20 });
  }
  reasons.sort((a, b) => b.score - a.score);
  let score = reasons[0]?.score ?? 0;
  const strongSources = new Set(reasons.filter((r) => r.score >= 50).map((r) => r.source));
  if (strongSources.size >= 2) score = Math.min(100, score + 10);
  return { level: levelOf(score, vt !== undefined || ab !== undefined), score, reasons };
}
