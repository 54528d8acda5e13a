/**
 * The one HTTP client of the dashboard. Rules:
 * - Same-origin requests only, to paths under the page's base (base.ts); the session is the
 *   HttpOnly cookie the server set, so the page never sees or stores a credential.
 * - State-changing requests (POST) carry the session's CSRF token in `X-CSRF-Token`; the token
 *   lives only in memory (from login or GET api/auth/session).
 * - A 401 on any call means the session ended: listeners are told (the app shows the login)
 *   and the call fails with ApiFailure. Error bodies are `{error}` and shown as plain text.
 */
import { apiUrl } from './base';
import type { LoginResponse, SessionResponse } from './types';

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

let csrf: string | undefined;
const unauthorised = new Set<() => void>();

/** Called whenever the server answers 401 (session expired or logged out elsewhere). */
export function onUnauthorised(fn: () => void): () => void {
  unauthorised.add(fn);
  return () => unauthorised.delete(fn);
}

export function setCsrf(token: string | undefined): void {
  csrf = token;
}

async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method === 'POST') {
    headers['content-type'] = 'application/json';
    if (csrf) headers['x-csrf-token'] = csrf;
  }
  let res: Response;
  try {
    res = await fetch(apiUrl(path), {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}),
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiFailure(0, 'homesec is not reachable');
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    if (res.status === 401 && !path.startsWith('api/auth/login')) for (const fn of [...unauthorised]) fn();
    const msg = parsed && typeof parsed === 'object' && 'error' in parsed ? String((parsed as { error: unknown }).error) : `HTTP ${res.status}`;
    throw new ApiFailure(res.status, msg, parsed);
  }
  return parsed as T;
}

export function get<T>(path: string, signal?: AbortSignal): Promise<T> {
  return request<T>('GET', path, undefined, signal);
}

export function post<T>(path: string, body?: unknown): Promise<T> {
  return request<T>('POST', path, body);
}

export async function session(): Promise<SessionResponse> {
  const s = await get<SessionResponse>('api/auth/session');
  setCsrf(s.csrf);
  return s;
}

export async function login(password: string): Promise<LoginResponse> {
  const r = await post<LoginResponse>('api/auth/login', { password });
  setCsrf(r.csrf);
  return r;
}

export async function logout(): Promise<void> {
  try {
    await post('api/auth/logout');
  } finally {
    setCsrf(undefined);
  }
}

/** A path segment for the URL (finding keys contain ":" and "/"). */
export function seg(s: string | number): string {
  return encodeURIComponent(String(s));
}
