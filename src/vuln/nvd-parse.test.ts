import { describe, expect, it } from 'vitest';
import { parseCveRecord, parseNvdPage, pickCvss, severityOfScore } from './nvd-parse.js';
import { parseKevCatalog } from './kev.js';
import { fixtureJson, nvdCves } from './test-kit.js';

const byId = (id: string) => nvdCves().find((c) => c.id === id);
const page = (vulns: unknown[], extra: object = {}) => ({ resultsPerPage: vulns.length, startIndex: 0, totalResults: vulns.length, format: 'NVD_CVE', version: '2.0', vulnerabilities: vulns, ...extra });

describe('NVD CVE API 2.0 pages', () => {
  it('reads the real records: id, dates, status, English description, configurations', () => {
    const r = parseNvdPage(page(nvdCves().map((cve) => ({ cve }))));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.records).toHaveLength(13);
    expect(r.value.skipped).toBe(0);
    const rec = r.value.records.find((x) => x.id === 'CVE-2024-6387');
    expect(rec).toMatchObject({ published: '2024-07-01T13:15:06.467', status: 'Modified', cvss: { version: '3.1', score: 8.1, severity: 'high' } });
    expect(rec?.description).toMatch(/^A security regression \(CVE-2006-5051\)/);
    expect(rec?.configurations[0]?.nodes[0]?.cpeMatch[1]).toEqual({
      vulnerable: true,
      criteria: 'cpe:2.3:a:openbsd:openssh:*:*:*:*:*:*:*:*',
      matchCriteriaId: 'EC13B91D-82A4-48B1-83AB-EC129C83D316',
      versionStartIncluding: '8.6',
      versionEndExcluding: '9.8',
    });
    expect(r.value.records.find((x) => x.id === 'CVE-2021-41773')?.cisaExploitAdd).toBe('2021-11-03');
  });

  it('CVSS: v3.1 first (Primary before Secondary), then v4.0, v3.0, v2', () => {
    expect(parseCveRecord(byId('CVE-2022-21661'))?.cvss).toMatchObject({ version: '3.1', score: 7.5, severity: 'high' });
    expect(parseCveRecord(byId('CVE-2024-7347'))?.cvss).toMatchObject({ version: '3.1', score: 4.7, severity: 'medium' });
    expect(parseCveRecord(byId('CVE-2023-42115'))?.cvss).toMatchObject({ version: '3.0', score: 9.8, severity: 'critical' });
    expect(parseCveRecord(byId('CVE-2021-30047'))?.cvss).toBeUndefined();
    const v4only = pickCvss({ cvssMetricV40: [{ type: 'Secondary', cvssData: { version: '4.0', baseScore: 9.3, baseSeverity: 'CRITICAL' } }] });
    expect(v4only).toEqual({ version: '4.0', score: 9.3, severity: 'critical' });
    const v2only = pickCvss({ cvssMetricV2: [{ type: 'Primary', cvssData: { version: '2.0', baseScore: 10 }, baseSeverity: 'HIGH' }] });
    expect(v2only).toMatchObject({ version: '2.0', severity: 'high' });
    expect(pickCvss({ cvssMetricV31: [{ cvssData: { baseScore: 9.1 } }] })?.severity).toBe('critical');
    expect(pickCvss({ cvssMetricV31: [{ cvssData: { baseScore: 11 } }, { cvssData: { baseScore: '9' } }] })).toBeUndefined();
    expect(severityOfScore(9.5, '2.0')).toBe('high');
    expect(severityOfScore(0, '3.1')).toBe('none');
  });

  it('hostile entries are skipped and counted; strings are cleaned and capped', () => {
    const evil = {
      id: 'CVE-2024-0001',
      descriptions: [{ lang: 'en', value: `\u001b[2J\u202ebad\u0000 ${'x'.repeat(5000)}` }],
      published: '2024-01-01 00:00',
      vulnStatus: { not: 'a string' },
      configurations: [
        {
          nodes: [
            {
              operator: 'XOR',
              negate: 'yes',
              cpeMatch: [
                { vulnerable: 'true', criteria: 'cpe:2.3:a:v:p:*:*:*:*:*:*:*:*' },
                { vulnerable: true, criteria: 'cpe:2.3:a:v:p:*:*:*:*:*:*:*:*\n' },
                { vulnerable: true, criteria: 'cpe:2.3:a:v:p:*:*:*:*:*:*:*:*', versionEndExcluding: '1 2', matchCriteriaId: 'nope' },
              ],
            },
            null,
            { cpeMatch: 'x' },
          ],
        },
        'garbage',
      ],
    };
    const r = parseNvdPage(page([{ cve: evil }, { cve: { id: 'CVE-BAD' } }, null, 42, { cve: { id: 'CVE-2024-0002' } }]));
    expect(r.ok && r.value.records.map((x) => x.id)).toEqual(['CVE-2024-0001', 'CVE-2024-0002']);
    expect(r.ok && r.value.skipped).toBe(3);
    const rec = r.ok ? r.value.records[0] : undefined;
    expect(rec?.description.length).toBeLessThanOrEqual(1000);
    expect(rec?.description).not.toMatch(/[\u0000-\u001f\u202e]/);
    expect(rec?.published).toBeUndefined();
    expect(rec?.status).toBeUndefined();
    expect(rec?.configurations).toEqual([{ nodes: [{ operator: 'OR', negate: false, cpeMatch: [{ vulnerable: true, criteria: 'cpe:2.3:a:v:p:*:*:*:*:*:*:*:*' }] }] }]);
  });

  it('caps configurations and cpeMatch entries per CVE', () => {
    const cpeMatch = Array.from({ length: 5000 }, (_, i) => ({ vulnerable: true, criteria: `cpe:2.3:a:v:p${i}:*:*:*:*:*:*:*:*` }));
    const configurations = Array.from({ length: 100 }, () => ({ nodes: [{ operator: 'OR', negate: false, cpeMatch }] }));
    const rec = parseCveRecord({ id: 'CVE-2024-1234', descriptions: [], configurations });
    expect(rec?.configurations.flatMap((c) => c.nodes.flatMap((n) => n.cpeMatch)).length).toBe(2000);
  });

  it.each([
    [null, 'not a JSON object'],
    [[], 'not a JSON object'],
    [{ totalResults: 1, resultsPerPage: 1, startIndex: 0 }, 'vulnerabilities'],
    [{ totalResults: -1, resultsPerPage: 1, startIndex: 0, vulnerabilities: [] }, 'totalResults'],
    [{ totalResults: '1e99', resultsPerPage: 1, startIndex: 0, vulnerabilities: [] }, 'totalResults'],
  ])('an envelope that is wrong is an error, never an empty result: %j', (json, msg) => {
    const r = parseNvdPage(json);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toContain(msg);
  });
});

describe('CISA KEV catalog', () => {
  it('reads the catalog format', () => {
    const r = parseKevCatalog(fixtureJson('kev.json'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.catalogVersion).toBe('2026.01.02');
    expect(r.value.entries.map((e) => e.cveID)).toEqual(['CVE-2021-41773', 'CVE-2021-42013', 'CVE-2022-0543', 'CVE-2023-38408', 'CVE-2021-44228']);
    expect(r.value.entries[0]).toEqual({
      cveID: 'CVE-2021-41773',
      vendorProject: 'Apache',
      product: 'HTTP Server',
      vulnerabilityName: 'Apache HTTP Server Path Traversal Vulnerability',
      dateAdded: '2021-11-03',
      dueDate: '2021-11-17',
      knownRansomwareCampaignUse: 'Known',
    });
  });

  it('skips unreadable and duplicate entries; a non-catalog is an error', () => {
    const r = parseKevCatalog({ vulnerabilities: [{ cveID: 'CVE-2021-1' }, { cveID: 'CVE-2021-44228', dateAdded: 'yesterday', vendorProject: '\u001b[31mred' }, { cveID: 'CVE-2021-44228' }, 'x'] });
    expect(r.ok && r.value.entries).toEqual([{ cveID: 'CVE-2021-44228', vendorProject: '[31mred' }]);
    expect(r.ok && r.value.skipped).toBe(3);
    expect(parseKevCatalog({ title: 'x' }).ok).toBe(false);
    expect(parseKevCatalog('[]').ok).toBe(false);
  });
});
