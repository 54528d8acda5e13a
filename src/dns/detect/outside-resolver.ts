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
 */
import type { FlowRecord } from '../../flow/types.js';
import { createClassifier } from '../../traffic/classifier.js';
import { dohProvider } from '../data/doh-endpoints.js';
import { LruMap, createRepeatGuard, evictionCounter, type DnsDetector, type DnsDetectorContext, type DnsDetectorFactory } from './dns-detector.js';

export const NAME = 'dns_outside_resolver';
const MAX_RESOLVERS = 10;

type Kind = 'dns' | 'dot' | 'doh';

interface Device {
  resolvers: Map<string, { kind: Kind; provider: string | undefined; flows: number }>;
}

/** What kind of resolver traffic a flow is (see module rules), or undefined. */
export function resolverKind(f: FlowRecord): { kind: Kind; provider: string | undefined } | undefined {
  if (f.protocol !== 6 && f.protocol !== 17) return undefined;
  if (f.dstPort === 53) return { kind: 'dns', provider: dohProvider(f.dstAddr) };
  if (f.dstPort === 853) return { kind: 'dot', provider: dohProvider(f.dstAddr) };
  if (f.dstPort === 443) {
    const provider = dohProvider(f.dstAddr);
    return provider ? { kind: 'doh', provider } : undefined;
  }
  return undefined;
}

/** Creates the detector from ctx.config (internal_networks, dns_local_resolvers). */
export function createOutsideResolverDetector(ctx: DnsDetectorContext, opts = { devices: 5000, repeatMs: 6 * 3_600_000 }): DnsDetector {
  const classifier = createClassifier(ctx.config.internal_networks);
  const exempt = new Set(ctx.config.dns_local_resolvers);
  const devices = new LruMap<string, Device>(opts.devices, evictionCounter(ctx.metrics, NAME));
  const guard = createRepeatGuard(opts.devices, opts.repeatMs);

  const observeFlow = (f: FlowRecord) => {
    const r = resolverKind(f);
    if (!r || exempt.has(f.srcAddr)) return;
    if (!classifier.isInternal(f.srcAddr) || classifier.isInternal(f.dstAddr)) return;
    let d = devices.get(f.srcAddr);
    if (!d) {
      d = { resolvers: new Map() };
      devices.set(f.srcAddr, d);
    }
    const prev = d.resolvers.get(f.dstAddr);
    if (prev) prev.flows++;
    else if (d.resolvers.size < MAX_RESOLVERS) d.resolvers.set(f.dstAddr, { kind: r.kind, provider: r.provider, flows: 1 });
    const atMs = f.endMs >= f.startMs ? f.endMs : f.startMs;
    if (!guard.due(f.srcAddr, atMs)) return;
    ctx.metrics.inc('homesec_dns_outside_resolver_total', { kind: r.kind });
    const list = [...d.resolvers.entries()].map(([ip, v]) => ({ ip, kind: v.kind, provider: v.provider ?? null, flows: v.flows }));
    const label = r.kind === 'doh' ? `DNS over HTTPS (${r.provider})` : r.kind === 'dot' ? 'DNS over TLS' : 'plain DNS';
    ctx.report({
      key: `${NAME}:${f.srcAddr}`,
      category: NAME,
      severity: 'medium',
      sourceIp: f.srcAddr,
      title: `${f.srcAddr} resolves names outside the home resolver (${label} to ${f.dstAddr})`,
      detail:
        `${f.srcAddr} sent ${label} traffic to ${f.dstAddr}:${f.dstPort}${r.provider && r.kind !== 'doh' ? ` (${r.provider})` : ''}. ` +
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
    observeFlows(records) {
      for (let i = 0; i < records.length; i++) observeFlow(records[i] as FlowRecord);
    },
    tick() {
      /* devices expire by LRU */
    },
    size: () => devices.size,
  };
}

export const outsideResolverDetector: DnsDetectorFactory = (ctx) => createOutsideResolverDetector(ctx);
