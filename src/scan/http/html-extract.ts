/**
 * Bounded extraction of what HTTP fingerprinting needs from an HTML page: title, meta tags,
 * script sources, inline scripts and styles, visible text. Not an HTML parser: a few linear
 * scans that are good enough for the tags fingerprint rules look at.
 *
 * Rules:
 * - Pure; never throws; work is bounded by the caps below, never by the input length (a 10 MB
 *   page costs what its first MAX_HTML characters cost).
 * - Tag scans use `[^<>]` so a broken tag ends at the next `<`: hostile input such as
 *   `<meta <meta <meta …` stays linear.
 * - Values are returned as plain text (entities decoded, nothing interpreted); callers sanitise
 *   before storing and the UI escapes before showing.
 */

/** Only this much of a page is ever looked at (characters). */
export const MAX_HTML = 256 * 1024;
/** Stored titles are at most this long. */
export const MAX_TITLE = 200;
const MAX_TAGS = 256;
const MAX_ATTR_TEXT = 4096;
const MAX_SRC = 2048;
const MAX_META_VALUE = 1024;

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  copy: '\u00a9',
  reg: '\u00ae',
  trade: '\u2122',
  ndash: '\u2013',
  mdash: '\u2014',
  hellip: '\u2026',
  laquo: '\u00ab',
  raquo: '\u00bb',
  middot: '\u00b7',
  bull: '\u2022',
  rsquo: '\u2019',
  lsquo: '\u2018',
  rdquo: '\u201d',
  ldquo: '\u201c',
  euro: '\u20ac',
};

/** Decodes character references (`&amp;`, `&#39;`, `&#x2F;` and common named ones). */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,8}));?/g, (whole, dec?: string, hex?: string, name?: string) => {
    if (dec !== undefined || hex !== undefined) {
      const cp = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex ?? '', 16);
      if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return '\ufffd';
      return String.fromCodePoint(cp);
    }
    const named = NAMED_ENTITIES[(name ?? '').toLowerCase()];
    return named ?? whole;
  });
}

const CLOSERS: Record<string, RegExp> = { script: /<\/script/gi, style: /<\/style/gi, title: /<\/title/gi };

/** Index of the closing tag `</name` at or after `from` (case-insensitive), or page.length. */
function closingTag(page: string, name: 'script' | 'style' | 'title', from: number): number {
  const re = CLOSERS[name]!;
  re.lastIndex = from;
  const m = re.exec(page);
  return m ? m.index : page.length;
}

/** Collapses every run of whitespace (including NBSP) into one space and trims. */
function collapse(text: string): string {
  return text.replace(/[\s\u00a0]+/g, ' ').trim();
}

/**
 * The page title: the text of the first `<title>` element among the first MAX_HTML characters,
 * entities decoded, whitespace collapsed, at most MAX_TITLE characters (cut ones end with `…`).
 * Returns undefined when there is no (non-empty) title. Not sanitised (see sanitizeText).
 */
export function extractTitle(html: string): string | undefined {
  const page = html.length > MAX_HTML ? html.slice(0, MAX_HTML) : html;
  const open = /<title\b[^<>]{0,256}>/i.exec(page);
  if (!open) return undefined;
  const start = open.index + open[0].length;
  const end = closingTag(page, 'title', start);
  // Decoding never lengthens text, so a slice a little past the cap is enough.
  const raw = page.slice(start, Math.min(end, start + MAX_TITLE * 8 + 64));
  const title = collapse(decodeEntities(raw));
  if (title === '') return undefined;
  return title.length > MAX_TITLE ? `${title.slice(0, MAX_TITLE - 1)}…` : title;
}

/** Attribute name (lower-case) → decoded value of one start tag's attribute text. */
export function parseAttributes(text: string): Map<string, string> {
  const attrs = new Map<string, string>();
  const re = /([^\s"'<>/=]{1,64})(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  const src = text.length > MAX_ATTR_TEXT ? text.slice(0, MAX_ATTR_TEXT) : text;
  let m: RegExpExecArray | null;
  while ((m = re.exec(src)) !== null) {
    const name = m[1]!.toLowerCase();
    if (!attrs.has(name)) attrs.set(name, decodeEntities(m[2] ?? m[3] ?? m[4] ?? ''));
  }
  return attrs;
}

export interface PageParts {
  title?: string;
  /** Meta `name` or `property` (lower-case) → contents. */
  meta: Map<string, string[]>;
  /** `src` of script tags, in page order, distinct, each at most 2 KiB. */
  scriptSrc: string[];
  /** Inline script bodies joined by newlines. */
  scripts: string;
  /** Inline style bodies joined by newlines. */
  css: string;
  /** Text outside tags, scripts and styles, whitespace collapsed. */
  text: string;
}

/** Each start tag `<name …>` (name lower-case) in `page`, at most MAX_TAGS per name. */
function* startTags(page: string, name: string): Generator<{ start: number; attrs: string; end: number }> {
  const re = new RegExp(`<${name}\\b([^<>]{0,${MAX_ATTR_TEXT}})>`, 'gi');
  let count = 0;
  let m: RegExpExecArray | null;
  while (count < MAX_TAGS && (m = re.exec(page)) !== null) {
    count++;
    yield { start: m.index, attrs: m[1] ?? '', end: m.index + m[0].length };
  }
}

/** Text of `page` outside the given (sorted, possibly overlapping) ranges and outside tags. */
function visibleText(page: string, hidden: [number, number][]): string {
  hidden.sort((a, b) => a[0] - b[0]);
  const parts: string[] = [];
  let pos = 0;
  for (const [from, to] of hidden) {
    if (from > pos) parts.push(page.slice(pos, from));
    pos = Math.max(pos, to);
  }
  parts.push(page.slice(pos));
  return collapse(decodeEntities(parts.join(' ').replace(/<[^<>]{0,4096}>/g, ' ')));
}

/** Extracts the PageParts of an HTML page (see module rules for the bounds). */
export function extractPage(html: string): PageParts {
  const page = html.length > MAX_HTML ? html.slice(0, MAX_HTML) : html;
  const meta = new Map<string, string[]>();
  for (const tag of startTags(page, 'meta')) {
    const attrs = parseAttributes(tag.attrs);
    const key = (attrs.get('name') ?? attrs.get('property'))?.trim().toLowerCase();
    const content = attrs.get('content');
    if (!key || content === undefined) continue;
    const list = meta.get(key) ?? [];
    if (list.length < 8) list.push(content.slice(0, MAX_META_VALUE));
    meta.set(key, list);
  }
  const scriptSrc: string[] = [];
  const inline: string[] = [];
  const hidden: [number, number][] = [];
  let inlineLength = 0;
  for (const tag of startTags(page, 'script')) {
    const close = closingTag(page, 'script', tag.end);
    hidden.push([tag.start, close]);
    const src = parseAttributes(tag.attrs).get('src')?.trim();
    if (src) {
      const s = src.slice(0, MAX_SRC);
      if (!scriptSrc.includes(s)) scriptSrc.push(s);
      continue;
    }
    if (inlineLength < MAX_HTML) {
      const body = page.slice(tag.end, close);
      inline.push(body);
      inlineLength += body.length;
    }
  }
  const styles: string[] = [];
  for (const tag of startTags(page, 'style')) {
    const close = closingTag(page, 'style', tag.end);
    hidden.push([tag.start, close]);
    styles.push(page.slice(tag.end, close));
  }
  return { title: extractTitle(page), meta, scriptSrc, scripts: inline.join('\n'), css: styles.join('\n'), text: visibleText(page, hidden) };
}
