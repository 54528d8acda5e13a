/**
 * Threat-intel routes. Rules: a lookup takes one IP literal (anything else is 400); the
 * answer is the stored/provider data (bounded, sanitised by the intel module) and never
 * carries API keys.
 */
import type { FastifyInstance } from 'fastify';
import { HomesecError } from '../../core/errors.js';
import type { Intel } from '../../intel/intel.js';

/** Registers GET /api/intel/:ip (on-demand lookup) and GET /api/intel (status). */
export function intelRoutes(intel: Intel) {
  return (app: FastifyInstance): void => {
    app.get('/api/intel', { schema: { summary: 'Provider budgets, queue, feeds, blacklist hits' } }, async () => intel.stats());
    app.get<{ Params: { ip: string } }>(
      '/api/intel/:ip',
      { schema: { summary: 'Look up one external IP now', params: { type: 'object', properties: { ip: { type: 'string', maxLength: 64 } }, required: ['ip'] } } },
      async (req, reply) => {
        try {
          return await intel.lookup(req.params.ip);
        } catch (err) {
          if (err instanceof HomesecError && err.code === 'INVALID_ARGUMENT') return reply.code(400).send({ error: err.message });
          throw err;
        }
      },
    );
  };
}
