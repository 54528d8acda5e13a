/**
 * What the network layer sends to an open TCP port to learn which service it runs (data only).
 *
 * Rules:
 * - A port's plan (planForPort) says: wrap in TLS first or not; how long to wait for a
 *   server-first banner (SSH, FTP, SMTP, POP3, IMAP, MySQL, VNC, telnet … speak first); which
 *   probes to send, in order, each on a fresh connection, until identifyService names the
 *   service; or to send nothing at all.
 * - Nothing is ever sent to raw printer ports (9100-9107 JetDirect print whatever arrives;
 *   nmap-service-probes excludes them for that reason) or to LPD (515): listen only.
 * - Probes ask the least a server answers: GET / (read-only), RTSP and SIP OPTIONS, Redis
 *   PING, an MQTT CONNECT that subscribes to nothing (clean session, keepalive 0), the
 *   PostgreSQL SSLRequest, MongoDB isMaster, DNS version.bind, and "\r\n\r\n" for unknown
 *   ports. None logs in or changes state.
 * - Hosts are placed in payloads only in a checked form (IP literal or DNS name characters);
 *   anything else is left out, never copied into a request line or header.
 * - Replies are read up to the probe's maxReplyBytes (never more than MAX_REPLY_BYTES).
 */
import { versionBindQuery } from './dns-version.js';
import { mongodbIsMasterQuery, POSTGRES_SSL_REQUEST } from './replies.js';

/** Upper bound for any reply we read (hostile-input catalogue 15: reads capped ≤ 64 KiB). */
export const MAX_REPLY_BYTES = 16 * 1024;
/** How long to wait for a server-first banner on ports whose service speaks first. */
export const SERVER_FIRST_WAIT_MS = 3000;
/** How long to wait for a banner on ports we know nothing about before probing. */
export const UNKNOWN_PORT_WAIT_MS = 1500;
/** How long to wait for the answer to a probe. */
export const REPLY_WAIT_MS = 3000;

export interface ServiceProbe {
  /** Name passed back to identifyService as `probe`, and shown as method `probe:<name>`. */
  readonly name: string;
  /** Ports the probe is planned for (the generic probe: none, it is the fallback). */
  readonly ports: readonly number[];
  /** Bytes to send to `host` (an IP or DNS name; checked before use) on `port`. */
  readonly payload: (host: string, port: number) => Uint8Array;
  /** Reply bytes worth reading. */
  readonly maxReplyBytes: number;
}

export interface PortPlan {
  port: number;
  /** Do a TLS handshake before anything else (the probes then go inside TLS). */
  tls: boolean;
  /** Wait this long for the service to speak first before probing; 0 = probe at once. */
  bannerWaitMs: number;
  /** Probes to try in order, one connection each; empty when the port is listen-only. */
  probes: readonly ServiceProbe[];
  /** Send nothing, only read a banner (printers print what they are sent). */
  listenOnly: boolean;
}

/** Ports where a TLS handshake comes first (HTTPS, IMAPS, POP3S, SMTPS, MQTTS, LDAPS, FTPS, DoT, WinRM-HTTPS, Synology DSM, Chromecast …). */
export const TLS_PORTS: ReadonlySet<number> = new Set([
  443, 465, 636, 853, 990, 992, 993, 994, 995, 4443, 5001, 5061, 5986, 6697, 8009, 8443, 8883, 9443, 10443,
]);

/** Ports whose services speak first (banner before any request). */
export const SERVER_FIRST_PORTS: ReadonlySet<number> = new Set([
  21, 22, 23, 25, 110, 143, 465, 587, 990, 993, 995, 2222, 2323, 3306, 5900, 5901, 6667,
]);

/** Ports that must never receive a byte from us. */
export const LISTEN_ONLY_PORTS: ReadonlySet<number> = new Set([515, 9100, 9101, 9102, 9103, 9104, 9105, 9106, 9107]);

const encoder = new TextEncoder();
const text = (s: string): Uint8Array => encoder.encode(s);

const IPV4 = /^(?:\d{1,3}\.){3}\d{1,3}$/;
const DNS_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.?$/;
const IPV6 = /^[0-9A-Fa-f:.]{2,45}$/;

/**
 * `host` as it may appear in a Host header or URL authority: an IPv4 literal or DNS name as
 * is, an IPv6 literal in brackets (zone id dropped); undefined for anything else.
 */
export function authorityHost(host: string): string | undefined {
  if (IPV4.test(host) || DNS_NAME.test(host)) return host;
  const bare = host.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (bare.includes(':') && IPV6.test(bare)) return `[${bare}]`;
  return undefined;
}

export const HTTP_PROBE: ServiceProbe = {
  name: 'http-get',
  ports: [80, 81, 443, 591, 631, 4443, 5000, 5001, 5985, 5986, 8000, 8008, 8080, 8081, 8088, 8443, 8888, 9000, 9090, 9200, 9443, 10443, 49152],
  payload: (host) => {
    const h = authorityHost(host);
    return text(`GET / HTTP/1.0\r\n${h ? `Host: ${h}\r\n` : ''}User-Agent: homesec\r\nAccept: */*\r\nConnection: close\r\n\r\n`);
  },
  maxReplyBytes: MAX_REPLY_BYTES,
};

export const RTSP_PROBE: ServiceProbe = {
  name: 'rtsp-options',
  ports: [554, 8554],
  payload: (host, port) => {
    const h = authorityHost(host);
    const target = h ? `rtsp://${h}:${port}/` : '*';
    return text(`OPTIONS ${target} RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: homesec\r\n\r\n`);
  },
  maxReplyBytes: 4096,
};

export const REDIS_PROBE: ServiceProbe = {
  name: 'redis-ping',
  ports: [6379],
  payload: () => text('PING\r\n'),
  maxReplyBytes: 1024,
};

/**
 * MQTT 3.1.1 CONNECT (§3.1): fixed header 0x10, remaining length 19; protocol name "MQTT"
 * (00 04 4d 51 54 54), level 4, connect flags 0x02 (clean session, no will, no credentials),
 * keepalive 0 (no keepalive), client id "homesec" (00 07 ...).
 */
export const MQTT_CONNECT: Uint8Array = Uint8Array.from([
  0x10, 0x13, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x00, 0x00, 0x07, 0x68, 0x6f, 0x6d, 0x65, 0x73, 0x65, 0x63,
]);

export const MQTT_PROBE: ServiceProbe = {
  name: 'mqtt-connect',
  ports: [1883, 8883],
  payload: () => MQTT_CONNECT.slice(),
  maxReplyBytes: 64,
};

export const POSTGRES_PROBE: ServiceProbe = {
  name: 'postgres-sslrequest',
  ports: [5432],
  payload: () => POSTGRES_SSL_REQUEST.slice(),
  maxReplyBytes: 1024,
};

export const MONGODB_PROBE: ServiceProbe = {
  name: 'mongodb-ismaster',
  ports: [27017, 27018],
  payload: () => mongodbIsMasterQuery(),
  maxReplyBytes: 4096,
};

export const DNS_PROBE: ServiceProbe = {
  name: 'dns-version-bind',
  ports: [53],
  payload: () => versionBindQuery(),
  maxReplyBytes: 512,
};

export const SIP_PROBE: ServiceProbe = {
  name: 'sip-options',
  ports: [5060, 5061],
  payload: (host) => {
    const h = authorityHost(host) ?? 'invalid';
    return text(
      `OPTIONS sip:${h} SIP/2.0\r\nVia: SIP/2.0/TCP homesec.invalid;branch=z9hG4bK-homesec\r\nMax-Forwards: 70\r\n` +
        `From: <sip:homesec@homesec.invalid>;tag=homesec\r\nTo: <sip:${h}>\r\nCall-ID: homesec-probe@homesec.invalid\r\n` +
        `CSeq: 1 OPTIONS\r\nUser-Agent: homesec\r\nContent-Length: 0\r\n\r\n`,
    );
  },
  maxReplyBytes: 4096,
};

/** Fallback for silent ports we know nothing about: two empty lines (nmap's GenericLines). */
export const GENERIC_PROBE: ServiceProbe = {
  name: 'generic-lines',
  ports: [],
  payload: () => text('\r\n\r\n'),
  maxReplyBytes: 4096,
};

/** Every probe, in the order they are tried on a port they share. */
export const PROBES: readonly ServiceProbe[] = [
  HTTP_PROBE,
  RTSP_PROBE,
  REDIS_PROBE,
  MQTT_PROBE,
  POSTGRES_PROBE,
  MONGODB_PROBE,
  DNS_PROBE,
  SIP_PROBE,
  GENERIC_PROBE,
];

/** The probe called `name`, or undefined. */
export function probeByName(name: string): ServiceProbe | undefined {
  return PROBES.find((p) => p.name === name);
}

/**
 * What to do with open TCP `port`: TLS first or not, how long to wait for a banner, which
 * probes to send when no banner came (see the module rules). Ports with no planned probe get
 * GENERIC_PROBE after UNKNOWN_PORT_WAIT_MS (SERVER_FIRST_WAIT_MS on server-first ports).
 */
export function planForPort(port: number): PortPlan {
  const tls = TLS_PORTS.has(port);
  if (LISTEN_ONLY_PORTS.has(port)) return { port, tls: false, bannerWaitMs: SERVER_FIRST_WAIT_MS, probes: [], listenOnly: true };
  const planned = PROBES.filter((p) => p.ports.includes(port));
  if (SERVER_FIRST_PORTS.has(port)) {
    return { port, tls, bannerWaitMs: SERVER_FIRST_WAIT_MS, probes: planned.length > 0 ? planned : [GENERIC_PROBE], listenOnly: false };
  }
  if (planned.length > 0) return { port, tls, bannerWaitMs: 0, probes: planned, listenOnly: false };
  return { port, tls, bannerWaitMs: UNKNOWN_PORT_WAIT_MS, probes: [GENERIC_PROBE], listenOnly: false };
}
