/**
 * Hardening recommendations derived from the current state (the reference's
 * "Recommendations" view: "prioritized hardening suggestions based on current network
 * state", "derived from observed behavior and telemetry gaps"). Rules: a pure function over
 * a snapshot (telemetry facts from the app, the inventory's devices and exposures); the
 * rules are a table, each with a priority (a finding severity), a title, why it matters and
 * how to fix it, and the devices concerned (at most MAX_DEVICES listed, the count always
 * exact). Output is sorted by priority, then table order, so the list changes exactly when
 * the state does. API keys enter only as booleans (configured or not), never their values.
 */
import { severityRank, type Severity } from '../findings/types.js';
import type { Role } from '../store/state-files.js';
import { EXPOSURE_RULES, type Exposure } from './exposure-rules.js';
import type { Device } from './types.js';

export const MAX_DEVICES = 20;
/** Flows older than this count as "stopped". */
export const FLOW_STALE_MS = 15 * 60_000;

/** Facts the app knows (booleans for keys: configured or not). */
export interface TelemetryContext {
  /** Flow records received since install (the traffic tracker's total). */
  flowsTotal: number;
  /** When the last flow record arrived. */
  lastFlowMs?: number;
  scanner: { enabled: boolean; lastScanMs?: number; intervalSeconds: number };
  threatIntelEnabled: boolean;
  apiKeys: { nvd: boolean; virustotal: boolean; abuseipdb: boolean; shodan: boolean; ipinfo: boolean };
  /** A DNS query source (Pi-hole, AdGuard, dnsmasq log) is configured; undefined = not applicable yet. */
  dnsSourceConfigured?: boolean;
  /** Open high/critical findings. */
  openActionableFindings?: number;
}

/** What the inventory adds. */
export interface InventoryFacts {
  nowMs: number;
  devices: readonly Device[];
  exposures: ReadonlyMap<number, readonly Exposure[]>;
  /** How MACs are learnt: a neighbour-table source, or off/error. */
  neighbourSource: 'ip-json' | 'ip-text' | 'proc' | 'off' | 'error' | 'pending';
  leasesConfigured: boolean;
}

export interface RecommendationDevice {
  id: number;
  ip?: string;
  label: string;
}

export interface Recommendation {
  id: string;
  priority: Severity;
  title: string;
  why: string;
  how: string;
  /** Devices concerned (at most MAX_DEVICES). */
  devices: RecommendationDevice[];
  /** Exact number of devices concerned. */
  deviceCount: number;
}

export type RecommendationState = TelemetryContext & InventoryFacts;

interface Hit {
  devices?: readonly Device[];
  /** Replaces the rule's title (e.g. with counts). */
  title?: string;
  priority?: Severity;
  why?: string;
  how?: string;
}

interface RecommendationRule {
  id: string;
  priority: Severity;
  title: string;
  why: string;
  how: string;
  check(s: RecommendationState): Hit | undefined;
}

const ADMIN_PORTS = [80, 443, 8080, 8443, 8000, 8888, 23, 2323, 22, 554];
const DEFAULT_CREDENTIAL_ROLES: readonly Role[] = ['camera', 'iot', 'printer', 'gateway', 'nas', 'tv'];

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function deviceLabel(d: Device): string {
  const who = d.name ?? d.hostname ?? d.vendor ?? (d.randomizedMac ? 'private-MAC device' : 'device');
  return d.ip ? `${who} (${d.ip})` : who;
}

const RULES: readonly RecommendationRule[] = [
  {
    id: 'no-flows',
    priority: 'high',
    title: 'No flow data received yet',
    why: 'Without NetFlow/IPFIX/sFlow from the router homesec cannot see which devices talk to the internet, so port-scan, beaconing, egress and blacklist detection are blind.',
    how: 'Point your router\'s flow export at homesec (bind_host:bind_port, UDP 2055): softflowd on OpenWrt/pfSense CE, pflow on pfSense Plus, NetFlow v9 on OPNsense, "/ip traffic-flow" on MikroTik. Allow the port in the host firewall.',
    check: (s) => (s.flowsTotal === 0 ? {} : undefined),
  },
  {
    id: 'flows-stopped',
    priority: 'medium',
    title: 'Flow export has stopped',
    why: 'No flow record arrived for more than 15 minutes: the router may have rebooted, lost its export config, or the collector port is blocked.',
    how: "Check the router's flow-export settings and that UDP reaches homesec (exporter_allowlist, host firewall).",
    check: (s) => (s.flowsTotal > 0 && s.lastFlowMs !== undefined && s.nowMs - s.lastFlowMs > FLOW_STALE_MS ? {} : undefined),
  },
  {
    id: 'patch-kev',
    priority: 'critical',
    title: 'Patch vulnerabilities that are being exploited',
    why: "These devices run software with CVEs on CISA's Known Exploited Vulnerabilities list: attackers use them right now.",
    how: 'Update the firmware or software of each device today (vendor site or app); if no update exists, unplug it or isolate it on a separate network and remove any port forwards to it.',
    check: (s) => {
      const devices = s.devices.filter((d) => d.vulnerabilities.kev > 0);
      return devices.length > 0 ? { devices } : undefined;
    },
  },
  {
    id: 'exposed-services',
    priority: 'info',
    title: '',
    why: '',
    how: '',
    check: () => undefined, // expanded per exposure rule below
  },
  {
    id: 'outdated-software',
    priority: 'high',
    title: 'Update outdated software',
    why: 'These devices run versions with known high or critical vulnerabilities.',
    how: 'Install the latest firmware/packages (enable automatic updates where offered); replace devices the vendor no longer updates.',
    check: (s) => {
      const devices = s.devices.filter((d) => d.vulnerabilities.high + d.vulnerabilities.critical > 0 && d.vulnerabilities.kev === 0);
      return devices.length > 0 ? { devices } : undefined;
    },
  },
  {
    id: 'review-findings',
    priority: 'high',
    title: 'Review open high/critical findings',
    why: 'Findings of high or critical severity are waiting for a decision.',
    how: 'Open the Findings view: fix the cause, or dismiss a finding you have checked (dismissals are kept in homesec_dismissed.yaml).',
    check: (s) => ((s.openActionableFindings ?? 0) > 0 ? { title: `Review ${plural(s.openActionableFindings ?? 0, 'open high/critical finding')}` } : undefined),
  },
  {
    id: 'default-credentials',
    priority: 'medium',
    title: 'Change default passwords on network gear and smart devices',
    why: 'Cameras, printers, routers, NAS boxes and smart-home devices with a login page often keep their factory password, the first thing botnets try.',
    how: "Log in to each device's admin page or app, set a unique password (a password manager helps), turn off remote/cloud admin and P2P features you do not use, and update the firmware.",
    check: (s) => {
      const devices = s.devices.filter(
        (d) => DEFAULT_CREDENTIAL_ROLES.includes(d.role) && d.openPorts.some((p) => ADMIN_PORTS.includes(p)),
      );
      return devices.length > 0 ? { devices } : undefined;
    },
  },
  {
    id: 'scanner-off',
    priority: 'medium',
    title: 'Turn on the active scanner',
    why: 'Without scans homesec does not know which services your devices expose, so roles, exposures and vulnerability matching rely on flows alone.',
    how: 'Set enable_scanner: true (scans only internal hosts seen in flows or listed in scan_discovery_ranges).',
    check: (s) => (!s.scanner.enabled ? {} : undefined),
  },
  {
    id: 'scanner-stale',
    priority: 'low',
    title: 'The active scanner has not completed a recent cycle',
    why: 'The last completed scan is older than three scan intervals (or none completed yet), so the service picture may be out of date.',
    how: 'Check the Active Scan card and the log for scanner errors; trigger a scan by hand to test.',
    check: (s) => {
      if (!s.scanner.enabled) return undefined;
      const last = s.scanner.lastScanMs;
      const limit = 3 * s.scanner.intervalSeconds * 1000;
      return last !== undefined && s.nowMs - last > limit ? {} : undefined;
    },
  },
  {
    id: 'mac-source',
    priority: 'medium',
    title: 'Give homesec a source of MAC addresses',
    why: 'Without MAC addresses a device that gets a new DHCP address looks like a new device, and vendors stay unknown.',
    how: 'Run homesec on the same LAN as your devices (Docker: network_mode host) so it can read the neighbour table, or set inventory_dhcp_leases to the lease file of your dnsmasq/ISC dhcpd server.',
    check: (s) => ((s.neighbourSource === 'error' || s.neighbourSource === 'off') && !s.leasesConfigured ? {} : undefined),
  },
  {
    id: 'segment-iot',
    priority: 'low',
    title: 'Put cameras and smart-home devices on their own network',
    why: 'IoT devices are rarely updated; on the same network as your computers and phones one compromised bulb or camera can reach everything.',
    how: 'Use the router\'s guest Wi-Fi or an IoT VLAN for cameras, TVs and smart-home devices, and allow only what they need (e.g. Home Assistant to IoT, not IoT to LAN).',
    check: (s) => {
      const iot = s.devices.filter((d) => d.ip && (d.role === 'camera' || d.role === 'iot' || d.role === 'tv'));
      const personal = s.devices.filter((d) => d.role === 'desktop' || d.role === 'mobile' || d.role === 'nas');
      return iot.length >= 3 && personal.length > 0 ? { devices: iot } : undefined;
    },
  },
  {
    id: 'unknown-devices',
    priority: 'low',
    title: 'Identify unknown devices',
    why: 'Devices homesec cannot classify and nobody marked as known are the ones to check first (a neighbour on your Wi-Fi, a forgotten gadget).',
    how: 'Look at vendor, hostname and open ports; mark the ones you know as trusted or set their role; block and change the Wi-Fi password for the ones you do not.',
    check: (s) => {
      const devices = s.devices.filter((d) => d.ip && !d.trusted && d.role === 'unknown');
      return devices.length > 0 ? { devices, title: `Identify ${plural(devices.length, 'unknown device')}` } : undefined;
    },
  },
  {
    id: 'private-macs',
    priority: 'info',
    title: 'Some devices use private (randomised) MAC addresses',
    why: 'A private MAC can change (per network, or every few weeks), so the device may show up as new again; merging keeps its history.',
    how: "Merge duplicates in the Hosts view. On your own phones you may turn \"Private Wi-Fi address\" off for the home network (iOS: Wi-Fi > (i); Android: Wi-Fi > network > Privacy > Use device MAC) so they are recognised.",
    check: (s) => {
      const devices = s.devices.filter((d) => d.ip && d.randomizedMac);
      return devices.length > 0 ? { devices } : undefined;
    },
  },
  {
    id: 'intel-off',
    priority: 'medium',
    title: 'Turn on threat intelligence',
    why: 'Without it homesec cannot tell you when a device talks to a known botnet controller or malware host.',
    how: 'Set enable_threat_intel: true (blacklist feeds are free and need no key).',
    check: (s) => (!s.threatIntelEnabled ? {} : undefined),
  },
  {
    id: 'dns-source',
    priority: 'low',
    title: 'Connect your DNS resolver logs',
    why: 'DNS queries show malware domains, DGA patterns and tracking even when no flow data exists.',
    how: 'Connect Pi-hole, AdGuard Home or a dnsmasq query log as a DNS source.',
    check: (s) => (s.dnsSourceConfigured === false ? {} : undefined),
  },
  {
    id: 'nvd-key',
    priority: 'low',
    title: 'Add a free NVD API key',
    why: 'Without a key the NVD allows 5 requests per 30 seconds, so vulnerability data for your services refreshes slowly.',
    how: 'Request a key at nvd.nist.gov/developers/request-an-api-key and set nvd_api_key (raises the limit to 50 requests per 30 s).',
    check: (s) => (!s.apiKeys.nvd ? {} : undefined),
  },
  {
    id: 'intel-keys',
    priority: 'info',
    title: 'Add reputation API keys',
    why: 'AbuseIPDB and VirusTotal scores make the external-IP ratings much better than feeds alone.',
    how: 'Create free accounts and set abuseipdb_api_key and/or virustotal_api_key (daily budgets keep usage within the free tiers).',
    check: (s) => (s.threatIntelEnabled && !s.apiKeys.abuseipdb && !s.apiKeys.virustotal ? {} : undefined),
  },
];

/** One recommendation per exposure rule that has LAN or internet hits. */
function exposureRecommendations(s: RecommendationState): Recommendation[] {
  const byRule = new Map<string, { devices: Map<number, Device>; severity: Severity; internet: boolean; label: string; risk: string; how: string }>();
  const byId = new Map(s.devices.map((d) => [d.id, d]));
  for (const [id, list] of s.exposures) {
    const d = byId.get(id);
    if (!d) continue;
    for (const e of list) {
      const cur = byRule.get(e.ruleId) ?? { devices: new Map(), severity: e.severity, internet: false, label: e.label, risk: e.risk, how: e.remediation };
      cur.devices.set(d.id, d);
      if (severityRank(e.severity) > severityRank(cur.severity)) cur.severity = e.severity;
      cur.internet = cur.internet || e.internet;
      byRule.set(e.ruleId, cur);
    }
  }
  const order = [...EXPOSURE_RULES.map((r) => r.id), 'internet'];
  return [...byRule.entries()]
    .sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]))
    .map(([ruleId, g]) => {
      const devices = [...g.devices.values()];
      return {
        id: `exposure-${ruleId}`,
        priority: g.severity,
        title: `${g.label}${g.internet ? ' reachable from the internet' : ' open'} on ${plural(devices.length, 'device')}`,
        why: g.risk,
        how: g.how,
        devices: devices.slice(0, MAX_DEVICES).map((d) => ({ id: d.id, ...(d.ip ? { ip: d.ip } : {}), label: deviceLabel(d) })),
        deviceCount: devices.length,
      };
    });
}

/** The recommendations for `s`, highest priority first (see module rules). */
export function buildRecommendations(s: RecommendationState): Recommendation[] {
  const out: { rec: Recommendation; order: number }[] = [];
  RULES.forEach((rule, order) => {
    if (rule.id === 'exposed-services') {
      for (const rec of exposureRecommendations(s)) out.push({ rec, order });
      return;
    }
    const hit = rule.check(s);
    if (!hit) return;
    const devices = hit.devices ?? [];
    out.push({
      order,
      rec: {
        id: rule.id,
        priority: hit.priority ?? rule.priority,
        title: hit.title ?? rule.title,
        why: hit.why ?? rule.why,
        how: hit.how ?? rule.how,
        devices: devices.slice(0, MAX_DEVICES).map((d) => ({ id: d.id, ...(d.ip ? { ip: d.ip } : {}), label: deviceLabel(d) })),
        deviceCount: devices.length,
      },
    });
  });
  return out.sort((a, b) => severityRank(b.rec.priority) - severityRank(a.rec.priority) || a.order - b.order).map((x) => x.rec);
}
