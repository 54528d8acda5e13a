/**
 * The configuration `homesec demo` runs with. Rules (the network rule of a demo: nothing but
 * loopback is ever contacted):
 * - Built from the schema's defaults plus the values below only: the user's homesec.yaml
 *   and HOMESEC_* variables are NOT read (they could name real targets, channels or keys);
 *   only the listen addresses, log level and format come from the caller.
 * - Every outside service points at the demo's loopback intel server (NVD, KEV, the
 *   blocklist); intel providers get no keys and no budget (IPInfo works without a key, so its
 *   budget is 0); reverse DNS, device name lookups (rDNS/mDNS) and the host's neighbour table
 *   are off, because the demo's addresses are data that must never be looked up; no DNS
 *   source, no notification channel, no Home Assistant, no blocking.
 * - The scanner probes only the lab services' ports; which hosts it scans is the wiring's
 *   job (AppDeps.demo: the lab hosts, never a host seen in flows).
 * - New devices alert after the first inventory build (learning 0 h), so the device that joins
 *   during the demo raises its finding.
 */
import { configSchema, type Config } from '../config/schema.js';
import { GATEWAY, HOME_NETWORK, LAB_NETWORK, LAB_SERVICES } from './scenario.js';

export interface DemoConfigInput {
  dataDir: string;
  /** Base URL of the demo intel server, e.g. http://127.0.0.1:41234. */
  intelUrl: string;
  leasesFile: string;
  webHost: string;
  webPort: number;
  bindPort: number;
  /** Lab ports that could be served (a port taken on this machine is left out). */
  labPorts?: readonly number[];
  logLevel?: Config['log_level'];
  logFormat?: Config['log_format'];
}

/** Paths the demo intel server answers on. */
export const INTEL_PATHS = {
  nvd: '/nvd/rest/json/cves/2.0',
  kev: '/kev/known_exploited_vulnerabilities.json',
  feed: '/feodotracker/ipblocklist.txt',
} as const;

/** NVD keywords of the demo: the products its lab services run. */
export const DEMO_NVD_KEYWORDS = ['OpenSSH', 'nginx', 'Apache HTTP Server', 'vsftpd', 'Mosquitto'];

/** The demo's validated configuration (see module rules). */
export function demoConfig(i: DemoConfigInput): Config {
  const ports = i.labPorts ?? LAB_SERVICES.map((s) => s.port);
  return configSchema.parse({
    demo: true,
    data_dir: i.dataDir,
    bind_host: '127.0.0.1',
    bind_port: i.bindPort,
    web_host: i.webHost,
    web_port: i.webPort,
    web_auth: true,
    internal_networks: `${HOME_NETWORK},${LAB_NETWORK}`,
    exporter_allowlist: '127.0.0.1',

    enable_scanner: true,
    scan_interval: 300,
    scan_ports: [...new Set(ports)].join(','),
    scan_discovery_ranges: '',
    scan_timeout_ms: 500,
    scan_use_nmap: false,

    enable_threat_intel: true,
    enable_dns_resolution: false,
    blacklist_urls: `${i.intelUrl}${INTEL_PATHS.feed}`,
    ipinfo_token: '',
    virustotal_api_key: '',
    shodan_api_key: '',
    abuseipdb_api_key: '',
    ipinfo_daily_budget: 0,
    virustotal_daily_budget: 0,
    shodan_daily_budget: 0,
    abuseipdb_daily_budget: 0,

    enable_nvd: true,
    nvd_api_key: '',
    nvd_api_url: `${i.intelUrl}${INTEL_PATHS.nvd}`,
    kev_url: `${i.intelUrl}${INTEL_PATHS.kev}`,
    nvd_keywords: DEMO_NVD_KEYWORDS.join(','),

    inventory_dhcp_leases: i.leasesFile,
    inventory_neighbours: false,
    inventory_resolve_names: false,
    inventory_refresh_seconds: 60,
    new_device_alerts: true,
    new_device_learning_hours: 0,

    dns_source: 'none',
    // The router is the home's resolver: its queries to the upstream are expected.
    dns_local_resolvers: GATEWAY,
    notify_channels: [],
    notify_digest: 'off',
    mqtt_url: '',
    ha_url: '',
    block_enable: false,
    ...(i.logLevel ? { log_level: i.logLevel } : {}),
    ...(i.logFormat ? { log_format: i.logFormat } : {}),
  });
}
