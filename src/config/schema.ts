/**
 * THE config schema: the single source of homesec's option names, types, defaults,
 * validation and documentation (README/docs tables and the JSON Schema for the Home
 * Assistant add-on are generated from it: see json-schema.ts and scripts/gen-config-docs.ts).
 *
 * Rules: option names and defaults of the reference integration (reference README's option
 * table and homesec.yaml key list) are kept exactly; homesec's own options sit beside them
 * in the same flat snake_case style so the add-on's flat options map one-to-one. Every key
 * has a description. Secrets are declared with secret() and never printed.
 */
import { z } from 'zod';
import { BLOCK_CONFIG_SHAPE } from '../block/block-config.js';
import { HOMEASSISTANT_CONFIG_SHAPE } from '../homeassistant/ha-config.js';
import { NOTIFY_CONFIG_SHAPE } from '../notify/channel-config.js';
import { bool, cidrList, httpUrl, int, ipList, num, port, portList, secret, size, stringList, urlList } from './fields.js';

/** The reference's default scan ports, exactly as its README lists them (it says "47" but lists 48 ports). */
export const DEFAULT_SCAN_PORTS =
  '21-23,25,53,80,110,111,135,139,143,443,445,465,515,554,587,631,993,995,1080,1433,1521,1723,1883,2049,2323,3306,3389,4443,5000,5060,5432,5555,5900,6379,6667,8000,8008,8080,8443,8883,8888,9090,9100,9200,27017,49152';

/** Feeds: Feodo Tracker C2 IPs and URLhaus malware hosts (SSLBL is deprecated and empty since 2025-01-03). */
export const DEFAULT_BLACKLIST_URLS =
  'https://feodotracker.abuse.ch/downloads/ipblocklist.txt,https://urlhaus.abuse.ch/downloads/hostfile/';

export const DEFAULT_NVD_KEYWORDS =
  'OpenSSH,nginx,Apache HTTP Server,lighttpd,Dropbear,dnsmasq,Samba,MySQL,MariaDB,PostgreSQL,Redis,Mosquitto,vsftpd,ProFTPD,MiniUPnP,BusyBox';

/** Outbound destination ports commonly abused by malware, botnets and remote access. */
export const DEFAULT_SUSPICIOUS_PORTS = '23,135,137-139,445,1080,1433,2323,3389,4444,5554,5555,5900,6660-6669,9001,12345,31337';

const d = (text: string) => ({ description: text });

export const configSchema = z
  .object({
    // --- Flow listener (reference) ---
    bind_host: z.string().trim().min(1).default('0.0.0.0').meta(d('UDP listen address for NetFlow/IPFIX/sFlow ("::" listens on IPv6 and IPv4).')),
    bind_port: port().default(2055).meta(d('UDP listen port for flow datagrams.')),
    internal_networks: cidrList()
      .prefault('192.168.0.0/16,10.0.0.0/8,172.16.0.0/12')
      .meta(d('CIDRs that are "inside" the home network (comma-separated). Everything else is external.')),
    scan_window_seconds: int(1, 86400).default(300).meta(d('Time window of the port-scan heuristic, in seconds.')),
    scan_port_threshold: int(2, 65535).default(20).meta(d('Unique destination ports from one source within the window that raise a port-scan finding.')),
    high_egress_threshold: size()
      .prefault(50_000_000)
      .meta(d('Outbound octets per interval (high_egress_interval_seconds) from one device that raise a high-egress finding; bytes or e.g. "50MB".')),
    enable_webui: bool().default(true).meta(d('Serve the dashboard (and register the Home Assistant panel).')),

    // --- Active scanner (reference) ---
    enable_scanner: bool().default(true).meta(d('Ping + port scan internal hosts observed in flows.')),
    scan_interval: int(30, 604800).default(300).meta(d('Seconds between active scans.')),
    scan_exceptions: ipList().prefault('').meta(d('IPs never scanned (comma-separated).')),
    scan_ports: portList().prefault(DEFAULT_SCAN_PORTS).meta(d('Ports or ranges to probe, e.g. 22,80,443,8000-9000 (default: the 48 well-known ports listed by the reference).')),

    // --- homesec: active scanner ---
    scan_discovery_ranges: cidrList()
      .prefault('')
      .meta(d('Extra CIDRs to sweep for hosts not yet seen in flows (never scanned unless listed here; e.g. 192.168.1.0/24).')),
    scan_max_hosts: int(1, 65_536).default(1024).meta(d('Most hosts one scan cycle probes; further targets are skipped and counted.')),
    scan_ping: bool().default(true).meta(d('Send one ICMP echo per host (system ping) to learn liveness, latency and TTL; TCP answers count as alive too.')),
    scan_timeout_ms: int(50, 30_000).default(1000).meta(d('First-attempt TCP connect timeout per port, ms (later attempts adapt to the measured round trip).')),
    scan_retries: int(0, 5).default(1).meta(d('Extra attempts for ports that gave no answer before calling them filtered.')),
    scan_concurrency: int(1, 4096).default(512).meta(d('Concurrent connections of a scan in all.')),
    scan_host_concurrency: int(1, 1024).default(64).meta(d('Concurrent connections to one host.')),
    scan_service_detection: bool().default(true).meta(d('Identify services on open ports (banners, probes, HTTP fingerprinting, TLS certificates).')),
    scan_service_timeout_ms: int(200, 60_000).default(5000).meta(d('Absolute time limit of one service probe conversation, ms.')),
    scan_use_nmap: bool().default(false).meta(d('Also run nmap (when installed) for version and OS detection and merge its XML results.')),
    scan_nmap_path: z.string().trim().min(1).default('nmap').meta(d('nmap executable used when scan_use_nmap is on.')),

    // --- External IPs and threat intel (reference) ---
    enable_threat_intel: bool()
      .default(true)
      .meta(d('Look up external IPs (IPInfo, VirusTotal, Shodan, AbuseIPDB, reverse DNS) and download blacklist feeds. Off = no intel traffic at all.')),
    blacklist_refresh_minutes: int(5, 10_080).default(60).meta(d('Minutes between blacklist feed refreshes (conditional GETs: ETag / If-Modified-Since).')),
    external_ip_retention_hours: int(0, 87600).default(24).meta(d('How long external IP history is kept, in hours (0 = forever).')),
    enable_dns_resolution: bool().default(true).meta(d('Resolve reverse DNS names of external IPs.')),
    blacklist_urls: urlList().prefault(DEFAULT_BLACKLIST_URLS).meta(d('Threat-intel feed URLs (plain IP, CIDR, CSV, hosts-file or domain lists).')),
    ipinfo_token: secret().default('').meta({ secret: true, ...d('IPInfo token (optional; raises the quota).') }),
    virustotal_api_key: secret().default('').meta({ secret: true, ...d('VirusTotal API key (optional; enables VT lookups).') }),
    shodan_api_key: secret().default('').meta({ secret: true, ...d('Shodan API key (optional; enables Shodan lookups).') }),
    abuseipdb_api_key: secret().default('').meta({ secret: true, ...d('AbuseIPDB API key (optional; enables abuse scores).') }),
    enrichment_ttl_minutes: int(1, 525600).default(300).meta(d('Minutes before re-querying enrichment providers for the same IP.')),
    ipinfo_daily_budget: int(0, 10_000_000).default(1500).meta(d('Max IPInfo queries per day (local midnight reset).')),
    virustotal_daily_budget: int(0, 10_000_000).default(500).meta(d('Max VirusTotal queries per day.')),
    shodan_daily_budget: int(0, 10_000_000).default(1000).meta(d('Max Shodan queries per day.')),
    abuseipdb_daily_budget: int(0, 10_000_000).default(1000).meta(d('Max AbuseIPDB queries per day.')),

    // --- NVD (reference) ---
    nvd_api_key: secret().default('').meta({ secret: true, ...d('NVD API key (optional; raises the rate limit to 50 requests / 30 s).') }),
    nvd_api_url: httpUrl().default('https://services.nvd.nist.gov/rest/json/cves/2.0').meta(d('NVD CVE API 2.0 endpoint.')),
    nvd_ttl_hours: int(1, 8760).default(12).meta(d('Hours before CVE data is re-fetched from NVD.')),
    nvd_min_year: int(0, 2100).default(2020).meta(d('Oldest CVE year to include (0 = all years).')),
    nvd_keywords: stringList().prefault(DEFAULT_NVD_KEYWORDS).meta(d('Product names to query NVD for, comma-separated (16 defaults).')),

    enable_nvd: bool().default(true).meta(d('Look up CVEs for detected services in NVD and CISA KEV. Off = no NVD/KEV traffic.')),
    kev_url: httpUrl()
      .default('https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json')
      .meta(d('CISA Known Exploited Vulnerabilities catalog (JSON feed).')),
    kev_refresh_hours: int(1, 168).default(24).meta(d('Hours between KEV catalog downloads.')),

    // --- homesec: daemon ---
    data_dir: z.string().trim().min(1).default('./data').meta(d('Directory for the SQLite database and the YAML state files.')),
    web_host: z.string().trim().min(1).default('127.0.0.1').meta(d('Dashboard/API listen address (localhost by default; set 0.0.0.0 to expose it).')),
    web_port: port().default(8088).meta(d('Dashboard/API TCP port.')),
    web_auth: bool()
      .default(true)
      .meta(d('Require a login (session cookie or Bearer password) for the API, /metrics and every action. Turn off only behind your own authenticating proxy.')),
    web_trust_ingress: bool()
      .default(false)
      .meta(d('Accept requests from the Home Assistant ingress proxy (172.30.32.2) as authenticated (add-on mode turns this on).')),
    web_session_hours: int(1, 720).default(12).meta(d('Lifetime of a dashboard login session, in hours (also ends after 2 h idle).')),
    web_login_per_minute: int(1, 1000).default(5).meta(d('Login attempts allowed per client address per minute.')),
    allow_self_requests: bool()
      .default(false)
      .meta(d("Let user-supplied URLs (feeds, notification channels, webhooks, DNS sources, NVD/KEV) reach homesec's own API at web_host:web_port. Off: such requests are refused (SSRF guard).")),
    demo: bool().default(false).meta(d('Set by `homesec demo`: the dashboard and API label everything as demo data.')),
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').meta(d('Log level.')),
    log_format: z.enum(['auto', 'json', 'pretty']).default('auto').meta(d('Log format: pretty on a terminal, JSON otherwise ("auto").')),

    // --- homesec: flow collector ---
    exporter_allowlist: ipList().prefault('').meta(d('If set, only datagrams from these exporter IPs are accepted; others are counted and dropped.')),
    udp_receive_buffer_bytes: size().prefault(8 * 1024 * 1024).meta(d('Requested UDP socket receive buffer (the kernel caps it at net.core.rmem_max).')),
    flow_native_receiver: bool()
      .default(true)
      .meta(d("Read flow datagrams with homesec's native receiver (Linux; built by npm install; many datagrams per system call) when it is built; false reads them with Node's dgram.")),
    max_exporters: int(1, 1_000_000).default(10_000).meta(d('Exporters (template/health state) kept at most; least recently seen are evicted.')),
    max_templates_per_exporter: int(1, 65_535).default(1000).meta(d('NetFlow v9/IPFIX templates kept per exporter at most.')),
    flow_retention_hours: int(0, 87600).default(24).meta(d('How long connection history is kept in SQLite, in hours (0 = forever).')),

    // --- homesec: flow detectors ---
    suspicious_ports: portList().prefault(DEFAULT_SUSPICIOUS_PORTS).meta(d('Outbound destination ports considered commonly abused.')),
    high_egress_interval_seconds: int(10, 86400).default(300).meta(d('Interval over which outbound octets are summed for high egress.')),
    beacon_min_connections: int(3, 100_000).default(8).meta(d('Connections from one device to one external peer needed before beaconing is scored.')),
    beacon_score_threshold: num(0, 1).default(0.8).meta(d('Beacon score (0..1, RITA-style) at or above which a beaconing finding is raised.')),

    // --- homesec: device inventory ---
    inventory_dhcp_leases: z.string().trim().default('').meta(d('DHCP lease file for MACs and hostnames (dnsmasq or ISC dhcpd, detected), e.g. /var/lib/misc/dnsmasq.leases; empty = none.')),
    inventory_neighbours: bool().default(true).meta(d("Read this host's neighbour (ARP) table for device MACs (ip neigh, /proc/net/arp).")),
    inventory_resolve_names: bool().default(true).meta(d("Look up names of devices without a DHCP/tracker name (reverse DNS, then the device's mDNS responder).")),
    inventory_refresh_seconds: int(30, 86_400).default(300).meta(d('Seconds between inventory refreshes (every completed scan refreshes too).')),
    new_device_alerts: bool().default(true).meta(d('Raise a new_device finding when a device never seen before appears.')),
    new_device_learning_hours: int(0, 8760).default(24).meta(d('Hours after the first start during which devices form the baseline without alerts (0 = only the first inventory build).')),
    trusted_macs: stringList().prefault('').meta(d('MAC addresses of known devices (comma-separated); they never raise new-device findings.')),

    // --- homesec: DNS monitoring ---
    dns_source: z
      .enum(['none', 'pihole6', 'pihole5_db', 'pihole5_api', 'dnsmasq_log', 'adguard'])
      .default('none')
      .meta(d('Where DNS queries come from: Pi-hole v6 API (pihole6), Pi-hole v5 FTL database (pihole5_db) or api.php (pihole5_api), a dnsmasq/Pi-hole query log file (dnsmasq_log), AdGuard Home (adguard), or none.')),
    dns_url: httpUrl().default('http://pi.hole').meta(d('Base URL of Pi-hole (pihole6, pihole5_api) or AdGuard Home (adguard), e.g. http://192.168.1.2:8080.')),
    dns_username: z.string().trim().default('').meta(d('AdGuard Home user name (HTTP Basic auth).')),
    dns_password: secret().default('').meta({ secret: true, ...d('Pi-hole v6 password or app password, Pi-hole v5 API token, or AdGuard Home password.') }),
    dns_log_path: z.string().trim().min(1).default('/var/log/pihole/pihole.log').meta(d('Query log followed by dns_source dnsmasq_log (dnsmasq log-queries, ideally log-queries=extra, with log-facility=<file>).')),
    dns_db_path: z.string().trim().min(1).default('/etc/pihole/pihole-FTL.db').meta(d('Pi-hole v5 FTL database, opened read-only by dns_source pihole5_db.')),
    dns_poll_seconds: int(1, 3600).default(10).meta(d('Seconds between reads of the DNS source.')),
    dns_local_resolvers: ipList().prefault('').meta(d("The home's own resolvers (Pi-hole, AdGuard Home, router) that may query outside resolvers; the dns_url host is added when it is an IP address.")),
    dns_learning_hours: int(1, 8760).default(72).meta(d("Hours a device's DNS profile is learned before new domains count as new.")),
    dns_dga_min_names: int(1, 1000).default(3).meta(d('Distinct algorithmically generated-looking domains from one device within dns_window_minutes that raise a DGA finding.')),
    dns_window_minutes: int(1, 1440).default(10).meta(d('Window of the DGA and DNS-tunnelling detectors, in minutes.')),

    // --- homesec: notifications (channel schemas live beside the channels) ---
    ...NOTIFY_CONFIG_SHAPE,

    // --- homesec: Home Assistant (MQTT discovery, WebSocket tracker enrichment) ---
    ...HOMEASSISTANT_CONFIG_SHAPE,

    // --- homesec: automated response (blocking; schemas live beside the engine) ---
    ...BLOCK_CONFIG_SHAPE,
  })
  .strict();

/** The validated, typed configuration. */
export type Config = z.output<typeof configSchema>;
/** What a config file may contain (before defaults and coercion). */
export type ConfigInput = z.input<typeof configSchema>;

/** The option names, in schema order. */
export const CONFIG_KEYS = Object.keys(configSchema.shape) as (keyof Config)[];

/** Options whose values are secrets (never printed, redacted in logs, files 0600). */
export const SECRET_KEYS: readonly string[] = CONFIG_KEYS.filter((k) => {
  const meta = configSchema.shape[k].meta() as { secret?: boolean } | undefined;
  return meta?.secret === true;
});

/** Metadata of one option, for documentation. */
export function describeKey(key: keyof Config): { description: string; secret: boolean } {
  const meta = (configSchema.shape[key].meta() ?? {}) as { description?: string; secret?: boolean };
  return { description: meta.description ?? '', secret: meta.secret === true };
}
