/**
 * Scanner result types: the contract between the scanner (src/scan), the inventory and the
 * vulnerability matcher. Rules: every string here may come from a hostile service; it is
 * stored already sanitised (control characters escaped, length capped by sanitizeText) and
 * is escaped again wherever it is shown. Records are plain JSON-serialisable data.
 */

export type PortState = 'open' | 'closed' | 'filtered';

/** A technology found by HTTP fingerprinting (Wappalyzer rule format). */
export interface HttpTechnology {
  /** Rule name as in the fingerprint database, e.g. "Nginx", "WordPress". */
  name: string;
  version?: string;
  /** 0..100, Wappalyzer semantics (sum of matched rules' confidences, capped). */
  confidence: number;
  /** Category names, e.g. ["Web servers", "Reverse proxies"]. */
  categories: string[];
  /** CPE 2.3 template from the rule database when it has one (version field "*"). */
  cpe?: string;
}

/** What an HTTP(S) probe saw. */
export interface HttpInfo {
  status: number;
  title?: string;
  server?: string;
  poweredBy?: string;
  /** Location header of a redirect, when one was given. */
  redirect?: string;
  technologies: HttpTechnology[];
  /** Shodan http.favicon.hash of /favicon.ico: signed 32-bit MurmurHash3 as text, e.g. "-1010568750" (http/favicon-hash.ts). */
  faviconHash?: string;
}

/** What a TLS handshake showed. */
export interface TlsInfo {
  subject?: string;
  issuer?: string;
  /** Subject alternative names, capped. */
  altNames?: string[];
  validFrom?: string;
  validTo?: string;
  selfSigned?: boolean;
  expired?: boolean;
  protocol?: string;
  /** Set when the handshake failed; the port is still reported. */
  error?: string;
}

/** One identified (or unidentified) service on an open port. */
export interface Service {
  port: number;
  protocol: 'tcp';
  /** Service name in nmap's vocabulary: ssh, ftp, http, https, smtp, mqtt, rtsp, mysql, … or "unknown". */
  name: string;
  /** Lower-case product key, e.g. "openssh", "nginx", "vsftpd", "mosquitto". */
  product?: string;
  /** Display product name, e.g. "OpenSSH". */
  productName?: string;
  version?: string;
  /** Extra info such as "protocol 2.0" or "Debian-2+deb12u3". */
  extra?: string;
  /** Distribution hint from the banner, e.g. "debian", "ubuntu", "raspbian". */
  distro?: string;
  /** OS hint from the banner, e.g. "linux", "windows". */
  osHint?: string;
  /** First bytes the service said (or answered to our probe), sanitised, capped. */
  banner?: string;
  /** CPE 2.3 strings (product level or version level), vendor:product per integration-facts. */
  cpe?: string[];
  /** How the identification was made: banner, probe:<name>, http, tls, port (guess from number), nmap. */
  method: string;
  /** 0..10 like nmap's conf. 10 = from a banner with a version; 3 = from the port number only. */
  confidence: number;
  http?: HttpInfo;
  tls?: TlsInfo;
}

/** An OS guess with its reasons. */
export interface OsGuess {
  /** e.g. "Linux", "Windows", "Embedded/RTOS", "macOS/iOS", "Network device", "unknown". */
  family: string;
  /** Optional finer detail, e.g. "Debian 12", "Linux 2.6.x-6.x". */
  detail?: string;
  /** 0..100 */
  confidence: number;
  reasons: string[];
}

/** One scanned host. */
export interface HostScan {
  ip: string;
  alive: boolean;
  /** How liveness was established: icmp, tcp (open or refused port), or none. */
  aliveBy: 'icmp' | 'tcp' | 'none';
  pingMs?: number;
  ttl?: number;
  openPorts: number[];
  /** Ports that answered with a reset (closed); counted, not listed beyond a cap. */
  closedCount: number;
  /** Ports that gave no answer after retries. */
  filteredCount: number;
  services: Service[];
  os?: OsGuess;
  /** Device-role hints for the inventory (e.g. "printer: port 9100/631"). */
  hints: string[];
  scannedAtMs: number;
  durationMs: number;
}
