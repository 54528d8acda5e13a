/**
 * Vulnerability routes: per-host CVE results, the NVD keyword table (the reference's "NVD
 * Keywords" sensor) and `nvd_refresh`. Rules: the refresh runs in the background (at 5
 * requests / 30 s it takes minutes) and answers 202 at once; results never carry the API key.
 * The whole-network list is counts per host and service (details per host with `?ip=`, per
 * CVE at /api/cves/:id); `?full=true` gives every match in full (megabytes with a large CVE
 * cache). Both whole-network forms are built once per re-match (`vuln.updated`) and reused.
 * With enable_nvd off (`vuln` undefined) every route answers 503 naming the option.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { CvssSeverity, HostVulnSummary, HostVulns, VulnerabilitiesResponse, VulnerabilitySummaryResponse } from '../contract.js';
import type { EventBus } from '../../core/events.js';
import type { Log } from '../../core/logger.js';
import type { VulnService } from '../../vuln/vuln-service.js';

const RANK: Record<CvssSeverity | 'unknown', number> = { critical: 5, high: 4, medium: 3, low: 2, none: 1, unknown: 0 };

/** The answer of every vulnerability route while enable_nvd is off. */
export const vulnOff = (reply: FastifyReply) => reply.code(503).send({ error: 'vulnerability matching is off (enable_nvd: false)' });

/** The counts form of one host's results. */
export function summariseHost(h: HostVulns): HostVulnSummary {
  return {
    ip: h.ip,
    atRisk: h.atRisk,
    counts: h.counts,
    possible: h.possible,
    kev: h.kev,
    backported: h.backported,
    services: h.services.map((s) => {
      let worst: HostVulnSummary['services'][number]['worst'] = null;
      for (const m of s.affected) if (worst === null || RANK[m.severity] > RANK[worst]) worst = m.severity;
      return { port: s.port, service: s.service, label: s.label, affected: s.affected.length, possible: s.possible.length, kev: s.affected.filter((m) => m.kev).length, worst };
    }),
  };
}

/** Registers GET /api/vulnerabilities[?ip=|?full=true], GET /api/vulnerabilities/keywords, POST /api/vulnerabilities/refresh. */
export function vulnRoutes(vuln: VulnService | undefined, log: Log, bus?: Pick<EventBus, 'on'>) {
  const cached: { summary?: string; full?: string } = {};
  bus?.on('vuln.updated', () => {
    cached.summary = cached.full = undefined;
  });
  const send = (reply: FastifyReply, hosts: string, stats: unknown) => reply.type('application/json; charset=utf-8').send(`{"hosts":${hosts},"stats":${JSON.stringify(stats)}}`);
  return (app: FastifyInstance): void => {
    app.get<{ Querystring: { ip?: string; full?: boolean } }>(
      '/api/vulnerabilities',
      {
        schema: {
          summary: 'CVE matches: counts per host and service; one host in full with ?ip=, every host in full with ?full=true',
          querystring: { type: 'object', properties: { ip: { type: 'string', maxLength: 64 }, full: { type: 'boolean', default: false } } },
        },
      },
      async (req, reply) => {
        if (!vuln) return vulnOff(reply);
        if (req.query.ip !== undefined) return { hosts: vuln.results(req.query.ip), stats: vuln.stats() } satisfies VulnerabilitiesResponse;
        if (!bus) {
          const hosts = vuln.results();
          return req.query.full ? ({ hosts, stats: vuln.stats() } satisfies VulnerabilitiesResponse) : ({ hosts: hosts.map(summariseHost), stats: vuln.stats() } satisfies VulnerabilitySummaryResponse);
        }
        if (req.query.full) return send(reply, (cached.full ??= JSON.stringify(vuln.results() satisfies HostVulns[])), vuln.stats());
        return send(reply, (cached.summary ??= JSON.stringify(vuln.results().map(summariseHost))), vuln.stats());
      },
    );
    app.get('/api/vulnerabilities/keywords', { schema: { summary: 'NVD keywords: CVE count, source (custom / product_map / fingerprint / banner), fetch time' } }, async (_req, reply) => (vuln ? { keywords: vuln.keywords() } : vulnOff(reply)));
    app.post('/api/vulnerabilities/refresh', { schema: { summary: 'Flush the NVD cache and refetch (nvd_refresh)' } }, async (_req, reply) => {
      if (!vuln) return vulnOff(reply);
      void vuln.refresh().catch((err: unknown) => log.error({ err: String(err) }, 'nvd_refresh failed'));
      return reply.code(202).send({ status: 'started' });
    });
  };
}
