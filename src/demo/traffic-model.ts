/**
 * Turns the scenario's activities (scenario.ts) into flow records, the way a router's flow
 * exporter would report them: one unidirectional record per direction of a connection,
 * long connections split once a minute (an active timeout of 60 s), single-packet records for
 * probes.
 *
 * Rules:
 * - Pure and deterministic: every random choice comes from mulberry32 seeded by (seed,
 *   activity, occurrence), so the records of [a, c) are exactly those of [a, b) plus [b, c):
 *   the demo replays history and then streams live slices without gaps or repeats.
 * - A record belongs to the slice in which it ends (exporters report a flow when it ends or
 *   times out). Both directions of a connection end together.
 * - Times are absolute Unix ms; scenario seconds count from `startMs`. An activity runs from
 *   its `from` (default: the start of the recorded history) until its `until`.
 * - Long connections keep their ports and follow each other within CONTINUATION_GAP_MS, so the
 *   beaconing detector sees one connection, not a beacon per minute.
 */
import type { FlowRecord } from '../flow/types.js';
import { mulberry32, type Rng } from '../flow/encode/random-records.js';
import { HISTORY_SECONDS, type Activity, type Bytes, type Proto } from './scenario.js';

export interface ModelOptions {
  /** The demo start (scenario second 0), Unix ms. */
  startMs: number;
  seed: number;
  /** Exporter address put into the records. */
  exporter: string;
}

const MINUTE = 60_000;
/** Gap between the records of one long connection (below the beaconing detector's continuation gap). */
const CONTINUATION_GAP_MS = 10;
const LAN_IF = 1;
const WAN_IF = 2;
const TCP_SESSION_FLAGS = 0x1b; // FIN | SYN | PSH | ACK
const SYN = 0x02;
const RST_ACK = 0x14;
const SYN_ACK = 0x12;
/** Ports the router answers on (SYN-ACK) in the port-scan story; everything else is refused. */
const ROUTER_OPEN = new Set([53, 80, 443]);

/** A 32-bit seed for one random decision from (seed, keys...). */
function keyOf(...keys: number[]): number {
  let h = 0x811c9dc5;
  for (const k of keys) {
    h = Math.imul(h ^ (k | 0), 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
  }
  return h >>> 0;
}

/** Log-uniform bytes in [min, max] (sizes spread over orders of magnitude). */
function bytesIn(rng: Rng, [min, max]: Bytes): number {
  if (max <= min) return min;
  return Math.round(Math.exp(Math.log(min) + rng() * (Math.log(max) - Math.log(min))));
}

function protoNumber(p: Proto): number {
  return p === 'tcp' ? 6 : 17;
}

function isInternal(ip: string): boolean {
  return ip.startsWith('192.168.') || ip.startsWith('127.');
}

function packetsFor(bytes: number, proto: number): number {
  return Math.max(1, Math.ceil(bytes / (proto === 6 ? 1400 : 512)));
}

interface Conn {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  proto: number;
  startMs: number;
  endMs: number;
  out: number;
  back: number;
  flags?: number;
}

/** Both directions of a connection as exporter records (no reply record when back is 0). */
function records(c: Conn, exporter: string): FlowRecord[] {
  const outward = !isInternal(c.dst);
  const flags = c.proto === 6 ? (c.flags ?? TCP_SESSION_FLAGS) : 0;
  const base = { ipVersion: 4 as const, startMs: c.startMs, endMs: c.endMs, exporter, samplingRate: 1 };
  const out: FlowRecord[] = [
    {
      ...base,
      srcAddr: c.src,
      dstAddr: c.dst,
      srcPort: c.sport,
      dstPort: c.dport,
      protocol: c.proto,
      bytes: c.out,
      packets: packetsFor(c.out, c.proto),
      tcpFlags: flags,
      inputIf: LAN_IF,
      outputIf: outward ? WAN_IF : LAN_IF,
    },
  ];
  if (c.back > 0) {
    out.push({
      ...base,
      srcAddr: c.dst,
      dstAddr: c.src,
      srcPort: c.dport,
      dstPort: c.sport,
      protocol: c.proto,
      bytes: c.back,
      packets: packetsFor(c.back, c.proto),
      tcpFlags: c.proto === 6 && c.flags === SYN ? 0 : flags,
      inputIf: outward ? WAN_IF : LAN_IF,
      outputIf: LAN_IF,
    });
  }
  return out;
}

/** An ephemeral client port. */
const clientPort = (rng: Rng): number => 32768 + Math.floor(rng() * 28000);

/** Index range [lo, hi] of occurrences spaced `stepMs` from `baseMs` that may end in [fromMs, toMs) when each ends up to `reachMs` after its slot. */
function occurrenceRange(baseMs: number, stepMs: number, fromMs: number, toMs: number, reachMs: number): [number, number] {
  return [Math.max(0, Math.floor((fromMs - baseMs - reachMs) / stepMs)), Math.floor((toMs - baseMs) / stepMs) + 1];
}

/** Flow records of every activity that end in [fromMs, toMs), in time order. */
export function flowsBetween(activities: readonly Activity[], o: ModelOptions, fromMs: number, toMs: number): FlowRecord[] {
  const out: FlowRecord[] = [];
  activities.forEach((a, ai) => {
    const baseMs = o.startMs + (a.from ?? -HISTORY_SECONDS) * 1000;
    const untilMs = a.until === undefined ? Infinity : o.startMs + a.until * 1000;
    /** Emits a connection ending in the slice that started while the activity ran (`started`: its own start time). */
    const emit = (c: Conn, started = c.startMs) => {
      if (c.endMs >= fromMs && c.endMs < toMs && started >= baseMs && started < untilMs) out.push(...records(c, o.exporter));
    };
    switch (a.kind) {
      case 'periodic': {
        const step = a.every * 1000;
        const [lo, hi] = occurrenceRange(baseMs, step, fromMs, toMs, a.jitter * 1000 + 2000);
        for (let k = lo; k <= hi; k++) {
          const rng = mulberry32(keyOf(o.seed, ai, k));
          // The first occurrence never jitters to before the activity starts.
          const startMs = Math.max(baseMs, Math.round(baseMs + k * step + (rng() * 2 - 1) * a.jitter * 1000));
          const dur = a.proto === 'tcp' ? 150 + Math.floor(rng() * 900) : 5 + Math.floor(rng() * 60);
          emit({ src: a.src, dst: a.dst, sport: clientPort(rng), dport: a.port, proto: protoNumber(a.proto), startMs, endMs: startMs + dur, out: bytesIn(rng, a.out), back: bytesIn(rng, a.in) });
        }
        break;
      }
      case 'sessions': {
        const lambda = a.perHour / 60;
        const [lo, hi] = occurrenceRange(baseMs, MINUTE, fromMs, toMs, MINUTE + 30_000);
        for (let s = lo; s <= hi; s++) {
          const rng = mulberry32(keyOf(o.seed, ai, s));
          // Poisson count for this minute (inverse CDF).
          let n = 0;
          let p = Math.exp(-lambda);
          let cdf = p;
          const u = rng();
          while (u > cdf && n < 20) {
            n++;
            p *= lambda / n;
            cdf += p;
          }
          for (let j = 0; j < n; j++) {
            const startMs = Math.round(baseMs + s * MINUTE + rng() * MINUTE);
            const dst = a.peers[Math.floor(rng() * a.peers.length)] as string;
            emit({ src: a.src, dst, sport: clientPort(rng), dport: a.port, proto: protoNumber(a.proto), startMs, endMs: startMs + 1000 + Math.floor(rng() * 29_000), out: bytesIn(rng, a.out), back: bytesIn(rng, a.in) });
          }
        }
        break;
      }
      case 'stream': {
        const sport = clientPort(mulberry32(keyOf(o.seed, ai)));
        const [lo, hi] = occurrenceRange(baseMs, MINUTE, fromMs, toMs, MINUTE);
        for (let m = lo; m <= hi; m++) {
          const rng = mulberry32(keyOf(o.seed, ai, m));
          const startMs = baseMs + m * MINUTE;
          const vary = () => 0.9 + rng() * 0.2;
          emit({ src: a.src, dst: a.dst, sport, dport: a.port, proto: protoNumber(a.proto), startMs, endMs: startMs + MINUTE - CONTINUATION_GAP_MS, out: Math.round(a.outPerMinute * vary()), back: Math.round(a.inPerMinute * vary()) });
        }
        break;
      }
      case 'probes': {
        const step = (a.every ?? Infinity) * 1000;
        const reps = Number.isFinite(step) ? occurrenceRange(baseMs, step, fromMs, toMs, a.spread * 1000 + 10) : [0, 0];
        for (let r = reps[0] as number; r <= (reps[1] as number); r++) {
          const repMs = baseMs + (Number.isFinite(step) ? r * step : 0);
          const rng = mulberry32(keyOf(o.seed, ai, r));
          const sport = clientPort(rng);
          for (const target of a.targets) {
            for (const port of a.ports) {
              const startMs = Math.round(repMs + rng() * a.spread * 1000);
              const answer = a.answered ? (ROUTER_OPEN.has(port) ? SYN_ACK : RST_ACK) : undefined;
              // A SYN scan keeps one source port (nmap -sS); answers come back as their own record.
              emit({ src: a.src, dst: target, sport: a.answered ? sport : clientPort(rng), dport: port, proto: 6, startMs, endMs: startMs + 1, out: 44, back: 0, flags: SYN });
              if (answer !== undefined) {
                emit({ src: target, dst: a.src, sport: port, dport: sport, proto: 6, startMs: startMs + 1, endMs: startMs + 2, out: answer === SYN_ACK ? 44 : 40, back: 0, flags: answer }, startMs);
              }
            }
          }
        }
        break;
      }
      case 'bulk': {
        const endMs = o.startMs + a.from * 1000;
        for (let q = 0; q < a.records; q++) {
          const rng = mulberry32(keyOf(o.seed, ai, q));
          const part = Math.round(a.bytes / a.records);
          emit({ src: a.src, dst: a.dst, sport: clientPort(rng), dport: a.port, proto: 6, startMs: endMs - 4 * MINUTE, endMs, out: part, back: Math.round(part / 40) }, endMs);
        }
        break;
      }
    }
  });
  return out.sort((x, y) => x.endMs - y.endMs);
}

/** The stories of activities that start in [fromMs, toMs) (live events; the demo logs them). */
export function storiesBetween(activities: readonly Activity[], startMs: number, fromMs: number, toMs: number): string[] {
  return activities
    .filter((a) => a.story !== undefined && a.from !== undefined)
    .filter((a) => {
      const t = startMs + (a.from as number) * 1000;
      return t >= fromMs && t < toMs;
    })
    .map((a) => a.story as string);
}
