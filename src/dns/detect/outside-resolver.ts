/**
 * Devices bypassing the home resolver (category `dns_outside_resolver`, key
 * `dns_outside_resolver:<device>`, severity medium), from flows (`flow.records`).
 *
 * Rules:
 * - An internal device (internal_networks) sending to an EXTERNAL address on port 53 (plain
 *   DNS, UDP or TCP) or 853 (DNS over TLS / QUIC), or on 443 (TCP or UDP/QUIC) to a known
 *   public DNS-over-HTTPS resolver (data/doh-endpoints.ts), is resolving names outside the
 *   home resolver, so its lookups escape blocking, logging and every DNS detector here.
 * - The home's own resolvers (dns_local_resolvers: Pi-hole, AdGuard Home, the router) are
 *   exempt: forwarding upstream is their job. Answers (source port 53/853/443 back to the
 *   device) are not counted.
 * - One finding per device, at most once per repeatMs; its evidence lists the resolvers and
 *   kinds seen (bounded). Tracked devices are bounded (LRU).
 * - Per flow the protocol and port are tested first, then the direction and the resolver
 *   address as numbers (the batch's BatchKeys, computed here when the caller has none); the
 *   address text is only read for flows that are resolver traffic.
 */
import type { FlowRecord } from '../../flow/types.js';
import { BatchKeys, DIR, fillBatchKeys } from '../../traffic/batch-keys.js';
import { createClassifier } from '../../traffic/classifier.js';
import { dohProvider, dohProviderV4 } from '../data/doh-endpoints.js';
import { LruMap, createRepeatGuard, evictionCounter, type DnsDetector, type DnsDetectorContext, type DnsDetectorFactory } from './dns-detector.js';

export const NAME = 'dns_outside_resolver';
const MAX_RESOLVERS = 10;

type Kind = 'dns' | 'dot' | 'doh';

interface Device {
  resolvers: Map<string, { kind: Kind; provider: string | undefined; flows: number }>;
}

/** Creates the detector from ctx.config (internal_networks, dns_local_resolvers). */
export function createOutsideResolverDetector(ctx: DnsDetectorContext, opts = { devices: 5000, repeatMs: 6 * 3_600_000 }): DnsDetector {
  const classifier = createClassifier(ctx.config.internal_networks);
  const exempt = new Set(ctx.config.dns_local_resolvers);
  const devices = new LruMap<string, Device>(opts.devices, evictionCounter(ctx.metrics, NAME));
  const guard = createRepeatGuard(opts.devices, opts.repeatMs);
  /** Keys computed here when the caller has none. */
  const ownKeys = new BatchKeys();

  /** Records resolver traffic `f` (of `kind`, to `provider`'s address if known) from an internal device to an external address. */
  const observeFlow = (f: FlowRecord, kind: Kind, provider: string | undefined) => {
    if (exempt.has(f.srcAddr)) return;
    let d = devices.get(f.srcAddr);
    if (!d) {
      d = { resolvers: new Map() };
      devices.set(f.srcAddr, d);
    }
    const prev = d.resolvers.get(f.dstAddr);
    if (prev) prev.flows++;
    else if (d.resolvers.size < MAX_RESOLVERS) d.resolvers.set(f.dstAddr, { kind, provider, flows: 1 });
    const atMs = f.endMs >= f.startMs ? f.endMs : f.startMs;
    if (!guard.due(f.srcAddr, atMs)) return;
    ctx.metrics.inc('homesec_dns_outside_resolver_total', { kind });
    const list = [...d.resolvers.entries()].map(([ip, v]) => ({ ip, kind: v.kind, provider: v.provider ?? null, flows: v.flows }));
    const label = kind === 'doh' ? `DNS over HTTPS (${provider})` : kind === 'dot' ? 'DNS over TLS' : 'plain DNS';
    ctx.report({
      key: `${NAME}:${f.srcAddr}`,
      category: NAME,
      severity: 'medium',
      sourceIp: f.srcAddr,
      title: `${f.srcAddr} resolves names outside the home resolver (${label} to ${f.dstAddr})`,
      detail:
        `${f.srcAddr} sent ${label} traffic to ${f.dstAddr}:${f.dstPort}${provider && kind !== 'doh' ? ` (${provider})` : ''}. ` +
        'Its lookups bypass the local resolver, so they are neither filtered nor logged nor checked by homesec. ' +
        'If this is intended (a browser with secure DNS, a VPN), dismiss the finding.',
      atMs,
      evidence: { resolvers: list, port: f.dstPort, protocol: f.protocol === 6 ? 'tcp' : 'udp' },
    });
  };

  return {
    name: NAME,
    observe() {
      /* works on flows only */
    },
    observeFlows(records, keys) {
      const k = keys ?? fillBatchKeys(records, classifier, ownKeys);
      for (let i = 0; i < records.length; i++) {
        const f = records[i] as FlowRecord;
        const port = f.dstPort;
        if ((port !== 53 && port !== 853 && port !== 443) || (f.protocol !== 6 && f.protocol !== 17)) continue;
        if (k.dir[i] !== DIR.outbound) continue;
        const dk = k.dst[i] as number;
        const provider = dk >= 0 ? dohProviderV4(dk) : dohProvider(f.dstAddr);
        if (port === 443 && provider === undefined) continue;
        observeFlow(f, port === 53 ? 'dns' : port === 853 ? 'dot' : 'doh', provider);
      }
    },
    tick() {
      /* devices expire by LRU */
    },
    size: () => devices.size,
  };
}

export const outsideResolverDetector: DnsDetectorFactory = (ctx) => createOutsideResolverDetector(ctx);
