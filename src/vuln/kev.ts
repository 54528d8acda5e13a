/**
 * Parsing CISA's Known Exploited Vulnerabilities catalog (known_exploited_vulnerabilities.json:
 * `{title, catalogVersion, dateReleased, count, vulnerabilities: [{cveID, vendorProject,
 * product, vulnerabilityName, dateAdded, shortDescription, requiredAction, dueDate,
 * knownRansomwareCampaignUse, notes, cwes}]}`).
 *
 * Rules: pure; never throws; hostile input: entries without a valid cveID are skipped and
 * counted, strings are cleaned and capped, at most MAX_KEV_ENTRIES entries are kept (the real
 * catalog holds about 1,400). A document without a vulnerabilities array is an error, so a
 * broken download never replaces the last good copy with an empty one.
 */
import { asRecord, cleanText } from '../intel/sanitise.js';
import { CVE_ID, type ParseResult } from './nvd-parse.js';
import type { KevEntry } from './types.js';

export const MAX_KEV_ENTRIES = 100_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export interface KevCatalog {
  catalogVersion?: string;
  dateReleased?: string;
  entries: KevEntry[];
  /** Entries skipped as unreadable or over the cap. */
  skipped: number;
}

/** The catalog (see module rules). */
export function parseKevCatalog(json: unknown): ParseResult<KevCatalog> {
  const root = asRecord(json);
  if (!root || !Array.isArray(root.vulnerabilities)) return { ok: false, error: 'not a KEV catalog (no vulnerabilities array)' };
  const entries: KevEntry[] = [];
  const seen = new Set<string>();
  let skipped = Math.max(0, root.vulnerabilities.length - MAX_KEV_ENTRIES);
  for (const v of root.vulnerabilities.slice(0, MAX_KEV_ENTRIES)) {
    const r = asRecord(v);
    const id = typeof r?.cveID === 'string' ? r.cveID.trim() : '';
    if (!r || !CVE_ID.test(id) || seen.has(id)) {
      skipped++;
      continue;
    }
    seen.add(id);
    const e: KevEntry = { cveID: id };
    const vendorProject = cleanText(r.vendorProject, 80);
    const product = cleanText(r.product, 80);
    const name = cleanText(r.vulnerabilityName, 200);
    const ransomware = cleanText(r.knownRansomwareCampaignUse, 20);
    if (vendorProject) e.vendorProject = vendorProject;
    if (product) e.product = product;
    if (name) e.vulnerabilityName = name;
    if (typeof r.dateAdded === 'string' && DATE.test(r.dateAdded)) e.dateAdded = r.dateAdded;
    if (typeof r.dueDate === 'string' && DATE.test(r.dueDate)) e.dueDate = r.dueDate;
    if (ransomware) e.knownRansomwareCampaignUse = ransomware;
    entries.push(e);
  }
  const catalog: KevCatalog = { entries, skipped };
  const version = cleanText(root.catalogVersion, 40);
  const released = cleanText(root.dateReleased, 40);
  if (version) catalog.catalogVersion = version;
  if (released) catalog.dateReleased = released;
  return { ok: true, value: catalog };
}
