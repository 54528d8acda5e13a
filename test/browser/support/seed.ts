/**
 * Test support: a seeded homesec data directory for the browser tests, made through the
 * real code paths wherever one exists. Rules:
 * - Scan results are written with the scanner's own persistence (saveScan), stored provider
 *   answers with the enrichment cache's table, in a database created by the real migrations.
 * - Traffic arrives as real NetFlow v9 datagrams over loopback UDP into a running daemon
 *   (collector → traffic → detectors → findings); DNS queries as dnsmasq log lines the
 *   daemon's dnsmasq_log source follows; CVEs and the KEV catalog from a loopback server in
 *   NVD's and CISA's formats (src/vuln/test-kit.ts) through `nvd_refresh`; the blacklist feed
 *   from a loopback server.
 * - Device names are the one thing no real source can deliver hostile (every name source
 *   validates): they are written into the inventory table after the seeding run, as a
 *   corrupted or future source would, to prove the page still renders them as text.
 * - NETWORK RULE: scanner off, reverse DNS off, neighbour/mDNS lookups off, every provider
 *   either unkeyed or with a zero budget; every address in flows is private or TEST-NET
 *   (RFC 5737) and nothing is ever sent to them. Servers listen on 127.0.0.1 only.
 *   Blocking is on in dry run with the blocklist URL as its only target (served by the
 *   daemon itself, no external peer): nothing is pushed anywhere, and blocked addresses
 *   are only recorded.
 * - Bounded: every wait has a deadline.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FakeClock } from '../../../src/core/fake-clock.js';
import { encodeV9 } from '../../../src/flow/encode/index.js';
import type { FlowRecord } from '../../../src/flow/types.js';
import { saveScan } from '../../../src/scan/scan-store.js';
import type { HostScan, Service } from '../../../src/scan/types.js';
import { openDatabase } from '../../../src/store/database.js';
import { nvdCves, startFakeNvd, type FakeNvd } from '../../../src/vuln/test-kit.js';
import { freeTcpPort, freeUdpPort, startDaemon, type Daemon } from '../../support/daemon.js';
import { startTestServer, type TestServer } from '../../support/http-server.js';

/** Payloads: each calls the page binding with its tag if it ever runs. */
export const XSS = {
  img: (tag: string) => `<img src=x onerror=__xssFired('${tag}')>`,
  script: (tag: string) => `"><script>__xssFired('${tag}')</script>`,
  svg: (tag: string) => `<svg onload=__xssFired('${tag}')>`,
};
/** A space-free variant (DNS names, lease-like fields). */
export const xssNoSpace = (tag: string) => `<img/src=x/onerror=__xssFired('${tag}')>`;

export const NET = {
  gateway: '192.168.1.1',
  server: '192.168.1.10',
  camera: '192.168.1.20',
  printer: '192.168.1.30',
  nas: '192.168.1.40',
  phone: '192.168.1.50',
  scanner: '192.168.1.66',
  ircPeer: '198.51.100.7',
  hostilePeer: '203.0.113.66',
  xssPeer: '198.51.100.23',
  webPeer: '203.0.113.10',
} as const;

export const PORT_SCAN_KEY = `port_scan:${NET.scanner}`;

/** The blocklist URL's token of the seeded config (GET /blocklist/<token>/ips.txt). */
export const BLOCKLIST_TOKEN = 'browser-test-blocklist-token-0123456789';

/** DHCP leases (dnsmasq format): MACs with real vendor prefixes, ordinary hostnames. */
export function seededLeases(): string {
  const lease = (mac: string, ip: string, name: string) => `0 ${mac} ${ip} ${name} *\n`;
  return [
    lease('50:c7:bf:12:34:01', NET.gateway, 'openwrt'),
    lease('b8:27:eb:12:34:10', NET.server, 'pi-server'),
    lease('44:19:b6:12:34:20', NET.camera, 'ipcam-garden'),
    lease('3c:d9:2b:12:34:30', NET.printer, '*'),
    lease('00:11:32:12:34:40', NET.nas, 'diskstation'),
    lease('f0:18:98:12:34:50', NET.phone, 'annas-iphone'),
    lease('60:a4:4c:12:34:66', NET.scanner, 'desktop-7'),
  ].join('');
}

export interface Seeded {
  dir: string;
  password: string;
  webPort: number;
  udpPort: number;
  url: string;
  env: NodeJS.ProcessEnv;
  args: string[];
  nvd: FakeNvd;
  feed: TestServer;
  /** Starts the daemon on the seeded directory and waits until it serves. */
  start(): Promise<Daemon>;
  /** Stops a daemon cleanly (SIGINT, bounded). */
  stop(d: Daemon): Promise<void>;
  /** Stops the fake servers and removes the directory. */
  close(): Promise<void>;
}

const svc = (port: number, f: Partial<Service>): Service => ({ port, protocol: 'tcp', name: 'unknown', method: 'banner', confidence: 8, ...f });

function host(ip: string, services: Service[], extra: Partial<HostScan>, now: number): HostScan {
  return { ip, alive: true, aliveBy: 'icmp', pingMs: 0.8, ttl: 64, openPorts: services.map((s) => s.port), closedCount: 40, filteredCount: 2, services, hints: [], scannedAtMs: now - 60_000, durationMs: 2300, ...extra };
}

/** The scan results of the seeded network (hostile strings in banners, titles, TLS, OS). */
export function seededScans(now: number): HostScan[] {
  return [
    host(
      NET.gateway,
      [
        svc(22, { name: 'ssh', product: 'dropbear', productName: 'Dropbear sshd', version: '2022.83', banner: 'SSH-2.0-dropbear_2022.83' }),
        svc(53, { name: 'domain', product: 'dnsmasq', productName: 'dnsmasq', version: '2.89', method: 'probe:dns' }),
        svc(80, { name: 'http', method: 'http', http: { status: 200, title: 'LuCI - OpenWrt', server: 'uhttpd', technologies: [{ name: 'OpenWrt', confidence: 100, categories: ['Operating systems'] }] } }),
      ],
      { os: { family: 'Linux', detail: 'OpenWrt 23.05', confidence: 80, reasons: ['TTL 64', 'LuCI'] }, hints: ['router'] },
      now,
    ),
    host(
      NET.server,
      [
        svc(22, { name: 'ssh', product: 'openssh', productName: 'OpenSSH', version: '8.9p1', distro: 'ubuntu', banner: 'SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1', confidence: 10 }),
        svc(80, { name: 'http', product: 'nginx', productName: 'nginx', version: '1.20.0', method: 'http', http: { status: 200, title: 'Welcome to nginx!', server: 'nginx/1.20.0', technologies: [{ name: 'Nginx', version: '1.20.0', confidence: 100, categories: ['Web servers'] }] } }),
        svc(443, { name: 'https', product: 'nginx', version: '1.20.0', method: 'tls', tls: { subject: 'CN=server.lan', issuer: 'CN=server.lan', selfSigned: true, protocol: 'TLSv1.3', validTo: '2030-01-01T00:00:00Z' } }),
      ],
      { os: { family: 'Linux', detail: 'Ubuntu 22.04', confidence: 90, reasons: ['OpenSSH Ubuntu banner'] } },
      now,
    ),
    host(
      NET.camera,
      [
        svc(23, { name: 'telnet', banner: `BusyBox login ${XSS.script('banner')}` }),
        svc(80, { name: 'http', method: 'http', http: { status: 200, title: XSS.img('http-title'), server: XSS.svg('http-server'), technologies: [] } }),
        svc(443, { name: 'https', method: 'tls', tls: { subject: `CN=${XSS.img('tls-subject')}`, selfSigned: true, protocol: 'TLSv1.2' } }),
        svc(554, { name: 'rtsp', product: 'live555', productName: 'LIVE555 Streaming Media', version: '2019.08.28' }),
      ],
      { os: { family: 'Embedded/RTOS', detail: XSS.script('os-detail'), confidence: 60, reasons: ['RTSP + telnet'] }, hints: ['camera'] },
      now,
    ),
    host(NET.printer, [svc(631, { name: 'ipp', method: 'port', confidence: 3 }), svc(9100, { name: 'jetdirect', method: 'port', confidence: 3 })], { hints: ['printer'] }, now),
    host(
      NET.nas,
      [
        svc(445, { name: 'microsoft-ds', product: 'samba', productName: 'Samba smbd', version: '4.13.17' }),
        svc(5000, { name: 'http', method: 'http', http: { status: 200, title: 'Synology DiskStation', technologies: [{ name: 'Synology DSM', confidence: 100, categories: ['Operating systems'] }] } }),
      ],
      { hints: ['nas'] },
      now,
    ),
  ];
}

/** Stored provider answers (the External IPs view reads them; hostile strings in every text field). */
function seedEnrichment(db: ReturnType<typeof openDatabase>['db'], now: number): void {
  const put = db.prepare('INSERT OR REPLACE INTO intel_enrichment (ip, provider, fetched_ms, data) VALUES (?, ?, ?, ?)');
  const rows: [string, string, unknown][] = [
    [NET.hostilePeer, 'abuseipdb', { abuseConfidenceScore: 97, totalReports: 412, numDistinctUsers: 88, usageType: 'Data Center/Web Hosting/Transit', isp: 'Example Bulletproof Hosting', countryCode: 'ZZ', isTor: false, lastReportedAt: '2026-11-20T10:00:00+00:00' }],
    [NET.hostilePeer, 'virustotal', { malicious: 14, suspicious: 2, harmless: 50, undetected: 20, timeout: 0, reputation: -40, asOwner: 'Example Bulletproof Hosting', country: 'ZZ' }],
    [NET.hostilePeer, 'ipinfo', { ip: NET.hostilePeer, bogon: false, city: 'Testville', country: 'ZZ', org: 'AS64500 Example Bulletproof Hosting' }],
    [NET.webPeer, 'ipinfo', { ip: NET.webPeer, bogon: false, city: 'Exampleton', country: 'NL', org: 'AS64501 Example CDN' }],
    [NET.webPeer, 'virustotal', { malicious: 0, suspicious: 0, harmless: 80, undetected: 10, timeout: 0 }],
    [NET.xssPeer, 'ipinfo', { ip: NET.xssPeer, bogon: false, hostname: XSS.script('ipinfo-hostname'), city: XSS.svg('ipinfo-city'), country: 'DE', org: XSS.img('ipinfo-org') }],
    [NET.xssPeer, 'abuseipdb', { abuseConfidenceScore: 10, totalReports: 1, numDistinctUsers: 1, usageType: XSS.img('abuse-usage'), isp: XSS.script('abuse-isp'), domain: XSS.svg('abuse-domain'), isTor: false }],
    [NET.xssPeer, 'shodan', { found: true, ports: [80, 443], vulns: [], hostnames: [XSS.img('shodan-hostname')], org: XSS.script('shodan-org'), os: XSS.svg('shodan-os') }],
    [NET.xssPeer, 'virustotal', { malicious: 1, suspicious: 0, harmless: 60, undetected: 20, timeout: 0, asOwner: XSS.img('vt-as-owner') }],
  ];
  for (const [ip, provider, data] of rows) put.run(ip, provider, now - 30 * 60_000, JSON.stringify(data));
}

/** The seeded traffic: home devices, a port scan, IRC to a listed address, web peers. */
export function seededFlows(now: number): FlowRecord[] {
  const out: FlowRecord[] = [];
  const rec = (src: string, dst: string, dstPort: number, bytes: number, i: number, protocol = 6): FlowRecord => ({
    ipVersion: 4,
    srcAddr: src,
    dstAddr: dst,
    srcPort: 40000 + (i % 20000),
    dstPort,
    protocol,
    bytes,
    packets: Math.max(1, Math.round(bytes / 800)),
    tcpFlags: protocol === 6 ? 0x1b : 0,
    startMs: now - 20_000 + i,
    endMs: now - 5_000 + i,
    exporter: '127.0.0.1',
    inputIf: 1,
    outputIf: 2,
    samplingRate: 1,
  });
  let i = 0;
  for (const dev of [NET.server, NET.camera, NET.printer, NET.nas, NET.phone, NET.scanner]) out.push(rec(dev, NET.gateway, 53, 400, i++, 17));
  out.push(rec(NET.camera, NET.webPeer, 443, 2_500_000, i++), rec(NET.phone, NET.webPeer, 443, 9_000_000, i++), rec(NET.server, NET.webPeer, 443, 400_000, i++));
  out.push(rec(NET.camera, NET.ircPeer, 6667, 12_000, i++));
  out.push(rec(NET.nas, NET.hostilePeer, 22, 80_000, i++), rec(NET.printer, NET.xssPeer, 443, 30_000, i++));
  out.push(rec(NET.phone, NET.server, 445, 1_200_000, i++), rec(NET.nas, NET.server, 22, 50_000, i++));
  for (let p = 1; p <= 40; p++) out.push(rec(NET.scanner, NET.server, 1000 + p * 7, 60, i++));
  return out;
}

async function sendV9(records: FlowRecord[], port: number): Promise<void> {
  const now = Date.now();
  const s = dgram.createSocket('udp4');
  try {
    for (let off = 0, seq = 0; off < records.length; off += 25, seq++) {
      for (const d of encodeV9(records.slice(off, off + 25), { sysUptimeMs: 3_600_000, unixMs: now, sequence: seq, sourceId: 0, includeTemplate: true })) {
        await new Promise<void>((resolve, reject) => s.send(d, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
      }
    }
  } finally {
    s.close();
  }
}

function dnsmasqLine(atMs: number, name: string, from: string): string {
  const d = new Date(atMs);
  const mon = d.toLocaleString('en-US', { month: 'short' });
  const p = (x: number) => String(x).padStart(2, '0');
  return `${mon} ${String(d.getDate()).padStart(2, ' ')} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} dnsmasq[42]: query[A] ${name} from ${from}\n`;
}

/** DNS queries (with hostile names from the camera). */
export function seededDns(now: number): string {
  const names: [string, string][] = [
    ['www.example.com', NET.phone],
    ['api.example.net', NET.phone],
    ['updates.example.org', NET.server],
    ['time.example.org', NET.camera],
    [`${xssNoSpace('dns-name')}.example.com`, NET.camera],
    [`"><script>__xssFired('dns-script')</script>.example.net`, NET.camera],
    ['cloud.camera-vendor.example', NET.camera],
  ];
  let text = '';
  names.forEach(([n, from], i) => {
    for (let k = 0; k < 3; k++) text += dnsmasqLine(now - 5000 + i * 10 + k, n, from);
  });
  return text;
}

/** A synthetic CVE whose description carries payloads; it keeps the configurations of the CVE it copies (OpenSSH), so it matches the seeded server and its text also reaches a finding. */
function hostileCve(base: Record<string, unknown>): Record<string, unknown> {
  const c = structuredClone(base);
  c.id = 'CVE-2099-0001';
  c.descriptions = [{ lang: 'en', value: `Synthetic test CVE ${XSS.img('cve-description')} ${XSS.script('cve-description-2')} in example widget.` }];
  return c;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 45_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** GET an API path with the admin password as Bearer token. */
export async function apiGet<T>(url: string, password: string, p: string): Promise<T> {
  const r = await fetch(`${url}${p}`, { headers: { authorization: `Bearer ${password}` } });
  if (!r.ok) throw new Error(`${p}: HTTP ${r.status}`);
  return (await r.json()) as T;
}

/** POST an API action with the admin password as Bearer token (no CSRF needed); answers status and body. */
export async function apiPost<T>(url: string, password: string, p: string, body: unknown): Promise<{ status: number; body: T }> {
  const r = await fetch(`${url}${p}`, { method: 'POST', headers: { authorization: `Bearer ${password}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as T };
}

/** Builds the seeded directory: migrations + scans + answers, then one daemon run fed with flows, DNS and NVD data. */
export async function seedDashboard(): Promise<Seeded> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-web-'));
  const clock = { now: () => Date.now() } as unknown as FakeClock;
  const fixtures = nvdCves();
  const nvd = await startFakeNvd(clock, [...fixtures, hostileCve(fixtures[0] as Record<string, unknown>)]);
  const feed = await startTestServer((_seen, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`# test feed\n${NET.ircPeer}\n`);
  });
  try {
    return await seedInto(dir, nvd, feed);
  } catch (err) {
    // A failed seed leaves nothing behind (servers closed, directory removed).
    await nvd.close().catch(() => {});
    await feed.close().catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function seedInto(dir: string, nvd: FakeNvd, feed: TestServer): Promise<Seeded> {
  const now = Date.now();
  const webPort = await freeTcpPort();
  const udpPort = await freeUdpPort();
  const dnsLog = path.join(dir, 'dnsmasq.log');
  fs.writeFileSync(dnsLog, '');
  const leases = path.join(dir, 'dnsmasq.leases');
  fs.writeFileSync(leases, seededLeases());

  const opened = openDatabase(path.join(dir, 'homesec.db'));
  const hosts = seededScans(now);
  saveScan(opened.db, hosts, { startedMs: now - 62_000, durationMs: 2300, trigger: 'schedule', targets: 8, alive: hosts.length, openPorts: hosts.reduce((n, h) => n + h.openPorts.length, 0), services: hosts.reduce((n, h) => n + h.services.length, 0) });
  seedEnrichment(opened.db, now);
  opened.db.close();

  const config = [
    `bind_host: 127.0.0.1`,
    `bind_port: ${udpPort}`,
    `web_host: 127.0.0.1`,
    `web_port: ${webPort}`,
    `enable_scanner: false`,
    `enable_threat_intel: true`,
    `enable_dns_resolution: false`,
    `blacklist_urls: ${feed.url}/feed.txt`,
    `ipinfo_daily_budget: 0`,
    `enable_nvd: true`,
    `nvd_api_url: ${nvd.url}`,
    `nvd_api_key: test-key-not-secret`,
    `kev_url: ${nvd.server.url}/kev.json`,
    `nvd_min_year: 0`,
    `inventory_neighbours: false`,
    `inventory_resolve_names: false`,
    `inventory_dhcp_leases: ${leases}`,
    `dns_source: dnsmasq_log`,
    `dns_log_path: ${dnsLog}`,
    `dns_poll_seconds: 1`,
    `block_enable: true`,
    `block_dry_run: true`,
    `block_list_token: ${BLOCKLIST_TOKEN}`,
    `log_level: info`,
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'homesec.yaml'), `${config}\n`);
  const env: NodeJS.ProcessEnv = { HOMESEC_ENABLE_THREAT_INTEL: 'true', HOMESEC_ENABLE_NVD: 'true', HOMESEC_ENABLE_SCANNER: 'false' };
  const args = ['run', '--data-dir', dir];
  const url = `http://127.0.0.1:${webPort}/`;

  const stop = async (d: Daemon) => {
    if (d.proc.exitCode !== null || d.proc.signalCode !== null) return;
    d.proc.kill('SIGINT');
    const t = setTimeout(() => d.proc.kill('SIGKILL'), 10_000);
    await d.exited;
    clearTimeout(t);
  };
  const start = async () => {
    const d = startDaemon(args, env);
    try {
      await d.waitFor('homesec is running', 30_000);
    } catch (err) {
      await stop(d);
      throw err;
    }
    return d;
  };

  // The seeding run.
  const d = await start();
  let password = '';
  try {
    password = fs.readFileSync(path.join(dir, 'homesec_initial_password'), 'utf8').trim();
    await until('the blacklist feed', async () => {
      const s = await apiGet<{ feeds: { lastSuccessMs?: number }[] }>(url, password, 'api/intel');
      return s.feeds.some((f) => f.lastSuccessMs) ? true : undefined;
    });
    await sendV9(seededFlows(Date.now()), udpPort);
    fs.appendFileSync(dnsLog, seededDns(Date.now()));
    const r = await fetch(`${url}api/vulnerabilities/refresh`, { method: 'POST', headers: { authorization: `Bearer ${password}`, 'content-type': 'application/json' }, body: '{}' });
    if (r.status !== 202) throw new Error(`nvd_refresh: HTTP ${r.status}`);
    await until('port-scan and blacklist findings', async () => {
      const f = await apiGet<{ findings: { key: string; category: string }[] }>(url, password, 'api/findings');
      const cats = new Set(f.findings.map((x) => x.category));
      return f.findings.some((x) => x.key === PORT_SCAN_KEY) && cats.has('blacklist') && cats.has('vulnerability') ? true : undefined;
    });
    await until('graph edges (traffic flush)', async () => {
      const g = await apiGet<{ edges: unknown[] }>(url, password, 'api/graph');
      return g.edges.length >= 8 ? true : undefined;
    });
    await until('the inventory (first refresh 15 s after start)', async () => {
      const h = await apiGet<{ devices: { ip?: string }[] }>(url, password, 'api/hosts');
      return h.devices.filter((x) => x.ip).length >= 7 ? true : undefined;
    });
    // The log source opens the file at its end on its first poll: lines written before that
    // are not read (like tail -F), so the batch is written again until the daemon counts it.
    let lastWrite = Date.now();
    await until('DNS statistics', async () => {
      const s = await apiGet<{ queries: number }>(url, password, 'api/dns/stats');
      if (s.queries >= 15) return true;
      if (Date.now() - lastWrite > 3000) {
        fs.appendFileSync(dnsLog, seededDns(Date.now()));
        lastWrite = Date.now();
      }
      return undefined;
    });
  } finally {
    await stop(d);
  }

  // Hostile device names (see module rules).
  const db2 = openDatabase(path.join(dir, 'homesec.db')).db;
  db2.prepare('UPDATE inventory_devices SET name = ? WHERE current_ip = ?').run(XSS.img('device-name'), NET.camera);
  db2.prepare("UPDATE inventory_devices SET hostname = ?, hostname_source = 'dhcp' WHERE current_ip = ?").run(XSS.script('device-hostname'), NET.printer);
  db2.close();

  return {
    dir,
    password,
    webPort,
    udpPort,
    url,
    env,
    args,
    nvd,
    feed,
    start,
    stop,
    async close() {
      await nvd.close().catch(() => {});
      await feed.close().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
