/**
 * The flow side of the blacklists: a device talking to a listed address gets a finding.
 * Rules:
 * - Listens to `flow.records`; a flow between an internal device and an external address
 *   (either direction; internal-internal and transit flows are ignored) is checked against
 *   the feeds (CIDR-aware, O(1) per flow; see feeds/matcher.ts) and against the feeds
 *   listing the external address's reverse-DNS name (`nameHit`, O(1)).
 * - A hit raises a HIGH finding, category `blacklist`, key `blacklist:<device>:<external ip>`,
 *   naming the feed(s) and, for a name hit, the name. checkName() does the same for a
 *   device's DNS query name (key `blacklist:<device>:<name>`), for the DNS sources.
 * - Each (device, address) pair is reported at most once per `repeatMs` of clock time; the
 *   set of reported pairs is bounded (`maxPairs`, oldest forgotten), so a hot flow costs a
 *   map lookup, not a store write. Suppressed repeats are counted.
 * - Per flow the watch reads numbers, not text: the batch's addresses as numbers and its
 *   directions come from the traffic tracker (`flowKeys`, batch-keys.ts; computed here when
 *   absent), and an external IPv4 address found clean (neither it nor its name listed) is
 *   remembered as such by number (IntMap, at most `maxClean`, emptied when full), so a
 *   repeat costs one lookup. The verdicts are forgotten when the matcher changes (a feed
 *   reload) and by forget() (what nameHit says about an address changed: a new reverse-DNS
 *   answer). IPv6 and other text take the full check every time.
 */
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/events.js';
import type { Service } from '../core/lifecycle.js';
import type { Metrics } from '../core/metrics.js';
import { IntMap } from '../detect/int-map.js';
import type { FindingReport } from '../findings/types.js';
import type { FlowRecord } from '../flow/types.js';
import { BatchKeys, DIR, fillBatchKeys } from '../traffic/batch-keys.js';
import { createClassifier } from '../traffic/classifier.js';
import type { FeedMatcher } from './feeds/matcher.js';
import { parseIp } from './ip.js';
import { cleanHostname } from './sanitise.js';

export const CATEGORY = 'blacklist';

export interface BlacklistWatchDeps {
  bus: EventBus;
  findings: { report(r: FindingReport): unknown };
  /** The current matcher (it is replaced when feeds change). */
  matcher: () => FeedMatcher;
  /** The external IP's reverse-DNS name when a feed lists it. */
  nameHit?: (ip: string) => { name: string; feeds: readonly string[] } | undefined;
  /** Told about every listed external IP seen (to enrich it first). */
  onHit?: (externalIp: string) => void;
  /** The batch's addresses as numbers and directions, when the traffic tracker has them (same internal_networks). */
  flowKeys?: (records: readonly FlowRecord[]) => BatchKeys | undefined;
  clock: Clock;
  metrics?: Metrics;
}

export interface BlacklistWatchOptions {
  maxPairs: number;
  repeatMs: number;
  /** External IPv4 addresses remembered as clean (default 65,536). */
  maxClean?: number;
}

export interface BlacklistWatchStats {
  hits: number;
  reported: number;
  suppressed: number;
  pairs: number;
}

export interface BlacklistWatch extends Service {
  /** Checks a batch of flows (what the flow.records listener calls); `keys`, when given, must be the batch's. */
  observe(records: readonly FlowRecord[], keys?: BatchKeys): void;
  /** Forgets what the watch knows about ip's listing (every address when omitted): nameHit's answer for it may have changed. */
  forget(ip?: string): void;
  /** Checks a name a device looked up (DNS sources); returns true when listed. */
  checkName(deviceIp: string, name: string): boolean;
  stats(): BlacklistWatchStats;
}

const PROTO: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6', 132: 'sctp' };

/** Creates the watch; it subscribes to the bus on start(). */
export function createBlacklistWatch(
  config: Pick<Config, 'internal_networks'>,
  deps: BlacklistWatchDeps,
  opts: BlacklistWatchOptions = { maxPairs: 10_000, repeatMs: 3_600_000 },
): BlacklistWatch {
  const classifier = createClassifier(config.internal_networks);
  const pairs = new Map<string, number>();
  const s = { hits: 0, reported: 0, suppressed: 0 };
  let off: (() => void) | undefined;
  const maxClean = opts.maxClean ?? 65_536;
  /** External IPv4 addresses (by number) found clean under `cleanUnder`. */
  const clean = new IntMap<true>();
  let cleanUnder: FeedMatcher | undefined;
  /** Keys computed here when the caller has none. */
  const ownKeys = new BatchKeys();

  /** True when the pair should be reported now (and remembers it). */
  const due = (key: string, now: number): boolean => {
    const last = pairs.get(key);
    if (last !== undefined && now - last < opts.repeatMs) {
      s.suppressed++;
      return false;
    }
    pairs.delete(key);
    if (pairs.size >= opts.maxPairs) {
      const oldest = pairs.keys().next();
      if (!oldest.done) pairs.delete(oldest.value);
    }
    pairs.set(key, now);
    return true;
  };

  const report = (r: FindingReport) => {
    s.reported++;
    deps.metrics?.inc('homesec_intel_blacklist_findings_total');
    deps.findings.report(r);
  };

  const observe = (records: readonly FlowRecord[], given?: BatchKeys) => {
    const m = deps.matcher();
    if (m !== cleanUnder) {
      clean.clear();
      cleanUnder = m;
    }
    const keys = given ?? fillBatchKeys(records, classifier, ownKeys);
    const dirs = keys.dir;
    for (let i = 0; i < records.length; i++) {
      const dir = dirs[i];
      if (dir !== DIR.outbound && dir !== DIR.inbound) continue;
      const srcIn = dir === DIR.outbound;
      const extKey = srcIn ? (keys.dst[i] as number) : (keys.src[i] as number);
      if (extKey >= 0 && clean.get(extKey) === true) continue;
      const r = records[i] as FlowRecord;
      const device = srcIn ? r.srcAddr : r.dstAddr;
      const ext = srcIn ? r.dstAddr : r.srcAddr;
      const feeds = m.matchIp(ext);
      const named = deps.nameHit?.(ext);
      if (!feeds && !named) {
        if (extKey >= 0) {
          if (clean.size >= maxClean) clean.clear();
          clean.set(extKey, 0, true);
        }
        continue;
      }
      s.hits++;
      deps.onHit?.(ext);
      const now = deps.clock.now();
      if (!due(`${device}|${ext}`, now)) continue;
      const all = [...new Set([...(feeds ?? []), ...(named?.feeds ?? [])])];
      const proto = PROTO[r.protocol] ?? String(r.protocol);
      const what = feeds ? `${ext}, listed by ${all.join(', ')}` : `${ext} (${named?.name}), whose name is listed by ${all.join(', ')}`;
      report({
        key: `${CATEGORY}:${device}:${ext}`,
        category: CATEGORY,
        severity: 'high',
        sourceIp: device,
        title: `${device} talked to a blacklisted address: ${what}`,
        detail:
          `${srcIn ? 'Outbound' : 'Inbound'} flow ${r.srcAddr}:${r.srcPort} -> ${r.dstAddr}:${r.dstPort}/${proto}, ${r.bytes} bytes. ` +
          `Threat feed${all.length > 1 ? 's' : ''}: ${all.join(', ')}.`,
        atMs: now,
        evidence: {
          external_ip: ext,
          feeds: all,
          ...(named ? { name: named.name } : {}),
          direction: srcIn ? 'outbound' : 'inbound',
          port: r.dstPort,
          protocol: proto,
          bytes: r.bytes,
        },
      });
    }
  };

  return {
    observe,
    forget(ip) {
      if (ip === undefined) clean.clear();
      else {
        const p = parseIp(ip);
        if (p?.v === 4) clean.delete(p.n);
      }
    },
    checkName(deviceIp, rawName) {
      const name = cleanHostname(rawName);
      if (!name) return false;
      const feeds = deps.matcher().matchDomain(name);
      if (!feeds) return false;
      s.hits++;
      const now = deps.clock.now();
      if (due(`${deviceIp}|${name}`, now)) {
        report({
          key: `${CATEGORY}:${deviceIp}:${name}`,
          category: CATEGORY,
          severity: 'high',
          sourceIp: deviceIp,
          title: `${deviceIp} looked up a blacklisted name: ${name}, listed by ${feeds.join(', ')}`,
          detail: `DNS query for ${name}. Threat feed${feeds.length > 1 ? 's' : ''}: ${feeds.join(', ')}.`,
          atMs: now,
          evidence: { name, feeds: [...feeds] },
        });
      }
      return true;
    },
    stats: () => ({ ...s, pairs: pairs.size }),
    async start() {
      off ??= deps.bus.on('flow.records', (batch) => observe(batch.records, deps.flowKeys?.(batch.records)));
    },
    async stop() {
      off?.();
      off = undefined;
    },
  };
}
