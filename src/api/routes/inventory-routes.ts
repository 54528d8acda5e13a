/**
 * Inventory routes: the Hosts view, role overrides, trusted devices, merges and the
 * recommendations. Rules: device references are an id, an IP or a MAC as bounded strings
 * (the inventory resolves them; unknown → 404); roles must be one of the reference's
 * vocabulary (schema-validated); every action persists before answering (roles go to
 * homesec_roles.yaml at once). The device list (a megabyte with 2,000 devices) is serialised
 * once and reused until a device event, an action here, or `HOSTS_MAX_AGE_MS`.
 */
import type { FastifyInstance } from 'fastify';
import type { EventBus } from '../../core/events.js';
import type { HostsResponse } from '../contract.js';
import type { Inventory } from '../../inventory/inventory.js';
import type { TelemetryContext } from '../../inventory/recommendations.js';
import { ROLES, type Role } from '../../store/state-files.js';

const ref = { type: 'object', properties: { ref: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['ref'] } as const;

function parseRef(r: string): number | string {
  return /^\d{1,9}$/.test(r) ? Number(r) : r;
}

export const HOSTS_MAX_AGE_MS = 5000;
const INVALIDATING = ['device.new', 'device.updated', 'scan.completed', 'vuln.updated'] as const;

/** Registers the /api/hosts and /api/recommendations routes. */
export function inventoryRoutes(inventory: Inventory, telemetry: () => TelemetryContext, opts: { bus?: Pick<EventBus, 'on'>; now?: () => number } = {}) {
  const now = opts.now ?? (() => Date.now());
  let hosts: { atMs: number; body: string } | undefined;
  for (const e of INVALIDATING) opts.bus?.on(e, () => (hosts = undefined));
  const changed = <T>(v: T): T => {
    hosts = undefined;
    return v;
  };
  return (app: FastifyInstance): void => {
    app.get('/api/hosts', { schema: { summary: 'Every device: identity, role and reasons, risk, services' } }, async (_req, reply) => {
      const t = now();
      if (!hosts || t - hosts.atMs > HOSTS_MAX_AGE_MS) hosts = { atMs: t, body: JSON.stringify({ devices: inventory.devices() } satisfies HostsResponse) };
      return reply.type('application/json; charset=utf-8').send(hosts.body);
    });
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
        const updated = ip ? changed(inventory.setRole(ip, req.body.role)) : undefined;
        return updated ?? reply.code(404).send({ error: 'no such device' });
      },
    );
    app.post<{ Params: { ref: string }; Body: { trusted: boolean } }>(
      '/api/hosts/:ref/trusted',
      { schema: { summary: 'Mark a device trusted (no new-device findings) or not', params: ref, body: { type: 'object', properties: { trusted: { type: 'boolean' } }, required: ['trusted'] } } },
      async (req, reply) => changed(inventory.setTrusted(parseRef(req.params.ref), req.body.trusted)) ?? reply.code(404).send({ error: 'no such device' }),
    );
    app.post<{ Params: { ref: string }; Body: { into: string } }>(
      '/api/hosts/:ref/merge',
      { schema: { summary: 'Merge this device into another (e.g. a phone with a new private MAC)', params: ref, body: { type: 'object', properties: { into: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['into'] } } },
      async (req, reply) => changed(inventory.merge(parseRef(req.body.into), parseRef(req.params.ref))) ?? reply.code(404).send({ error: 'no such device' }),
    );
    app.get('/api/recommendations', { schema: { summary: 'Prioritised hardening suggestions, each with why and how' } }, async () => ({
      recommendations: inventory.recommendations(telemetry()),
    }));
  };
}
