/**
 * Deterministic pseudo-random FlowRecords for tests, benchmarks and demo mode.
 *
 * Rules: everything derives from a caller-supplied seed (mulberry32), so a failing test or a
 * benchmark run is reproducible. Generated records are representable by every encoder they are
 * meant for: addresses are canonical text, ports are 0 for protocols without ports (ICMP type
 * and code go to dstPort, the NetFlow convention), counters fit in 32 bits, and with `sflow`
 * packets equal the sampling rate and bytes are a multiple of it (frame_length * rate).
 */
import type { FlowRecord } from '../types.js';
import { ipv4IntToText, ipv6ToText } from '../ip-text.js';

/** A seeded PRNG returning floats in [0, 1) (mulberry32). */
export type Rng = () => number;

/** Creates a mulberry32 PRNG from a 32-bit seed. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [lo, hi] inclusive. */
export function randInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** Options for randomFlowRecords. */
export interface RandomRecordOptions {
  /** Fraction of IPv6 records, 0..1 (default 0). */
  ipv6Share?: number;
  /** Exporter text put into every record (default '192.0.2.1'). */
  exporter?: string;
  /** Base time: records start within [nowMs - 600 s, nowMs] (default 1.7e12). */
  nowMs?: number;
  /** Sampling rate for every record (default 1). Counters are multiples of it. */
  samplingRate?: number;
  /** sFlow shape: one sampled packet per record (packets = rate, start = end = nowMs). */
  sflow?: boolean;
  /** Largest interface index (default 65535, the v5 limit). */
  maxIfIndex?: number;
}

const PROTOCOLS = [6, 6, 6, 17, 17, 1, 47, 132];
const v6scratch = Buffer.alloc(16);

/** Generates `n` records from `rng`. */
export function randomFlowRecords(n: number, rng: Rng, opts: RandomRecordOptions = {}): FlowRecord[] {
  const out: FlowRecord[] = [];
  const now = opts.nowMs ?? 1_700_000_000_000;
  const rate = opts.samplingRate ?? 1;
  const maxIf = opts.maxIfIndex ?? 65535;
  for (let i = 0; i < n; i++) {
    const v6 = rng() < (opts.ipv6Share ?? 0);
    let protocol = PROTOCOLS[randInt(rng, 0, PROTOCOLS.length - 1)]!;
    if (v6 && protocol === 1) protocol = 58;
    const ports = protocol === 6 || protocol === 17 || protocol === 132;
    const icmp = protocol === 1 || protocol === 58;
    const frame = randInt(rng, 64, 1518);
    const packets = opts.sflow ? rate : randInt(rng, 1, 100_000) * rate;
    const bytes = opts.sflow ? frame * rate : Math.min(packets * frame, 0xffffffff - (0xffffffff % rate));
    const start = opts.sflow ? now : now - randInt(rng, 0, 600_000);
    const end = opts.sflow ? now : Math.min(now, start + randInt(rng, 0, 120_000));
    out.push({
      ipVersion: v6 ? 6 : 4,
      srcAddr: v6 ? randomV6(rng) : ipv4IntToText(randInt(rng, 0, 0xffffffff)),
      dstAddr: v6 ? randomV6(rng) : ipv4IntToText(randInt(rng, 0, 0xffffffff)),
      srcPort: ports ? randInt(rng, 0, 65535) : 0,
      dstPort: ports ? randInt(rng, 0, 65535) : icmp ? randInt(rng, 0, 0xffff) : 0,
      protocol,
      bytes,
      packets,
      tcpFlags: protocol === 6 ? randInt(rng, 0, 255) : 0,
      startMs: start,
      endMs: end,
      exporter: opts.exporter ?? '192.0.2.1',
      inputIf: randInt(rng, 0, maxIf),
      outputIf: randInt(rng, 0, maxIf),
      samplingRate: rate,
    });
  }
  return out;
}

/** Random IPv6 text, biased towards addresses with zero runs (compression paths). */
function randomV6(rng: Rng): string {
  for (let g = 0; g < 8; g++) {
    const v = rng() < 0.4 ? 0 : randInt(rng, 0, 0xffff);
    v6scratch[2 * g] = v >>> 8;
    v6scratch[2 * g + 1] = v & 255;
  }
  if (rng() < 0.1) {
    // IPv4-mapped.
    v6scratch.fill(0, 0, 10);
    v6scratch[10] = 0xff;
    v6scratch[11] = 0xff;
  }
  return ipv6ToText(v6scratch, 0);
}
