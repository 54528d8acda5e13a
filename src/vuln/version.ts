/**
 * Software versions as services announce them and as NVD writes them, and the one comparator
 * the matcher uses.
 *
 * Rules:
 * - Pure functions; never throw; work is bounded (MAX_VERSION_CHARS, MAX_TOKENS) whatever the
 *   input length.
 * - normalizeVersion keeps what names the upstream release and drops what names a package
 *   build: the first word only ("2.4.57 (Debian)"), a leading "v", a Debian epoch ("1:"),
 *   everything after "+" ("+deb12u1"), and a "-" segment naming a vendor, distribution or build
 *   ("-MariaDB", "-log", "-1-Debian", "-0ubuntu0.22.04.1"). Other "-" parts stay
 *   ("6.2.4-25556.4", "2.0.0-rc1").
 * - A version is a list of tokens: runs of digits (numbers) and runs of letters (words);
 *   ".", "-", "_", "~" and ":" only separate. Tokens compare left to right: numbers by value,
 *   a word before a number, pre-release words (dev < alpha < beta < pre/preview < rc) before
 *   every other word, other words alphabetically ("1.0.2k" < "1.0.2zf").
 * - When one list runs out, trailing zeros are ignored (1.0 == 1.0.0); then a remaining
 *   number or plain word makes the longer version newer ("9.2" < "9.2p1" < "9.2.1",
 *   "1.3.7" < "1.3.7a") and a pre-release word makes it older ("2.0rc1" < "2.0").
 */

/** Characters of a version looked at, at most. */
export const MAX_VERSION_CHARS = 64;
/** Tokens of a version compared, at most. */
export const MAX_TOKENS = 24;

export type VersionToken = number | string;

/** A version ready to compare: its normalised text, its tokens, and the tokens as sort keys. */
export interface ParsedVersion {
  text: string;
  tokens: readonly VersionToken[];
  /** One number per token, ordered as the tokens compare (see tokenKey); compared by compareParsed. */
  keys: readonly number[];
}

const PRE_BASE = -1e7;
const WORD_BASE = -1e6;

/**
 * A token as a number that sorts like the token: numbers as themselves (>= 0), plain words
 * between WORD_BASE and 0 (their first four letters, base 27, so "k" < "l" < "zf"),
 * pre-release words below everything by rank. Comparing numbers keeps the hot matching loop
 * monomorphic.
 */
export function tokenKey(t: VersionToken): number {
  if (typeof t === 'number') return t;
  const pre = PRE_RELEASE[t];
  if (pre !== undefined) return PRE_BASE + pre;
  let w = 0;
  for (let i = 0; i < 4; i++) w = w * 27 + (i < t.length ? t.charCodeAt(i) - 96 : 0);
  return WORD_BASE + w;
}

/** Pre-release words, oldest first (a lower rank sorts first). */
const PRE_RELEASE: Readonly<Record<string, number>> = {
  dev: 1,
  snapshot: 1,
  alpha: 2,
  beta: 3,
  pre: 4,
  preview: 4,
  rc: 5,
  cr: 5,
};

/** A "-" segment (and what follows) that names a vendor, distribution or package build. */
const BUILD_TAG = /^(?:mariadb|log|debug|debian|ubuntu|raspbian|deb\d|el\d|fc\d|\d*ubuntu|\d*deb\d|\d*build|release|stable|final|ga|lts)/;

/**
 * The upstream release a version string names (see module rules), lower-cased, or undefined
 * when nothing usable is left. Does not require a digit (NVD writes "r22", "-").
 */
export function normalizeVersion(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  let v = raw.slice(0, MAX_VERSION_CHARS * 2).trim().toLowerCase();
  v = v.split(/\s/, 1)[0] ?? '';
  if (v.length > MAX_VERSION_CHARS) v = v.slice(0, MAX_VERSION_CHARS);
  v = v.replace(/^\d{1,3}:(?=\d)/, '').replace(/^v(?=\d)/, '');
  const plus = v.indexOf('+');
  if (plus >= 0) v = v.slice(0, plus);
  const segments = v.split('-');
  for (let i = 1; i < segments.length; i++) {
    if (BUILD_TAG.test(segments[i] as string)) {
      const keep = i >= 2 && /^\d{1,2}$/.test(segments[i - 1] as string) ? i - 1 : i;
      v = segments.slice(0, keep).join('-');
      break;
    }
  }
  v = v.replace(/[-._~:]+$/, '');
  return /^[0-9a-z*]/.test(v) ? v : undefined;
}

/** Tokens of an already-normalised version (see module rules). */
export function tokenize(text: string): VersionToken[] {
  const out: VersionToken[] = [];
  const re = /(\d+)|([a-z]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null && out.length < MAX_TOKENS) {
    if (m[1] !== undefined) out.push(m[1].length > 15 ? Number(m[1].slice(0, 15)) : Number(m[1]));
    else out.push(m[2] as string);
  }
  return out;
}

/** The normalised version with its tokens, or undefined when `raw` is not a usable version. */
export function parseVersion(raw: unknown): ParsedVersion | undefined {
  const text = normalizeVersion(raw);
  if (text === undefined) return undefined;
  const tokens = tokenize(text);
  return { text, tokens, keys: tokens.map(tokenKey) };
}

function compareToken(a: VersionToken, b: VersionToken): number {
  if (typeof a === 'number') {
    if (typeof b === 'number') return a - b;
    return 1;
  }
  if (typeof b === 'number') return -1;
  const pa = PRE_RELEASE[a];
  const pb = PRE_RELEASE[b];
  if (pa !== undefined || pb !== undefined) {
    if (pa === undefined) return 1;
    if (pb === undefined) return -1;
    return pa - pb;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** How the rest of a longer token list compares to nothing (see module rules): -1, 0 or 1. */
function tailSign(tokens: readonly VersionToken[], from: number): number {
  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i] as VersionToken;
    if (t === 0) continue;
    if (typeof t === 'number') return 1;
    return PRE_RELEASE[t] !== undefined ? -1 : 1;
  }
  return 0;
}

/** Negative, zero or positive as `a` is older than, the same as, or newer than `b`. */
export function compareTokens(a: readonly VersionToken[], b: readonly VersionToken[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareToken(a[i] as VersionToken, b[i] as VersionToken);
    if (c !== 0) return c < 0 ? -1 : 1;
  }
  if (a.length === b.length) return 0;
  return a.length > b.length ? tailSign(a, n) : -tailSign(b, n);
}

/** Like tailSign, on sort keys. */
function tailSignKeys(keys: readonly number[], from: number): number {
  for (let i = from; i < keys.length; i++) {
    const k = keys[i] as number;
    if (k === 0) continue;
    return k > 0 || k > PRE_BASE + 100 ? 1 : -1;
  }
  return 0;
}

/** compareTokens on two parsed versions (same result, on the numeric sort keys). */
export function compareParsed(a: ParsedVersion, b: ParsedVersion): number {
  const ka = a.keys;
  const kb = b.keys;
  const n = ka.length < kb.length ? ka.length : kb.length;
  for (let i = 0; i < n; i++) {
    const x = ka[i] as number;
    const y = kb[i] as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  if (ka.length === kb.length) return 0;
  return ka.length > kb.length ? tailSignKeys(ka, n) : -tailSignKeys(kb, n);
}

/**
 * Compares two version strings (normalised first): negative, zero or positive as `a` is older,
 * the same or newer. A string that is not a version sorts before every version.
 */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (!pa || !pb) return pa ? 1 : pb ? -1 : 0;
  return compareTokens(pa.tokens, pb.tokens);
}

/** How a product writes a patch level that NVD keeps in the CPE update field. */
export type UpdateStyle = 'p-suffix' | 'letter-suffix';

/** A version split the way NVD's CPE names split it into version and update. */
export interface SplitVersion {
  /** The CPE version field, e.g. "9.2" for OpenSSH 9.2p1. */
  version: string;
  /** The CPE update field: the suffix ("p1", "a", "rc1") or "-" when there is none. */
  update: string;
  /** The whole normalised version, e.g. "9.2p1". */
  full: string;
  /** What the update is: none, a pre-release (rc1: older than `version`) or a later patch (p1, a). */
  updateKind: 'none' | 'pre' | 'post';
}

/**
 * Splits a normalised version into NVD's version and update fields: OpenSSH/NTP style
 * "9.2p1" → 9.2 + p1 ('p-suffix'), ProFTPD style "1.3.7a" → 1.3.7 + a ('letter-suffix'), and
 * for every product a pre-release "2.0.0-rc1" / "2.0rc1" → 2.0.0 + rc1. Anything else keeps
 * the whole version with update "-".
 */
export function splitVersion(full: string, style?: UpdateStyle): SplitVersion {
  const pre = /^(\d+(?:\.\d+)*)[-._~]?((?:dev|snapshot|alpha|beta|pre|preview|rc|cr)\.?\d*)$/.exec(full);
  if (pre) return { version: pre[1] as string, update: (pre[2] as string).replace('.', ''), full, updateKind: 'pre' };
  if (style === 'p-suffix') {
    const m = /^(\d+(?:\.\d+)*)(p\d+)$/.exec(full);
    if (m) return { version: m[1] as string, update: m[2] as string, full, updateKind: 'post' };
  }
  if (style === 'letter-suffix') {
    const m = /^(\d+(?:\.\d+)*)([a-z]\d*)$/.exec(full);
    if (m) return { version: m[1] as string, update: m[2] as string, full, updateKind: 'post' };
  }
  return { version: full, update: '-', full, updateKind: 'none' };
}
