/**
 * Scoring a name for "algorithmically generated" (DGA). Pure functions; no state.
 *
 * Rules:
 * - Only the label a person registers is scored (names.ts nameParts: the ICANN eTLD+1's
 *   label, or the label under a dynamic-DNS suffix), so CDN and cloud host names
 *   (d3kx9.cloudfront.net, r4---sn-4g5e.googlevideo.com, e1234.dscb.akamaiedge.net) are
 *   scored by cloudfront / googlevideo / akamaiedge and never fire. Local names are not scored.
 * - Infrastructure tokens common in legitimate names (cdn, dns, cloud, api, ...: TECH_TOKENS)
 *   are removed before scoring; what remains must be at least MIN_LENGTH characters:
 *   shorter labels (abbreviations, brands) cannot be judged from their letters.
 * - Features: bigram likelihood (mean log10 P of letter transitions under an English model,
 *   ngram-model.ts), Shannon entropy, longest consonant run, and digit/letter alternation.
 *   A label is DGA-like when its likelihood is below a length-dependent threshold (longer
 *   random strings average lower), when it mixes digits and letters like a random
 *   alphanumeric string, or when long consonant runs and high entropy come together with
 *   a below-average likelihood.
 * - Thresholds were chosen on a tuning set (popular ranks 501-979 and the murofet, shiotob
 *   and kraken families of testdata/dga-domains.txt) and are measured on a separate
 *   evaluation set in dga-score.test.ts (precision and recall are printed and documented in
 *   ../README.md). Pronounceable (simda, symmi) and word-list (suppobox) DGAs are out of
 *   reach of letter statistics by design.
 */
import { nameParts } from '../names.js';
import { BIGRAM_LOG10 } from './ngram-model.js';

/** Characters a label must keep after token removal to be judged. */
export const MIN_LENGTH = 8;

/** Substrings common in legitimate infrastructure names (removed before scoring). */
export const TECH_TOKENS: readonly string[] = [
  'analytics', 'cloud', 'static', 'stream', 'video', 'audio', 'media', 'image', 'metric', 'track', 'sync', 'push',
  'edge', 'mobi', 'data', 'live', 'play', 'mail', 'cdn', 'dns', 'api', 'app', 'img', 'web', 'net', 'srv', 'svc',
  'ads', 'tag', 'hub', 'js', 'tv', 'hq', 'io',
];

export interface DgaFeatures {
  /** The scored label after token removal. */
  core: string;
  length: number;
  /** Mean log10 transition probability (higher = more English-like). */
  likelihood: number;
  /** Shannon entropy in bits per character. */
  entropy: number;
  /** Longest run of consonants (y counts as a vowel). */
  consonantRun: number;
  digits: number;
  /** Digit/letter switches along the label. */
  switches: number;
}

export interface DgaVerdict {
  /** True when the name looks algorithmically generated. */
  dga: boolean;
  /** 0..1; 0.5 is the decision boundary. */
  score: number;
  /** The registrable unit that was judged (e.g. abcxyz.com, abc.ddns.net). */
  registrable: string;
  reason: 'likelihood' | 'alphanumeric' | 'consonants' | 'none';
  features: DgaFeatures;
}

const CONSONANT = /[bcdfghjklmnpqrstvwxz]/;

function stripTokens(label: string): string {
  let s = label.replace(/-/g, '');
  for (const t of TECH_TOKENS) if (s.includes(t)) s = s.split(t).join('');
  return s;
}

/** The features of a label (already lowercased; any characters). Pure; O(length). */
export function dgaFeatures(label: string): DgaFeatures {
  const core = stripTokens(label);
  const n = core.length;
  const counts = new Map<string, number>();
  for (const c of core) counts.set(c, (counts.get(c) ?? 0) + 1);
  let entropy = 0;
  for (const k of counts.values()) {
    const p = k / n;
    entropy -= p * Math.log2(p);
  }
  let sum = 0;
  let transitions = 0;
  let prev = 26;
  let run = 0;
  let consonantRun = 0;
  let digits = 0;
  let switches = 0;
  let prevDigit: boolean | undefined;
  for (let i = 0; i < n; i++) {
    const code = core.charCodeAt(i);
    const isDigit = code >= 48 && code <= 57;
    if (isDigit) digits++;
    if (prevDigit !== undefined && prevDigit !== isDigit) switches++;
    prevDigit = isDigit;
    if (code >= 97 && code <= 122) {
      const s = code - 97;
      sum += BIGRAM_LOG10[prev * 27 + s] ?? -4;
      transitions++;
      prev = s;
      if (CONSONANT.test(core[i] as string)) consonantRun = Math.max(consonantRun, ++run);
      else run = 0;
    } else {
      if (prev !== 26) {
        sum += BIGRAM_LOG10[prev * 27 + 26] ?? -4;
        transitions++;
      }
      prev = 26;
      run = 0;
    }
  }
  if (prev !== 26) {
    sum += BIGRAM_LOG10[prev * 27 + 26] ?? -4;
    transitions++;
  }
  return { core, length: n, likelihood: transitions ? sum / transitions : 0, entropy, consonantRun, digits, switches };
}

/** Likelihood at or below which a label of this length is DGA-like. */
export function likelihoodThreshold(length: number): number {
  if (length < 10) return -1.8;
  if (length < 14) return -1.68;
  return -1.56;
}

/**
 * Judges a stored query name (see module rules); undefined when the name is local, not a
 * hostname, or its label is too short to judge. Pure; O(length).
 */
export function scoreName(name: string): DgaVerdict | undefined {
  const parts = nameParts(name);
  if (parts.local || !parts.label || !parts.registrable) return undefined;
  return scoreLabel(parts.label, parts.registrable);
}

/** Judges one registrant-chosen label (see module rules); undefined when too short. */
export function scoreLabel(label: string, registrable: string): DgaVerdict | undefined {
  const f = dgaFeatures(label);
  if (f.length < MIN_LENGTH) return undefined;
  const margin = likelihoodThreshold(f.length) - f.likelihood;
  let reason: DgaVerdict['reason'] = 'none';
  if (margin >= 0) reason = 'likelihood';
  else if (f.length >= 10 && f.digits >= 2 && f.switches >= 3) reason = 'alphanumeric';
  else if (f.length >= 12 && f.consonantRun >= 5 && f.entropy >= 3.3 && margin >= -0.15) reason = 'consonants';
  const dga = reason !== 'none';
  const raw = 0.5 + margin * 2 + (reason === 'alphanumeric' || reason === 'consonants' ? 0.3 : 0);
  const score = Math.min(1, Math.max(0, dga ? Math.max(0.5, raw) : Math.min(0.49, raw)));
  return { dga, score: Math.round(score * 100) / 100, registrable, reason, features: f };
}
