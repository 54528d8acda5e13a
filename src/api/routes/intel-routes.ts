/**
 * Threat-intel routes. Rules: a lookup takes one IP literal (anything else is 400) and is an
 * action (POST: it spends provider budget, so it needs the CSRF token like every action);
 * the answer is the stored/provider data (bounded, sanitised by the intel module) and never
 * carries API keys. With enable_threat_intel off (`intel` undefined) every route answers 503
 * naming the option.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { IpLookupResponse } from '../contract.js';
import { HomesecError } from '../../core/errors.js';
import type { Intel } from '../../intel/intel.js';

export const ipParamSchema = { type: 'object', properties: { ip: { type: 'string', minLength: 2, maxLength: 64 } }, required: ['ip'] } as const;

/** The answer of every intel route while enable_threat_intel is off. */
export const intelOff = (reply: FastifyReply) => reply.code(503).send({ error: 'threat intel is off (enable_threat_intel: false)' });

/** Looks ip up now and answers the report, or 400 for a non-address (shared by both lookup routes). */
export async function lookupIp(intel: { lookup(ip: string): Promise<IpLookupResponse> }, ip: string, reply: FastifyReply): Promise<IpLookupResponse | FastifyReply> {
  try {
    return await intel.lookup(ip);
  } catch (err) {
    if (err instanceof HomesecError && err.code === 'INVALID_ARGUMENT') return reply.code(400).send({ error: err.message });
    throw err;
  }
}

/** Registers GET /api/intel (status) and POST /api/intel/:ip (on-demand lookup). */
export function intelRoutes(intel: Intel | undefined) {
  return (app: FastifyInstance): void => {
    app.get('/api/intel', { schema: { summary: 'Provider budgets, queue, feeds, blacklist hits' } }, async (_req, reply) => (intel ? intel.stats() : intelOff(reply)));
    app.post<{ Params: { ip: string } }>(
      '/api/intel/:ip',
      { schema: { summary: 'Look up one external IP now (asks the providers; spends daily budget)', params: ipParamSchema } },
      async (req, reply) => (intel ? lookupIp(intel, req.params.ip, reply) : intelOff(reply)),
    );
  };
}
