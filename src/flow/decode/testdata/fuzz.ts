/**
 * Seeded mutation fuzzer for the datagram decoders (test-only).
 *
 * Rules: deterministic (xorshift PRNG with a fixed seed, so failures reproduce by case index);
 * mutates seed datagrams with structure-aware operations (length fields, counts, truncation,
 * chunk duplication/splicing) and also produces random bytes behind a valid version number.
 */
import type { DecodeResult, FlowRecord } from '../../types.js';
import type { TemplateStore } from '../template-store.js';

/** xorshift32 PRNG. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
}

const BYTES = [0, 1, 2, 3, 4, 0x7f, 0x80, 0xfe, 0xff];
const WORDS = [0, 1, 2, 3, 4, 5, 8, 255, 256, 0x7fff, 0x8000, 0xfffe, 0xffff, 1024, 2048, 60000];

/** Returns a mutated copy of `seed` (1-6 operations); `others` supplies splice material. */
export function mutate(rng: Rng, seed: Buffer, others: readonly Buffer[]): Buffer {
  let b = Buffer.from(seed);
  const ops = 1 + rng.int(6);
  for (let k = 0; k < ops; k++) {
    if (b.length === 0) b = Buffer.from([rng.int(256)]);
    const at = rng.int(b.length);
    switch (rng.int(9)) {
      case 0:
        b[at] = b[at]! ^ (1 << rng.int(8));
        break;
      case 1:
        b[at] = rng.int(3) === 0 ? rng.int(256) : rng.pick(BYTES);
        break;
      case 2:
      case 3: {
        // 16-bit fields (set ids, lengths, counts, field types) dominate these formats.
        const o = rng.int(2) === 0 ? at & ~1 : at;
        if (o + 2 <= b.length) b.writeUInt16BE(rng.int(4) === 0 ? rng.int(65536) : rng.pick(WORDS), o);
        break;
      }
      case 4:
        if (at + 4 <= b.length) b.writeUInt32BE(rng.int(2) === 0 ? 0xffffffff : rng.next(), at);
        break;
      case 5:
        b = b.subarray(0, at);
        break;
      case 6: {
        const len = 1 + rng.int(Math.min(64, b.length - at));
        const chunk = b.subarray(at, at + len);
        const ins = rng.int(b.length + 1);
        b = Buffer.concat([b.subarray(0, ins), chunk, b.subarray(ins)]);
        break;
      }
      case 7: {
        const len = 1 + rng.int(Math.min(64, b.length - at));
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + len)]);
        break;
      }
      default: {
        const other = rng.pick(others);
        if (other.length === 0) break;
        const from = rng.int(other.length);
        const len = 1 + rng.int(Math.min(128, other.length - from));
        b = Buffer.concat([b.subarray(0, at), other.subarray(from, from + len), b.subarray(at)]);
      }
    }
  }
  return b;
}

/** Random bytes of length 0..1500, usually behind a correct version (and IPFIX length). */
export function randomDatagram(rng: Rng, version: 9 | 10): Buffer {
  const b = Buffer.alloc(rng.int(1501));
  for (let i = 0; i < b.length; i++) b[i] = rng.int(256);
  if (b.length >= 2 && rng.int(5) !== 0) b.writeUInt16BE(version, 0);
  if (version === 10 && b.length >= 4 && rng.int(2) === 0) b.writeUInt16BE(b.length & 0xffff, 2);
  return b;
}

/** Throws (failing the test) unless a result is structurally sane. */
export function checkResult(r: DecodeResult): void {
  if (r.errors.includes('internal_error')) throw new Error('decoder hit an internal error');
  for (const f of r.records) checkFlow(f);
}

function checkFlow(f: FlowRecord): void {
  const nums = [f.srcPort, f.dstPort, f.protocol, f.bytes, f.packets, f.tcpFlags, f.startMs, f.endMs, f.inputIf, f.outputIf, f.samplingRate];
  for (const n of nums) if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw new Error(`bad number in ${JSON.stringify(f)}`);
  if (f.ipVersion !== 4 && f.ipVersion !== 6) throw new Error('bad ipVersion');
  if (typeof f.srcAddr !== 'string' || typeof f.dstAddr !== 'string') throw new Error('bad address');
}

/** Throws unless the store respects its limits. */
export function checkStore(store: TemplateStore): void {
  const s = store.stats();
  if (s.templates > store.maxTotalTemplates || s.fields > store.maxTotalFields || s.exporters > store.maxExporters) {
    throw new Error(`store over limits: ${JSON.stringify(s)}`);
  }
  for (const e of store.templatesByExporter()) {
    if (e.templates > store.maxTemplatesPerExporter) throw new Error(`exporter over limit: ${JSON.stringify(e)}`);
  }
}

export interface FuzzReport {
  cases: number;
  ms: number;
  /** Slowest single decode as first measured (includes GC pauses of the test process). */
  maxDecodeMs: number;
  slowOver5ms: number;
  /** Slowest re-measurement (best of 3) of the inputs that first took > 5 ms: the decoder's own cost. */
  maxRetimedMs: number;
  records: number;
}

/**
 * Runs `cases` fuzz cases (mostly mutations of `seeds`, a quarter random datagrams) through
 * `decode` with one shared store, several exporters and an advancing clock.
 */
export function runFuzz(
  decode: (buf: Buffer, exporter: string, store: TemplateStore, nowMs: number) => DecodeResult,
  store: TemplateStore,
  seeds: readonly Buffer[],
  version: 9 | 10,
  cases: number,
  seed: number,
): FuzzReport {
  const rng = new Rng(seed);
  const exporters = Array.from({ length: 40 }, (_, i) => `10.9.${i >> 8}.${i & 255}`);
  let nowMs = 1_700_000_000_000;
  let maxDecodeMs = 0;
  let slowOver5ms = 0;
  let records = 0;
  const slow: Array<[Buffer, string, number]> = [];
  const t0 = performance.now();
  for (let i = 0; i < cases; i++) {
    const buf = rng.int(4) === 0 ? randomDatagram(rng, version) : mutate(rng, rng.pick(seeds), seeds);
    nowMs += rng.int(2000);
    const exporter = rng.pick(exporters);
    const t = performance.now();
    let r: DecodeResult;
    try {
      r = decode(buf, exporter, store, nowMs);
    } catch (e) {
      throw new Error(`case ${i} threw: ${String(e)} input=${buf.toString('hex')}`);
    }
    const dt = performance.now() - t;
    if (dt > maxDecodeMs) maxDecodeMs = dt;
    if (dt > 5) {
      slowOver5ms++;
      if (slow.length < 1000) slow.push([buf, exporter, nowMs]);
    }
    try {
      checkResult(r);
      if ((i & 255) === 0) checkStore(store);
    } catch (e) {
      throw new Error(`case ${i}: ${String(e)} input=${buf.toString('hex')}`);
    }
    records += r.records.length;
  }
  checkStore(store);
  const ms = performance.now() - t0;
  // First-pass outliers are usually GC pauses: time those inputs again, best of 3.
  let maxRetimedMs = 0;
  for (const [buf, exporter, at] of slow) {
    let best = Infinity;
    for (let k = 0; k < 3; k++) {
      const t = performance.now();
      decode(buf, exporter, store, at);
      best = Math.min(best, performance.now() - t);
    }
    maxRetimedMs = Math.max(maxRetimedMs, best);
  }
  return { cases, ms, maxDecodeMs, slowOver5ms, maxRetimedMs, records };
}

/** Heap bytes still in use after a full garbage collection (the fuzzing kit's helper). */
export { retainedHeap } from '../../../../test/support/fuzz.js';
