/**
 * MAC vendor lookup over the IEEE registry as packaged by oui-data (MA-L, MA-M and MA-S
 * assignments, keyed by 6, 7 or 9 upper-case hex digits; the value is the organisation name
 * and its postal address, one per line). Rules: the longest assignment wins (an MA-L block the
 * IEEE sub-divides is listed as "IEEE Registration Authority", its MA-M/MA-S holders are the
 * real vendors); only the first line (the name) is used, sanitised and capped; randomised
 * (locally administered) addresses have no vendor by definition; known virtual-NIC prefixes
 * get their label. The 5 MB table is loaded once, on the first lookup, never at import.
 */
import { createRequire } from 'node:module';
import { sanitizeText } from '../scan/service/sanitize.js';
import { isRandomizedMac, virtualMacLabel } from './mac.js';

/** Characters of a vendor name kept at most. */
export const MAX_VENDOR_CHARS = 96;

let table: Readonly<Record<string, string>> | undefined;

function ouiTable(): Readonly<Record<string, string>> {
  if (!table) table = createRequire(import.meta.url)('oui-data') as Record<string, string>;
  return table;
}

/** The vendor of a canonical MAC (mac.ts normaliseMac), or undefined when unknown or randomised. */
export function macVendor(mac: string): string | undefined {
  const virtual = virtualMacLabel(mac);
  if (virtual) return virtual;
  if (isRandomizedMac(mac)) return undefined;
  const hex = mac.replace(/:/g, '').toUpperCase();
  const db = ouiTable();
  for (const len of [9, 7, 6]) {
    const entry = db[hex.slice(0, len)];
    if (typeof entry !== 'string') continue;
    const name = sanitizeText((entry.split('\n')[0] ?? '').trim(), MAX_VENDOR_CHARS);
    if (name !== '') return name;
  }
  return undefined;
}
