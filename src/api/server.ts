/**
 * The HTTP server (Fastify). Rules: binds to config.web_host (localhost by default);
 * `/health` is the only API route that never needs authentication (auth/auth-plugin.ts
 * guards `/api/*` and `/metrics`, adds CSRF checks and security headers); routes are added
 * by the capabilities through `routes`. Request bodies are capped at 1 MiB. Response bodies
 * never carry secrets.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { registerAuth, type AuthOptions } from './auth/auth-plugin.js';
import { HomesecError } from '../core/errors.js';
import type { Service } from '../core/lifecycle.js';
import type { Log } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import { sampleProcessMemory } from '../core/process-metrics.js';

export interface ApiConfig {
  web_host: string;
  web_port: number;
}

export interface ApiDeps {
  log: Log;
  metrics: Metrics;
  /** Health summary served at /health (cheap, no secrets). */
  health: () => Record<string, unknown>;
  /** Extra route registrations. */
  routes?: ((app: FastifyInstance) => void)[];
  /** Authentication (off only in unit tests of other routes and when web_auth is false). */
  auth?: AuthOptions;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered (method and URL pattern), for the route-wide auth tests and the docs. */
    homesecRoutes: { method: string; url: string }[];
  }
}

export interface ApiServer extends Service {
  /** The bound URL (after start). */
  readonly url: string | undefined;
  /** The Fastify instance (built by buildApp; for inject() in tests). */
  readonly app: FastifyInstance | undefined;
}

/** Builds the Fastify app without listening (tests use app.inject()). */
export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  const routes: { method: string; url: string }[] = [];
  app.decorate('homesecRoutes', routes);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method: String(method), url: r.url });
  });
  if (deps.auth) await registerAuth(app, deps.auth);
  await app.register(swagger, {
    openapi: {
      info: { title: 'homesec API', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: 'homesec_session' } } },
      security: [{ bearer: [] }, { session: [] }],
    },
  });
  app.get('/api/docs', { schema: { hide: true } }, async () => app.swagger());
  app.get('/health', async () => ({ status: 'ok', ...deps.health() }));
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', 'text/plain; version=0.0.4');
    sampleProcessMemory(deps.metrics);
    return deps.metrics.render();
  });
  for (const r of deps.routes ?? []) r(app);
  return app;
}

/** Creates the API server component; listens on start(). */
export function createApiServer(config: ApiConfig, deps: ApiDeps): ApiServer {
  let app: FastifyInstance | undefined;
  let url: string | undefined;
  return {
    get url() {
      return url;
    },
    get app() {
      return app;
    },
    async start() {
      app = await buildApp(deps);
      try {
        await app.listen({ host: config.web_host, port: config.web_port });
      } catch (err) {
        await app.close();
        app = undefined;
        throw new HomesecError(
          'LISTEN_FAILED',
          `cannot listen on http://${config.web_host}:${config.web_port} (${(err as Error).message}); set web_port or web_host`,
        );
      }
      const addr = app.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.web_port;
      const host = config.web_host.includes(':') ? `[${config.web_host}]` : config.web_host;
      url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/`;
    },
    async stop() {
      if (app) await app.close();
      app = undefined;
    },
  };
}
