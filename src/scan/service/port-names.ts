/**
 * Service names guessed from the port number alone, and their TLS-wrapped forms.
 *
 * Rules:
 * - Names follow nmap-services (/usr/share/nmap/nmap-services) so reports read like nmap's,
 *   except where nmap's registered name is a relic that misleads on a home network; those
 *   deviations are listed in PORT_NAME_DEVIATIONS with the reason.
 * - The table covers the reference's default scan ports (home-security-assistant-readme:
 *   21-23, 25, 53, 80, ..., 27017, 49152) plus the usual TLS and home-device ports.
 * - A guess from this table is worth confidence PORT_CONFIDENCE (types.ts: 3 = port only).
 */

export const PORT_CONFIDENCE = 3;

/** Port → nmap-style service name. */
export const PORT_NAMES: ReadonlyMap<number, string> = new Map([
  [21, 'ftp'],
  [22, 'ssh'],
  [23, 'telnet'],
  [25, 'smtp'],
  [53, 'domain'],
  [80, 'http'],
  [110, 'pop3'],
  [111, 'rpcbind'],
  [135, 'msrpc'],
  [139, 'netbios-ssn'],
  [143, 'imap'],
  [443, 'https'],
  [445, 'microsoft-ds'],
  [465, 'smtps'],
  [515, 'printer'],
  [548, 'afp'],
  [554, 'rtsp'],
  [587, 'submission'],
  [631, 'ipp'],
  [636, 'ldaps'],
  [853, 'domain-s'],
  [990, 'ftps'],
  [993, 'imaps'],
  [995, 'pop3s'],
  [1080, 'socks'],
  [1433, 'ms-sql-s'],
  [1521, 'oracle'],
  [1723, 'pptp'],
  [1883, 'mqtt'],
  [2049, 'nfs'],
  [2323, 'telnet'],
  [3306, 'mysql'],
  [3389, 'ms-wbt-server'],
  [4443, 'https-alt'],
  [5000, 'upnp'],
  [5060, 'sip'],
  [5061, 'sip-tls'],
  [5432, 'postgresql'],
  [5555, 'adb'],
  [5900, 'vnc'],
  [5985, 'wsman'],
  [5986, 'wsmans'],
  [6379, 'redis'],
  [6667, 'irc'],
  [6697, 'ircs-u'],
  [8000, 'http-alt'],
  [8008, 'http'],
  [8080, 'http-proxy'],
  [8443, 'https-alt'],
  [8554, 'rtsp-alt'],
  [8883, 'secure-mqtt'],
  [8888, 'http-alt'],
  [9090, 'http-alt'],
  [9100, 'jetdirect'],
  [9200, 'http-alt'],
  [27017, 'mongod'],
  [49152, 'upnp'],
  [62078, 'iphone-sync'],
]);

/** Where PORT_NAMES deliberately differs from nmap-services, and why. */
export const PORT_NAME_DEVIATIONS: ReadonlyMap<number, string> = new Map([
  [2323, 'nmap: 3d-nfsd; on home networks 2323 is the alternative telnet port IoT malware (Mirai) targets'],
  [5555, 'nmap: freeciv; on home networks 5555 is the Android Debug Bridge over TCP'],
  [8888, 'nmap: sun-answerbook; today a second web server or admin UI'],
  [9090, 'nmap: zeus-admin; today a web admin UI (Cockpit, Prometheus, Openfire)'],
  [9200, 'nmap: wap-wsp; today the Elasticsearch/OpenSearch REST API (HTTP)'],
  [49152, 'nmap: unknown; the first dynamic port, where routers and Windows run UPnP description servers'],
]);

/** Plain service name → its name when the connection is TLS-wrapped. */
const TLS_NAMES: ReadonlyMap<string, string> = new Map([
  ['http', 'https'],
  ['http-alt', 'https-alt'],
  ['http-proxy', 'https-alt'],
  ['imap', 'imaps'],
  ['pop3', 'pop3s'],
  ['smtp', 'smtps'],
  ['ftp', 'ftps'],
  ['mqtt', 'secure-mqtt'],
  ['telnet', 'telnets'],
  ['ldap', 'ldaps'],
  ['irc', 'ircs-u'],
  ['sip', 'sip-tls'],
  ['rtsp', 'rtsps'],
  ['domain', 'domain-s'],
  ['ipp', 'ipps'],
  ['upnp', 'upnp-tls'],
]);

/** The nmap-style name for `port`, or undefined when the table has none. */
export function portName(port: number): string | undefined {
  return PORT_NAMES.get(port);
}

/** `name` as seen through TLS (http → https, imap → imaps …); unchanged when it has no TLS form. */
export function tlsName(name: string): string {
  return TLS_NAMES.get(name) ?? name;
}

/** True for the HTTP family of names (http, https, http-alt, http-proxy, https-alt). */
export function isHttpName(name: string): boolean {
  return name === 'http' || name === 'https' || name === 'http-alt' || name === 'https-alt' || name === 'http-proxy';
}
