/**
 * The banner-rule format and the engine that applies it.
 *
 * Rules:
 * - A rule is data: a regular expression plus templates ("$1", "protocol $1") for product,
 *   version, extra and distribution text. Tables are tried in order; the first match wins, so
 *   specific rules come before generic ones.
 * - Patterns run on text already capped by the caller (identify.ts: MATCH_CHARS) and must not
 *   backtrack badly: no nested quantifiers, bounded repetition where lines can be long.
 * - Every value taken from the input is sanitised (sanitize.ts) and capped before it leaves
 *   here; an empty value is dropped.
 * - Confidence follows types.ts: 10 with a version, 8 with a product only, 7 for the protocol
 *   only, unless the rule says otherwise (port-restricted generic rules are weaker).
 */
import { cpe23, type CpeStyle } from './cpe.js';
import { distroFrom } from './distro.js';
import { sanitizeText } from './sanitize.js';

export const MAX_VERSION_CHARS = 40;
export const MAX_EXTRA_CHARS = 80;

/** One row of a rule table. */
export interface ServiceRule {
  /** Stable id, for tests and debugging (e.g. "openssh"). */
  id: string;
  /** nmap-style service name; optional only in tables whose caller supplies the name. */
  service?: string;
  pattern: RegExp;
  /** Only trust this rule on these ports (for generic greetings such as "220 "). */
  ports?: readonly number[];
  product?: string;
  productName?: string;
  /** Template, e.g. "$2". */
  version?: string;
  /** Template, e.g. "protocol $1". */
  extra?: string;
  /** Template whose expansion is searched for a distribution / OS name (distro.ts). */
  distroFrom?: string;
  distro?: string;
  osHint?: string;
  /** "vendor:product" pairs; each becomes a CPE 2.3 string (version level when a version was read). */
  cpe?: readonly string[];
  cpeStyle?: CpeStyle;
  confidence?: number;
}

/** What a rule (or a binary parser) identified. */
export interface Match {
  name: string;
  product?: string;
  productName?: string;
  version?: string;
  extra?: string;
  distro?: string;
  osHint?: string;
  cpe?: string[];
  confidence: number;
}

/**
 * Expands "$1".."$9" in `template` from `groups`. Undefined when a group it names did not
 * take part in the match (so "Python $2" never becomes a bare "Python").
 */
export function expand(template: string, groups: RegExpExecArray): string | undefined {
  let missing = false;
  const text = template.replace(/\$(\d)/g, (_all, d: string) => {
    const value = groups[Number(d)];
    if (value === undefined || value === '') missing = true;
    return value ?? '';
  });
  return missing ? undefined : text;
}

/** Trims, squeezes spaces and sanitises a value read from the network; undefined when empty. */
export function cleanValue(value: string | undefined, max: number): string | undefined {
  if (value === undefined) return undefined;
  const text = sanitizeText(value.trim().replace(/\s+/g, ' '), max);
  return text === '' ? undefined : text;
}

/** Fills a Match from its identified parts: cleans values, adds CPEs and the default confidence. */
export function makeMatch(parts: {
  name: string;
  product?: string;
  productName?: string;
  version?: string;
  extra?: string;
  distroText?: string;
  distro?: string;
  osHint?: string;
  cpe?: readonly string[];
  cpeStyle?: CpeStyle;
  confidence?: number;
}): Match {
  const version = cleanValue(parts.version, MAX_VERSION_CHARS);
  const extra = cleanValue(parts.extra, MAX_EXTRA_CHARS);
  const hint = distroFrom(parts.distroText);
  const distro = parts.distro ?? hint.distro;
  const osHint = parts.osHint ?? hint.osHint;
  const match: Match = { name: parts.name, confidence: parts.confidence ?? (version ? 10 : parts.product ? 8 : 7) };
  if (parts.product) match.product = parts.product;
  if (parts.productName) match.productName = parts.productName;
  if (version) match.version = version;
  if (extra) match.extra = extra;
  if (distro) match.distro = distro;
  if (osHint) match.osHint = osHint;
  if (parts.cpe && parts.cpe.length > 0) {
    const cpes: string[] = [];
    for (const vp of parts.cpe) {
      const c = cpe23(vp, version, parts.cpeStyle);
      if (c) cpes.push(c);
    }
    if (cpes.length > 0) match.cpe = cpes;
  }
  return match;
}

/** Applies one rule to `text`; `name` is used when the rule has no service of its own. */
export function applyRule(rule: ServiceRule, text: string, port: number, name?: string): Match | undefined {
  if (rule.ports && !rule.ports.includes(port)) return undefined;
  const service = rule.service ?? name;
  if (!service) return undefined;
  const m = rule.pattern.exec(text);
  if (!m) return undefined;
  return makeMatch({
    name: service,
    product: rule.product,
    productName: rule.productName,
    version: rule.version === undefined ? undefined : expand(rule.version, m),
    extra: rule.extra === undefined ? undefined : expand(rule.extra, m),
    distroText: rule.distroFrom === undefined ? undefined : expand(rule.distroFrom, m),
    distro: rule.distro,
    osHint: rule.osHint,
    cpe: rule.cpe,
    cpeStyle: rule.cpeStyle,
    confidence: rule.confidence,
  });
}

/** The first rule of `rules` that matches `text` (see applyRule), or undefined. */
export function firstMatch(rules: readonly ServiceRule[], text: string, port: number, name?: string): Match | undefined {
  for (const rule of rules) {
    const match = applyRule(rule, text, port, name);
    if (match) return match;
  }
  return undefined;
}
