/**
 * What a scanned service is, in NVD's terms: the candidate products (vendor:product names plus
 * the detected version split the way NVD splits it), the platform facts of its host, and the
 * distribution back-port hint.
 *
 * Rules:
 * - Pure; reads only the Service / HostScan records (already sanitised by the scanner) and
 *   bounds what it takes from them (MAX_TECHS technologies, version text capped in version.ts).
 * - Sources, in order: the product map by Service.product (source product_map); the service's
 *   CPE names, nmap's 2.2 URIs included, with nmap's old vendor names mapped (product_map when
 *   the product map knows them, banner otherwise); HTTP technologies confirmed by
 *   fingerprinting at MIN_TECH_CONFIDENCE or more (fingerprint); and when none of these named
 *   a product, generic banner matching: the product name and version the service announced
 *   ("Name/1.2.3"), matched by NVD product name under any vendor (banner, never confirmed).
 * - Web applications (product map `webApp`, or a technology in a WEB_APP_CATEGORIES category)
 *   only ever come from a fingerprinted technology.
 * - One candidate per product: a later source only adds the version an earlier one lacked.
 * - Platform facts (OS family, distribution, release) come from the service first, then the
 *   rest of the host; Raspbian counts as Debian (NVD names Debian's packages).
 */
import type { HostScan, HttpTechnology, OsGuess, Service } from '../scan/types.js';
import { distroRelease } from '../scan/service/distro.js';
import { parseCpe, plainValue, vendorProduct, type CpeName } from './cpe-name.js';
import { intern } from './configurations.js';
import { productByCpe, productByKey, productByTech, WEB_APP_CATEGORIES, type ProductEntry } from './product-map.js';
import type { KeywordSource } from './types.js';
import { normalizeVersion, parseVersion, splitVersion, type ParsedVersion, type SplitVersion } from './version.js';

/** Fingerprinted technologies below this Wappalyzer confidence are not trusted for CVEs. */
export const MIN_TECH_CONFIDENCE = 50;
const MAX_TECHS = 20;
const MAX_CPES = 10;

/** A detected version, split and parsed for matching. */
export interface CandidateVersion extends SplitVersion {
  parsedVersion: ParsedVersion;
  parsedFull: ParsedVersion;
}

/** Optional CPE attributes a detection named (e.g. Wappalyzer's target_sw "wordpress" for WooCommerce). */
export type CandidateFields = Partial<Record<'edition' | 'language' | 'swEdition' | 'targetSw' | 'targetHw' | 'other', string>>;

/** One product a service may be. */
export interface Candidate {
  /** Product map id, or the vendor:product / product name for unmapped ones. */
  id: string;
  /** The product as announced or mapped, without version: "OpenSSH". */
  name: string;
  /** What was detected, for people: "OpenSSH 9.2p1". */
  label: string;
  /** NVD vendor:product names to match (empty for a generic banner candidate). */
  keys: readonly string[];
  /** Generic banner candidate: the NVD product name, any vendor. */
  productOnly?: string;
  part: 'a' | 'o' | 'h';
  version?: CandidateVersion;
  fields?: CandidateFields;
  source: KeywordSource;
  webApp: boolean;
  entry?: ProductEntry;
}

/** What is known about the platform a service runs on. */
export interface PlatformFacts {
  /** linux, windows, macos, freebsd, openbsd, netbsd. */
  family?: string;
  /** debian, ubuntu, fedora, rhel, centos, alpine, suse, ... */
  distro?: string;
  release?: ParsedVersion;
}

/** The version record for a raw version string, split by the product's style. */
export function candidateVersion(raw: string | undefined, entry?: ProductEntry): CandidateVersion | undefined {
  const full = normalizeVersion(raw);
  if (!full || !/\d/.test(full)) return undefined;
  const split = splitVersion(full, entry?.updateStyle);
  const parsedVersion = parseVersion(split.version);
  const parsedFull = parseVersion(split.full);
  if (!parsedVersion || !parsedFull) return undefined;
  return { ...split, parsedVersion, parsedFull };
}

function label(name: string, version: string | undefined): string {
  return version ? `${name} ${version}` : name;
}

/** An NVD-style product name from free text: "Dahua IP camera rtspd" → "dahua_ip_camera_rtspd". */
export function nvdProductName(text: string): string | undefined {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9.+]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 60);
  return /^[a-z]/.test(s) && s.length >= 3 ? s : undefined;
}

const BANNER_PRODUCT = /\b([A-Za-z][A-Za-z0-9_.-]{2,30})[/ _]v?(\d{1,4}(?:\.\d{1,6}){1,3}[a-z]?\d{0,3})\b/g;
/** Protocol names that precede a protocol version, not a product ("HTTP/1.1", "SSH-2.0", "RTSP/1.0"). */
const PROTOCOL_WORDS = new Set(['http', 'https', 'rtsp', 'sip', 'ssh', 'ftp', 'smtp', 'esmtp', 'imap', 'pop3', 'amqp', 'mqtt', 'protocol', 'version', 'tls', 'ssl']);

/** The first "Name/1.2.3" in a banner that names a product, not a protocol. */
function bannerProduct(banner: string): { name: string; version: string } | undefined {
  let n = 0;
  for (const m of banner.slice(0, 512).matchAll(BANNER_PRODUCT)) {
    if (++n > 8) break;
    if (!PROTOCOL_WORDS.has((m[1] as string).toLowerCase())) return { name: m[1] as string, version: m[2] as string };
  }
  return undefined;
}

function fieldsOf(name: CpeName | undefined): CandidateFields | undefined {
  if (!name) return undefined;
  const out: CandidateFields = {};
  for (const k of ['edition', 'language', 'swEdition', 'targetSw', 'targetHw', 'other'] as const) {
    const v = plainValue(name[k]);
    if (v) out[k] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function isWebTech(tech: HttpTechnology, entry: ProductEntry | undefined): boolean {
  if (entry) return entry.webApp === true;
  return tech.categories.some((c) => WEB_APP_CATEGORIES.has(c.toLowerCase()));
}

/** The candidate products of one service (see module rules), at most one per product. */
export function candidatesFor(service: Service): Candidate[] {
  const out: Candidate[] = [];
  const byId = new Map<string, Candidate>();
  const add = (c: Candidate) => {
    c.keys = c.keys.map(intern);
    const prev = byId.get(c.id);
    if (prev) {
      if (!prev.version && c.version) {
        prev.version = c.version;
        prev.label = c.label;
      }
      return;
    }
    byId.set(c.id, c);
    out.push(c);
  };

  const entry = productByKey(service.product);
  if (entry && !entry.webApp) {
    const version = candidateVersion(service.version, entry);
    const name = service.productName ?? entry.name;
    add({
      id: entry.id,
      name,
      label: label(name, version?.full),
      keys: entry.cpes,
      part: entry.part ?? 'a',
      ...(version ? { version } : {}),
      source: 'product_map',
      webApp: false,
      entry,
    });
  }

  for (const raw of (service.cpe ?? []).slice(0, MAX_CPES)) {
    const cpe = parseCpe(raw);
    const vp = cpe && vendorProduct(cpe);
    // Operating-system and hardware names (nmap adds cpe:/o:linux:linux_kernel) are not the service.
    if (!cpe || !vp || plainValue(cpe.part) === 'o' || plainValue(cpe.part) === 'h') continue;
    const mapped = productByCpe(vp);
    if (mapped?.webApp) continue;
    const cpeVersion = plainValue(cpe.version);
    const cpeUpdate = plainValue(cpe.update);
    const fromCpe = cpeVersion ? `${cpeVersion}${cpeUpdate && /^[a-z]+\d*$/.test(cpeUpdate) ? cpeUpdate : ''}` : undefined;
    const sameAsService = mapped !== undefined && mapped === entry;
    const rawVersion = sameAsService ? (service.version ?? fromCpe) : (fromCpe ?? (entry ? undefined : service.version));
    const version = candidateVersion(rawVersion, mapped);
    const name = sameAsService || !entry ? (service.productName ?? mapped?.name ?? vp) : (mapped?.name ?? vp);
    add({
      id: mapped?.id ?? vp,
      name,
      label: label(name, version?.full),
      keys: mapped?.cpes ?? [vp],
      part: 'a',
      ...(version ? { version } : {}),
      source: mapped ? 'product_map' : 'banner',
      webApp: false,
      ...(mapped ? { entry: mapped } : {}),
    });
  }

  for (const tech of (service.http?.technologies ?? []).slice(0, MAX_TECHS)) {
    if (!(tech.confidence >= MIN_TECH_CONFIDENCE)) continue;
    const template = tech.cpe ? parseCpe(tech.cpe) : undefined;
    const vp = template && vendorProduct(template);
    const mapped = productByTech(tech.name) ?? (vp ? productByCpe(vp) : undefined);
    const keys = mapped?.cpes ?? (vp ? [vp] : []);
    if (keys.length === 0) continue;
    const version = candidateVersion(tech.version, mapped);
    const part = template ? plainValue(template.part) : undefined;
    const fields = fieldsOf(template);
    add({
      id: mapped?.id ?? (vp as string),
      name: tech.name,
      label: label(tech.name, version?.full),
      keys,
      part: part === 'o' || part === 'h' ? part : (mapped?.part ?? 'a'),
      ...(version ? { version } : {}),
      ...(fields ? { fields } : {}),
      source: 'fingerprint',
      webApp: isWebTech(tech, mapped),
      ...(mapped ? { entry: mapped } : {}),
    });
  }

  if (out.length === 0) {
    let name = entry ? undefined : (service.productName ?? service.product);
    let rawVersion = service.version;
    if (!name && service.banner) {
      const found = bannerProduct(service.banner);
      if (found) {
        name = found.name;
        rawVersion = found.version;
      }
    }
    const productOnly = name ? nvdProductName(name) : undefined;
    const version = candidateVersion(rawVersion);
    if (productOnly && version && name) {
      add({ id: `*:${productOnly}`, name, label: label(name, version.full), keys: [], productOnly, part: 'a', version, source: 'banner', webApp: false });
    }
  }
  return out;
}

const FAMILY_HINTS: Readonly<Record<string, string>> = {
  linux: 'linux',
  windows: 'windows',
  macos: 'macos',
  freebsd: 'freebsd',
  openbsd: 'openbsd',
  netbsd: 'netbsd',
};

function familyOfOs(os: OsGuess | undefined): string | undefined {
  const f = os?.family.toLowerCase() ?? '';
  if (f.startsWith('linux')) return 'linux';
  if (f.startsWith('windows')) return 'windows';
  if (f.startsWith('macos')) return 'macos';
  if (f.includes('freebsd')) return 'freebsd';
  return undefined;
}

function serviceText(s: Service): string {
  return [s.banner, s.extra, s.version].filter((x): x is string => typeof x === 'string').join(' ').slice(0, 600);
}

/** What the service (first) and its host (then) say about the platform. */
export function platformFacts(host: { os?: OsGuess; services: readonly Service[] }, service?: Service): PlatformFacts {
  const ordered = service ? [service, ...host.services.filter((s) => s !== service)] : [...host.services];
  const facts: PlatformFacts = {};
  for (const s of ordered) {
    if (!facts.family && s.osHint && FAMILY_HINTS[s.osHint]) facts.family = FAMILY_HINTS[s.osHint];
    if (!facts.distro && s.distro) facts.distro = s.distro === 'raspbian' ? 'debian' : s.distro;
    if (!facts.release && s.distro) {
      const rel = parseVersion(distroRelease(serviceText(s)));
      if (rel) facts.release = rel;
    }
  }
  facts.family ??= familyOfOs(host.os);
  if (facts.distro) facts.family ??= 'linux';
  return facts;
}

/** Distributions known to back-port security fixes into older upstream versions. */
const BACKPORTING = new Set(['debian', 'ubuntu', 'raspbian', 'rhel', 'centos', 'fedora', 'suse', 'alpine']);
const PACKAGE_REVISION =
  /(?:debian|ubuntu|raspbian)[-_~+]?\d[\w.+~-]{0,30}|[\w.~-]{0,20}\+deb\d{1,2}u\d+|\bdeb\d{1,2}u\d+|\d+ubuntu\d[\d.]*|\.el\d{1,2}(?:_\d+)?|\.fc\d{2}/i;

/**
 * "debian package Debian-2+deb12u3" when the service's banner names a distribution package
 * (whose maintainers may have back-ported fixes without changing the upstream version), else
 * undefined.
 */
export function backportHint(service: Service): string | undefined {
  const text = serviceText(service);
  const rev = PACKAGE_REVISION.exec(text)?.[0]?.slice(0, 48);
  const distro = service.distro && BACKPORTING.has(service.distro) ? service.distro : undefined;
  if (!rev && !distro) return undefined;
  return `${distro ?? 'distribution'} package${rev ? ` ${rev}` : ''}`;
}

/** Candidates, platform facts and back-port hint of every service of a host. */
export interface ServiceContext {
  service: Service;
  candidates: Candidate[];
  facts: PlatformFacts;
  backport?: string;
}

/** The contexts of a host's services (services without any candidate are left out). */
export function hostContexts(host: Pick<HostScan, 'os' | 'services'>): ServiceContext[] {
  const out: ServiceContext[] = [];
  for (const service of host.services) {
    const candidates = candidatesFor(service);
    if (candidates.length === 0) continue;
    const backport = backportHint(service);
    out.push({ service, candidates, facts: platformFacts(host, service), ...(backport ? { backport } : {}) });
  }
  return out;
}
