/**
 * Algorithmically generated names (category `dns_dga`, key `dns_dga:<client>`).
 *
 * Rules:
 * - Every public query name is judged by dga-score.ts (the registrable label only; verdicts
 *   memoised per registrable domain, bounded). A single odd name is not a finding: a device
 *   is reported when it looks up at least dns_dga_min_names DISTINCT DGA-like domains within
 *   dns_window_minutes of query time (bots try many generated names, most of which do not
 *   exist). Severity medium; high when most of them got NXDOMAIN (the typical DGA pattern).
 * - After a finding the device's window is cleared and it is not reported again for one
 *   window. Devices are tracked in a bounded LRU (evictions counted); each device keeps at
 *   most 2 x the minimum names.
 */
import type { NameParts } from '../names.js';
import type { DnsQuery } from '../types.js';
import { scoreLabel, type DgaVerdict } from './dga-score.js';
import { LruMap, evictionCounter, type DnsDetector, type DnsDetectorContext, type DnsDetectorFactory } from './dns-detector.js';

export const NAME = 'dns_dga';
const EXAMPLES = 10;

interface Seen {
  name: string;
  registrable: string;
  score: number;
  nx: boolean;
  atMs: number;
}

interface DeviceState {
  names: Map<string, Seen>;
  suppressUntil: number;
}

/** Creates the detector from ctx.config (dns_dga_min_names, dns_window_minutes). */
export function createDgaDetector(ctx: DnsDetectorContext, opts = { devices: 5000, verdicts: 100_000 }): DnsDetector {
  const min = Math.max(1, ctx.config.dns_dga_min_names);
  const windowMs = ctx.config.dns_window_minutes * 60_000;
  const evict = evictionCounter(ctx.metrics, NAME);
  const verdicts = new LruMap<string, DgaVerdict | null>(opts.verdicts, evict);
  const devices = new LruMap<string, DeviceState>(opts.devices, evict);

  const judge = (parts: NameParts): DgaVerdict | undefined => {
    const key = parts.registrable as string;
    const v = verdicts.get(key);
    if (v !== undefined) return v ?? undefined;
    const fresh = scoreLabel(parts.label as string, key) ?? null;
    verdicts.set(key, fresh);
    return fresh ?? undefined;
  };

  const raise = (client: string, d: DeviceState, atMs: number) => {
    const list = [...d.names.values()].sort((a, b) => b.score - a.score);
    const nx = list.filter((s) => s.nx).length;
    const high = nx * 2 >= list.length;
    ctx.report({
      key: `${NAME}:${client}`,
      category: NAME,
      severity: high ? 'high' : 'medium',
      sourceIp: client,
      title: `${client} looked up ${list.length} algorithmically generated-looking domains`,
      detail:
        `Within ${windowMs / 60_000} min ${client} queried ${list.length} distinct random-looking domains ` +
        `(${nx} answered NXDOMAIN), typical of malware searching for its command server with a domain generation algorithm. ` +
        `Examples: ${list.slice(0, 5).map((s) => s.name).join(', ')}.`,
      atMs,
      evidence: {
        domains: list.length,
        nxdomain: nx,
        windowMinutes: windowMs / 60_000,
        examples: list.slice(0, EXAMPLES).map((s) => ({ name: s.name, score: s.score, nxdomain: s.nx })),
      },
    });
    d.names.clear();
    d.suppressUntil = atMs + windowMs;
  };

  return {
    name: NAME,
    observe(q: DnsQuery, parts: NameParts) {
      if (parts.local || !parts.registrable || !parts.label) return;
      const v = judge(parts);
      if (!v?.dga) return;
      ctx.metrics.inc('homesec_dns_dga_names_total');
      let d = devices.get(q.client);
      if (!d) {
        d = { names: new Map(), suppressUntil: 0 };
        devices.set(q.client, d);
      }
      if (q.timeMs < d.suppressUntil) return;
      for (const [k, s] of d.names) if (q.timeMs - s.atMs > windowMs) d.names.delete(k);
      const prev = d.names.get(v.registrable);
      const nx = q.rcode === 'NXDOMAIN' || (prev?.nx ?? false);
      if (!prev && d.names.size >= 2 * min) return;
      d.names.set(v.registrable, { name: q.name, registrable: v.registrable, score: v.score, nx, atMs: q.timeMs });
      if (d.names.size >= min) raise(q.client, d, q.timeMs);
    },
    tick(nowMs: number) {
      for (const [client, d] of [...devices.entries()]) {
        for (const [k, s] of d.names) if (nowMs - s.atMs > windowMs) d.names.delete(k);
        if (d.names.size === 0 && nowMs >= d.suppressUntil) devices.delete(client);
      }
    },
    size: () => devices.size + verdicts.size,
  };
}

export const dgaDetector: DnsDetectorFactory = (ctx) => createDgaDetector(ctx);
