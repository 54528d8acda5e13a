/**
 * The DNS Detector interface. Rules (as src/detect/detector.ts for flows): a detector is a
 * plain object built by a factory from a DnsDetectorContext; it keeps its own state bounded
 * (caps on tracked devices/keys, least recently used evicted and counted); it never reads
 * the wall clock (time comes from query timestamps and tick(nowMs)); it reports through
 * ctx.report, at most once per finding key per window (the findings store counts
 * occurrences). Findings name the client device (key `<category>:<client ip>[:<detail>]`)
 * and carry a few example names (plain text; views escape them). Detectors are listed in
 * registry.ts.
 */
import type { Metrics } from '../../core/metrics.js';
import type { FindingReport } from '../../findings/types.js';
import type { FlowRecord } from '../../flow/types.js';
import type { BatchKeys } from '../../traffic/batch-keys.js';
import type { DnsConfig } from '../dns-config.js';
import type { NameParts } from '../names.js';
import type { DnsQuery } from '../types.js';

export interface DnsDetectorContext {
  config: DnsConfig;
  metrics: Metrics;
  report(finding: FindingReport): void;
  /** Threat-feed lookup of one exact name (intel's matcher): the feeds listing it, or undefined. */
  threatMatch?: (name: string) => readonly string[] | undefined;
  /** The role a person gave the device (homesec_roles.yaml), if any. */
  roleOf?: (ip: string) => string | undefined;
}

export interface DnsDetector {
  readonly name: string;
  /** Sees every query with its name parts; must be cheap (it runs per query). */
  observe(q: DnsQuery, parts: NameParts): void;
  /**
   * Sees flow batches (only detectors that need flows implement it); `keys`, when given, are the
   * batch's addresses as numbers and directions (traffic/batch-keys.ts).
   */
  observeFlows?(records: readonly FlowRecord[], keys?: BatchKeys): void;
  /** Called periodically for expiry and time-based evaluation. */
  tick(nowMs: number): void;
  /** Tracked state entries (health and memory-bound tests). */
  size(): number;
}

export type DnsDetectorFactory = (ctx: DnsDetectorContext) => DnsDetector;

/**
 * A Map bounded to `capacity` entries, least recently used evicted first (get() refreshes);
 * evictions are counted in homesec_dns_detector_evictions_total{detector}. O(1).
 */
export class LruMap<K, V> {
  private readonly map = new Map<K, V>();
  evictions = 0;
  constructor(
    readonly capacity: number,
    private readonly onEvict?: () => void,
  ) {}

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  /** The value without refreshing its age. */
  peek(key: K): V | undefined {
    return this.map.get(key);
  }

  set(key: K, value: V): void {
    if (this.map.has(key)) this.map.delete(key);
    else if (this.map.size >= this.capacity) {
      const oldest = this.map.keys().next();
      if (!oldest.done) {
        this.map.delete(oldest.value);
        this.evictions++;
        this.onEvict?.();
      }
    }
    this.map.set(key, value);
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }
}

/** An eviction counter for a detector's LruMaps. */
export function evictionCounter(metrics: Metrics, detector: string): () => void {
  return () => metrics.inc('homesec_dns_detector_evictions_total', { detector });
}

/** Remembers when each key was last reported; due() says whether to report again. Bounded. */
export function createRepeatGuard(capacity: number, repeatMs: number) {
  const last = new LruMap<string, number>(capacity);
  return {
    due(key: string, nowMs: number): boolean {
      const t = last.peek(key);
      if (t !== undefined && nowMs - t < repeatMs) return false;
      last.set(key, nowMs);
      return true;
    },
    get size() {
      return last.size;
    },
  };
}
