/**
 * Findings routes. Rules: reads return stored plain text (the dashboard renders it as text);
 * dismiss/undismiss are actions (auth + CSRF by the auth plugin) and persist before answering;
 * keys are bounded strings matched exactly, never parsed. The list (most of a megabyte with
 * thousands of findings) is serialised once per query form and reused until a finding event
 * (`finding.new`, `finding.updated`: raised, repeated, dismissed or restored).
 */
import type { FastifyInstance } from 'fastify';
import type { FindingsResponse } from '../contract.js';
import type { EventBus } from '../../core/events.js';
import type { FindingsStore } from '../../findings/findings-store.js';
import { SEVERITIES, type Severity } from '../../findings/types.js';

const keyParam = { type: 'object', properties: { key: { type: 'string', minLength: 1, maxLength: 512 } }, required: ['key'] } as const;

/** Registers GET /api/findings and POST /api/findings/:key/(dismiss|undismiss). */
export function findingsRoutes(findings: FindingsStore, bus?: Pick<EventBus, 'on'>) {
  const cache = new Map<string, string>();
  for (const e of ['finding.new', 'finding.updated'] as const) bus?.on(e, () => cache.clear());
  return (app: FastifyInstance): void => {
    app.get<{ Querystring: { dismissed?: boolean; min_severity?: Severity } }>(
      '/api/findings',
      {
        schema: {
          summary: 'Findings, newest first',
          querystring: {
            type: 'object',
            properties: { dismissed: { type: 'boolean', default: false }, min_severity: { type: 'string', enum: [...SEVERITIES] } },
          },
        },
      },
      async (req, reply) => {
        const key = `${req.query.dismissed === true}|${req.query.min_severity ?? ''}`;
        let body = bus ? cache.get(key) : undefined;
        if (body === undefined) {
          body = JSON.stringify({
            openActionable: findings.openActionableCount(),
            findings: findings.list({ includeDismissed: req.query.dismissed === true, minSeverity: req.query.min_severity }),
          } satisfies FindingsResponse);
          if (bus) cache.set(key, body);
        }
        return reply.type('application/json; charset=utf-8').send(body);
      },
    );
    for (const action of ['dismiss', 'undismiss'] as const) {
      app.post<{ Params: { key: string } }>(
        `/api/findings/:key/${action}`,
        { schema: { summary: `${action === 'dismiss' ? 'Dismiss' : 'Restore'} a finding (persisted in homesec_dismissed.yaml)`, params: keyParam } },
        async (req, reply) => {
          const known = action === 'dismiss' ? findings.dismiss(req.params.key) : findings.undismiss(req.params.key);
          cache.clear();
          if (!known) return reply.code(404).send({ error: 'no finding with that key' });
          return { key: req.params.key, dismissed: action === 'dismiss' };
        },
      );
    }
  };
}
