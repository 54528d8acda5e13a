/**
 * CPE 2.3 formatted strings for identified products (NISTIR 7695 §6.2).
 *
 * Rules:
 * - Vendor:product pairs come from the rule tables and follow the NVD dictionary names in
 *   /work/shared/reference/integration-facts.md (openbsd:openssh, f5:nginx, ...), not nmap's
 *   older ones (igor_sysoev:nginx, matt_johnston:dropbear_ssh_server).
 * - Without a version the string is product level (version "*"); with one it is version level.
 *   Only the first word of a version is used ("0.9.60 beta" → "0.9.60").
 * - OpenSSH-style versions split into NVD's version and update fields: "9.2p1" → "9.2:p1".
 * - Characters outside [A-Za-z0-9._-] in a value are quoted with a backslash as the binding
 *   requires; a value that still looks wrong (too long, empty) gives the product-level form.
 */

const MAX_VERSION = 40;
const SAFE_VALUE = /^[A-Za-z0-9._-]+$/;

export type CpeStyle = 'plain' | 'openssh';

function quote(value: string): string {
  let out = '';
  for (const ch of value) out += /[A-Za-z0-9._-]/.test(ch) ? ch : `\\${ch}`;
  return out;
}

/**
 * `cpe:2.3:a:<vendor>:<product>:<version>:<update>:*:*:*:*:*:*` for `vendorProduct`
 * ("vendor:product"). Returns undefined when `vendorProduct` is not two safe names.
 */
export function cpe23(vendorProduct: string, version?: string, style: CpeStyle = 'plain'): string | undefined {
  const [vendor, product, more] = vendorProduct.split(':');
  if (!vendor || !product || more !== undefined || !SAFE_VALUE.test(vendor) || !SAFE_VALUE.test(product)) return undefined;
  let ver = '*';
  let update = '*';
  const word = version?.trim().split(/\s+/)[0] ?? '';
  if (word.length > 0 && word.length <= MAX_VERSION && /^[0-9A-Za-z]/.test(word)) {
    const split = style === 'openssh' ? /^(\d+(?:\.\d+)*)(p\d+)$/.exec(word) : null;
    if (split) {
      ver = quote(split[1] ?? word);
      update = quote(split[2] ?? '*');
    } else {
      ver = quote(word);
    }
  }
  return `cpe:2.3:a:${vendor}:${product}:${ver}:${update}:*:*:*:*:*:*`;
}
