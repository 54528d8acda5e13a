/**
 * The HTTP API contract: the response bodies (and the few request bodies) the dashboard
 * (`web/`) uses, one type per endpoint, each with a doc comment naming method, path and
 * query parameters. Rules:
 * - Types only, and self-contained (no imports): `web/` imports this file without pulling
 *   server modules into its build. The server side annotates its handlers with these types,
 *   so `tsc` fails when a route and the contract drift apart.
 * - Field names are stable. A change is announced in the "Changes" list below.
 * - Times are Unix milliseconds (`…Ms`); byte counts are numbers; every string that came
 *   from the network (hostnames, banners, HTTP titles, provider answers, CVE text) is plain
 *   text and must be rendered as text, never as HTML.
 * - Every `/api/*` route except `/api/auth/login` and `/api/auth/session` needs a session
 *   cookie (or Bearer token, or the trusted Home Assistant ingress). Actions (POST) also
 *   need the `X-CSRF-Token` header with the `csrf` value from login/session. Errors are
 *   `ApiError` with 400 (bad input), 401 (not logged in), 403 (CSRF/Origin), 404, 409
 *   (busy), 503 (a capability switched off — the message names the option — or too many
 *   live-event clients).
 *
 * Changes since the first version (dcc1157):
 * - GET /api/vulnerabilities without `ip` answers `VulnerabilitySummaryResponse` (counts per
 *   host and service); the full form needs `?ip=` or `?full=true` (the whole-network full form
 *   was 10 MB with 20,000 cached CVEs).
 * - The IP lookup is POST (both /api/external-ips/:ip/lookup and /api/intel/:ip); GET
 *   /api/intel/:ip is gone. IpLookupResponse lists are readonly; provider `data` is typed.
 * - HostDnsResponse.stats is typed (DnsDeviceStats); DnsStatsResponse added.
 * - With a capability off, its routes answer 503 naming the option (POST /api/scan with
 *   enable_scanner off; /api/vulnerabilities* and /api/cves* with enable_nvd off; /api/intel*
 *   and the lookups with enable_threat_intel off) instead of starting work or 404.
 * - Blocking (/api/block*) types added, and the `blocking` live-event topic.
 */

// ───────────────────────────── shared vocabulary ─────────────────────────────

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';
export type Role = 'gateway' | 'camera' | 'iot' | 'desktop' | 'server' | 'mobile' | 'printer' | 'nas' | 'tv' | 'unknown';
export type ThreatLevel = 'unknown' | 'clean' | 'low' | 'medium' | 'high';
export type CvssSeverity = 'critical' | 'high' | 'medium' | 'low' | 'none';
/** Where an NVD keyword came from (the chips' colour). */
export type KeywordSource = 'custom' | 'product_map' | 'fingerprint' | 'banner';

/** Every error body. */
export interface ApiError {
  error: string;
}

/** Answer of actions that start background work (202). */
export interface StartedResponse {
  status: 'started';
}

// ───────────────────────────── auth ─────────────────────────────

/** POST /api/auth/login — body `LoginRequest`; sets the HttpOnly session cookie. 401 wrong password, 429 rate limited. */
export interface LoginRequest {
  password: string;
}
export interface LoginResponse {
  authenticated: true;
  csrf: string;
}

/** GET /api/auth/session — public; tells the page whether it is logged in and gives the CSRF token. */
export interface SessionResponse {
  authenticated: boolean;
  /** True when web_auth is off (no login needed). */
  authDisabled?: boolean;
  via?: 'password' | 'ingress';
  csrf?: string;
}

/** POST /api/auth/logout */
export interface LogoutResponse {
  authenticated: false;
}

// ───────────────────────────── findings ─────────────────────────────

export interface Finding {
  /** Stable key, e.g. "port_scan:192.168.1.20" (use it, URL-encoded, in dismiss/undismiss). */
  key: string;
  /** suspicious_port, port_scan, high_egress, beaconing, vulnerability, blacklist, new_device, dns, exposure, … */
  category: string;
  severity: Severity;
  sourceIp: string;
  title: string;
  detail: string;
  /** Small facts behind the finding (CVE ids, ports, feeds…); values are plain JSON. */
  evidence: Record<string, unknown>;
  remediation?: string;
  firstSeenMs: number;
  lastSeenMs: number;
  occurrences: number;
  dismissed: boolean;
}

/** GET /api/findings?dismissed=true|false&min_severity=info|low|medium|high|critical — newest first. */
export interface FindingsResponse {
  /** Open (not dismissed) high and critical findings. */
  openActionable: number;
  findings: Finding[];
}

/** POST /api/findings/:key/dismiss and POST /api/findings/:key/undismiss (persisted; 404 unknown key). */
export interface DismissResponse {
  key: string;
  dismissed: boolean;
}

// ───────────────────────────── scanner ─────────────────────────────

/** GET /api/scan — the Active Scan card. */
export interface ScanSummary {
  enabled: boolean;
  running: boolean;
  progress?: { phase: 'discovery' | 'services'; done: number; total: number };
  intervalSeconds: number;
  lastScanMs?: number;
  lastDurationMs?: number;
  lastTrigger?: string;
  targets: number;
  hostsFound: number;
  openPorts: number;
  services: number;
  skippedTargets: number;
}

export interface HttpTechnology {
  name: string;
  version?: string;
  confidence: number;
  categories: string[];
  cpe?: string;
}

export interface ScannedService {
  port: number;
  protocol: 'tcp';
  name: string;
  product?: string;
  productName?: string;
  version?: string;
  extra?: string;
  distro?: string;
  osHint?: string;
  banner?: string;
  cpe?: string[];
  method: string;
  confidence: number;
  http?: { status: number; title?: string; server?: string; poweredBy?: string; redirect?: string; technologies: HttpTechnology[]; faviconHash?: string };
  tls?: { subject?: string; issuer?: string; altNames?: string[]; validFrom?: string; validTo?: string; selfSigned?: boolean; expired?: boolean; protocol?: string; error?: string };
}

export interface HostScan {
  ip: string;
  alive: boolean;
  aliveBy: 'icmp' | 'tcp' | 'none';
  pingMs?: number;
  ttl?: number;
  openPorts: number[];
  closedCount: number;
  filteredCount: number;
  services: ScannedService[];
  os?: { family: string; detail?: string; confidence: number; reasons: string[] };
  hints: string[];
  scannedAtMs: number;
  durationMs: number;
}

/** GET /api/scan/hosts — last scan result of every host (scan details in the Hosts view). */
export interface ScanHostsResponse {
  hosts: HostScan[];
}

/** POST /api/scan — trigger_scan: 202 `StartedResponse`; 409 `ScanBusyResponse` while a scan runs; 503 when enable_scanner is off. */
export interface ScanBusyResponse extends ApiError {
  summary: ScanSummary;
}

// ───────────────────────────── hosts (inventory) ─────────────────────────────

export interface Device {
  id: number;
  ip?: string;
  ips: { ip: string; firstSeenMs: number; lastSeenMs: number }[];
  mac?: string;
  macs: string[];
  randomizedMac: boolean;
  virtualNic?: string;
  vendor?: string;
  hostname?: string;
  hostnameSource?: 'tracker' | 'dhcp' | 'mdns' | 'rdns';
  name?: string;
  role: Role;
  roleSource: 'override' | 'inferred';
  inferredRole: Role;
  roleConfidence: number;
  roleReasons: string[];
  trusted: boolean;
  trustSource?: 'user' | 'config';
  baseline: boolean;
  firstSeenMs: number;
  lastSeenMs: number;
  atRisk: boolean;
  riskLevel?: Severity;
  riskReasons: string[];
  vulnerabilities: { total: number; high: number; critical: number; kev: number };
  openPorts: number[];
  services: { port: number; name: string; product?: string; version?: string }[];
  os?: string;
  traffic?: { flows: number; bytesOut: number; bytesIn: number; lastSeenMs: number };
  possibleDuplicates: number[];
}

/** GET /api/hosts — every device, most recently seen first. */
export interface HostsResponse {
  devices: Device[];
}

/** GET /api/hosts/:ref — one device by id, IP or MAC (404 unknown). */
export type HostResponse = Device;

/** POST /api/hosts/:ref/role — body; answers the updated `Device`. null or "unknown" clears the override. */
export interface SetRoleRequest {
  role: Role | null;
}

/** POST /api/hosts/:ref/trusted — body; answers the updated `Device`. */
export interface SetTrustedRequest {
  trusted: boolean;
}

/** POST /api/hosts/:ref/merge — body (merge this device into `into`); answers the kept `Device`. */
export interface MergeRequest {
  into: string;
}

export interface DomainCount {
  domain: string;
  count: number;
}

/** One device's DNS statistics. */
export interface DnsDeviceStats {
  ip: string;
  queries: number;
  blocked: number;
  /** blocked / queries, 0..1 (0 when no queries). */
  blockedShare: number;
  nxdomain: number;
  firstSeenMs: number;
  lastSeenMs: number;
  /** Queries by record type (A, AAAA, …). */
  types: Record<string, number>;
  topDomains: DomainCount[];
  topBlocked: DomainCount[];
}

/** GET /api/hosts/:ref/dns — DNS section of a host (`stats` absent when the device made no query). */
export interface HostDnsResponse {
  ip: string;
  /** The configured source: none, pihole6, pihole5_db, pihole5_api, dnsmasq_log, adguard. */
  source: string;
  stats?: DnsDeviceStats;
  newDomains: { count: number; learning: boolean; known: number; recent: { domain: string; atMs: number }[] };
}

/** GET /api/dns/stats — home-wide DNS statistics. */
export interface DnsStatsResponse {
  sinceMs: number;
  queries: number;
  blocked: number;
  blockedShare: number;
  devices: number;
  topDomains: DomainCount[];
  topBlocked: DomainCount[];
  topDevices: { ip: string; queries: number; blockedShare: number }[];
}

// ───────────────────────────── recommendations ─────────────────────────────

export interface Recommendation {
  id: string;
  priority: Severity;
  title: string;
  why: string;
  how: string;
  devices: { id: number; ip?: string; label: string }[];
  deviceCount: number;
}

/** GET /api/recommendations */
export interface RecommendationsResponse {
  recommendations: Recommendation[];
}

// ───────────────────────────── vulnerabilities ─────────────────────────────

export interface CvssScore {
  version: '4.0' | '3.1' | '3.0' | '2.0';
  score: number;
  severity: CvssSeverity;
  vector?: string;
}

export interface VulnMatch {
  cve: string;
  status: 'affected' | 'possible';
  cvss?: CvssScore;
  severity: CvssSeverity | 'unknown';
  published?: string;
  kev: boolean;
  description: string;
  criteria: string[];
  reasons: string[];
  backported?: string;
  product: string;
  source: KeywordSource;
}

export interface HostVulns {
  ip: string;
  atRisk: boolean;
  counts: Record<CvssSeverity | 'unknown', number>;
  possible: number;
  kev: number;
  backported: number;
  services: { port: number; service: string; label: string; affected: VulnMatch[]; possible: VulnMatch[]; dropped: number }[];
}

/**
 * GET /api/vulnerabilities?ip=<address> — one host's CVE matches in full (empty `hosts` when it
 * has none); GET /api/vulnerabilities?full=true — every host in full (megabytes with a large
 * CVE cache: for scripts). Without either, the answer is `VulnerabilitySummaryResponse`.
 * `stats` is the service's status (shape may grow).
 */
export interface VulnerabilitiesResponse {
  hosts: HostVulns[];
  stats: {
    cves: number;
    kev: { entries: number; fetchedMs?: number; matched: number; lastError?: string };
    prefetch: { running: boolean; lastRunMs?: number };
    results: { hosts: number; atRisk: number; affected: number; possible: number };
  };
}

/** One host's counts (the whole-network list; details per host with ?ip=, per CVE at /api/cves/:id). */
export interface HostVulnSummary extends Omit<HostVulns, 'services'> {
  services: { port: number; service: string; label: string; affected: number; possible: number; kev: number; worst: CvssSeverity | 'unknown' | null }[];
}

/** GET /api/vulnerabilities — every host with a match, as counts (see VulnerabilitiesResponse for details). */
export interface VulnerabilitySummaryResponse {
  hosts: HostVulnSummary[];
  stats: VulnerabilitiesResponse['stats'];
}

/** One NVD keyword chip. */
export interface KeywordChip {
  keyword: string;
  source: KeywordSource;
  /** CVEs cached for it. */
  cves: number;
  fetchedMs?: number;
  /** Searches not cached yet. */
  pending: number;
  error?: string;
}

/** GET /api/vulnerabilities/keywords */
export interface KeywordsResponse {
  keywords: (KeywordChip & { searches: number })[];
}

/** POST /api/vulnerabilities/refresh — nvd_refresh: 202 `StartedResponse`. */
export type NvdRefreshResponse = StartedResponse;

/** One CVE of the CVE browser (every cached CVE, detected on the network or not). */
export interface CveRow {
  id: string;
  cvss?: CvssScore;
  severity: CvssSeverity | 'unknown';
  published?: string;
  kev: boolean;
  /** First 300 characters of the description. */
  summary: string;
  /** Products/technologies it was searched or matched for, e.g. "OpenSSH 9.2p1", "openbsd:openssh", "nginx". */
  products: string[];
  /** Hosts where it matched as affected (confirmed). */
  detectedOn: number;
  /** Hosts where it matched only as possible. */
  possibleOn: number;
}

/** GET /api/cves?limit=50&offset=0&sort=cvss|published|detected|id&order=desc|asc&q=&severity=&kev=true&detected=true — paged CVE browser. */
export interface CvesResponse extends Page<CveRow> {
  sort: 'cvss' | 'published' | 'detected' | 'id';
}

/** GET /api/cves/:id — detail modal (404 unknown id). */
export interface CveDetail extends CveRow {
  description: string;
  lastModified?: string;
  status?: string;
  /** Vulnerable NVD criteria with ranges, e.g. "cpe:2.3:a:openbsd:openssh:*:…; >= 8.6, < 9.8". */
  criteria: string[];
  kevEntry?: { vendorProject?: string; product?: string; vulnerabilityName?: string; dateAdded?: string; dueDate?: string; knownRansomwareCampaignUse?: string };
  /** Where it matched on the network. */
  detections: { ip: string; port: number; label: string; status: 'affected' | 'possible'; backported?: string; reasons: string[] }[];
}

// ───────────────────────────── paging ─────────────────────────────

export interface Page<T> {
  /** Items matching the filter (before paging). */
  total: number;
  offset: number;
  limit: number;
  order: 'asc' | 'desc';
  items: T[];
  /** When the data behind this page was read. */
  generatedMs: number;
}

// ───────────────────────────── external IPs ─────────────────────────────

export interface RatingReason {
  source: string;
  said: string;
  score: number;
}

export interface ThreatRating {
  level: ThreatLevel;
  /** 0..100 */
  score: number;
  /** Strongest first: which source said what. */
  reasons: RatingReason[];
}

export interface ExternalIp {
  ip: string;
  firstSeenMs: number;
  lastSeenMs: number;
  /** Bytes the external address received from the home network (outbound). */
  bytesIn: number;
  /** Bytes the external address sent into the home network. */
  bytesOut: number;
  bytes: number;
  flows: number;
  /** Internal devices that talked to it. */
  devices: number;
  country?: string;
  org?: string;
  /** Reverse-DNS name (null: none; absent: not resolved). */
  rdns?: string | null;
  rating: ThreatRating;
  virustotal?: { malicious: number; suspicious: number; harmless: number; undetected: number };
  abuseipdb?: { score: number; reports: number; isTor: boolean; usageType?: string };
  /** Blacklist feeds listing the address (or its reverse-DNS name). */
  blacklists: string[];
  /** Rating medium or high, or listed by a feed. */
  flagged: boolean;
  /** When a provider last answered about it. */
  enrichedMs?: number;
}

export type ExternalIpSort = 'last_seen' | 'bytes' | 'rating' | 'devices';

/** GET /api/external-ips?limit=50(≤500)&offset=0&sort=last_seen|bytes|rating|devices&order=desc|asc&q=<prefix of ip/org/country/rdns>&flagged=true */
export interface ExternalIpsResponse extends Page<ExternalIp> {
  sort: ExternalIpSort;
  /** All external addresses known (unfiltered). */
  known: number;
  /** False when threat intel is off (ratings are then "unknown"). */
  intelEnabled: boolean;
}

/** IPinfo: geolocation and network owner. */
export interface IpInfoData {
  ip: string;
  bogon: boolean;
  hostname?: string;
  city?: string;
  region?: string;
  country?: string;
  /** e.g. "AS15169 Google LLC". */
  org?: string;
  timezone?: string;
}

/** VirusTotal: engines' verdicts. */
export interface VirusTotalData {
  malicious: number;
  suspicious: number;
  harmless: number;
  undetected: number;
  timeout: number;
  reputation?: number;
  asOwner?: string;
  country?: string;
}

/** Shodan: what it saw listening there. */
export interface ShodanData {
  found: boolean;
  ports: number[];
  vulns: string[];
  hostnames: string[];
  org?: string;
  isp?: string;
  os?: string;
}

/** AbuseIPDB: abuse reports. */
export interface AbuseIpDbData {
  abuseConfidenceScore: number;
  totalReports: number;
  numDistinctUsers: number;
  usageType?: string;
  isp?: string;
  domain?: string;
  countryCode?: string;
  isTor: boolean;
  isWhitelisted?: boolean;
  lastReportedAt?: string;
}

/** One provider's stored or fresh answer about an address. */
export interface ProviderView<D = IpInfoData | VirusTotalData | ShodanData | AbuseIpDbData> {
  status: 'fresh' | 'stale' | 'error' | 'skipped' | 'disabled';
  fetchedMs?: number;
  data?: D;
  error?: { kind: string; status?: number; detail: string };
  reason?: string;
}

/** The four providers' views (the `data` type follows the key: ipinfo → IpInfoData, …). */
export type ProviderViews = Record<'ipinfo' | 'virustotal' | 'shodan' | 'abuseipdb', ProviderView>;

/** GET /api/external-ips/:ip — one address with stored provider answers (no provider is asked; 404 when never seen and nothing stored). */
export interface ExternalIpDetail extends ExternalIp {
  /** Internal devices that talked to it (at most 64). */
  deviceIps: string[];
  providers: ProviderViews;
}

/** POST /api/external-ips/:ip/lookup — asks the providers now (spends budget; also POST /api/intel/:ip). 400 not an IP, 503 intel off. */
export interface IpLookupResponse {
  ip: string;
  enrichable: boolean;
  hostname: string | null | undefined;
  blacklists: readonly string[];
  listedName?: { name: string; feeds: readonly string[] };
  providers: ProviderViews;
  rating: ThreatRating;
}

// ───────────────────────────── collector (NetFlow listener) ─────────────────────────────

export interface ExporterHealth {
  ip: string;
  /** Formats seen: "v5", "v9", "ipfix", "sflow5" … */
  versions: string[];
  /** NetFlow v9 / IPFIX templates held for it. */
  templates: number;
  datagrams: number;
  records: number;
  bytes: number;
  drops: Record<string, number>;
  /** Records believed lost (sequence number jumps). */
  sequenceGaps: number;
  firstSeenMs: number;
  lastSeenMs: number;
}

export interface CollectorHealth {
  /** False when the listener is not bound (not started or failed). */
  listening: boolean;
  address?: string;
  port?: number;
  datagrams: number;
  records: number;
  decodeErrors: number;
  /** Datagrams dropped in all (decode errors, not allow-listed, exporter limit). */
  dropped: number;
  /** Drops by reason, summed over exporters. */
  dropsByReason: Record<string, number>;
  /** Datagrams the kernel dropped (receive buffer full), when readable. */
  kernelDrops?: number;
  receiveBuffer?: number;
  templates: number;
  /** When the last datagram arrived from any exporter. */
  lastDatagramMs?: number;
  /** Exporters known (before the list's cap). */
  exporterCount: number;
  /** Most recently seen first. */
  exporters: ExporterHealth[];
}

/** GET /api/collector?limit=100(≤256 exporters) */
export interface CollectorResponse extends CollectorHealth {
  flowsTotal: number;
  generatedMs: number;
}

// ───────────────────────────── overview ─────────────────────────────

export interface OverviewStats {
  devices: {
    total: number;
    /** Seen in the last 24 h. */
    active: number;
    /** With a scan result. */
    scanned: number;
    atRisk: number;
    /** First seen in the last 24 h and not part of the learnt baseline. */
    new: number;
  };
  flowsTotal: number;
  /** Open (not dismissed) findings by severity. */
  openFindings: Record<Severity, number>;
  /** Open high + critical. */
  openActionable: number;
  /** Undefined when enable_nvd is off. */
  vulnerabilities?: { critical: number; high: number; medium: number; low: number; possible: number; kev: number; hostsAtRisk: number; cves: number };
  /** Distinct addresses behind open scan / suspicious-port / beaconing / blacklist / DNS findings. */
  suspiciousSources: number;
  /** Distinct devices with an open high-egress finding. */
  highEgressSources: number;
  externalIps: { known: number; flagged: number };
}

/** GET /api/overview */
export interface OverviewResponse {
  generatedMs: number;
  /** The data is a demo (config `demo`): label it so. */
  demo: boolean;
  stats: OverviewStats;
  scan: ScanSummary;
  collector: CollectorHealth;
  /** Newest open findings (at most 10). */
  recentFindings: Finding[];
  nvdKeywords: KeywordChip[];
  features: { scanner: boolean; threatIntel: boolean; nvd: boolean; auth: boolean };
}

// ───────────────────────────── network graph ─────────────────────────────

export interface GraphNode {
  /** The address (unique over devices and external peers). */
  id: string;
  kind: 'device' | 'external';
  ip: string;
  /** Display name: device name/hostname, or external rDNS/org, else the address. */
  label: string;
  /** Devices: inventory id, role, vendor. */
  deviceId?: number;
  role?: Role;
  vendor?: string;
  atRisk: boolean;
  /** Has a scan result. */
  scanned: boolean;
  /** Seen in flows but never scanned. */
  flowOnly: boolean;
  gateway: boolean;
  /** External peers: threat rating and where it is. */
  threat?: { level: ThreatLevel; score: number };
  country?: string;
  org?: string;
  /** Traffic on the edges drawn for it (the graph window). */
  bytes: number;
  flows: number;
}

export interface GraphEdge {
  source: string;
  target: string;
  kind: 'internal' | 'external';
  bytes: number;
  flows: number;
  lastSeenMs: number;
}

export interface ExternalPeer {
  ip: string;
  label: string;
  bytes: number;
  flows: number;
  devices: number;
  threat: { level: ThreatLevel; score: number };
  country?: string;
  org?: string;
}

/** GET /api/graph?max_external=50(≤500) — devices (≤2000) and the top external peers over the last `windowMinutes` of connection history. */
export interface GraphResponse {
  generatedMs: number;
  windowMinutes: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Top external peers by bytes (the side list), same order as their nodes. */
  topExternal: ExternalPeer[];
  /** What the caps left out. */
  omitted: { devices: number; external: number; edges: number };
}

// ───────────────────────────── intel, notify, DNS ─────────────────────────────

/** GET /api/intel — provider budgets, queue, feeds, blacklist hits (shape may grow). */
export interface IntelStatusResponse {
  providers: { name: string; enabled: boolean; budget: number; used: number; left: number; requests: number; errors: Record<string, number>; blockedUntilMs?: number }[];
  queue: { length: number; dropped: number };
  cacheEntries: number;
  feeds: { name: string; entries: { ips: number; cidrs: number; domains: number }; fetchedMs?: number; lastSuccessMs?: number; lastError?: string; failures: number }[];
  blacklist: { hits: number; reported: number; suppressed: number; pairs: number };
  [more: string]: unknown;
}

// ───────────────────────────── blocking ─────────────────────────────
// The engine's answers, defined here once (src/block/types.ts re-exports them; see docs/blocking.md):
// GET /api/block → BlockStatusView; GET /api/block/active → BlockActiveResponse;
// GET /api/block/audit?limit=&before= → BlockAuditResponse; POST /api/block
// `BlockRequest` → BlockResultView (400 with `guard` when a guard refuses:
// BlockRefusedError; 409 active cap; 503 block_enable off); POST /api/block/unblock
// `UnblockRequest` → UnblockResultView (404 not blocked); POST /api/block/release-all
// `{reason?}` → ReleaseAllResultView; POST /api/block/resume → BlockResumeResponse.
// src/block/routes.ts annotates its handlers with these types, so tsc catches a drift.

export type BlockKindView = 'ip' | 'domain';

/** One active block (GET /api/block/active). */
export interface BlockView {
  value: string;
  kind: BlockKindView;
  /** Plain text: the finding title or the reason given by hand. */
  reason: string;
  source: 'auto' | 'manual';
  /** The finding that triggered an automatic block. */
  findingKey?: string;
  createdMs: number;
  expiresMs: number;
  /** Which offence of this subject set the duration (1 = first). */
  offence: number;
  /** Recorded in dry run: never pushed to a target. */
  dryRun: boolean;
}

export type AuditAction =
  | 'block'
  | 'extend'
  | 'unblock'
  | 'expire'
  | 'refuse'
  | 'cap'
  | 'pause'
  | 'resume'
  | 'release_all'
  | 'discard'
  | 'target_error';

/** One audit log line (GET /api/block/audit), newest first. */
export interface AuditEntryView {
  id: number;
  tsMs: number;
  action: AuditAction;
  value?: string;
  kind?: BlockKindView;
  /** auto: a finding; api: a person through the API; system: expiry, start-up, reconcile. */
  actor: 'auto' | 'api' | 'system';
  result: 'ok' | 'dry_run' | 'refused' | 'error';
  reason: string;
  /** For refusals: the protected class (gateway, dns_resolver, internal_network, ...). */
  guard?: string;
  /** Plain-text detail (targets, counts, the guard's explanation). */
  detail: string;
}

/** A target's health (in BlockStatusView.targets). */
export interface TargetHealthView {
  name: string;
  mode: 'push' | 'pull';
  kinds: BlockKindView[];
  /** never: not contacted yet; dry_run: not contacted because of dry run. */
  state: 'ok' | 'error' | 'never' | 'dry_run';
  lastAttemptMs?: number;
  lastOkMs?: number;
  /** Safe text of the last failure (never a credential or raw server text). */
  lastError?: string;
  /** homesec's entries on the target at the last successful pass. */
  entries?: number;
  added: number;
  removed: number;
  /** Entries the target refused (e.g. a full set). */
  failed: number;
  /** Pull targets: requests served, and when last. */
  fetches?: number;
  lastFetchMs?: number;
}

/** GET /api/block — the state of automated response. */
export interface BlockStatusView {
  enabled: boolean;
  dryRun: boolean;
  /** Set while automation is paused (cap reached, release-all); manual blocks still work. */
  paused: { sinceMs: number; reason: string } | null;
  active: number;
  /** Automatic blocks recorded in the last hour (dry-run ones included). */
  lastHourAutomatic: number;
  caps: { maxActive: number; maxPerHour: number };
  ttl: { baseMinutes: number; escalationFactor: number; maxHours: number };
  triggers: { categories: string[]; minSeverity: string };
  targets: TargetHealthView[];
  /** How many addresses/names each protected class holds (the guards' view). */
  protectedCounts: Record<string, number>;
  /** Candidates dropped while paused since start. */
  skippedWhilePaused: number;
  lastReconcileMs?: number;
}

/** POST /api/block answer. */
export interface BlockResultView {
  block: BlockView;
  dryRun: boolean;
  /** true when the subject was blocked already (its expiry may have been extended). */
  already: boolean;
  targets: TargetHealthView[];
}

/** POST /api/block/unblock answer. */
export interface UnblockResultView {
  value: string;
  targets: TargetHealthView[];
}

/** POST /api/block/release-all answer. */
export interface ReleaseAllResultView {
  released: number;
  paused: { sinceMs: number; reason: string } | null;
  targets: TargetHealthView[];
}

/** GET /api/block/active */
export interface BlockActiveResponse {
  blocks: BlockView[];
}

/** GET /api/block/audit?limit=100&before=<id> — newest first; `nextBefore` when a further page exists. */
export interface BlockAuditResponse {
  entries: AuditEntryView[];
  nextBefore?: number;
}

/** POST /api/block body (ttl_minutes: 1-525600; default: the policy's duration). */
export interface BlockRequest {
  value: string;
  reason: string;
  ttl_minutes?: number;
}

/** POST /api/block/unblock body. */
export interface UnblockRequest {
  value: string;
  reason?: string;
}

/** 400 from POST /api/block when a safety guard refuses: the protected class in `guard`. */
export interface BlockRefusedError extends ApiError {
  guard?: string;
}

/** POST /api/block/resume */
export interface BlockResumeResponse {
  resumed: BlockStatusView['paused'];
  status: BlockStatusView;
}

// ───────────────────────────── live events ─────────────────────────────

/** Topics of `event: update` messages; refetch the views that show them. */
export type UpdateTopic = 'findings' | 'devices' | 'scan' | 'vulnerabilities' | 'intel' | 'flows' | 'collector' | 'blocking';

/**
 * GET /api/events — Server-Sent Events (EventSource; the session cookie authenticates).
 * `event: hello` once with `data: {"topics":[]}`; then `event: update` with
 * `data: UpdateEvent` at most once per second, coalescing topics; a `: ping` comment every
 * 15 s. 503 when too many clients are connected (fall back to polling every 30 s).
 */
export interface UpdateEvent {
  topics: UpdateTopic[];
}
