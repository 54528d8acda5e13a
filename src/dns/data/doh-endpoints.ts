/**
 * Public DNS-over-HTTPS / DNS-over-TLS resolver addresses. A device sending HTTPS (TCP or
 * QUIC, port 443) to one of them is very likely resolving names there, bypassing the home's
 * resolver (and its blocking and logging). Data, not code: extend freely.
 * Sources (each provider's own documentation of its service addresses, 2024-2026):
 * Cloudflare 1.1.1.1 (developers.cloudflare.com/1.1.1.1/ip-addresses), Google Public DNS
 * (developers.google.com/speed/public-dns/docs/using), Quad9 (quad9.net/service/service-addresses-and-features),
 * OpenDNS / Cisco Umbrella (opendns.com setup guides), AdGuard DNS (adguard-dns.io/kb/general/dns-providers),
 * CleanBrowsing (cleanbrowsing.org/filters), Mullvad DNS (mullvad.net/help/dns-over-https-and-dns-over-tls),
 * NextDNS anycast (nextdns.io setup), Control D (controld.com/free-dns), DNS.SB (dns.sb),
 * Comcast/Xfinity DoH (doh.xfinity.com: 96.113.151.145 per Mozilla's TRR list), and the curl
 * project's public DoH server list (github.com/curl/curl/wiki/DNS-over-HTTPS).
 */
import { IntMap } from '../../detect/int-map.js';
import { ipv4Key } from '../../flow/ip-text.js';

export const DOH_ENDPOINTS: Readonly<Record<string, readonly string[]>> = {
  cloudflare: ['1.1.1.1', '1.0.0.1', '1.1.1.2', '1.0.0.2', '1.1.1.3', '1.0.0.3', '2606:4700:4700::1111', '2606:4700:4700::1001', '2606:4700:4700::1112', '2606:4700:4700::1002', '2606:4700:4700::1113', '2606:4700:4700::1003', '162.159.36.1', '162.159.46.1'],
  google: ['8.8.8.8', '8.8.4.4', '2001:4860:4860::8888', '2001:4860:4860::8844'],
  quad9: ['9.9.9.9', '149.112.112.112', '9.9.9.10', '149.112.112.10', '9.9.9.11', '149.112.112.11', '2620:fe::fe', '2620:fe::9', '2620:fe::10', '2620:fe::fe:10', '2620:fe::11', '2620:fe::fe:11'],
  opendns: ['208.67.222.222', '208.67.220.220', '208.67.222.123', '208.67.220.123', '2620:119:35::35', '2620:119:53::53'],
  adguard: ['94.140.14.14', '94.140.15.15', '94.140.14.15', '94.140.15.16', '94.140.14.140', '94.140.14.141', '2a10:50c0::ad1:ff', '2a10:50c0::ad2:ff'],
  cleanbrowsing: ['185.228.168.9', '185.228.169.9', '185.228.168.10', '185.228.169.11', '185.228.168.168', '185.228.169.168'],
  mullvad: ['194.242.2.2', '194.242.2.3', '194.242.2.4', '194.242.2.5', '194.242.2.6', '194.242.2.9', '2a07:e340::2'],
  nextdns: ['45.90.28.0', '45.90.30.0', '45.90.28.1', '45.90.30.1', '2a07:a8c0::', '2a07:a8c1::'],
  controld: ['76.76.2.0', '76.76.10.0', '76.76.2.1', '76.76.2.2', '76.76.2.11', '2606:1a40::', '2606:1a40:1::'],
  dnssb: ['185.222.222.222', '45.11.45.11', '2a09::', '2a11::'],
  comcast: ['96.113.151.145'],
};

const BY_IP = new Map<string, string>();
const BY_V4 = new IntMap<string>();
for (const [provider, ips] of Object.entries(DOH_ENDPOINTS)) {
  for (const ip of ips) {
    BY_IP.set(ip, provider);
    const n = ipv4Key(ip);
    if (n >= 0) BY_V4.set(n, 0, provider);
  }
}

/** The provider a resolver address belongs to (canonical IP text), or undefined. */
export function dohProvider(ip: string): string | undefined {
  return BY_IP.get(ip);
}

/** dohProvider of canonical IPv4 text, given as its `ipv4Key` number. */
export function dohProviderV4(key: number): string | undefined {
  return BY_V4.get(key);
}
