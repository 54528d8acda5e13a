/**
 * Domain categories for the IoT detector: registrable domains (names.ts) of services a
 * camera, plug or TV normally talks to ('iot_cloud') and of services such a device has no
 * business with. Data, not code: extend freely; a domain's category applies to its
 * subdomains. Sources: vendors' documentation and firewall allow-lists for their devices
 * (Tuya, Espressif, TP-Link Kasa/Tapo, Xiaomi/Mi Home, Ring, Wyze, EZVIZ/Hikvision, Philips
 * Hue, Sonos, Roku, Samsung SmartThings, LG ThinQ, Amazon Alexa, Google Nest, Shelly,
 * eWeLink, Netatmo, Ecovacs, Roborock, Blink, Arlo, Reolink); for the risky categories the
 * public block lists that name them: CoinBlockerLists (ZeroDot1) and NoCoin
 * (hoshsadiq/adblock-nocoin-list) for mining pools, the Tor Project's list of tor2web
 * gateways, ngrok/Cloudflare Tunnel/serveo documentation for tunnels, and abuse.ch / MITRE
 * ATT&CK (T1102 Web Service, T1016 IP discovery) for paste sites and IP-check services
 * commonly used by malware. Dynamic-DNS suffixes come from data/dynamic-dns.ts.
 */
export const CATEGORIES = ['iot_cloud', 'mining', 'anonymizer', 'tunnel', 'paste', 'ip_check', 'dynamic_dns'] as const;
export type Category = (typeof CATEGORIES)[number];

export const CATEGORY_DOMAINS: Readonly<Record<Exclude<Category, 'dynamic_dns'>, readonly string[]>> = {
  iot_cloud: [
    'tuyaus.com', 'tuyaeu.com', 'tuyacn.com', 'tuyain.com', 'tuya.com', 'espressif.com', 'tplinkcloud.com', 'tp-link.com',
    'tplinknbu.com', 'mi.com', 'xiaomi.com', 'xiaomi.net', 'miwifi.com', 'io.mi.com', 'ring.com', 'wyzecam.com', 'wyze.com',
    'ezvizlife.com', 'ys7.com', 'hik-connect.com', 'meethue.com', 'sonos.com', 'roku.com', 'smartthings.com',
    'samsungiotcloud.com', 'lgthinq.com', 'lgtvsdp.com', 'lgtvcommon.com', 'amazonalexa.com', 'alexa.com', 'nest.com',
    'shelly.cloud', 'coolkit.cc', 'netatmo.net', 'ecouser.net', 'ecovacs.com', 'roborock.com', 'immedia-semi.com',
    'blinkforhome.com', 'arlo.com', 'reolink.com', 'meross.com', 'ibroadlink.com', 'lifx.co', 'ecobee.com',
    'myqcloud.com', 'vidaahub.com', 'firetvcaptiveportal.com', 'ntp.org', 'pool.ntp.org', 'time.nist.gov',
  ],
  mining: [
    'nanopool.org', 'minexmr.com', 'supportxmr.com', 'f2pool.com', 'ethermine.org', '2miners.com', 'hashvault.pro',
    'moneroocean.stream', 'nicehash.com', 'c3pool.com', 'herominers.com', 'xmrpool.eu', 'minergate.com', 'unmineable.com',
    'viabtc.com', 'antpool.com', 'poolin.com', 'slushpool.com', 'braiins.com', 'miningpoolhub.com', 'zpool.ca', 'xmrig.com',
    'coinhive.com', 'crypto-pool.fr', 'dwarfpool.com', 'nanopool.com', 'kryptex.network', 'woolypooly.com',
  ],
  anonymizer: ['torproject.org', 'tor2web.org', 'onion.ws', 'onion.ly', 'onion.pet', 'onion.to', 'onion.link', 'tor2web.io', 'i2p2.de'],
  tunnel: [
    'ngrok.io', 'ngrok.app', 'ngrok-free.app', 'ngrok.dev', 'trycloudflare.com', 'serveo.net', 'loca.lt', 'localtunnel.me',
    'localhost.run', 'lhr.life', 'pagekite.me', 'portmap.io', 'playit.gg', 'telebit.cloud', 'bore.pub', 'tunnelto.dev',
  ],
  paste: ['pastebin.com', 'paste.ee', 'hastebin.com', 'ghostbin.com', 'transfer.sh', 'file.io', 'anonfiles.com', 'rentry.co', 'controlc.com', 'privatebin.net', 'temp.sh'],
  ip_check: ['ipify.org', 'ipinfo.io', 'ifconfig.me', 'icanhazip.com', 'ip-api.com', 'myexternalip.com', 'ipecho.net', 'wtfismyip.com', 'checkip.amazonaws.com', 'ident.me', 'myip.com', 'ip.sb'],
};

const INDEX = new Map<string, Category>();
for (const [cat, list] of Object.entries(CATEGORY_DOMAINS) as [Category, readonly string[]][]) for (const d of list) INDEX.set(d, cat);

/** The category of a name (its own entry or its closest listed parent), or undefined. O(labels). */
export function categoryOf(name: string, dynamicDns: string | undefined): Category | undefined {
  let s = name;
  for (;;) {
    const c = INDEX.get(s);
    if (c) return c;
    const dot = s.indexOf('.');
    if (dot < 0) break;
    s = s.slice(dot + 1);
  }
  return dynamicDns ? 'dynamic_dns' : undefined;
}
