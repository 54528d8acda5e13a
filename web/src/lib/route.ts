/**
 * Hash routing: `#/<view>` plus an optional `/<arg>` (e.g. `#/hosts/192.168.1.5`). Rules:
 * the path of the page never changes (the API base depends on it); unknown views fall back
 * to the overview; the argument is decoded text, never markup.
 */
import { useEffect, useState } from 'preact/hooks';

export const VIEWS = ['overview', 'map', 'hosts', 'findings', 'external', 'vulnerabilities', 'recommendations', 'blocking'] as const;
export type ViewName = (typeof VIEWS)[number];

export interface Route {
  view: ViewName;
  arg?: string;
}

export function parseHash(hash: string): Route {
  const [v, ...rest] = hash.replace(/^#\/?/, '').split('/');
  const view = (VIEWS as readonly string[]).includes(v ?? '') ? (v as ViewName) : 'overview';
  let arg: string | undefined;
  if (rest.length > 0 && rest.join('/') !== '') {
    try {
      arg = decodeURIComponent(rest.join('/'));
    } catch {
      arg = undefined;
    }
  }
  return arg === undefined ? { view } : { view, arg };
}

export function href(view: ViewName, arg?: string): string {
  return arg === undefined ? `#/${view}` : `#/${view}/${encodeURIComponent(arg)}`;
}

export function navigate(view: ViewName, arg?: string): void {
  window.location.hash = href(view, arg);
}

export function useRoute(): Route {
  const [r, setR] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const on = () => setR(parseHash(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return r;
}
