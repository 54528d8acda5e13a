/**
 * The extra GET requests the scanner may send to a web service to confirm technologies (and
 * read versions) that the first page does not show. Data only; the prober sends them and hands
 * the responses to fingerprintHttp as `extraPages`, whose `probe` / `robots` rules match them.
 *
 * Rules:
 * - At most MAX_SAFE_PATHS entries. Every one is a plain GET of a fixed, public, read-only
 *   resource that any anonymous browser may load: no query that changes state, no login, no
 *   credentials, no POST, nothing that writes a log entry beyond an access-log line.
 * - A path is only worth its request when a rule (homesec-technologies.json or the rule
 *   database) reads it; safe-paths.test.ts checks that each `confirms` name has such a rule.
 */

/** Upper bound on the list (each path is one more request per web port). */
export const MAX_SAFE_PATHS = 8;

export interface SafePath {
  /** Absolute request path, sent as `GET <path>`. */
  path: string;
  /** Rule names (rules.ts) whose probe / robots / page patterns this response can confirm. */
  confirms: string[];
  /** What the response shows, for documentation and logs. */
  why: string;
}

export const SAFE_PATHS: readonly SafePath[] = [
  { path: '/robots.txt', confirms: ['Shoporama'], why: 'robots.txt rules of the database (and a hint of the site software)' },
  { path: '/admin/', confirms: ['Pi-hole'], why: 'Pi-hole admin login page (X-Pi-hole header on v5, "Pi-hole <host>" title on v6)' },
  { path: '/api/health', confirms: ['Grafana'], why: 'Grafana health JSON: {"database": "ok", "version": "…"} without login' },
  { path: '/api/v1/status/buildinfo', confirms: ['Prometheus'], why: 'Prometheus build information JSON with its version' },
  { path: '/status.php', confirms: ['Nextcloud'], why: 'Nextcloud status JSON: productname and versionstring' },
  { path: '/status', confirms: ['UniFi Network'], why: 'UniFi Network Application status JSON with server_version' },
  { path: '/users/sign_in', confirms: ['GitLab'], why: 'GitLab sign-in page (_gitlab_session cookie, og:site_name GitLab)' },
  { path: '/login', confirms: ['Jenkins', 'Grafana'], why: 'Jenkins login page (X-Jenkins header with version) and Grafana login page' },
];
