/**
 * What to ask NVD for: the configured keywords plus the products actually detected on the
 * network (service-aware prefetch), each with the source the NVD Keywords sensor shows.
 *
 * Rules:
 * - Pure. Configured keywords (nvd_keywords) are source `custom` and always searched; a
 *   keyword that names a product of the product map is searched by that product's CPE names
 *   (virtualMatchString, more precise than a keyword search, and what matching uses), any other
 *   keyword by keywordSearch.
 * - Detected products are searched only when seen: product-map and service CPE products by
 *   their CPE names (source product_map, or banner for a CPE the product map does not know),
 *   fingerprinted technologies by their CPE names (fingerprint), generic banner candidates by
 *   keyword (banner). A query already planned (a configured keyword names the same product) is
 *   not repeated: the earlier item keeps it.
 * - Keywords are cleaned (control characters, length MAX_KEYWORD) and de-duplicated case-
 *   insensitively; at most MAX_ITEMS items and MAX_QUERIES queries are planned.
 */
import { cleanText } from '../intel/sanitise.js';
import type { Candidate } from './candidates.js';
import { cpeMatchString, queryKey, type NvdQuery } from './nvd-client.js';
import { productByName } from './product-map.js';
import type { KeywordSource } from './types.js';

export const MAX_KEYWORD = 100;
export const MAX_ITEMS = 200;
export const MAX_QUERIES = 400;

/** One entry of the NVD Keywords view: a label, where it came from, and its searches. */
export interface PrefetchItem {
  label: string;
  source: KeywordSource;
  queries: NvdQuery[];
}

/** The plan for the configured keywords and the detected candidates (see module rules). */
export function planPrefetch(keywords: readonly string[], detected: Iterable<Candidate>): PrefetchItem[] {
  const items: PrefetchItem[] = [];
  const planned = new Set<string>();
  const labels = new Set<string>();
  let queries = 0;
  const add = (label: string, source: KeywordSource, qs: NvdQuery[]) => {
    if (items.length >= MAX_ITEMS) return;
    const lk = label.toLowerCase();
    if (labels.has(lk)) return;
    const fresh = qs.filter((q) => !planned.has(queryKey(q))).slice(0, MAX_QUERIES - queries);
    if (fresh.length === 0) return;
    for (const q of fresh) planned.add(queryKey(q));
    queries += fresh.length;
    labels.add(lk);
    items.push({ label, source, queries: fresh });
  };

  for (const raw of keywords) {
    const kw = cleanText(raw, MAX_KEYWORD);
    if (!kw) continue;
    const entry = productByName(kw);
    if (entry && entry.cpes.length > 0) add(kw, 'custom', entry.cpes.map((c) => ({ kind: 'cpe', value: cpeMatchString(c, entry.part ?? 'a') })));
    else add(kw, 'custom', [{ kind: 'keyword', value: kw }]);
  }

  const seen = new Set<string>();
  for (const c of detected) {
    if (seen.has(c.id)) continue;
    seen.add(c.id);
    if (c.productOnly) {
      const name = cleanText(c.name, MAX_KEYWORD);
      if (name) add(name, 'banner', [{ kind: 'keyword', value: name }]);
      continue;
    }
    if (c.keys.length === 0) continue;
    add(c.entry?.name ?? c.name, c.source, c.keys.map((k) => ({ kind: 'cpe', value: cpeMatchString(k, c.part) })));
  }
  return items;
}
