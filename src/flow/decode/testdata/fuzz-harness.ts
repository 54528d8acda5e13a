/**
 * Seeded mutation fuzzer for the flow decoders (hostile-input catalogue item 11).
 *
 * Rules: deterministic (mulberry32 seed), no dependencies. Each case is either random bytes
 * (sometimes with a valid version prefix so the decoder gets past the first check) or a seed
 * datagram mutated by byte flips, "interesting" 16/32-bit overwrites (0, 1, 0x7fffffff,
 * 0xffffffff, small lengths), truncation, extension, or splicing of two seeds. The decoder must
 * return, never throw; every record must be well-formed and every error a known reason. Cases
 * slower than `slowMs` (best of up to four timings, so GC pauses do not count) are counted so
 * callers can bound per-datagram time.
 */
import type { DecodeErrorReason, DecodeResult } from '../../types.js';
import { mulberry32, randInt, type Rng } from '../../encode/random-records.js';

const INTERESTING_32 = [0, 1, 2, 3, 4, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000,
  0xfffffffe, 0xffffffff];
const INTERESTING_16 = [0, 1, 2, 4, 8, 0x7f, 0xff, 0x7fff, 0x8000, 0xfffe, 0xffff];

export const KNOWN_REASONS: ReadonlySet<DecodeErrorReason> = new Set<DecodeErrorReason>([
  'truncated_header', 'bad_version', 'bad_length', 'bad_set_length', 'bad_record_count', 'bad_template',
  'template_missing', 'template_limit', 'template_changed', 'bad_field_length', 'bad_options_template',
  'truncated_record', 'unsupported_sample', 'bad_sample', 'bad_address_type',
]);

/** Produces one fuzz input from the seeds. */
export function mutate(rng: Rng, seeds: readonly Buffer[], versionPrefix: Buffer): Buffer {
  const kind = randInt(rng, 0, 9);
  if (kind === 0) {
    const b = Buffer.allocUnsafe(randInt(rng, 0, 1500));
    for (let i = 0; i < b.length; i++) b[i] = (rng() * 256) | 0;
    if (rng() < 0.7) versionPrefix.copy(b, 0, 0, Math.min(versionPrefix.length, b.length));
    return b;
  }
  const seed = seeds[randInt(rng, 0, seeds.length - 1)]!;
  let b = Buffer.from(seed);
  const ops = randInt(rng, 1, 4);
  for (let k = 0; k < ops && b.length > 0; k++) {
    const op = randInt(rng, 0, 6);
    const at = randInt(rng, 0, b.length - 1);
    if (op === 0) {
      b[at] = b[at]! ^ (1 << randInt(rng, 0, 7));
    } else if (op === 1) {
      b[at] = (rng() * 256) | 0;
    } else if (op === 2 && at + 4 <= b.length) {
      b.writeUInt32BE(INTERESTING_32[randInt(rng, 0, INTERESTING_32.length - 1)]!, at & ~3);
    } else if (op === 3 && at + 2 <= b.length) {
      b.writeUInt16BE(INTERESTING_16[randInt(rng, 0, INTERESTING_16.length - 1)]!, at);
    } else if (op === 4) {
      b = b.subarray(0, at);
    } else if (op === 5) {
      const extra = Buffer.alloc(randInt(rng, 1, 64), (rng() * 256) | 0);
      b = Buffer.concat([b, extra]);
    } else {
      const other = seeds[randInt(rng, 0, seeds.length - 1)]!;
      const from = randInt(rng, 0, other.length);
      b = Buffer.concat([b.subarray(0, at), other.subarray(from)]);
    }
  }
  return b;
}

/** Fuzz statistics. */
export interface FuzzStats {
  cases: number;
  records: number;
  slowCases: number;
  /** Slowest case (best of its re-timings), ms. */
  maxMs: number;
  totalMs: number;
}

/**
 * Runs `cases` fuzz cases against `decode`; throws (failing the test) with the offending
 * input in hex on the first throw or malformed result.
 */
export function runFuzz(
  decode: (b: Buffer) => DecodeResult,
  seeds: readonly Buffer[],
  versionPrefix: Buffer,
  cases: number,
  seed: number,
  slowMs = 5,
): FuzzStats {
  const rng = mulberry32(seed);
  const stats: FuzzStats = { cases: 0, records: 0, slowCases: 0, maxMs: 0, totalMs: 0 };
  const t0 = performance.now();
  for (let i = 0; i < cases; i++) {
    const input = mutate(rng, seeds, versionPrefix);
    const s = performance.now();
    let r: DecodeResult;
    try {
      r = decode(input);
    } catch (e) {
      throw new Error(`case ${i} threw ${String(e)} on input ${input.toString('hex')}`);
    }
    let ms = performance.now() - s;
    // A slow case is re-timed: a GC pause does not repeat, a pathological input does.
    for (let retry = 0; retry < 3 && ms > slowMs; retry++) {
      const s2 = performance.now();
      decode(input);
      ms = Math.min(ms, performance.now() - s2);
    }
    if (ms > stats.maxMs) stats.maxMs = ms;
    if (ms > slowMs) stats.slowCases++;
    check(r, input);
    stats.records += r.records.length;
    stats.cases++;
  }
  stats.totalMs = performance.now() - t0;
  return stats;
}

function check(r: DecodeResult, input: Buffer): void {
  const fail = (why: string): never => {
    throw new Error(`${why} on input ${input.toString('hex')}`);
  };
  if (!Array.isArray(r.records) || !Array.isArray(r.errors)) fail('malformed result');
  for (const e of r.errors) if (!KNOWN_REASONS.has(e)) fail(`unknown reason ${String(e)}`);
  for (const rec of r.records) {
    if (rec.ipVersion !== 4 && rec.ipVersion !== 6) fail('bad ipVersion');
    if (typeof rec.srcAddr !== 'string' || typeof rec.dstAddr !== 'string') fail('bad address');
    for (const v of [rec.srcPort, rec.dstPort, rec.protocol, rec.bytes, rec.packets, rec.tcpFlags, rec.inputIf,
      rec.outputIf, rec.samplingRate]) {
      if (!Number.isFinite(v) || v < 0) fail('non-finite or negative number in record');
    }
    // Garbage header times can legitimately give times before 1970; they must still be numbers.
    if (!Number.isFinite(rec.startMs) || !Number.isFinite(rec.endMs)) fail('non-finite time');
  }
}
