/**
 * OS guess and device-role hints for one host, from its TTL, open ports and services.
 *
 * Rules:
 * - Pure functions over data tables (PORT_OS_RULES, DEVICE_HINT_RULES); no I/O, never throw.
 * - Evidence, strongest first: what a service banner names (distribution, OS hint, e.g.
 *   "OpenSSH … Debian" → Linux, Debian 12), then port combinations that only one OS family
 *   opens (MS-RPC 135 + SMB 445 → Windows; 9100/515/631 → printer firmware), then the initial
 *   TTL: a reply's TTL is rounded up to the usual initial values 64 (Linux, BSD, macOS/iOS,
 *   most embedded stacks), 128 (Windows) and 255 (network equipment, Solaris).
 * - Each family with evidence scores its strongest piece plus 10 per further piece; the TTL
 *   then adds TTL_AGREES to the families it fits and TTL_DISAGREES to the others. The TTL
 *   never creates a family of its own when there is evidence, so a banner beats the TTL: a
 *   TTL that does not fit only lowers the confidence and is reported (NAT, VM or proxy). It
 *   does decide between two families that both have evidence (WSL's Debian OpenSSH on a
 *   Windows host with 135/445 open and TTL 128 is Windows).
 * - Every guess carries the reasons it was made; confidence is 0..95, never 100: a remote guess
 *   without a fingerprint can be wrong.
 * - Strings in reasons and hints are built from our own tables plus already sanitised
 *   Service fields (identify.ts), capped in number.
 */
import type { OsGuess, Service } from '../types.js';
import { distroRelease } from './distro.js';

export interface OsGuessInput {
  /** TTL of a reply from the host (ICMP echo reply or TCP SYN/ACK), as received. */
  ttl?: number;
  openPorts: readonly number[];
  services: readonly Service[];
}

const MAX_CONFIDENCE = 95;
const MAX_REASONS = 8;
const MAX_HINTS = 12;
/** Confidence added when the initial TTL fits a family, removed when it does not. */
const TTL_AGREES = 15;
const TTL_DISAGREES = -20;

interface Evidence {
  family: string;
  detail?: string;
  weight: number;
  reason: string;
}

/** Service.osHint → OS family. */
const OS_HINT_FAMILIES: ReadonlyMap<string, string> = new Map([
  ['linux', 'Linux'],
  ['windows', 'Windows'],
  ['macos', 'macOS/iOS'],
  ['freebsd', 'BSD'],
  ['openbsd', 'BSD'],
  ['netbsd', 'BSD'],
  ['embedded', 'Embedded/RTOS'],
  ['routeros', 'Network device'],
  ['ios', 'Network device'],
  ['unix', 'Linux/Unix'],
]);

/** Service.distro → display name for the OS detail. */
const DISTRO_NAMES: ReadonlyMap<string, string> = new Map([
  ['debian', 'Debian'],
  ['ubuntu', 'Ubuntu'],
  ['raspbian', 'Raspbian (Raspberry Pi OS)'],
  ['fedora', 'Fedora'],
  ['centos', 'CentOS'],
  ['rhel', 'Red Hat Enterprise Linux'],
  ['alpine', 'Alpine Linux'],
  ['suse', 'SUSE'],
  ['openwrt', 'OpenWrt'],
  ['gentoo', 'Gentoo'],
  ['arch', 'Arch Linux'],
]);

/** Products that say more about the OS than their osHint. */
const PRODUCT_DETAILS: ReadonlyMap<string, string> = new Map([
  ['dropbear', 'embedded Linux'],
  ['uhttpd', 'OpenWrt'],
  ['routeros-sshd', 'MikroTik RouterOS'],
  ['cisco-ssh', 'Cisco IOS'],
  ['apple-remote-desktop', 'macOS'],
]);

/** Port combinations typical of one OS family: fires when at least `min` of `ports` are open. */
interface PortOsRule {
  family: string;
  detail?: string;
  ports: readonly number[];
  min: number;
  weight: number;
  reason: string;
}

export const PORT_OS_RULES: readonly PortOsRule[] = [
  { family: 'Windows', ports: [135, 445], min: 2, weight: 55, reason: 'MS-RPC 135 and SMB 445 open' },
  { family: 'Windows', ports: [3389], min: 1, weight: 45, reason: 'RDP 3389 open' },
  { family: 'Windows', ports: [135], min: 1, weight: 40, reason: 'MS-RPC endpoint mapper 135 open' },
  { family: 'Windows', ports: [5985, 5986], min: 1, weight: 40, reason: 'WinRM 5985/5986 open' },
  { family: 'Embedded/RTOS', detail: 'printer firmware', ports: [9100, 515, 631], min: 2, weight: 55, reason: 'printer ports (9100/515/631) open' },
  { family: 'Embedded/RTOS', detail: 'printer firmware', ports: [9100], min: 1, weight: 40, reason: 'JetDirect 9100 open' },
  { family: 'macOS/iOS', detail: 'iOS', ports: [62078], min: 1, weight: 55, reason: 'iOS lockdown service 62078 open' },
  { family: 'Linux', detail: 'Android', ports: [5555], min: 1, weight: 35, reason: 'Android Debug Bridge 5555 open' },
  { family: 'Linux', detail: 'Android TV / Google Cast', ports: [8008, 8009], min: 2, weight: 35, reason: 'Google Cast 8008/8009 open' },
];

/** Initial TTL → families that use it, and the guess when nothing else is known. */
interface TtlRow {
  initial: number;
  families: readonly string[];
  alone: { family: string; detail: string; confidence: number };
}

const TTL_ROWS: readonly TtlRow[] = [
  {
    initial: 32,
    families: ['Embedded/RTOS', 'Windows'],
    alone: { family: 'Embedded/RTOS', detail: 'old or embedded IP stack (initial TTL 32)', confidence: 15 },
  },
  {
    initial: 64,
    families: ['Linux', 'Linux/Unix', 'BSD', 'macOS/iOS', 'Embedded/RTOS', 'Network device'],
    alone: { family: 'Linux/Unix', detail: 'Linux, BSD, macOS/iOS or embedded (initial TTL 64)', confidence: 30 },
  },
  { initial: 128, families: ['Windows'], alone: { family: 'Windows', detail: 'initial TTL 128', confidence: 45 } },
  {
    initial: 255,
    families: ['Network device', 'Embedded/RTOS', 'Solaris'],
    alone: { family: 'Network device', detail: 'router/switch, Solaris or embedded (initial TTL 255)', confidence: 30 },
  },
];

function ttlRow(ttl: number | undefined): TtlRow | undefined {
  if (ttl === undefined || !Number.isInteger(ttl) || ttl < 1 || ttl > 255) return undefined;
  return TTL_ROWS.find((row) => ttl <= row.initial);
}

/** Families a "Linux/Unix" hint (vsftpd, Postfix …) supports as well as itself. */
const UNIX_LIKE: readonly string[] = ['Linux', 'BSD', 'macOS/iOS'];

function serviceLabel(s: Service): string {
  const product = s.productName ?? s.product ?? s.name;
  return `${product}${s.version ? ` ${s.version}` : ''} on port ${s.port}`;
}

function serviceEvidence(s: Service): Evidence | undefined {
  const family = s.distro ? 'Linux' : s.osHint ? OS_HINT_FAMILIES.get(s.osHint) : undefined;
  if (!family) return undefined;
  let detail: string | undefined;
  if (s.distro) {
    const name = DISTRO_NAMES.get(s.distro) ?? s.distro;
    const release = distroRelease(s.banner) ?? distroRelease(s.extra);
    detail = release ? `${name} ${release}` : name;
  } else if (s.product) {
    detail = PRODUCT_DETAILS.get(s.product);
  }
  const weight = family === 'Linux/Unix' ? 25 : s.confidence >= 8 ? 60 : 45;
  const names = s.distro ? `${DISTRO_NAMES.get(s.distro) ?? s.distro}` : family;
  return { family, detail, weight, reason: `${serviceLabel(s)} names ${names}` };
}

/**
 * Guesses the OS family of a host (see module rules). With no evidence at all the family is
 * "unknown" with confidence 0.
 */
export function guessOs(input: OsGuessInput): OsGuess {
  const open = new Set(input.openPorts);
  const evidence: Evidence[] = [];
  for (const s of input.services) {
    const e = serviceEvidence(s);
    if (e) evidence.push(e);
  }
  for (const rule of PORT_OS_RULES) {
    const hits = rule.ports.filter((p) => open.has(p)).length;
    if (hits >= rule.min) evidence.push({ family: rule.family, detail: rule.detail, weight: rule.weight, reason: rule.reason });
  }
  const ttl = ttlRow(input.ttl);
  const ttlText = ttl ? `TTL ${input.ttl} → initial ${ttl.initial}` : '';

  if (evidence.length === 0) {
    if (!ttl) return { family: 'unknown', confidence: 0, reasons: ['no TTL, banner or port evidence'] };
    return { family: ttl.alone.family, detail: ttl.alone.detail, confidence: ttl.alone.confidence, reasons: [ttlText] };
  }

  // Score each family: its strongest evidence, +10 per further piece of evidence.
  const scores = new Map<string, { best: Evidence; count: number }>();
  for (const e of evidence) {
    const cur = scores.get(e.family);
    if (!cur) scores.set(e.family, { best: e, count: 1 });
    else scores.set(e.family, { best: e.weight > cur.best.weight ? e : cur.best, count: cur.count + 1 });
  }
  // The TTL adjusts the families that have evidence; it never creates one.
  const unixSupport = scores.has('Linux/Unix') ? 10 : 0;
  const ttlAdjust = (family: string): number => (!ttl ? 0 : ttl.families.includes(family) ? TTL_AGREES : TTL_DISAGREES);
  let winner = '';
  let winnerScore = -Infinity;
  for (const [family, s] of scores) {
    const score = s.best.weight + 10 * (s.count - 1) + (UNIX_LIKE.includes(family) ? unixSupport : 0) + ttlAdjust(family);
    if (score > winnerScore) {
      winner = family;
      winnerScore = score;
    }
  }

  const supports = (e: Evidence): boolean => e.family === winner || (e.family === 'Linux/Unix' && UNIX_LIKE.includes(winner));
  const reasons = evidence
    .filter(supports)
    .map((e) => e.reason)
    .slice(0, MAX_REASONS - 2);
  if (ttl) {
    reasons.push(ttlAdjust(winner) > 0 ? `${ttlText}, consistent` : `${ttlText} does not fit ${winner} (NAT, VM or proxy in between?)`);
  }
  for (const e of evidence) if (!supports(e)) reasons.push(`also seen: ${e.reason} (${e.family})`);
  const detail = evidence
    .filter((e) => e.family === winner && e.detail)
    .sort((a, b) => b.weight - a.weight)[0]?.detail;
  const guess: OsGuess = {
    family: winner,
    confidence: Math.max(5, Math.min(MAX_CONFIDENCE, winnerScore)),
    reasons: reasons.slice(0, MAX_REASONS),
  };
  if (detail) guess.detail = detail;
  return guess;
}

/** A device role suggested by open ports or identified services. */
interface DeviceHintRule {
  role: string;
  /** Fires when at least `min` (default 1) of these ports are open … */
  ports?: readonly number[];
  min?: number;
  /** … and all of these are open too. */
  alsoPorts?: readonly number[];
  /** Or: fires for a service with one of these products or names. */
  products?: readonly string[];
  services?: readonly string[];
  /** Appended to the evidence, e.g. "Synology DSM". */
  note?: string;
}

export const DEVICE_HINT_RULES: readonly DeviceHintRule[] = [
  { role: 'printer', ports: [9100, 515, 631] },
  { role: 'camera', products: ['hikvision-webs', 'dahua-rtsp', 'hipcam-rtsp', 'h264dvr', 'live555', 'gstreamer-rtsp-server'] },
  { role: 'camera', ports: [554, 8554], note: 'RTSP' },
  { role: 'camera', services: ['rtsp', 'rtsps'] },
  { role: 'nas', ports: [5000, 5001], min: 2, note: 'Synology DSM' },
  { role: 'nas', ports: [2049, 548], note: 'NFS/AFP' },
  { role: 'file-sharing', ports: [445, 139], note: 'SMB' },
  { role: 'tv/cast', ports: [8008, 8009], min: 2, note: 'Google Cast' },
  { role: 'tv/cast', ports: [7000], alsoPorts: [62078], note: 'AirPlay' },
  { role: 'router', products: ['miniupnpd', 'routeros-sshd'] },
  { role: 'router', ports: [80, 443], alsoPorts: [53], note: 'DNS + web admin' },
  { role: 'iot-hub', ports: [1883, 8883], note: 'MQTT broker' },
  { role: 'iot-hub', services: ['mqtt', 'secure-mqtt'] },
  { role: 'android', ports: [5555], note: 'ADB debug bridge' },
  { role: 'apple-mobile', ports: [62078] },
  { role: 'remote-desktop', ports: [3389, 5900], note: 'RDP/VNC' },
  { role: 'voip', ports: [5060, 5061], note: 'SIP' },
  { role: 'telnet', ports: [23, 2323], note: 'cleartext login, common on IoT devices' },
];

function hintFor(rule: DeviceHintRule, open: ReadonlySet<number>, services: readonly Service[]): string | undefined {
  const note = rule.note ? ` (${rule.note})` : '';
  if (rule.ports) {
    if (rule.alsoPorts && !rule.alsoPorts.every((p) => open.has(p))) return undefined;
    const hits = rule.ports.filter((p) => open.has(p));
    if (hits.length < (rule.min ?? 1)) return undefined;
    const all = rule.alsoPorts ? [...rule.alsoPorts, ...hits] : hits;
    return `${rule.role}: port ${all.join('/')}${note}`;
  }
  const s = services.find((x) => (x.product !== undefined && rule.products?.includes(x.product)) || rule.services?.includes(x.name));
  return s ? `${rule.role}: ${serviceLabel(s)}${note}` : undefined;
}

/**
 * Device-role hints for the inventory, e.g. "printer: port 9100/631", "camera: LIVE555
 * Streaming Media 2023.05.10 on port 554". One hint per role (the first rule that fires),
 * in DEVICE_HINT_RULES order, at most MAX_HINTS.
 */
export function deviceHints(openPorts: readonly number[], services: readonly Service[]): string[] {
  const open = new Set(openPorts);
  const seen = new Set<string>();
  const hints: string[] = [];
  for (const rule of DEVICE_HINT_RULES) {
    if (seen.has(rule.role)) continue;
    const hint = hintFor(rule, open, services);
    if (hint) {
      seen.add(rule.role);
      hints.push(hint);
      if (hints.length >= MAX_HINTS) break;
    }
  }
  return hints;
}
