/**
 * Blocking routes for the API server (registered by app.ts; authentication and CSRF are the
 * auth plugin's, which guards everything under /api/). Rules:
 * - GET /api/block (status), GET /api/block/active, GET /api/block/audit?limit=&before=
 *   are reads; POST /api/block {value, reason, ttl_minutes?}, POST /api/block/unblock
 *   {value, reason?}, POST /api/block/release-all {reason?}, POST /api/block/resume and
 *   POST /api/block/reconcile are actions. Bodies are schema-checked and bounded; values
 *   are parsed by the engine (canonicalSubject), never passed on as typed.
 * - A manual block names the requester's own address as unblockable (actorIp).
 * - Errors: 400 invalid or refused by a guard (with `guard`), 404 not blocked, 409 cap
 *   reached, 503 blocking disabled — always `{error}`; nothing carries a secret.
 * - GET /blocklist/:token/ips.txt and /domains.txt serve the plain-text blocklist outside
 *   /api/ (firewalls cannot log in): the token in the path is the credential; a wrong token
 *   or file is a plain 404; the answer is read-only text and never cached.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { BlockActiveResponse, BlockAuditResponse, BlockResultView, BlockResumeResponse, BlockStatusView, ReleaseAllResultView, UnblockResultView } from '../api/contract.js';
import type { BlockOutcome, Blocker, UnblockOutcome } from './blocker.js';

const valueSchema = { type: 'string', minLength: 1, maxLength: 254 } as const;
const reasonSchema = { type: 'string', maxLength: 500 } as const;

type Failure = Extract<BlockOutcome | UnblockOutcome, { ok: false }>;

const STATUS: Record<Failure['code'], number> = { invalid: 400, refused: 400, not_found: 404, cap: 409, disabled: 503 };

function fail(reply: FastifyReply, f: Failure) {
  return reply.code(STATUS[f.code]).send({ error: f.error, ...('guard' in f && f.guard ? { guard: f.guard } : {}) });
}

/** Registers the blocking routes (see module rules). */
export function blockRoutes(blocker: Blocker) {
  return (app: FastifyInstance): void => {
    app.get('/api/block', { schema: { summary: 'Automated response: enabled, dry run, pause, caps, target health' } }, async (): Promise<BlockStatusView> => blocker.status());
    app.get('/api/block/active', { schema: { summary: 'Active blocks, newest first' } }, async (): Promise<BlockActiveResponse> => ({ blocks: blocker.active() }));
    app.get<{ Querystring: { limit?: number; before?: number } }>(
      '/api/block/audit',
      {
        schema: {
          summary: 'Block audit log, newest first (page with before = the last id seen)',
          querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, before: { type: 'integer', minimum: 1 } } },
        },
      },
      async (req): Promise<BlockAuditResponse> => {
        const entries = blocker.audit(req.query.limit ?? 100, req.query.before);
        const last = entries[entries.length - 1];
        return { entries, ...(last && entries.length === (req.query.limit ?? 100) ? { nextBefore: last.id } : {}) };
      },
    );
    app.post<{ Body: { value: string; reason: string; ttl_minutes?: number } }>(
      '/api/block',
      {
        schema: {
          summary: 'Block an IP address or domain by hand (with a reason)',
          body: {
            type: 'object',
            properties: { value: valueSchema, reason: { ...reasonSchema, minLength: 1 }, ttl_minutes: { type: 'integer', minimum: 1, maximum: 525_600 } },
            required: ['value', 'reason'],
            additionalProperties: false,
          },
        },
      },
      async (req, reply) => {
        const r = await blocker.block({
          value: req.body.value,
          reason: req.body.reason,
          ...(req.body.ttl_minutes !== undefined ? { ttlMinutes: req.body.ttl_minutes } : {}),
          actorIp: req.ip,
        });
        if (!r.ok) return fail(reply, r);
        return { block: r.block, dryRun: r.dryRun, already: r.already, targets: r.targets } satisfies BlockResultView;
      },
    );
    app.post<{ Body: { value: string; reason?: string } }>(
      '/api/block/unblock',
      {
        schema: {
          summary: 'Remove a block now (it does not allowlist: use block_allowlist for that)',
          body: { type: 'object', properties: { value: valueSchema, reason: reasonSchema }, required: ['value'], additionalProperties: false },
        },
      },
      async (req, reply) => {
        const r = await blocker.unblock(req.body.value, req.body.reason ?? '');
        if (!r.ok) return fail(reply, r);
        return { value: r.value, targets: r.targets } satisfies UnblockResultView;
      },
    );
    app.post<{ Body: { reason?: unknown } | undefined }>(
      '/api/block/release-all',
      { schema: { summary: 'Kill switch: release every block, empty every target of homesec entries, pause automation (body optional: {reason})' } },
      // No body schema: the kill switch must work with any body or none; only a string reason is read.
      async (req): Promise<ReleaseAllResultView> => blocker.releaseAll(typeof req.body?.reason === 'string' ? req.body.reason.slice(0, 500) : ''),
    );
    app.post('/api/block/resume', { schema: { summary: 'Resume automatic blocking after a pause' } }, async (): Promise<BlockResumeResponse> => ({ resumed: blocker.resume(), status: blocker.status() }));
    app.post('/api/block/reconcile', { schema: { summary: 'Bring every target in line with the block list now' } }, async () => ({ targets: await blocker.reconcile() }));

    app.get<{ Params: { token: string; file: string } }>(
      '/blocklist/:token/:file',
      {
        schema: {
          hide: true,
          params: { type: 'object', properties: { token: { type: 'string', maxLength: 256 }, file: { type: 'string', maxLength: 32 } }, required: ['token', 'file'] },
        },
      },
      async (req, reply) => {
        const text = blocker.blocklistText(req.params.token, req.params.file);
        if (text === undefined) return reply.code(404).send({ error: 'not found' });
        return reply.header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-store').send(text);
      },
    );
  };
}
