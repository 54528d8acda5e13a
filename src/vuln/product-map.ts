/**
 * The product map: which NVD CPE vendor:product names a detected service or technology is.
 *
 * Rules:
 * - One data table (PRODUCTS). An entry lists the scanner's product keys (Service.product),
 *   the names a person writes in nvd_keywords ("OpenSSH", "Apache HTTP Server") and the HTTP
 *   technology names (Wappalyzer rule names), and every vendor:product NVD files the product
 *   under: the current name first, then legacy ones (nginx:nginx, mysql:mysql,
 *   vsftpd_project:vsftpd, ...), all of which are queried and matched.
 * - NVD names checked against real NVD records (integration-facts.md and the fixtures under
 *   testdata/configurations): e.g. NVD files Live555 under both live555:streaming_media and
 *   live555:live555, MiniUPnPd under miniupnp_project and miniupnp.free.
 * - nmap's older CPE names (igor_sysoev:nginx, matt_johnston:dropbear_ssh_server, ...) are
 *   aliases: they resolve to the entry but are never queried.
 * - `webApp` entries (WordPress, Drupal, ...) are only ever matched from a technology confirmed
 *   by HTTP fingerprinting, never from a banner or product key (candidates.ts).
 * - An entry without cpes (ADB) is queried by keyword only: its CVEs are counted for the
 *   NVD Keywords sensor but never matched, since NVD names no product for it.
 */
import type { UpdateStyle } from './version.js';

export interface ProductEntry {
  /** Stable id, e.g. "openssh". */
  id: string;
  /** Display name and the keyword shown for it, e.g. "OpenSSH". */
  name: string;
  /** NVD vendor:product names, current first. */
  cpes: readonly string[];
  /** CPE part of those names ('a' unless said). */
  part?: 'a' | 'o' | 'h';
  /** Service.product keys the scanner (and nmap, lower-cased with "-") writes. */
  products: readonly string[];
  /** Lower-case keyword spellings that name this product. */
  names: readonly string[];
  /** Wappalyzer technology names (lower-case). */
  techs?: readonly string[];
  /** Older CPE names (nmap's) that mean this product; never queried. */
  aliases?: readonly string[];
  /** How the product writes patch levels NVD keeps in the update field. */
  updateStyle?: UpdateStyle;
  /** A web application: matched only when fingerprinting confirmed it. */
  webApp?: boolean;
  /** Protocol family, for documentation and the keywords view. */
  service: string;
}

export const PRODUCTS: readonly ProductEntry[] = [
  { id: 'openssh', name: 'OpenSSH', service: 'ssh', cpes: ['openbsd:openssh'], products: ['openssh'], names: ['openssh'], updateStyle: 'p-suffix' },
  {
    id: 'dropbear',
    name: 'Dropbear',
    service: 'ssh',
    cpes: ['dropbear_ssh_project:dropbear_ssh'],
    aliases: ['matt_johnston:dropbear_ssh_server', 'matt_johnston:dropbear_ssh'],
    products: ['dropbear', 'dropbear-sshd'],
    names: ['dropbear', 'dropbear ssh', 'dropbear sshd'],
  },
  { id: 'libssh', name: 'libssh', service: 'ssh', cpes: ['libssh:libssh'], products: ['libssh'], names: ['libssh'] },
  {
    id: 'apache-httpd',
    name: 'Apache HTTP Server',
    service: 'http',
    cpes: ['apache:http_server'],
    products: ['apache', 'apache-httpd', 'httpd'],
    names: ['apache http server', 'apache httpd', 'apache', 'httpd'],
    techs: ['apache http server', 'apache'],
  },
  {
    id: 'nginx',
    name: 'nginx',
    service: 'http',
    cpes: ['f5:nginx', 'nginx:nginx'],
    aliases: ['igor_sysoev:nginx'],
    products: ['nginx'],
    names: ['nginx'],
    techs: ['nginx'],
  },
  { id: 'lighttpd', name: 'lighttpd', service: 'http', cpes: ['lighttpd:lighttpd'], products: ['lighttpd'], names: ['lighttpd'], techs: ['lighttpd'] },
  { id: 'openresty', name: 'OpenResty', service: 'http', cpes: ['openresty:openresty'], products: ['openresty'], names: ['openresty'], techs: ['openresty'] },
  { id: 'tomcat', name: 'Apache Tomcat', service: 'http', cpes: ['apache:tomcat'], products: ['tomcat', 'apache-tomcat'], names: ['apache tomcat', 'tomcat'], techs: ['apache tomcat'] },
  { id: 'caddy', name: 'Caddy', service: 'http', cpes: ['caddyserver:caddy'], products: ['caddy'], names: ['caddy'], techs: ['caddy'] },
  { id: 'iis', name: 'Microsoft IIS', service: 'http', cpes: ['microsoft:internet_information_services'], products: ['iis', 'microsoft-iis'], names: ['iis', 'microsoft iis'], techs: ['iis'] },
  { id: 'squid', name: 'Squid', service: 'http-proxy', cpes: ['squid-cache:squid'], products: ['squid'], names: ['squid'], techs: ['squid'] },
  { id: 'mysql', name: 'MySQL', service: 'mysql', cpes: ['oracle:mysql', 'mysql:mysql'], products: ['mysql'], names: ['mysql'], techs: ['mysql'] },
  { id: 'mariadb', name: 'MariaDB', service: 'mysql', cpes: ['mariadb:mariadb'], products: ['mariadb'], names: ['mariadb'], techs: ['mariadb'] },
  { id: 'postgresql', name: 'PostgreSQL', service: 'postgresql', cpes: ['postgresql:postgresql'], products: ['postgresql', 'postgres'], names: ['postgresql', 'postgres'], techs: ['postgresql'] },
  { id: 'redis', name: 'Redis', service: 'redis', cpes: ['redis:redis', 'redislabs:redis'], products: ['redis'], names: ['redis'], techs: ['redis'] },
  { id: 'mongodb', name: 'MongoDB', service: 'mongodb', cpes: ['mongodb:mongodb'], products: ['mongodb'], names: ['mongodb'], techs: ['mongodb'] },
  { id: 'vsftpd', name: 'vsftpd', service: 'ftp', cpes: ['beasts:vsftpd', 'vsftpd_project:vsftpd'], products: ['vsftpd'], names: ['vsftpd'] },
  {
    id: 'proftpd',
    name: 'ProFTPD',
    service: 'ftp',
    cpes: ['proftpd:proftpd', 'proftpd_project:proftpd'],
    products: ['proftpd'],
    names: ['proftpd'],
    updateStyle: 'letter-suffix',
  },
  { id: 'pure-ftpd', name: 'Pure-FTPd', service: 'ftp', cpes: ['pureftpd:pure-ftpd'], products: ['pure-ftpd'], names: ['pure-ftpd', 'pureftpd'] },
  { id: 'postfix', name: 'Postfix', service: 'smtp', cpes: ['postfix:postfix'], products: ['postfix'], names: ['postfix'] },
  { id: 'exim', name: 'Exim', service: 'smtp', cpes: ['exim:exim'], products: ['exim'], names: ['exim'] },
  { id: 'sendmail', name: 'Sendmail', service: 'smtp', cpes: ['sendmail:sendmail'], products: ['sendmail'], names: ['sendmail'] },
  { id: 'opensmtpd', name: 'OpenSMTPD', service: 'smtp', cpes: ['openbsd:opensmtpd'], products: ['opensmtpd'], names: ['opensmtpd'] },
  { id: 'dovecot', name: 'Dovecot', service: 'imap', cpes: ['dovecot:dovecot'], products: ['dovecot'], names: ['dovecot'] },
  { id: 'samba', name: 'Samba', service: 'microsoft-ds', cpes: ['samba:samba'], products: ['samba', 'smbd', 'samba-smbd'], names: ['samba'] },
  { id: 'mosquitto', name: 'Mosquitto', service: 'mqtt', cpes: ['eclipse:mosquitto'], products: ['mosquitto', 'eclipse-mosquitto'], names: ['mosquitto', 'eclipse mosquitto'] },
  { id: 'adb', name: 'Android Debug Bridge', service: 'adb', cpes: [], products: ['adb', 'android-debug-bridge'], names: ['adb', 'android debug bridge'] },
  { id: 'bind', name: 'BIND', service: 'domain', cpes: ['isc:bind'], products: ['bind', 'isc-bind', 'named'], names: ['bind', 'isc bind', 'bind9'] },
  { id: 'dnsmasq', name: 'dnsmasq', service: 'domain', cpes: ['thekelleys:dnsmasq'], products: ['dnsmasq'], names: ['dnsmasq'] },
  { id: 'unbound', name: 'Unbound', service: 'domain', cpes: ['nlnetlabs:unbound'], products: ['unbound'], names: ['unbound'] },
  { id: 'ntpd', name: 'NTP', service: 'ntp', cpes: ['ntp:ntp'], products: ['ntpd', 'ntp'], names: ['ntp', 'ntpd'], updateStyle: 'p-suffix' },
  { id: 'chrony', name: 'Chrony', service: 'ntp', cpes: ['tuxfamily:chrony'], products: ['chrony', 'chronyd'], names: ['chrony', 'chronyd'] },
  { id: 'live555', name: 'Live555', service: 'rtsp', cpes: ['live555:streaming_media', 'live555:live555'], products: ['live555'], names: ['live555', 'live555 streaming media'] },
  {
    id: 'gstreamer',
    name: 'GStreamer',
    service: 'rtsp',
    cpes: ['gstreamer_project:gstreamer'],
    products: ['gstreamer-rtsp-server', 'gstreamer'],
    names: ['gstreamer'],
  },
  {
    id: 'miniupnpd',
    name: 'MiniUPnP',
    service: 'upnp',
    cpes: ['miniupnp_project:miniupnpd', 'miniupnp.free:miniupnpd'],
    products: ['miniupnpd', 'miniupnp'],
    names: ['miniupnp', 'miniupnpd'],
  },
  { id: 'cups', name: 'CUPS', service: 'ipp', cpes: ['openprinting:cups', 'apple:cups'], products: ['cups'], names: ['cups'], techs: ['cups'] },
  { id: 'busybox', name: 'BusyBox', service: 'telnet', cpes: ['busybox:busybox'], products: ['busybox'], names: ['busybox'] },
  // Web applications: only from a fingerprint (see module rules).
  { id: 'wordpress', name: 'WordPress', service: 'http', cpes: ['wordpress:wordpress'], products: ['wordpress'], names: ['wordpress'], techs: ['wordpress'], webApp: true },
  { id: 'woocommerce', name: 'WooCommerce', service: 'http', cpes: ['woocommerce:woocommerce'], products: ['woocommerce'], names: ['woocommerce'], techs: ['woocommerce'], webApp: true },
  { id: 'drupal', name: 'Drupal', service: 'http', cpes: ['drupal:drupal'], products: ['drupal'], names: ['drupal'], techs: ['drupal'], webApp: true },
  { id: 'joomla', name: 'Joomla!', service: 'http', cpes: ['joomla:joomla!'], products: ['joomla'], names: ['joomla', 'joomla!'], techs: ['joomla'], webApp: true },
  { id: 'phpmyadmin', name: 'phpMyAdmin', service: 'http', cpes: ['phpmyadmin:phpmyadmin'], products: ['phpmyadmin'], names: ['phpmyadmin'], techs: ['phpmyadmin'], webApp: true },
  { id: 'nextcloud', name: 'Nextcloud', service: 'http', cpes: ['nextcloud:nextcloud_server'], products: ['nextcloud'], names: ['nextcloud'], techs: ['nextcloud'], webApp: true },
  { id: 'pi-hole', name: 'Pi-hole', service: 'http', cpes: ['pi-hole:pi-hole'], products: ['pi-hole'], names: ['pi-hole', 'pihole'], techs: ['pi-hole'], webApp: true },
  { id: 'grafana', name: 'Grafana', service: 'http', cpes: ['grafana:grafana'], products: ['grafana'], names: ['grafana'], techs: ['grafana'], webApp: true },
];

/** Wappalyzer categories whose technologies are web applications (fingerprint-only). */
export const WEB_APP_CATEGORIES: ReadonlySet<string> = new Set([
  'cms',
  'blogs',
  'ecommerce',
  'message boards',
  'wikis',
  'photo galleries',
  'lms',
  'webmail',
  'wordpress plugins',
  'wordpress themes',
  'drupal themes',
  'shopify apps',
  'issue trackers',
  'database managers',
  'hosting panels',
  'dms',
  'crm',
  'comment systems',
]);

interface Lookup {
  byProduct: Map<string, ProductEntry>;
  byName: Map<string, ProductEntry>;
  byTech: Map<string, ProductEntry>;
  byCpe: Map<string, ProductEntry>;
}

let lookup: Lookup | undefined;

function tables(): Lookup {
  if (lookup) return lookup;
  const l: Lookup = { byProduct: new Map(), byName: new Map(), byTech: new Map(), byCpe: new Map() };
  for (const e of PRODUCTS) {
    for (const p of e.products) if (!l.byProduct.has(p)) l.byProduct.set(p, e);
    for (const n of e.names) if (!l.byName.has(n)) l.byName.set(n, e);
    for (const t of e.techs ?? []) if (!l.byTech.has(t)) l.byTech.set(t, e);
    for (const c of [...e.cpes, ...(e.aliases ?? [])]) if (!l.byCpe.has(c)) l.byCpe.set(c, e);
  }
  lookup = l;
  return l;
}

/** The entry for a scanner product key ("openssh", "apache", "mariadb"), if mapped. */
export function productByKey(product: string | undefined): ProductEntry | undefined {
  return product ? tables().byProduct.get(product.toLowerCase()) : undefined;
}

/** The entry a keyword names ("OpenSSH", "Apache HTTP Server", "nginx"), if any. */
export function productByName(keyword: string): ProductEntry | undefined {
  return tables().byName.get(keyword.trim().toLowerCase().replace(/\s+/g, ' '));
}

/** The entry for a Wappalyzer technology name ("Nginx", "WordPress"), if mapped. */
export function productByTech(name: string): ProductEntry | undefined {
  return tables().byTech.get(name.trim().toLowerCase());
}

/** The entry whose NVD name or nmap alias is `vendorProduct` ("igor_sysoev:nginx"), if any. */
export function productByCpe(vendorProduct: string): ProductEntry | undefined {
  return tables().byCpe.get(vendorProduct.toLowerCase());
}
