/**
 * Where the API is, seen from the page. Rules:
 * - The page may be served at `/`, at the reference's fallback `/api/homesec/panel/`, or under
 *   a Home Assistant ingress prefix (`/api/hassio_ingress/<token>/`, which the proxy strips).
 * - The base is the directory of the page's path; when that ends in `api/homesec/panel/` the
 *   panel suffix is removed (the API lives beside it, not under it). API paths are joined
 *   onto the base without a leading slash, so a prefix always survives.
 * - Routing is in the hash (`#/hosts`), so the path never changes while the app runs.
 * - The base always starts with exactly one "/" (never "//", which would name another host).
 */

const PANEL_SUFFIX = 'api/homesec/panel/';

/** The API base (always ends in "/") for a page path. */
export function apiBaseFor(pathname: string): string {
  // Repeated slashes are collapsed: "//api/…" would be a network-path reference to a host "api".
  let dir = pathname.replace(/[^/]*$/, '').replace(/\/{2,}/g, '/');
  if (!dir.startsWith('/')) dir = `/${dir}`;
  if (dir.endsWith(`/${PANEL_SUFFIX}`)) dir = dir.slice(0, -PANEL_SUFFIX.length);
  return dir;
}

let base: string | undefined;

/** The base of the current page (computed once). */
export function apiBase(): string {
  base ??= apiBaseFor(window.location.pathname);
  return base;
}

/** An absolute-path URL for an API path such as "api/hosts". */
export function apiUrl(path: string): string {
  return apiBase() + path.replace(/^\/+/, '');
}
