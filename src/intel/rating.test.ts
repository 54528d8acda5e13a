import { describe, expect, it } from 'vitest';
import { rateIp } from './rating.js';
import type { AbuseIpDbData, VirusTotalData } from './types.js';

const vt = (malicious: number, suspicious = 0): VirusTotalData => ({ malicious, suspicious, harmless: 60, undetected: 20, timeout: 0 });
const ab = (score: number, extra: Partial<AbuseIpDbData> = {}): AbuseIpDbData => ({
  abuseConfidenceScore: score,
  totalReports: score * 3,
  numDistinctUsers: score,
  isTor: false,
  ...extra,
});

describe('threat rating', () => {
  it('is unknown with nothing to go on, clean when reputation sources say nothing bad', () => {
    expect(rateIp({})).toEqual({ level: 'unknown', score: 0, reasons: [] });
    const r = rateIp({ virustotal: vt(0), abuseipdb: ab(0) });
    expect(r.level).toBe('clean');
    expect(r.reasons.map((x) => x.source)).toEqual(['VirusTotal', 'AbuseIPDB']);
  });

  it('a feed listing the address makes it high and says which feed', () => {
    const r = rateIp({ blacklists: ['feodotracker.abuse.ch/downloads/ipblocklist.txt'] });
    expect(r).toMatchObject({ level: 'high', score: 90 });
    expect(r.reasons[0]).toEqual({ source: 'blacklist feodotracker.abuse.ch/downloads/ipblocklist.txt', said: 'lists this address', score: 90 });
  });

  it('explains each source and grades by thresholds', () => {
    expect(rateIp({ virustotal: vt(1) }).level).toBe('low');
    expect(rateIp({ virustotal: vt(3) }).level).toBe('medium');
    expect(rateIp({ virustotal: vt(5) }).level).toBe('high');
    expect(rateIp({ virustotal: vt(0, 2) }).level).toBe('low');
    expect(rateIp({ abuseipdb: ab(30) }).level).toBe('medium');
    expect(rateIp({ abuseipdb: ab(80, { usageType: 'Data Center/Web Hosting/Transit' }) }).reasons[0]?.said).toBe(
      'abuse confidence 80%, 240 reports (Data Center/Web Hosting/Transit)',
    );
    expect(rateIp({ abuseipdb: ab(0, { isTor: true }) }).level).toBe('low');
    expect(rateIp({ shodan: { found: true, ports: [22], vulns: ['CVE-2023-38408'], hostnames: [] } }).reasons[0]?.source).toBe('Shodan');
    expect(rateIp({ listedName: { name: 'x.evil.example', feeds: ['urlhaus'] } }).reasons[0]?.said).toBe('lists its name x.evil.example');
  });

  it('independent sources agreeing raise the score by 10, capped at 100', () => {
    expect(rateIp({ virustotal: vt(3), abuseipdb: ab(30) }).score).toBe(70);
    expect(rateIp({ blacklists: ['a', 'b'], virustotal: vt(9) }).score).toBe(100);
  });
});
