/**
 * Authentication, CSRF and security headers for the HTTP API (hostile-input catalogue
 * 20-23). Rules:
 * - Public: `GET /health`, the login/session routes, and static dashboard files (they hold
 *   no data; also at `/api/homesec/panel/`). Everything under `/api/` and `/metrics` needs one of: a session cookie, a
 *   Bearer token (the admin password — for scripts and Prometheus), or, when
 *   `trustIngress` is on, a request from the Home Assistant Supervisor's ingress proxy
 *   (172.30.32.2, which has authenticated the user); forged `X-Remote-User-*` headers from
 *   anywhere else change nothing.
 * - State-changing methods (POST, PUT, PATCH, DELETE) on cookie or ingress sessions must
 *   carry the session's CSRF token in `X-CSRF-Token`, and a present `Origin` must be this
 *   server's own; Bearer requests carry no ambient credential and need no CSRF token.
 * - 401 without authentication, 403 for a bad CSRF token or a foreign Origin. Login is
 *   rate limited per client address. Passwords and tokens are never logged or echoed.
 * - Every response gets security headers; the CSP allows no inline script.
 */
import { createHash } from 'node:crypto';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../store/database.js';
import { PANEL_PREFIX } from '../dashboard-static.js';
import { loadCredential, verifyPassword } from './password.js';
import { createSessionStore, sameToken, type Session, type SessionStore } from './sessions.js';

export const SESSION_COOKIE = 'homesec_session';
export const INGRESS_PROXY_IP = '172.30.32.2';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface AuthOptions {
  /** Off only when the user explicitly disables authentication (web_auth: false). */
  enabled: boolean;
  trustIngress: boolean;
  sessionIdleMs: number;
  sessionMaxAgeMs: number;
  loginPerMinute: number;
  db: () => Db;
  now: () => number;
  /** Called after the first successful password login (e.g. to delete the first-run password file). */
  onLogin?: () => void;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** How this request was authenticated, when it was. */
    auth?: { via: 'session' | 'bearer' | 'ingress' | 'disabled'; session?: Session };
  }
}

/**
 * True when the request needs authentication: when the route that will run is protected (its
 * URL pattern: a router decodes `%61pi` to `api`, so the raw text alone could be walked
 * around) or when the path, raw or decoded, is (unknown /api/ paths answer 401, not 404).
 */
function isProtected(req: FastifyRequest): boolean {
  const route = req.routeOptions.url;
  if (route !== undefined && protectedPath(route)) return true;
  const raw = (req.url.split('?')[0] ?? req.url).replace(/\/{2,}/g, '/');
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    /* undecodable: judge the raw text */
  }
  return protectedPath(raw) || protectedPath(decoded);
}

function protectedPath(path: string): boolean {
  if (path === '/metrics' || path.startsWith('/metrics/')) return true;
  if (!path.startsWith('/api/')) return false;
  // The dashboard's files at the reference's fallback URL hold no data (dashboard-static.ts).
  if (path === PANEL_PREFIX || path.startsWith(`${PANEL_PREFIX}/`)) return false;
  return !(path === '/api/auth/login' || path === '/api/auth/session');
}

function originAllowed(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** Registers cookies, headers, the auth gate and the /api/auth routes; returns the session store. */
export async function registerAuth(app: FastifyInstance, o: AuthOptions): Promise<SessionStore> {
  const sessions = createSessionStore({ idleMs: o.sessionIdleMs, maxAgeMs: o.sessionMaxAgeMs, max: 1000 });
  // Bearer verifications are cached by token digest: scrypt is deliberately slow.
  const bearerOk = new Map<string, number>();
  await app.register(cookie);
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        // Served over plain HTTP on the LAN: upgrading subresources to https would break the page.
        upgradeInsecureRequests: null,
      },
    },
    crossOriginEmbedderPolicy: false,
  });
  await app.register(rateLimit, { global: false });

  // Requests through ingress share one session (and CSRF token): Home Assistant authenticated
  // the user, and our cookie does not reach the browser through the proxy's path.
  let ingress: Session | undefined;
  const ingressSession = (): Session => {
    ingress = (ingress && sessions.get(ingress.id, o.now())) ?? sessions.create('ingress', o.now());
    return ingress;
  };
  const fromIngress = (req: FastifyRequest): boolean => o.trustIngress && req.socket.remoteAddress?.replace(/^::ffff:/, '') === INGRESS_PROXY_IP;

  const bearer = async (req: FastifyRequest): Promise<boolean> => {
    const h = req.headers.authorization;
    if (typeof h !== 'string' || !h.startsWith('Bearer ')) return false;
    const token = h.slice(7).trim();
    const digest = createHash('sha256').update(token).digest('base64');
    const until = bearerOk.get(digest);
    if (until !== undefined && until > o.now()) return true;
    const cred = loadCredential(o.db());
    if (!cred || !(await verifyPassword(token, cred))) return false;
    if (bearerOk.size > 100) bearerOk.clear();
    bearerOk.set(digest, o.now() + 5 * 60_000);
    return true;
  };

  const deny = (reply: FastifyReply, code: 401 | 403, error: string) => reply.code(code).send({ error });

  app.addHook('onRequest', async (req, reply) => {
    if (!isProtected(req)) return;
    if (!o.enabled) {
      req.auth = { via: 'disabled' };
      return;
    }
    if (await bearer(req)) {
      req.auth = { via: 'bearer' };
      return;
    }
      let session = sessions.get(req.cookies[SESSION_COOKIE], o.now());
    if (!session && fromIngress(req)) session = ingressSession();
    if (!session) return deny(reply, 401, 'authentication required');
    req.auth = { via: session.via === 'ingress' ? 'ingress' : 'session', session };
    if (UNSAFE.has(req.method)) {
      if (!originAllowed(req)) return deny(reply, 403, 'cross-origin request refused');
      const token = req.headers['x-csrf-token'];
      if (!sameToken(typeof token === 'string' ? token : undefined, session.csrf)) return deny(reply, 403, 'missing or wrong CSRF token');
    }
  });

  const setCookie = (reply: FastifyReply, req: FastifyRequest, s: Session): void => {
    reply.setCookie(SESSION_COOKIE, s.id, {
      httpOnly: true,
      sameSite: 'strict',
      secure: req.protocol === 'https',
      path: '/',
      maxAge: Math.floor(o.sessionMaxAgeMs / 1000),
    });
  };

  app.post<{ Body: { password?: unknown } }>(
    '/api/auth/login',
    {
      config: { rateLimit: { max: o.loginPerMinute, timeWindow: 60_000 } },
      schema: { body: { type: 'object', properties: { password: { type: 'string', maxLength: 1024 } }, required: ['password'] } },
    },
    async (req, reply) => {
      if (!originAllowed(req)) return deny(reply, 403, 'cross-origin request refused');
      const cred = loadCredential(o.db());
      const ok = cred !== undefined && (await verifyPassword(String(req.body.password), cred));
      if (!ok) return deny(reply, 401, 'wrong password');
      const s = sessions.create('password', o.now());
      setCookie(reply, req, s);
      o.onLogin?.();
      return { authenticated: true, csrf: s.csrf };
    },
  );

  app.get('/api/auth/session', async (req) => {
    if (!o.enabled) return { authenticated: true, authDisabled: true };
    let s = sessions.get(req.cookies[SESSION_COOKIE], o.now());
    if (!s && fromIngress(req)) s = ingressSession();
    return s ? { authenticated: true, via: s.via, csrf: s.csrf } : { authenticated: false };
  });

  app.post('/api/auth/logout', async (req, reply) => {
    sessions.destroy(req.auth?.session?.id);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { authenticated: false };
  });

  return sessions;
}
