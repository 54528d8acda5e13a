/**
 * Scanner routes. Rules: GET returns the summary and stored host results; POST /api/scan is
 * the reference's `trigger_scan` (202 started, 409 when a cycle is running, 503 when
 * enable_scanner is off); it never takes targets from the request — what is scanned is
 * decided by configuration only.
 */
import type { FastifyInstance } from 'fastify';
import type { Log } from '../../core/logger.js';
import type { Scanner } from '../../scan/scanner.js';

/** Registers GET /api/scan, GET /api/scan/hosts, POST /api/scan. */
export function scanRoutes(scanner: Scanner, log: Log) {
  return (app: FastifyInstance): void => {
    app.get('/api/scan', { schema: { summary: 'Scan status: last scan, duration, hosts found, interval, progress' } }, async () => scanner.summary());
    app.get('/api/scan/hosts', { schema: { summary: 'Last scan result of every host' } }, async () => ({ hosts: scanner.hosts() }));
    app.post('/api/scan', { schema: { summary: 'Start a scan now (trigger_scan); 503 when enable_scanner is off' } }, async (_req, reply) => {
      if (!scanner.summary().enabled) return reply.code(503).send({ error: 'active scanning is off (enable_scanner: false)' });
      if (scanner.running()) return reply.code(409).send({ error: 'a scan is already running', summary: scanner.summary() });
      scanner.runCycle('api').catch((err: unknown) => log.warn({ err: String(err) }, 'triggered scan failed'));
      return reply.code(202).send({ status: 'started' });
    });
  };
}
