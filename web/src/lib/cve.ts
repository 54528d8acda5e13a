/**
 * CVE identifiers in free text and evidence (pure). Rule: only the NVD id pattern is
 * extracted; the result is shown as text and used as a URL path segment (encoded).
 */
/** CVE identifiers mentioned anywhere in a finding (evidence, title, detail); unique, in order. */
export const CVE_RE = /CVE-\d{4}-\d{4,7}/g;

export function cvesIn(...parts: unknown[]): string[] {
  const text = parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p) ?? '')).join(' ');
  return [...new Set(text.match(CVE_RE) ?? [])];
}
