/**
 * Home Assistant ingress (the add-on's sidebar panel "Security"). Rules: the Supervisor's
 * proxy (172.30.32.2; src/api/auth trusts it only when web_trust_ingress is on) forwards
 * `/api/hassio_ingress/<token>/...` to the add-on with the prefix stripped and names it in
 * the `X-Ingress-Path` header; the dashboard must build every URL relative to that prefix.
 * The header is accepted only in exactly that form (a path that could carry a scheme, a
 * host, "..", quotes or markup would let a forged header steer the page elsewhere), so the
 * value is safe to put into a `<base href>` or a JSON config without further escaping.
 */

/** The header the Supervisor's ingress proxy sets. */
export const INGRESS_PATH_HEADER = 'x-ingress-path';

const INGRESS_PATH = /^\/api\/hassio_ingress\/[A-Za-z0-9_-]{1,256}$/;

/** The ingress base path ("/api/hassio_ingress/<token>") from the header value, or '' when absent or malformed. */
export function ingressBasePath(header: string | readonly string[] | undefined): string {
  const v = Array.isArray(header) ? (header.length === 1 ? header[0] : undefined) : header;
  if (typeof v !== 'string') return '';
  const trimmed = v.trim().replace(/\/$/, '');
  return INGRESS_PATH.test(trimmed) ? trimmed : '';
}

/** The `<base href>` for a page served under `basePath` ("/" outside ingress). */
export function baseHref(basePath: string): string {
  return `${ingressBasePath(basePath) || ''}/`;
}
