/**
 * Notification routes for the API server (registered by app.ts like the other capability
 * routes; authentication and CSRF are the server's). Rules: GET /api/notify is the
 * dashboard's view (per-channel queued/sent/failed/held/suppressed, last safe error, pause)
 * and never carries a secret; POST /api/notify/test sends a test message to one channel
 * ({"channel": name}) or all ({}), answering 400 for an unknown name.
 */
import type { FastifyInstance } from 'fastify';
import { HomesecError } from '../core/errors.js';
import type { Notifier } from './notifier.js';

/** Registers GET /api/notify and POST /api/notify/test. */
export function notifyRoutes(notifier: Pick<Notifier, 'status' | 'test'>) {
  return (app: FastifyInstance): void => {
    app.get('/api/notify', { schema: { summary: 'Notification channels: counts, last error, quiet hours, next summary' } }, async () => notifier.status());
    app.post<{ Body: { channel?: string } | undefined }>(
      '/api/notify/test',
      {
        schema: {
          summary: 'Send a test notification to one channel or all',
          body: { type: 'object', properties: { channel: { type: 'string', maxLength: 64 } }, additionalProperties: false },
        },
      },
      async (req, reply) => {
        try {
          return { results: await notifier.test(req.body?.channel) };
        } catch (err) {
          if (err instanceof HomesecError && err.code === 'INVALID_ARGUMENT') return reply.code(400).send({ error: err.message });
          throw err;
        }
      },
    );
  };
}
