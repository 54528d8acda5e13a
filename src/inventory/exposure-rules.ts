/**
 * Dangerous exposed services, as data, and their evaluation for one host. Rules: a rule
 * matches a port when the port is one of its `ports` and the service there is unidentified
 * or has a matching name, or anywhere the service name matches `names` (telnet on 8023);
 * `text` (when given) must then match what the service said (name, product, extra, banner,
 * HTTP Server header) — that is how "MQTT broker that accepted our anonymous CONNECT" and
 * "VNC without authentication" are told apart from the same ports with a login. Rules are
 * ordered specific first; each port gets the first rule that matches. Each rule has a
 * severity when the service is reachable on the LAN (null = not a finding there: SMB on a
 * file server is its job) and one when it is reachable from the internet (port forward, UPnP
 * mapping or inbound flows from outside: the `internet` ports the caller passes). An
 * internet-reachable port no rule names is still reported (medium). Pure; never throws.
 */
import type { Severity } from '../findings/types.js';
import type { HostScan, Service } from '../scan/types.js';

export interface ExposureRule {
  id: string;
  /** Short service label, e.g. "Telnet". */
  label: string;
  ports: readonly number[];
  names?: RegExp;
  text?: RegExp;
  /** With `text`: the text alone identifies the service on any port. */
  textAnyPort?: boolean;
  lan: Severity | null;
  internet: Severity;
  /** Why it is dangerous (plain text). */
  risk: string;
  /** What to do (plain text). */
  remediation: string;
}

export const EXPOSURE_RULES: readonly ExposureRule[] = [
  {
    id: 'telnet',
    label: 'Telnet',
    ports: [23, 2323],
    names: /^telnet$/,
    lan: 'high',
    internet: 'critical',
    risk: 'Telnet sends logins in clear text and is the way Mirai-style botnets take over cameras and routers (default passwords).',
    remediation: "Turn Telnet off in the device's settings (use SSH or the app instead), change the default password, and update the firmware; if it cannot be turned off, isolate the device on a separate network.",
  },
  {
    id: 'adb',
    label: 'Android Debug Bridge',
    ports: [5555],
    names: /^(adb|android-debug)/,
    lan: 'high',
    internet: 'critical',
    risk: 'ADB over the network gives anyone a shell without a password; crypto-mining worms (ADB.Miner) spread through it.',
    remediation: 'Turn off "ADB debugging"/"Network debugging" in the developer options of the TV box or phone; factory-reset devices that shipped with it enabled.',
  },
  {
    id: 'docker-api',
    label: 'Docker API',
    ports: [2375],
    lan: 'critical',
    internet: 'critical',
    risk: 'The unauthenticated Docker API gives root on the host to anyone who can reach it.',
    remediation: 'Stop exposing the Docker socket over TCP (remove -H tcp://… / 2375), or use TLS client certificates on 2376.',
  },
  {
    id: 'vnc-noauth',
    label: 'VNC without authentication',
    ports: [5900, 5901, 5902, 5903],
    names: /^vnc/,
    text: /no auth|auth(entication)?:? none|security types?:? ?none|\bnone\b.*auth/i,
    lan: 'high',
    internet: 'critical',
    risk: 'VNC without a password lets anyone on the network see and control the screen.',
    remediation: 'Set a VNC password (or turn screen sharing off) and allow it only from trusted hosts.',
  },
  {
    id: 'vnc',
    label: 'VNC',
    ports: [5900, 5901, 5902, 5903],
    names: /^vnc/,
    lan: 'low',
    internet: 'critical',
    risk: 'VNC passwords are short (8 characters) and the protocol is often unencrypted.',
    remediation: 'Turn screen sharing off when unused; use it through a VPN or SSH tunnel, never a port forward.',
  },
  {
    id: 'rdp',
    label: 'Remote Desktop (RDP)',
    ports: [3389],
    names: /^(ms-wbt-server|rdp)$/,
    lan: 'low',
    internet: 'critical',
    risk: 'RDP is brute-forced constantly and had wormable bugs (BlueKeep); ransomware crews enter through it.',
    remediation: 'Turn Remote Desktop off when unused, require Network Level Authentication, and reach it only through a VPN.',
  },
  {
    id: 'smb',
    label: 'SMB file sharing',
    ports: [445, 139],
    names: /^(microsoft-ds|netbios-ssn|smb)$/,
    lan: null,
    internet: 'critical',
    risk: 'SMB reachable from the internet is how WannaCry and NotPetya spread; shares and passwords get brute-forced.',
    remediation: 'Remove the port forward / UPnP mapping for 445/139 at once; share files through a VPN or a cloud service instead.',
  },
  {
    id: 'mqtt-anonymous',
    label: 'MQTT broker accepting anonymous clients',
    ports: [1883, 8883],
    names: /^(secure-)?mqtt$/,
    text: /connection accepted/i,
    lan: 'medium',
    internet: 'critical',
    risk: 'Anyone on the network can read every smart-home message and switch devices by publishing to their topics.',
    remediation: 'Set allow_anonymous false with a password file (Mosquitto) or enable authentication in the broker, and use per-device accounts.',
  },
  {
    id: 'mqtt',
    label: 'MQTT broker',
    ports: [1883, 8883],
    names: /^(secure-)?mqtt$/,
    lan: null,
    internet: 'high',
    risk: 'A broker reachable from the internet is probed for weak passwords and unpatched bugs.',
    remediation: 'Remove the port forward; connect remote clients through a VPN or a bridged cloud broker.',
  },
  {
    id: 'upnp',
    label: 'UPnP Internet Gateway Device',
    ports: [1900, 2869],
    names: /upnp/i,
    text: /miniupnp|upnp/i,
    textAnyPort: true,
    lan: 'low',
    internet: 'critical',
    risk: 'UPnP lets any program on any device open inbound ports on the router without asking (malware uses it to expose itself).',
    remediation: "Turn UPnP/NAT-PMP off in the router's settings and add the few port forwards you need by hand.",
  },
  {
    id: 'redis',
    label: 'Redis',
    ports: [6379],
    names: /^redis$/,
    lan: 'medium',
    internet: 'critical',
    risk: 'Redis has no password by default and can be made to write files (SSH keys, cron jobs).',
    remediation: 'Bind Redis to localhost or set requirepass/ACLs and protected-mode yes.',
  },
  {
    id: 'mongodb',
    label: 'MongoDB',
    ports: [27017],
    names: /^mongod/,
    lan: 'medium',
    internet: 'critical',
    risk: 'MongoDB instances without authentication are wiped and held for ransom by scripts.',
    remediation: 'Enable authorization in mongod.conf and bind it to localhost or the app network only.',
  },
  {
    id: 'elasticsearch',
    label: 'Elasticsearch',
    ports: [9200],
    names: /elasticsearch/i,
    lan: 'medium',
    internet: 'critical',
    risk: 'Open Elasticsearch clusters leak everything they index.',
    remediation: 'Enable security (xpack.security.enabled) with passwords and bind to a private interface.',
  },
  {
    id: 'ftp',
    label: 'FTP',
    ports: [21],
    names: /^ftp$/,
    lan: 'low',
    internet: 'high',
    risk: 'FTP sends passwords in clear text; anonymous FTP may expose files.',
    remediation: 'Use SFTP/FTPS instead, or turn FTP off on the device.',
  },
  {
    id: 'database',
    label: 'Database server',
    ports: [3306, 5432, 1433, 1521],
    names: /^(mysql|postgresql|ms-sql-s|oracle)/,
    lan: null,
    internet: 'high',
    risk: 'Databases reachable from the internet are brute-forced and exploited.',
    remediation: 'Remove the port forward; let applications reach the database on the private network only.',
  },
];

/** An internet-reachable port of a device, from the exposure source (port forward, UPnP mapping, inbound flows). */
export interface InternetPort {
  port: number;
  /** Where we learnt it, e.g. "upnp mapping", "inbound flows from 203.0.113.9". */
  source: string;
}

export interface Exposure {
  /** Rule id, or "internet" for a forwarded port no rule names. */
  ruleId: string;
  label: string;
  port: number;
  severity: Severity;
  internet: boolean;
  source?: string;
  risk: string;
  remediation: string;
  service?: Service;
}

const GENERIC_INTERNET = {
  label: 'Service reachable from the internet',
  risk: 'Every service reachable from the internet is scanned for weak passwords and known bugs within hours.',
  remediation: 'Remove the port forward or UPnP mapping unless you need it; reach home services through a VPN (WireGuard) instead, and keep the software updated.',
};

function serviceText(s: Service): string {
  return [s.name, s.product, s.productName, s.extra, s.banner, s.http?.server].filter(Boolean).join(' ');
}

/** The first rule matching `port` (with its service, when identified), or undefined. */
export function matchExposureRule(port: number, svc: Service | undefined, rules: readonly ExposureRule[] = EXPOSURE_RULES): ExposureRule | undefined {
  for (const r of rules) {
    const unidentified = !svc || svc.name === 'unknown';
    const byPort = r.ports.includes(port) && (unidentified || !r.names || r.names.test(svc.name));
    const byName = svc !== undefined && r.names !== undefined && r.names.test(svc.name);
    const byText = svc !== undefined && r.textAnyPort === true && r.text !== undefined && r.text.test(serviceText(svc));
    if (!byPort && !byName && !byText) continue;
    if (r.text && !(svc && r.text.test(serviceText(svc)))) continue;
    return r;
  }
  return undefined;
}

/**
 * The exposures of one host: its open ports (with services) against the rules at LAN
 * severity, raised to internet severity for the ports in `internet`; internet ports no rule
 * names are reported as generic. Sorted by port.
 */
export function findExposures(
  host: Pick<HostScan, 'openPorts' | 'services'> | undefined,
  internet: readonly InternetPort[] = [],
  rules: readonly ExposureRule[] = EXPOSURE_RULES,
): Exposure[] {
  const out = new Map<number, Exposure>();
  const inet = new Map(internet.map((p) => [p.port, p.source]));
  const ports = new Set<number>([...(host?.openPorts ?? []), ...(host?.services ?? []).map((s) => s.port), ...inet.keys()]);
  for (const port of [...ports].sort((a, b) => a - b)) {
    const svc = host?.services.find((s) => s.port === port);
    const rule = matchExposureRule(port, svc, rules);
    const source = inet.get(port);
    const fromInternet = source !== undefined;
    if (rule) {
      const severity = fromInternet ? rule.internet : rule.lan;
      if (severity === null) continue;
      const e: Exposure = { ruleId: rule.id, label: rule.label, port, severity, internet: fromInternet, risk: rule.risk, remediation: rule.remediation };
      if (source !== undefined) e.source = source;
      if (svc) e.service = svc;
      out.set(port, e);
    } else if (fromInternet) {
      const e: Exposure = { ruleId: 'internet', port, severity: 'medium', internet: true, source, ...GENERIC_INTERNET };
      if (svc) e.service = svc;
      out.set(port, e);
    }
  }
  return [...out.values()];
}
