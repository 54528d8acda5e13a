/**
 * The dashboard's read views: overview, collector health, network graph, external IPs and
 * the CVE browser. Rules:
 * - Reads only (GET); every query parameter is schema-validated and bounded (pages at most
 *   500 rows, graph peers at most 500, search text at most 100 characters, an address
 *   parameter at most 64 characters and parsed before use).
 * - Views come from dashboard views built once per route set (external-ip-index,
 *   edge-window, cve-catalog); nothing here calls a provider. The graph answer is cached
 *   for `graphCacheMs` per `max_external` (the edge window itself moves every 2 s).
 * - The external-IP lookup that spends provider budget is an action:
 *   POST /api/external-ips/:ip/lookup (auth + CSRF by the auth plugin).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type {
  CollectorResponse,
  CveDetail,
  CvesResponse,
  ExternalIpDetail,
  ExternalIpSort,
  ExternalIpsResponse,
  GraphResponse,
  IpLookupResponse,
  KeywordChip,
  OverviewResponse,
  ProviderView,
} from '../contract.js';
import { canonicalIp } from '../../intel/ip.js';
import { CVE_SORTS, createCveCatalog, type CveCatalog, type CveSort } from '../views/cve-catalog.js';
import { createEdgeWindow, type EdgeWindow, type EdgeWindowOptions } from '../views/edge-window.js';
import { addAnswer, createExternalIpIndex, EXTERNAL_SORTS, MAX_PAGE, toExternalIp, type Enrichment, type ExternalIpIndex, type ExternalIpIndexOptions } from '../views/external-ip-index.js';
import { buildGraph, GRAPH_LIMITS } from '../views/graph-view.js';
import { buildOverview, collectorHealth } from '../views/overview-view.js';
import type { DashboardSources } from '../views/sources.js';
import { intelOff, ipParamSchema as ipParam, lookupIp } from './intel-routes.js';
import { vulnOff } from './vuln-routes.js';
import { PROVIDER_NAMES, type ProviderName } from '../../intel/types.js';

export interface DashboardViews {
  externals: ExternalIpIndex;
  edges: EdgeWindow;
  cves: CveCatalog | undefined;
  /** The NVD keyword chips (the vulnerability service computes them in about 10 ms: kept until vulnChanged or 30 s). */
  keywords(): KeywordChip[];
  /** Tells the views the vulnerability results changed (the app calls it on `vuln.updated`). */
  vulnChanged(): void;
}

export const KEYWORDS_MAX_AGE_MS = 30_000;

/** Builds the views over the sources (they read nothing until asked). */
export function createDashboardViews(s: DashboardSources, options: { externals?: Partial<ExternalIpIndexOptions>; edges?: Partial<EdgeWindowOptions> } = {}): DashboardViews {
  const cves = s.vuln ? createCveCatalog({ db: s.db, now: s.now, results: () => s.vuln?.results() ?? [] }) : undefined;
  let chips: { atMs: number; list: KeywordChip[] } | undefined;
  return {
    externals: createExternalIpIndex({ db: s.db, now: s.now, ...(s.intel ? { intel: s.intel } : {}) }, { retentionMs: s.externalRetentionMs, ...options.externals }),
    edges: createEdgeWindow({ db: s.db, now: s.now, isInternal: s.isInternal }, options.edges),
    cves,
    keywords() {
      const now = s.now();
      if (!chips || now - chips.atMs > KEYWORDS_MAX_AGE_MS) {
        const list = (s.vuln?.keywords() ?? []).map((k) => ({
          keyword: k.keyword,
          source: k.source,
          cves: k.cves,
          pending: k.pending,
          ...(k.fetchedMs !== undefined ? { fetchedMs: k.fetchedMs } : {}),
          ...(k.error !== undefined ? { error: k.error } : {}),
        }));
        chips = { atMs: now, list };
      }
      return chips.list;
    },
    vulnChanged() {
      cves?.invalidate();
      chips = undefined;
    },
  };
}

const pageProps = {
  limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 50 },
  offset: { type: 'integer', minimum: 0, maximum: 10_000_000, default: 0 },
  order: { type: 'string', enum: ['asc', 'desc'], default: 'desc' },
  q: { type: 'string', maxLength: 100 },
} as const;

const bad = (reply: FastifyReply, error: string) => reply.code(400).send({ error });

/** Registers GET /api/overview, /api/collector, /api/graph, /api/external-ips[/:ip], /api/cves[/:id] and POST /api/external-ips/:ip/lookup. */
export function dashboardRoutes(s: DashboardSources, views: DashboardViews = createDashboardViews(s), options: { graphCacheMs?: number } = {}) {
  const graphCacheMs = options.graphCacheMs ?? 2000;
  const graphCache = new Map<number, { atMs: number; body: string }>();

  const graph = async (maxExternal: number): Promise<string> => {
    const now = s.now();
    const hit = graphCache.get(maxExternal);
    if (hit && now - hit.atMs < graphCacheMs) return hit.body;
    await Promise.all([views.edges.refresh(), views.externals.refresh()]);
    const externals = views.externals;
    const body: GraphResponse = buildGraph({
      nowMs: now,
      windowMs: views.edges.windowMs,
      devices: s.inventory.devices(),
      scanned: new Set(s.scanner.hosts().map((h) => h.ip)),
      internalEdges: views.edges.internalEdges(),
      peers: views.edges.peers(),
      external: (ip) => {
        const r = externals.get(ip);
        return r ? { level: r.rating.level, score: r.rating.score, country: r.country, org: r.org, rdns: r.rdns } : undefined;
      },
      maxExternal,
    });
    if (graphCache.size > 16) graphCache.clear();
    const text = JSON.stringify(body);
    graphCache.set(maxExternal, { atMs: now, body: text });
    return text;
  };

  const providerViews = (e: Enrichment | undefined): ExternalIpDetail['providers'] => {
    const out = {} as ExternalIpDetail['providers'];
    const enabled = new Map((s.intel?.stats().providers ?? []).map((p) => [p.name, p.enabled]));
    const now = s.now();
    for (const name of PROVIDER_NAMES) {
      const fetchedMs = e?.fetched[name];
      const data = e?.[name];
      let v: ProviderView;
      if (fetchedMs !== undefined && data) v = { status: now - fetchedMs < s.enrichmentTtlMs ? 'fresh' : 'stale', fetchedMs, data };
      else if (!s.intel || enabled.get(name) !== true) v = { status: 'disabled' };
      else v = { status: 'skipped', reason: 'not looked up yet' };
      out[name] = v;
    }
    return out;
  };

  return (app: FastifyInstance): void => {
    app.get('/api/overview', { schema: { summary: 'Overview: device/flow/finding/vulnerability counts, Active Scan card, NetFlow listener health, recent findings, NVD keyword chips' } }, async (): Promise<OverviewResponse> => {
      await views.externals.refresh();
      return buildOverview(s, views.externals, views.keywords());
    },
    );

    app.get<{ Querystring: { limit: number } }>(
      '/api/collector',
      {
        schema: {
          summary: 'NetFlow/IPFIX/sFlow listener health: address, totals, drops by reason, per-exporter versions, templates, sequence gaps',
          querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 256, default: 100 } } },
        },
      },
      async (req): Promise<CollectorResponse> => ({ ...collectorHealth(s.collector, req.query.limit), flowsTotal: s.flowsTotal(), generatedMs: s.now() }),
    );

    app.get<{ Querystring: { max_external: number } }>(
      '/api/graph',
      {
        schema: {
          summary: `Network graph: devices (at most ${GRAPH_LIMITS.maxDevices}) and top external peers with traffic edges over the last hour`,
          querystring: {
            type: 'object',
            properties: { max_external: { type: 'integer', minimum: 0, maximum: GRAPH_LIMITS.maxExternal, default: GRAPH_LIMITS.defaultExternal } },
          },
        },
      },
      async (req, reply) => reply.type('application/json; charset=utf-8').send(await graph(req.query.max_external)),
    );

    app.get<{ Querystring: { limit: number; offset: number; sort: ExternalIpSort; order: 'asc' | 'desc'; q?: string; flagged?: boolean } }>(
      '/api/external-ips',
      {
        schema: {
          summary: 'External IPs: threat rating with reasons, VirusTotal, AbuseIPDB, country/org, rDNS, traffic; paged, sorted, searchable',
          querystring: {
            type: 'object',
            properties: { ...pageProps, sort: { type: 'string', enum: [...EXTERNAL_SORTS], default: 'last_seen' }, flagged: { type: 'boolean' } },
          },
        },
      },
      async (req): Promise<ExternalIpsResponse> => {
        const { limit, offset, sort, order, q, flagged } = req.query;
        await views.externals.refresh();
        const page = views.externals.page({ limit, offset, sort, order, ...(q ? { q } : {}), ...(flagged ? { flagged } : {}) });
        return { ...page, offset, limit, order, sort, known: views.externals.counts().known, intelEnabled: s.intel !== undefined };
      },
    );

    app.get<{ Params: { ip: string } }>(
      '/api/external-ips/:ip',
      { schema: { summary: 'One external IP with its stored provider answers (asks no provider)', params: ipParam } },
      async (req, reply): Promise<ExternalIpDetail | FastifyReply> => {
        const ip = canonicalIp(req.params.ip);
        if (!ip) return bad(reply, 'not an IP address');
        await views.externals.refresh();
        const r = views.externals.get(ip);
        const e: Enrichment = { fetched: {} };
        for (const row of s.db().prepare('SELECT provider, fetched_ms, data FROM intel_enrichment WHERE ip = ?').all(ip) as { provider: ProviderName; fetched_ms: number; data: string }[]) {
          addAnswer(e, row.provider, row.fetched_ms, row.data);
        }
        const known = Object.keys(e.fetched).length > 0;
        if (!r && !known) return reply.code(404).send({ error: 'never seen and never looked up' });
        const devicesJson = s.db().prepare('SELECT devices FROM external_ips WHERE ip = ?').pluck().get(ip) as string | undefined;
        let deviceIps: string[] = [];
        try {
          deviceIps = ((JSON.parse(devicesJson ?? '[]') as unknown[]) ?? []).filter((d): d is string => typeof d === 'string').slice(0, 64);
        } catch {
          /* unreadable: none */
        }
        const base = toExternalIp(r ?? views.externals.standalone(ip, e));
        return { ...base, deviceIps, providers: providerViews(known ? e : undefined) };
      },
    );

    app.post<{ Params: { ip: string } }>(
      '/api/external-ips/:ip/lookup',
      { schema: { summary: 'Look up one external IP now (asks the providers; spends daily budget)', params: ipParam } },
      async (req, reply): Promise<IpLookupResponse | FastifyReply> => {
        if (!s.intel) return intelOff(reply);
        const report = await lookupIp(s.intel, req.params.ip, reply);
        views.externals.invalidate();
        return report;
      },
    );

    app.get<{ Querystring: { limit: number; offset: number; sort: CveSort; order: 'asc' | 'desc'; q?: string; severity?: string; kev?: boolean; detected?: boolean } }>(
      '/api/cves',
      {
        schema: {
          summary: 'CVE browser: every cached CVE with CVSS, severity, published, KEV, products and how many hosts it was detected on',
          querystring: {
            type: 'object',
            properties: {
              ...pageProps,
              sort: { type: 'string', enum: [...CVE_SORTS], default: 'cvss' },
              severity: { type: 'string', enum: ['critical', 'high', 'medium', 'low', 'none', 'unknown'] },
              kev: { type: 'boolean' },
              detected: { type: 'boolean' },
            },
          },
        },
      },
      async (req, reply): Promise<CvesResponse | FastifyReply> => {
        if (!views.cves) return vulnOff(reply);
        const { limit, offset, sort, order, q, severity, kev, detected } = req.query;
        const page = views.cves.page({
          limit,
          offset,
          sort,
          order,
          ...(q ? { q } : {}),
          ...(severity ? { severity: severity as CvesResponse['items'][number]['severity'] } : {}),
          ...(kev !== undefined ? { kev } : {}),
          ...(detected !== undefined ? { detected } : {}),
        });
        return { ...page, offset, limit, order, sort };
      },
    );

    app.get<{ Params: { id: string } }>(
      '/api/cves/:id',
      { schema: { summary: 'One CVE: description, CVSS, KEV entry, vulnerable CPE criteria, where it matched', params: { type: 'object', properties: { id: { type: 'string', pattern: '^[Cc][Vv][Ee]-\\d{4}-\\d{4,8}$' } }, required: ['id'] } } },
      async (req, reply): Promise<CveDetail | FastifyReply> => {
        if (!views.cves) return vulnOff(reply);
        return views.cves.get(req.params.id) ?? reply.code(404).send({ error: 'no such CVE in the cache' });
      },
    );
  };
}
