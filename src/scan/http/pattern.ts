/**
 * One Wappalyzer-format pattern: `regex\;version:\1\;confidence:50` (enthec/webappanalyzer
 * README, "Patterns" and "Version syntax"). Pure functions; nothing here throws.
 *
 * Rules:
 * - Patterns are JavaScript regexes matched case-insensitively; tags after `\;` are
 *   `key:value` pairs (`version`, `confidence`); an empty regex matches anything (existence).
 * - Before compiling, unbounded quantifiers are bounded the way Wappalyzer does it
 *   (`+` → `{1,250}`, `*` → `{0,250}`, also `{n,}`), but only outside character classes and
 *   escapes. For patterns run over page bodies the tag-scanning class `[^>]` becomes `[^<>]`, so a
 *   match attempt stops at the next tag start: a body of 256 KiB of `<` costs one short scan per
 *   `<` instead of 250. These two rewrites keep every attempt short; `isPathological` flags the
 *   remaining shape that can still explode (a quantified group that itself holds a quantifier).
 * - `requiredLiterals` gives lower-case strings of which at least one must occur in the subject
 *   for the regex to have any chance to match; callers skip the regex when none occurs. It only
 *   returns literals it can prove mandatory and gives null when unsure.
 * - A regex that does not compile yields `undefined` from `compilePattern` (counted by the
 *   caller), never an exception.
 */

/** Quantifier bound used instead of `*` / `+` (Wappalyzer's value). */
export const QUANTIFIER_BOUND = 250;
/** Literals shorter than this are not worth a prefilter lookup. */
const MIN_LITERAL = 3;

export interface ParsedPattern {
  /** The regex source as written in the rule (before rewriting). */
  source: string;
  /** 0..100; 100 when the rule gives none (or a bad number). */
  confidence: number;
  /** Version template (`\1`, `\1?a:b`, …) or '' when the pattern gives no version. */
  version: string;
}

/** Splits a Wappalyzer pattern string into its regex and tags. */
export function parsePattern(pattern: string): ParsedPattern {
  const parts = pattern.split('\\;');
  const out: ParsedPattern = { source: parts[0] ?? '', confidence: 100, version: '' };
  for (const attr of parts.slice(1)) {
    const colon = attr.indexOf(':');
    if (colon <= 0) continue;
    const key = attr.slice(0, colon);
    const value = attr.slice(colon + 1);
    if (key === 'confidence') {
      const n = Number.parseInt(value, 10);
      if (Number.isFinite(n)) out.confidence = Math.max(0, Math.min(100, n));
    } else if (key === 'version') out.version = value;
  }
  return out;
}

/** Index just past the character class that starts at `i` (`src[i] === '['`), or src.length. */
function classEnd(src: string, i: number): number {
  let j = i + 1;
  if (src[j] === '^') j++;
  for (; j < src.length; j++) {
    const c = src[j];
    if (c === '\\') j++;
    else if (c === ']') return j + 1;
  }
  return src.length;
}

/** Index just past the group that starts at `i` (`src[i] === '('`), or src.length. */
function groupEnd(src: string, i: number): number {
  let depth = 0;
  for (let j = i; j < src.length; j++) {
    const c = src[j];
    if (c === '\\') j++;
    else if (c === '[') j = classEnd(src, j) - 1;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return j + 1;
  }
  return src.length;
}

/** The `{n}`, `{n,}` or `{n,m}` quantifier at `i`, if there is one. */
function braceQuantifier(src: string, i: number): { end: number; min: number; max: number | undefined } | undefined {
  const m = /^\{(\d{1,5})(,(\d{0,5}))?\}/.exec(src.slice(i, i + 14));
  if (!m) return undefined;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : m[3] === '' ? undefined : Number(m[3]);
  return { end: i + m[0].length, min, max };
}

/**
 * Rewrites a regex source as described in the module rules. `body` selects the extra
 * `[^>]` → `[^<>]` rewrite for patterns run over page bodies.
 */
export function boundRegexSource(src: string, body: boolean): string {
  let out = '';
  for (let i = 0; i < src.length; ) {
    const c = src[i]!;
    if (c === '\\') {
      out += src.slice(i, i + 2);
      i += 2;
    } else if (c === '[') {
      const end = classEnd(src, i);
      const cls = src.slice(i, end);
      out += body && cls === '[^>]' ? '[^<>]' : cls;
      i = end;
    } else if (c === '*' || c === '+') {
      out += c === '*' ? `{0,${QUANTIFIER_BOUND}}` : `{1,${QUANTIFIER_BOUND}}`;
      i++;
    } else if (c === '{') {
      const q = braceQuantifier(src, i);
      if (q && q.max === undefined) {
        out += `{${q.min},${Math.max(q.min, QUANTIFIER_BOUND)}}`;
        i = q.end;
      } else {
        out += c;
        i++;
      }
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/**
 * True when the source has a quantified group whose body holds a quantifier (`(a+)+`,
 * `(?:[^"]+ )*`): the shape whose backtracking can grow exponentially even when bounded.
 */
export function isPathological(src: string): boolean {
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (c === '[') i = classEnd(src, i) - 1;
    else if (c === '(') {
      const end = groupEnd(src, i);
      const after = src[end];
      const quantified = after === '*' || after === '+' || (after === '{' && braceQuantifier(src, end) !== undefined);
      if (quantified && /[*+]|\{\d/.test(stripClassesAndEscapes(src.slice(i + 1, end - 1)))) return true;
    }
  }
  return false;
}

function stripClassesAndEscapes(src: string): string {
  let out = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (c === '[') {
      i = classEnd(src, i) - 1;
      out += 'x';
    } else out += c;
  }
  return out;
}

/** Splits `src` at top-level `|`. */
function topLevelAlternatives(src: string): string[] {
  const alts: string[] = [];
  let start = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (c === '[') i = classEnd(src, i) - 1;
    else if (c === '(') i = groupEnd(src, i) - 1;
    else if (c === '|') {
      alts.push(src.slice(start, i));
      start = i + 1;
    }
  }
  alts.push(src.slice(start));
  return alts;
}

const SAFE_LITERAL = /^[\x20-\x7e]$/;

/** Best any-of requirement for one alternative (a sequence), or null. */
function sequenceLiterals(seq: string, depth: number): string[] | null {
  const candidates: string[][] = [];
  let run = '';
  const endRun = (): void => {
    if (run.length >= MIN_LITERAL) candidates.push([run]);
    run = '';
  };
  for (let i = 0; i < seq.length; ) {
    const c = seq[i]!;
    // What follows the atom at i decides whether it is mandatory.
    let atomEnd: number;
    let literal: string | undefined;
    let group: string | undefined;
    if (c === '\\') {
      const n = seq[i + 1] ?? '';
      atomEnd = i + 2;
      if (n !== '' && !/[a-zA-Z0-9]/.test(n)) literal = n;
    } else if (c === '[') atomEnd = classEnd(seq, i);
    else if (c === '(') {
      atomEnd = groupEnd(seq, i);
      const inner = seq.slice(i + 1, atomEnd - 1);
      if (!inner.startsWith('?') || inner.startsWith('?:')) group = inner.startsWith('?:') ? inner.slice(2) : inner;
      else if (/^\?<(?![=!])/.test(inner)) group = inner.replace(/^\?<[^>]*>/, '');
    } else {
      atomEnd = i + 1;
      if (!'.^$|)*+?{'.includes(c)) literal = c;
    }
    // Quantifier after the atom.
    let optional = false;
    let repeated = false;
    let next = atomEnd;
    const q = seq[next];
    if (q === '*' || q === '?') {
      optional = true;
      next++;
    } else if (q === '+') {
      repeated = true;
      next++;
    } else if (q === '{') {
      const bq = braceQuantifier(seq, next);
      if (bq) {
        optional = bq.min === 0;
        repeated = bq.max !== 1;
        next = bq.end;
      }
    }
    if (seq[next] === '?' && next > atomEnd) next++; // lazy suffix
    if (literal !== undefined && !optional && SAFE_LITERAL.test(literal)) {
      run += literal.toLowerCase();
      if (repeated) endRun();
    } else {
      endRun();
      if (group !== undefined && !optional && depth < 4) {
        const inner = requiredLiteralsAt(group, depth + 1);
        if (inner) candidates.push(inner);
      }
    }
    i = next;
  }
  endRun();
  if (candidates.length === 0) return null;
  // Prefer the requirement whose shortest literal is longest (fewest false passes).
  candidates.sort((a, b) => Math.min(...b.map((s) => s.length)) - Math.min(...a.map((s) => s.length)));
  return candidates[0]!;
}

function requiredLiteralsAt(src: string, depth: number): string[] | null {
  const out: string[] = [];
  for (const alt of topLevelAlternatives(src)) {
    const lits = sequenceLiterals(alt, depth);
    if (!lits) return null;
    out.push(...lits);
  }
  return out.length > 0 ? [...new Set(out)] : null;
}

/**
 * Lower-case literals of which at least one occurs (case-insensitively) in every string the
 * regex `src` matches; null when no such set of literals of length >= 3 is known.
 */
export function requiredLiterals(src: string): string[] | null {
  if (src === '') return null;
  return requiredLiteralsAt(src, 0);
}

/**
 * Compiles `src` (after boundRegexSource) case-insensitively; undefined when the engine
 * rejects it.
 */
export function compilePattern(src: string, body: boolean): RegExp | undefined {
  try {
    return new RegExp(boundRegexSource(src, body), 'i');
  } catch {
    return undefined;
  }
}

/**
 * Applies a version template to a match: `\N` is replaced by group N (or ''), `\N?a:b` by `a`
 * when group N matched something and `b` otherwise (webappanalyzer README "Version syntax").
 * Returns the trimmed result; '' when the template is empty.
 */
export function resolveVersion(template: string, match: RegExpExecArray): string {
  if (template === '') return '';
  let resolved = template;
  for (let index = 0; index < match.length && index < 10; index++) {
    const value = match[index] ?? '';
    const ternary = new RegExp(`\\\\${index}\\?([^:]*):(.*)$`).exec(resolved);
    if (ternary) resolved = resolved.replace(ternary[0], value ? (ternary[1] ?? '') : (ternary[2] ?? ''));
    resolved = resolved.split(`\\${index}`).join(value);
  }
  return resolved.replace(/\\\d/g, '').trim();
}
