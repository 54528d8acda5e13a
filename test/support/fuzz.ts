/**
 * Test support: the fuzzing kit for parsers of untrusted input (no production code imports
 * it). Rules:
 * - Cases scale with the environment: a target's base count (its share of `npm test`) times
 *   FUZZ_SCALE (default 1; `npm run fuzz` sets a large one), and every target also stops at
 *   FUZZ_SECONDS of wall time (default 60), so the long run is bounded however slow the
 *   machine. Cases run in chunks with a yield between them (the test runner's worker must
 *   stay responsive). FUZZ_SEED replaces the fixed per-target seed (printed with every
 *   result), so a failure reproduces with the seed and the shrunk counterexample fast-check
 *   prints.
 * - Inputs are fast-check arbitraries: random values, and mutations of golden inputs (bytes,
 *   text, JSON) whose operation lists fast-check can shrink to the smallest failing case.
 * - A target passes when no case throws and every result meets the target's own checks
 *   (bounded sizes, plain text). Retained heap is measured around each target (after forced
 *   GC) and must not grow by more than MAX_HEAP_GROWTH: parsers may not keep what they parse.
 * - Every run is recorded in the test's meta (`reliability`), which the summary reporter
 *   adds up over the whole run: cases fuzzed and crashes.
 * - No timing assertions: the slowest case (best of three timings) is reported, and only a
 *   pathological one (over SLOW_CASE_LIMIT_MS, e.g. regex backtracking) fails.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { recordReliability, type TaskWithMeta } from './reliability-meta.js';

function envNumber(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

export const FUZZ_SCALE = envNumber('FUZZ_SCALE', 1);
export const FUZZ_SECONDS = envNumber('FUZZ_SECONDS', 60);
/**
 * Retained heap a target may add (bytes). V8's own bookkeeping grows with the variety of what
 * it parsed (object shapes of hostile JSON: the provider look-ups retain about 25 MiB after
 * 37,000 cases while the HTTP client alone stays flat), so this catches leaks, not bytes.
 */
export const MAX_HEAP_GROWTH = 64 * 1024 * 1024;
/** A single case slower than this (best of three) fails the target. */
export const SLOW_CASE_LIMIT_MS = 2000;

/** Cases for a target whose `npm test` share is `base`. */
export function fuzzCases(base: number): number {
  return Math.max(1, Math.round(base * FUZZ_SCALE));
}

let gcFn: (() => void) | undefined;

/** Heap bytes still in use after a full garbage collection (enables --expose-gc at runtime). */
export function retainedHeap(): number {
  if (gcFn === undefined) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
  gcFn();
  return process.memoryUsage().heapUsed;
}

function seedOf(target: string): number {
  const fromEnv = Number(process.env.FUZZ_SEED);
  if (Number.isInteger(fromEnv)) return fromEnv;
  let h = 0x811c9dc5;
  for (let i = 0; i < target.length; i++) h = Math.imul(h ^ target.charCodeAt(i), 0x01000193);
  return h | 0;
}

export interface FuzzResult {
  target: string;
  cases: number;
  seed: number;
  ms: number;
  /** Slowest case, best of three timings (ms). */
  slowestMs: number;
  heapGrowth: number;
  interrupted: boolean;
}

/** Times every case and keeps the slowest input for re-timing. */
function timer<T>() {
  const t = { slowest: 0, input: undefined as { value: T } | undefined };
  return {
    t,
    wrap<R>(check: (value: T) => R): (value: T) => R {
      return (value) => {
        const start = performance.now();
        const r = check(value);
        const done = () => {
          const ms = performance.now() - start;
          if (ms > t.slowest) {
            t.slowest = ms;
            t.input = { value };
          }
        };
        if (r instanceof Promise) return r.then((x) => (done(), x)) as R;
        done();
        return r;
      };
    },
  };
}

interface ChunkedRun<T> {
  cases: number;
  seed: number;
  interrupted: boolean;
  /** The failing chunk's details, when one failed. */
  failure?: { details: fc.RunDetails<[value: T]>; chunk: number };
}

/**
 * Runs `property` fuzzCases(base) times in chunks of ceil(base / 10) cases, chunk k with seed
 * seed + k, yielding to the event loop between chunks (a long synchronous run would starve the
 * test runner's worker). Chunk sizes depend only on `base`, so FUZZ_SEED=<seed> replays a run
 * and FUZZ_SEED=<seed + k> starts with chunk k. Stops after FUZZ_SECONDS.
 */
async function runChunks<T>(target: string, property: fc.IRawProperty<[value: T]>, base: number): Promise<ChunkedRun<T>> {
  const total = fuzzCases(base);
  const chunk = Math.max(1, Math.ceil(base / 10));
  const seed = seedOf(target);
  const deadline = performance.now() + FUZZ_SECONDS * 1000;
  const run: ChunkedRun<T> = { cases: 0, seed, interrupted: false };
  for (let k = 0; run.cases < total; k++) {
    const left = deadline - performance.now();
    if (left <= 0) {
      run.interrupted = true;
      break;
    }
    const details = await fc.check(property, {
      numRuns: Math.min(chunk, total - run.cases),
      seed: seed + k,
      interruptAfterTimeLimit: left,
      markInterruptAsFailure: false,
      includeErrorInReport: true,
    });
    run.cases += details.numRuns;
    if (details.failed) {
      run.failure = { details, chunk: k };
      break;
    }
    if (details.interrupted) {
      run.interrupted = true;
      break;
    }
    await new Promise((r) => setImmediate(r));
  }
  return run;
}

function failIfFailed<T>(task: TaskWithMeta, target: string, run: ChunkedRun<T>): void {
  if (!run.failure) return;
  recordReliability(task, { fuzzCases: run.cases, fuzzCrashes: 1, fuzzTargets: 1 });
  const report = fc.defaultReportMessage(run.failure.details) ?? '';
  // Counterexamples can be megabytes: keep the head (seed, path, start of the input) and the error.
  const shown = report.length > 4000 ? `${report.slice(0, 2000)}\n… (${report.length} characters) …\n${report.slice(-1500)}` : report;
  throw new Error(`fuzz target ${target} failed (FUZZ_SEED=${run.seed}, chunk ${run.failure.chunk}: FUZZ_SEED=${run.seed + run.failure.chunk} starts there):\n${shown}`);
}

function finish<T>(task: TaskWithMeta, target: string, run: ChunkedRun<T>, ms: number, slowestMs: number, heap0: number): FuzzResult {
  if (({} as Record<string, unknown>).polluted !== undefined) throw new Error(`fuzz target ${target} polluted Object.prototype`);
  const heapGrowth = retainedHeap() - heap0;
  const result: FuzzResult = { target, cases: run.cases, seed: run.seed, ms, slowestMs, heapGrowth, interrupted: run.interrupted };
  recordReliability(task, { fuzzCases: run.cases, fuzzCrashes: 0, fuzzTargets: 1 });
  console.log(
    `fuzz ${target}: ${result.cases} cases in ${ms.toFixed(0)} ms (seed ${result.seed}${result.interrupted ? ', stopped by FUZZ_SECONDS' : ''}), ` +
      `slowest ${slowestMs.toFixed(2)} ms, retained heap ${(heapGrowth / 1048576).toFixed(1)} MiB`,
  );
  if (slowestMs > SLOW_CASE_LIMIT_MS) throw new Error(`fuzz target ${target}: one case took ${slowestMs.toFixed(0)} ms (pathological input)`);
  if (heapGrowth > MAX_HEAP_GROWTH) throw new Error(`fuzz target ${target}: retained heap grew by ${heapGrowth} bytes`);
  return result;
}

/** Runs one target (see fuzz and fuzzAsync); `retime` says whether a slow case is timed again. */
async function fuzzTarget<T>(
  task: TaskWithMeta,
  target: string,
  base: number,
  property: (timed: <R>(check: (value: T) => R) => (value: T) => R) => fc.IRawProperty<[value: T]>,
  retime?: (value: T) => void,
): Promise<FuzzResult> {
  const { t, wrap } = timer<T>();
  const heap0 = retainedHeap();
  const t0 = performance.now();
  const run = await runChunks(target, property(wrap), base);
  const ms = performance.now() - t0;
  failIfFailed(task, target, run);
  // A slow first timing is usually a GC pause: time that input again, best of three.
  let slowest = t.slowest;
  for (let k = 0; retime && k < 2 && t.input && slowest > 5; k++) {
    const start = performance.now();
    retime(t.input.value);
    slowest = Math.min(slowest, performance.now() - start);
  }
  t.input = undefined;
  return finish(task, target, run, ms, slowest, heap0);
}

/**
 * Fuzzes `target`: `check` runs on fuzzCases(base) values of `arb` (fewer when FUZZ_SECONDS
 * runs out) and must neither throw nor fail an expectation. Rejects with fast-check's report
 * (seed, shrunk counterexample) on the first failure, after recording it as a crash.
 */
export function fuzz<T>(task: TaskWithMeta, target: string, arb: fc.Arbitrary<T>, check: (value: T) => void, base: number): Promise<FuzzResult> {
  return fuzzTarget<T>(task, target, base, (wrap) => fc.property(arb, wrap(check)), check);
}

/** fuzz() for checks that talk to loopback peers (asynchronous); the slowest case counts as measured (one timing). */
export function fuzzAsync<T>(task: TaskWithMeta, target: string, arb: fc.Arbitrary<T>, check: (value: T) => Promise<void>, base: number): Promise<FuzzResult> {
  return fuzzTarget<T>(task, target, base, (wrap) => fc.asyncProperty(arb, wrap(check)));
}

// ---------------------------------------------------------------------------------------------
// Hostile values

/** Strings that broke tools of this kind (hostile-input catalogue 15-19, 22, 25, 26). */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  '\x1b[2J\x1b[1;1H',
  '\r\n',
  '\n\n\n',
  '\u202e\u2066evil\u2069',
  '\u2028\u2029',
  '\ud800',
  '\udfff\ud800',
  '\ufeff',
  '\uffff',
  '𝕏💥',
  '<img src=x onerror=alert(1)>',
  '" onfocus="alert(1)',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '%2e%2e%2f%2e%2e%2f',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'prototype',
  '-1',
  '0',
  '4294967296',
  '1e400',
  'NaN',
  '123456',
  'localhost.evil.com',
  'http://127.0.0.1:8088/api/',
  "'; DROP TABLE findings; --",
  '\\x00\\',
  '%s%n%x',
  'a'.repeat(300),
  'A'.repeat(70_000),
  '['.repeat(5000),
  '{'.repeat(5000),
  'a.'.repeat(200),
];

/** Numbers that break length fields, counters and date parsers. */
export const HOSTILE_NUMBERS: readonly number[] = [
  0, -0, -1, 1, 0.5, 255, 256, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 53), 1e308, -1e308, Number.MIN_VALUE,
];

/** A string from the hostile list, or an arbitrary (binary-unit) string. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);

/** Any JSON-ish value a hostile server could send in place of the expected one. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 3, arbitrary: fc.constantFrom<unknown>(...HOSTILE_NUMBERS, null, true, false, [], {}) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(deepNest(2000), Array.from({ length: 2000 }, (_, i) => i), JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}')) },
);

function deepNest(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

// ---------------------------------------------------------------------------------------------
// Mutations of golden inputs

const INTERESTING_BYTES = [0, 1, 0x7f, 0x80, 0xff, 0x0a, 0x0d, 0x3a, 0x3c, 0x22];
const INTERESTING_WORDS = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff];

type ByteOp =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; value: number }
  | { op: 'word'; at: number; value: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'repeat'; at: number; len: number; times: number }
  | { op: 'delete'; at: number; len: number }
  | { op: 'splice'; at: number; seed: number; from: number; len: number };

const byteOp: fc.Arbitrary<ByteOp> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.integer({ min: 0, max: 255 })) }),
  fc.record({ op: fc.constant('word' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(...INTERESTING_WORDS), fc.integer({ min: 0, max: 0xffff })) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 32 }) }),
  fc.record({ op: fc.constant('repeat' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }), times: fc.integer({ min: 2, max: 200 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('splice' as const), at: fc.nat(), seed: fc.nat(), from: fc.nat(), len: fc.integer({ min: 1, max: 128 }) }),
);

/** A mutated input is cut to this many bytes/characters (repeats compound; real readers cap far lower). */
export const MAX_MUTATED_SIZE = 1024 * 1024;

function applyByteOps(seed: Uint8Array, ops: readonly ByteOp[], seeds: readonly Uint8Array[]): Buffer {
  let b = Buffer.from(seed);
  for (const o of ops) {
    if (b.length > MAX_MUTATED_SIZE) b = b.subarray(0, MAX_MUTATED_SIZE);
    if (b.length === 0) b = Buffer.from([0]);
    const at = o.at % b.length;
    switch (o.op) {
      case 'flip':
        b[at] = b[at]! ^ (1 << o.bit);
        break;
      case 'set':
        b[at] = o.value;
        break;
      case 'word':
        if (at + 2 <= b.length) b.writeUInt16BE(o.value, at);
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), o.bytes, b.subarray(at)]);
        break;
      case 'repeat': {
        const chunk = b.subarray(at, at + o.len);
        b = Buffer.concat([b.subarray(0, at), ...Array.from({ length: o.times }, () => chunk), b.subarray(at + o.len)]);
        break;
      }
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + o.len)]);
        break;
      case 'splice': {
        const other = seeds[o.seed % seeds.length]!;
        const from = other.length === 0 ? 0 : o.from % other.length;
        b = Buffer.concat([b.subarray(0, at), other.subarray(from, from + o.len), b.subarray(at)]);
        break;
      }
    }
  }
  return b.length > MAX_MUTATED_SIZE ? b.subarray(0, MAX_MUTATED_SIZE) : b;
}

/** A seed picked from `seeds` with 1..maxOps shrinkable operations of `op` applied by `apply`. */
function mutations<S, O, R>(seeds: readonly S[], op: fc.Arbitrary<O>, maxOps: number, apply: (seed: S, ops: O[]) => R): fc.Arbitrary<R> {
  if (seeds.length === 0) throw new Error('a mutation arbitrary needs at least one seed');
  return fc.tuple(fc.nat({ max: seeds.length - 1 }), fc.array(op, { minLength: 1, maxLength: maxOps })).map(([i, ops]) => apply(seeds[i]!, ops));
}

/** Golden byte inputs, each mutated by 1-8 shrinkable operations (flips, interesting values, truncation, repeats, splices). */
export function mutatedBytes(seeds: readonly Uint8Array[]): fc.Arbitrary<Buffer> {
  return mutations(seeds, byteOp, 8, (seed, ops) => applyByteOps(seed, ops, seeds));
}

/** Random bytes, or golden ones mutated (weights 1:3). */
export function hostileBytes(seeds: readonly Uint8Array[], maxLength = 2048): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.uint8Array({ maxLength }).map((a) => Buffer.from(a)) },
    { weight: 3, arbitrary: mutatedBytes(seeds) },
  );
}

type TextOp =
  | { op: 'insert'; at: number; text: string }
  | { op: 'replaceLine'; line: number; text: string }
  | { op: 'repeatLine'; line: number; times: number }
  | { op: 'dropLine'; line: number }
  | { op: 'bytes'; ops: ByteOp[] };

const textOp: fc.Arbitrary<TextOp> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: hostileString }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('replaceLine' as const), line: fc.nat(), text: hostileString }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('repeatLine' as const), line: fc.nat(), times: fc.integer({ min: 2, max: 2000 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('dropLine' as const), line: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('bytes' as const), ops: fc.array(byteOp, { minLength: 1, maxLength: 4 }) }) },
);

function applyTextOps(seed: string, ops: readonly TextOp[], seeds: readonly string[]): string {
  let s = seed;
  for (const o of ops) {
    if (s.length > MAX_MUTATED_SIZE) s = s.slice(0, MAX_MUTATED_SIZE);
    if (o.op === 'insert') {
      const at = s.length === 0 ? 0 : o.at % (s.length + 1);
      s = s.slice(0, at) + o.text + s.slice(at);
    } else if (o.op === 'bytes') {
      s = applyByteOps(Buffer.from(s, 'utf8'), o.ops, seeds.map((x) => Buffer.from(x, 'utf8'))).toString(o.ops.length % 2 ? 'utf8' : 'latin1');
    } else {
      const lines = s.split('\n');
      const i = o.line % lines.length;
      if (o.op === 'replaceLine') lines[i] = o.text;
      else if (o.op === 'dropLine') lines.splice(i, 1);
      else lines.splice(i, 0, ...Array.from({ length: o.times - 1 }, () => lines[i]!));
      s = lines.join('\n');
    }
  }
  return s.length > MAX_MUTATED_SIZE ? s.slice(0, MAX_MUTATED_SIZE) : s;
}

/** Golden texts (files, log lines, YAML) mutated by 1-6 shrinkable text and byte operations. */
export function mutatedText(seeds: readonly string[]): fc.Arbitrary<string> {
  return mutations(seeds, textOp, 6, (seed, ops) => applyTextOps(seed, ops, seeds));
}

type JsonOp =
  | { op: 'replace'; path: number; value: unknown }
  | { op: 'delete'; path: number }
  | { op: 'repeat'; path: number; times: number }
  | { op: 'wrap'; path: number; inArray: boolean };

const jsonOp: fc.Arbitrary<JsonOp> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('replace' as const), path: fc.nat(), value: hostileValue }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), path: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('repeat' as const), path: fc.nat(), times: fc.integer({ min: 2, max: 1000 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('wrap' as const), path: fc.nat(), inArray: fc.boolean() }) },
);

/** [container, key] of every value below the root (at most 5,000, breadth first). */
function slots(root: unknown): [Record<string | number, unknown>, string | number][] {
  const out: [Record<string | number, unknown>, string | number][] = [];
  const queue: unknown[] = [root];
  while (queue.length > 0 && out.length < 5000) {
    const v = queue.shift();
    if (v === null || typeof v !== 'object') continue;
    const entries: [string | number, unknown][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
    for (const [k, x] of entries) {
      out.push([v as Record<string | number, unknown>, k]);
      queue.push(x);
    }
  }
  return out;
}

/** A JSON document grows to at most this weight (weight(): values, and strings by 100 characters). */
const MAX_JSON_WEIGHT = 300_000;

/** The weight of `v` as its JSON would be (shared references count each time), counted up to `cap`. */
function weight(v: unknown, cap = MAX_JSON_WEIGHT): number {
  let n = 0;
  const stack: unknown[] = [v];
  while (stack.length > 0 && n <= cap) {
    const x = stack.pop();
    n += typeof x === 'string' ? 1 + Math.floor(x.length / 100) : 1;
    if (x !== null && typeof x === 'object') stack.push(...(Array.isArray(x) ? x : Object.values(x)));
  }
  return n;
}

function applyJsonOps(seed: unknown, ops: readonly JsonOp[]): unknown {
  const root = { root: structuredClone(seed) } as Record<string, unknown>;
  // Repeats compound (a repeated array of repeated arrays …): an op that would push the
  // document past MAX_JSON_WEIGHT is skipped, as no capped reader could receive it.
  let total = weight(root.root);
  for (const o of ops) {
    const all: [Record<string | number, unknown>, string | number][] = [[root, 'root'], ...slots(root.root)];
    const [holder, key] = all[o.path % all.length]!;
    const added = o.op === 'replace' ? weight(o.value) : o.op === 'repeat' ? weight(holder[key]) * (o.times - 1) : 1;
    if (total + added > MAX_JSON_WEIGHT) continue;
    total += added;
    if (o.op === 'replace') holder[key] = structuredClone(o.value);
    else if (o.op === 'wrap') holder[key] = o.inArray ? [holder[key]] : { value: holder[key] };
    else if (o.op === 'delete') {
      if (Array.isArray(holder)) holder.splice(key as number, 1);
      else delete holder[key];
    } else if (Array.isArray(holder)) holder.splice(key as number, 0, ...Array.from({ length: o.times - 1 }, () => holder[key as number]));
    else holder[key] = Array.from({ length: o.times }, () => holder[key]);
  }
  return root.root;
}

/** Golden JSON documents with 1-6 shrinkable structural mutations (hostile values, deletions, repeats, wrong nesting). */
export function mutatedJson(seeds: readonly unknown[]): fc.Arbitrary<unknown> {
  return mutations(seeds, jsonOp, 6, applyJsonOps);
}

// ---------------------------------------------------------------------------------------------
// Checks on results

/** Raw control, bidi-override and isolate characters: never allowed in stored or logged text. */
export const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** Every string in `value` (object keys included), depth first; cycles are not followed twice. */
export function* stringsIn(value: unknown, seen = new Set<unknown>()): Generator<string> {
  if (typeof value === 'string') {
    yield value;
    return;
  }
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (value instanceof Map) {
    for (const [k, v] of value) {
      yield* stringsIn(k, seen);
      yield* stringsIn(v, seen);
    }
    return;
  }
  if (value instanceof Set) {
    for (const v of value) yield* stringsIn(v, seen);
    return;
  }
  if (ArrayBuffer.isView(value)) return;
  for (const [k, v] of Object.entries(value)) {
    if (!Array.isArray(value)) yield k;
    yield* stringsIn(v, seen);
  }
}

/** Throws unless every string in `value` is at most `maxChars` long and (when `plain`) free of RAW_CONTROL. */
export function expectBoundedText(value: unknown, maxChars: number, plain = true): void {
  for (const s of stringsIn(value)) {
    if (s.length > maxChars) throw new Error(`string of ${s.length} characters (cap ${maxChars}): ${JSON.stringify(s.slice(0, 80))}…`);
    if (plain && RAW_CONTROL.test(s)) throw new Error(`raw control character in ${JSON.stringify(s.slice(0, 200))}`);
  }
}

/** Throws when `value` serialises to more than `maxBytes` of JSON. */
export function expectJsonSize(value: unknown, maxBytes: number): void {
  const n = Buffer.byteLength(JSON.stringify(value, (_k, v: unknown) => (v instanceof Map ? [...v] : v instanceof Set ? [...v] : v)) ?? '', 'utf8');
  if (n > maxBytes) throw new Error(`result is ${n} bytes of JSON (cap ${maxBytes})`);
}

/** A cheap assertion for per-record checks in hot fuzz loops (expect() costs microseconds each). */
export function ensure(ok: boolean, what: string, value?: unknown): void {
  if (!ok) throw new Error(`${what}${value === undefined ? '' : `: ${JSON.stringify(value)?.slice(0, 300)}`}`);
}
