/**
 * Service identification: what runs on an open TCP port, from what it said.
 *
 * Rules:
 * - Pure: bytes in (the server-first banner, the answer to one of our probes, the TLS flag,
 *   the Server header the HTTP helper saw), one Service (types.ts) out. No I/O, never throws.
 * - Evidence order: the banner, then the probe answer, then the HTTP helper's Server header,
 *   then the TLS flag, then the port number. The first that identifies the service wins; a
 *   Server header only refines an HTTP-family service that has no product yet.
 * - Only the first MATCH_BYTES bytes are examined, whatever arrives (a 1 MB banner costs the
 *   same as a short one). Binary answers are recognised by parsers that check every length
 *   (mysql.ts, replies.ts, dns-version.ts); text answers by the rule tables
 *   (banner-rules.ts) applied to the bytes read as Latin-1.
 * - Everything stored is sanitised: values by the rule engine, the banner by bannerText
 *   (printable ASCII kept, other bytes \xNN, at most MAX_BANNER_LINES lines and
 *   MAX_BANNER_CHARS characters).
 * - method: "banner", "probe:<probe name>", "http", "tls" or "port". confidence: 10 with a
 *   version, 8 with a product, 7 for a recognised protocol, 5 for a generic greeting on its
 *   usual port, 4 for TLS on a known port, 3 for the port number alone, 0 when nothing is known.
 */
import type { Service } from '../types.js';
import { BANNER_RULES, DNS_VERSION_RULES, SERVER_HEADER_RULES } from './banner-rules.js';
import { parseVersionBindReply } from './dns-version.js';
import { mysqlMatch } from './mysql.js';
import { isHttpName, PORT_CONFIDENCE, portName, tlsName } from './port-names.js';
import { probeByName } from './probes.js';
import { parseReplyHead } from './reply-head.js';
import { mongodbMatch, mqttConnackMatch, postgresMatch, telnetMatch } from './replies.js';
import { firstMatch, makeMatch, type Match } from './rule.js';
import { bannerText } from './sanitize.js';

/** Bytes of a banner or answer that are examined. */
export const MATCH_BYTES = 8192;
/** Characters of a Server header that are examined. */
const MAX_SERVER_HEADER = 512;
const TLS_CONFIDENCE = 4;
const MQTT_PORTS: readonly number[] = [1883, 8883];

export interface IdentifyInput {
  port: number;
  /** What the service sent before we sent anything. */
  banner?: Uint8Array;
  /** Name of the probe (probes.ts) that `response` answers. */
  probe?: string;
  /** What the service answered to `probe`. */
  response?: Uint8Array;
  /** The connection was TLS-wrapped (handshake completed). */
  tls?: boolean;
  /** The Server header the HTTP fingerprinting helper saw, if any. */
  httpServerHeader?: string;
}

function latin1(bytes: Uint8Array): string {
  const head = bytes.length > MATCH_BYTES ? bytes.subarray(0, MATCH_BYTES) : bytes;
  return Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('latin1');
}

/** The protocol's name for an HTTP-syntax reply on `port`. */
function httpFamilyName(port: number): string {
  return port === 631 ? 'ipp' : 'http';
}

/** Identifies a Server header value; `name` is the protocol's service name. */
function serverHeaderMatch(value: string, port: number, name: string): Match {
  return firstMatch(SERVER_HEADER_RULES, value.slice(0, MAX_SERVER_HEADER), port, name) ?? makeMatch({ name });
}

/** Identifies one banner or probe answer, or undefined when nothing in it is recognised. */
function identifyBytes(bytes: Uint8Array, port: number, probe: string | undefined): Match | undefined {
  if (probe === 'postgres-sslrequest') {
    const pg = postgresMatch(bytes);
    if (pg) return pg;
  }
  if (probe === 'mqtt-connect' || (probe === undefined && MQTT_PORTS.includes(port))) {
    const mqtt = mqttConnackMatch(bytes);
    if (mqtt) return mqtt;
  }
  if (probe === 'dns-version-bind' || (probe === undefined && port === 53)) {
    const dns = parseVersionBindReply(bytes);
    if (dns) {
      const version = dns.version?.trim();
      return (version ? firstMatch(DNS_VERSION_RULES, version, port, 'domain') : undefined) ?? makeMatch({ name: 'domain' });
    }
  }
  const binary = mysqlMatch(bytes) ?? mongodbMatch(bytes) ?? telnetMatch(bytes);
  if (binary) return binary;

  const text = latin1(bytes);
  const head = parseReplyHead(text);
  if (head) {
    const name = head.protocol === 'HTTP' ? httpFamilyName(port) : head.protocol === 'RTSP' ? 'rtsp' : 'sip';
    const server = head.headers.get('server') ?? (head.protocol === 'SIP' ? head.headers.get('user-agent') : undefined);
    return server ? serverHeaderMatch(server, port, name) : makeMatch({ name });
  }
  return firstMatch(BANNER_RULES, text, port);
}

function nonEmpty(bytes: unknown): Uint8Array | undefined {
  return bytes instanceof Uint8Array && bytes.length > 0 ? bytes : undefined;
}

/**
 * Identifies the service on TCP `input.port` from what it said (see the module rules).
 * Always returns a Service: at worst name "unknown" with confidence 0.
 */
export function identifyService(input: IdentifyInput): Service {
  const port = Number.isInteger(input.port) && input.port >= 0 && input.port <= 65535 ? input.port : 0;
  const tls = input.tls === true;
  const banner = nonEmpty(input.banner);
  const response = nonEmpty(input.response);
  const probe = typeof input.probe === 'string' ? probeByName(input.probe)?.name : undefined;

  let match: Match | undefined;
  let method = 'port';
  if (banner) {
    match = identifyBytes(banner, port, undefined);
    if (match) method = 'banner';
  }
  if (!match && response) {
    match = identifyBytes(response, port, probe);
    if (match) method = probe ? `probe:${probe}` : 'probe';
  }
  const header = typeof input.httpServerHeader === 'string' ? input.httpServerHeader.slice(0, MAX_SERVER_HEADER).trim() : '';
  if (header && (!match || ((isHttpName(match.name) || match.name === 'ipp') && !match.product))) {
    const fromHeader = serverHeaderMatch(header, port, match?.name ?? httpFamilyName(port));
    if (!match || fromHeader.product) {
      match = fromHeader;
      method = 'http';
    }
  }
  if (!match) {
    const known = portName(port);
    if (tls) {
      match = makeMatch({ name: known ? tlsName(known) : 'ssl', confidence: TLS_CONFIDENCE });
      method = 'tls';
    } else {
      match = makeMatch({ name: known ?? 'unknown', confidence: known ? PORT_CONFIDENCE : 0 });
      method = known ? 'port' : banner ? 'banner' : response ? (probe ? `probe:${probe}` : 'probe') : 'port';
    }
  }

  const service: Service = {
    port,
    protocol: 'tcp',
    name: tls ? tlsName(match.name) : match.name,
    method,
    confidence: match.confidence,
  };
  if (match.product) service.product = match.product;
  if (match.productName) service.productName = match.productName;
  if (match.version) service.version = match.version;
  if (match.extra) service.extra = match.extra;
  if (match.distro) service.distro = match.distro;
  if (match.osHint) service.osHint = match.osHint;
  if (match.cpe) service.cpe = match.cpe;
  const said = bannerText(banner ?? response);
  if (said) service.banner = said;
  return service;
}
