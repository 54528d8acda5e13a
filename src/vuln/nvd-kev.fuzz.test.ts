/**
 * Fuzzing the NVD CVE API 2.0 and CISA KEV parsers (hostile-input catalogue 28): the recorded
 * NVD page and KEV catalog of testdata/ mutated as JSON (wrong types, hostile strings, huge
 * repeats, deep nesting, prototype keys). Rules: nothing throws; a broken envelope is an
 * error, never an empty success; every kept record has a valid CVE id, a capped plain
 * description and configurations within the caps of configurations.ts; strings are plain and
 * bounded; CVSS scores are 0..10.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ensure, expectBoundedText, fuzz, mutatedJson } from '../../test/support/fuzz.js';
import { MAX_CONFIGURATIONS, MAX_NODES } from './configurations.js';
import { parseKevCatalog } from './kev.js';
import { CVE_ID, MAX_DESCRIPTION, MAX_RECORDS_PER_PAGE, parseNvdPage } from './nvd-parse.js';
import type { CveRecord } from './types.js';

const read = (f: string) => JSON.parse(fs.readFileSync(new URL(`./testdata/${f}`, import.meta.url), 'utf8')) as unknown;
const NVD = read('nvd-cves.json');
const KEV = read('kev.json');

function checkCve(r: CveRecord): void {
  ensure(CVE_ID.test(r.id), 'bad CVE id', r.id);
  ensure(r.description.length <= MAX_DESCRIPTION, 'description over the cap');
  ensure(r.configurations.length <= MAX_CONFIGURATIONS && r.configurations.every((c) => c.nodes.length <= MAX_NODES), 'configurations over the caps');
  ensure(r.cvss === undefined || (r.cvss.score >= 0 && r.cvss.score <= 10), 'CVSS score', r.cvss);
}

describe('NVD / KEV parser fuzz', () => {
  it('fuzz: mutated NVD CVE API 2.0 pages', async ({ task }) => {
    await fuzz(task, 'vuln/nvd page', mutatedJson([NVD]), (json) => {
      const r = parseNvdPage(json);
      if (!r.ok) {
        expectBoundedText(r.error, 300);
        return;
      }
      expect(r.value.records.length).toBeLessThanOrEqual(MAX_RECORDS_PER_PAGE);
      for (const n of [r.value.totalResults, r.value.resultsPerPage, r.value.startIndex, r.value.skipped]) ensure(Number.isInteger(n) && n >= 0, 'bad count', n);
      r.value.records.forEach(checkCve);
      expectBoundedText(r.value.records, MAX_DESCRIPTION);
    }, 500);
  });

  it('fuzz: mutated CISA KEV catalogs', async ({ task }) => {
    await fuzz(task, 'vuln/kev catalog', mutatedJson([KEV]), (json) => {
      const r = parseKevCatalog(json);
      if (!r.ok) return;
      for (const e of r.value.entries) ensure(CVE_ID.test(e.cveID), 'bad KEV cveID', e.cveID);
      expectBoundedText(r.value, 400);
    }, 3000);
  });
});
