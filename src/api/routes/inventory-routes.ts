/**
 * Inventory routes: the Hosts view, role overrides, trusted devices, merges and the
 * recommendations. Rules: device references are an id, an IP or a MAC as bounded strings
 * (the inventory resolves them; unknown → 404); roles must be one of the reference's
 * vocabulary (schema-validated); every action persists before answering (roles go to
 * homesec_roles.yaml at once).
 */
import type { FastifyInstance } from 'fastify';
import type { Inventory } from '../../inventory/inventory.js';
import type { TelemetryContext } from '../../inventory/recommendations.js';
import { ROLES, type Role } from '../../store/state-files.js';

const ref = { type: 'object', properties: { ref: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['ref'] } as const;

function parseRef(r: string): number | string {
  return /^\d{1,9}$/.test(r) ? Number(r) : r;
}

/** Registers the /api/hosts and /api/recommendations routes. */
export function inventoryRoutes(inventory: Inventory, telemetry: () => TelemetryContext) {
  return (app: FastifyInstance): void => {
    app.get('/api/hosts', { schema: { summary: 'Every device: identity, role and reasons, risk, services' } }, async () => ({ devices: inventory.devices() }));
    app.get<{ Params: { ref: string } }>('/api/hosts/:ref', { schema: { summary: 'One device by id, IP or MAC', params: ref } }, async (req, reply) => {
      const d = inventory.device(parseRef(req.params.ref));
      return d ?? reply.code(404).send({ error: 'no such device' });
    });
    app.post<{ Params: { ref: string }; Body: { role: Role | null } }>(
      '/api/hosts/:ref/role',
      {
        schema: {
          summary: 'Set (or clear with null/"unknown") the role override; saved in homesec_roles.yaml',
          params: ref,
          body: { type: 'object', properties: { role: { anyOf: [{ type: 'string', enum: [...ROLES] }, { type: 'null' }] } }, required: ['role'] },
        },
      },
      async (req, reply) => {
        const d = inventory.device(parseRef(req.params.ref));
        const ip = d?.ip ?? (typeof parseRef(req.params.ref) === 'string' ? req.params.ref : undefined);
        const updated = ip ? inventory.setRole(ip, req.body.role) : undefined;
        return updated ?? reply.code(404).send({ error: 'no such device' });
      },
    );
    app.post<{ Params: { ref: string }; Body: { trusted: boolean } }>(
      '/api/hosts/:ref/trusted',
      { schema: { summary: 'Mark a device trusted (no new-device findings) or not', params: ref, body: { type: 'object', properties: { trusted: { type: 'boolean' } }, required: ['trusted'] } } },
      async (req, reply) => inventory.setTrusted(parseRef(req.params.ref), req.body.trusted) ?? reply.code(404).send({ error: 'no such device' }),
    );
    app.post<{ Params: { ref: string }; Body: { into: string } }>(
      '/api/hosts/:ref/merge',
      { schema: { summary: 'Merge this device into another (e.g. a phone with a new private MAC)', params: ref, body: { type: 'object', properties: { into: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['into'] } } },
      async (req, reply) => inventory.merge(parseRef(req.body.into), parseRef(req.params.ref)) ?? reply.code(404).send({ error: 'no such device' }),
    );
    app.get('/api/recommendations', { schema: { summary: 'Prioritised hardening suggestions, each with why and how' } }, async () => ({
      recommendations: inventory.recommendations(telemetry()),
    }));
  };
}
