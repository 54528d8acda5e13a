/**
 * Shared suffixes of free dynamic-DNS providers: anyone can register a name directly under
 * them within minutes, so malware uses them for C2 and DGAs (Corebot and Symmi generate
 * names under ddns.net; Kraken under mooo.com, dyndns.org, yi.org, dynserv.com; see
 * detect/testdata/dga-domains.txt). Data, not code: extend freely.
 *
 * Sources (public provider pages, 2024-2026): No-IP "free dynamic DNS domains"
 * (noip.com/support/knowledgebase), DuckDNS (duckdns.org), Dynu (dynu.com "free domains"),
 * Dyn legacy dyndns.org names, FreeDNS public shared domains (freedns.afraid.org/domain/registry),
 * ChangeIP (changeip.com), and the Public Suffix List's private section entries for these.
 */
export const DYNAMIC_DNS_SUFFIXES: readonly string[] = [
  // No-IP
  'ddns.net', 'hopto.org', 'zapto.org', 'sytes.net', 'no-ip.org', 'no-ip.biz', 'no-ip.info', 'no-ip.net', 'noip.me',
  'servebeer.com', 'serveftp.com', 'servehttp.com', 'servegame.com', 'serveblog.net', 'servequake.com', 'servemp3.com',
  'ddnsking.com', '3utilities.com', 'bounceme.net', 'myftp.biz', 'myftp.org', 'redirectme.net', 'webhop.me', 'gotdns.ch',
  'myvnc.com', 'mysecuritycamera.com', 'mysecuritycamera.net', 'mysecuritycamera.org', 'onthewifi.com', 'read-books.org',
  'viewdns.net', 'twilightparadox.com', 'hopto.me', 'loginto.me', 'ditchyourip.com', 'freedynamicdns.net', 'freedynamicdns.org',
  // DuckDNS, Dynu, Dyn
  'duckdns.org', 'dynu.net', 'freeddns.org', 'mywire.org', 'ddnsfree.com', 'dynu.com', 'accesscam.org', 'camdvr.org',
  'dyndns.org', 'dyndns.biz', 'dyndns.info', 'dyndns.tv', 'dyndns-ip.com', 'homeip.net', 'dynalias.com', 'dynalias.net',
  'dynalias.org', 'dnsalias.com', 'dnsalias.net', 'dnsalias.org', 'is-a-geek.com', 'selfip.net', 'homelinux.com',
  // FreeDNS (afraid.org) shared domains most seen in abuse reports
  'mooo.com', 'chickenkiller.com', 'us.to', 'yi.org', 'crabdance.com', 'ignorelist.com', 'jumpingcrab.com', 'strangled.net',
  'twilightparadox.com', 'uk.to', 'ftp.sh', 'my.to', 'dynserv.com',
  // ChangeIP and others
  'changeip.com', 'changeip.net', 'changeip.org', 'dns04.com', 'dns05.com', 'ddns.me', 'dyn-o-saur.com', 'dynuddns.net',
  'ydns.eu', 'dynv6.net', 'freemyip.com', 'afraid.org', 'dnsdynamic.org', 'tplinkdns.com',
];

const SET = new Set(DYNAMIC_DNS_SUFFIXES);

/** The dynamic-DNS suffix `name` is under (longest match), or undefined. O(labels). */
export function dynamicDnsSuffix(name: string): string | undefined {
  let i = name.indexOf('.');
  while (i >= 0) {
    const rest = name.slice(i + 1);
    if (SET.has(rest)) return rest;
    i = name.indexOf('.', i + 1);
  }
  return undefined;
}
