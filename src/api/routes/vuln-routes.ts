/**
 * Vulnerability routes: per-host CVE results, the NVD keyword table (the reference's "NVD
 * Keywords" sensor) and `nvd_refresh`. Rules: the refresh runs in the background (at 5
 * requests / 30 s it takes minutes) and answers 202 at once; results never carry the API key.
 */
import type { FastifyInstance } from 'fastify';
import type { Log } from '../../core/logger.js';
import type { VulnService } from '../../vuln/vuln-service.js';

/** Registers GET /api/vulnerabilities[?ip=], GET /api/vulnerabilities/keywords, POST /api/vulnerabilities/refresh. */
export function vulnRoutes(vuln: VulnService, log: Log) {
  return (app: FastifyInstance): void => {
    app.get<{ Querystring: { ip?: string } }>(
      '/api/vulnerabilities',
      { schema: { summary: 'CVE matches per host and service (confirmed, possible, KEV, back-port hints)', querystring: { type: 'object', properties: { ip: { type: 'string', maxLength: 64 } } } } },
      async (req) => ({ hosts: vuln.results(req.query.ip), stats: vuln.stats() }),
    );
    app.get('/api/vulnerabilities/keywords', { schema: { summary: 'NVD keywords: CVE count, source (custom / product_map / fingerprint / banner), fetch time' } }, async () => ({
      keywords: vuln.keywords(),
    }));
    app.post('/api/vulnerabilities/refresh', { schema: { summary: 'Flush the NVD cache and refetch (nvd_refresh)' } }, async (_req, reply) => {
      void vuln.refresh().catch((err: unknown) => log.error({ err: String(err) }, 'nvd_refresh failed'));
      return reply.code(202).send({ status: 'started' });
    });
  };
}
