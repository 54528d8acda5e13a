/**
 * Browser sessions. Rules: a session id is 32 random bytes (base64url) carried only in an
 * HttpOnly, SameSite=Strict cookie; each session has its own CSRF token (synchronizer
 * pattern) that state-changing requests must echo in `X-CSRF-Token`; sessions expire after
 * `idleMs` without use and `maxAgeMs` in all, are capped in number (oldest evicted), and
 * live in memory — a restart logs everyone out, which is the safe direction.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export interface Session {
  id: string;
  csrf: string;
  createdMs: number;
  lastMs: number;
  /** How the session was established: password login or trusted ingress. */
  via: 'password' | 'ingress';
}

export interface SessionStore {
  create(via: Session['via'], nowMs: number): Session;
  /** The live session for `id` (touched), or undefined. */
  get(id: string | undefined, nowMs: number): Session | undefined;
  destroy(id: string | undefined): void;
  size(): number;
  clear(): void;
}

export interface SessionLimits {
  idleMs: number;
  maxAgeMs: number;
  max: number;
}

/** Compares two tokens in constant time (false for different lengths). */
export function sameToken(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Creates an in-memory session store. */
export function createSessionStore(limits: SessionLimits): SessionStore {
  const sessions = new Map<string, Session>();
  return {
    create(via, nowMs) {
      while (sessions.size >= limits.max) {
        const oldest = sessions.keys().next().value;
        if (oldest === undefined) break;
        sessions.delete(oldest);
      }
      const s: Session = { id: randomBytes(32).toString('base64url'), csrf: randomBytes(32).toString('base64url'), createdMs: nowMs, lastMs: nowMs, via };
      sessions.set(s.id, s);
      return s;
    },
    get(id, nowMs) {
      if (!id) return undefined;
      const s = sessions.get(id);
      if (!s) return undefined;
      if (nowMs - s.lastMs > limits.idleMs || nowMs - s.createdMs > limits.maxAgeMs) {
        sessions.delete(id);
        return undefined;
      }
      s.lastMs = nowMs;
      return s;
    },
    destroy(id) {
      if (id) sessions.delete(id);
    },
    size: () => sessions.size,
    clear: () => sessions.clear(),
  };
}
