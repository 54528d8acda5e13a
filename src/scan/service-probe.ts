/**
 * Identifies the service on one open port over the network: runs the port's plan
 * (service/probes.ts) — TLS first where planned, wait for a server-first banner, else send
 * the planned probes one connection each until one is recognised — then deepens what was
 * found: HTTP(S) answers are parsed and fingerprinted (http/fingerprint.ts), MQTT brokers
 * are asked their $SYS version, TLS certificates are summarised. Rules: every conversation
 * is bounded by `timeoutMs` (absolute) and 64 KiB; a port costs at most 1 + probes + 1
 * conversations; a TLS port whose handshake fails is retried in clear once; nothing here
 * throws — a port we cannot identify is still returned (by port number, confidence ≤ 3).
 */
import { converse, type ConverseResult } from './converse.js';
import { faviconHash } from './http/favicon-hash.js';
import { fingerprintHttp, type HttpPage } from './http/fingerprint.js';
import { SAFE_PATHS } from './http/safe-paths.js';
import { extractTitle } from './http/html-extract.js';
import { headerValue, parseHttpResponse } from './http-response.js';
import { brokerProduct, connackAccepted, sysVersionFrom, sysVersionSubscribe } from './mqtt-sys.js';
import { cpe23 } from './service/cpe.js';
import { identifyService } from './service/identify.js';
import { authorityHost, planForPort, type PortPlan, type ServiceProbe } from './service/probes.js';
import { sanitizeText } from './service/sanitize.js';
import type { HttpInfo, Service } from './types.js';

export interface ServiceProbeOptions {
  /** Absolute limit of one conversation, ms. */
  timeoutMs: number;
  /** Quiet time after data that ends a conversation, ms. */
  idleMs: number;
  /** Fingerprint HTTP answers (technologies, title); also fetches /favicon.ico and the safe paths (http/safe-paths.ts). */
  httpFingerprint: boolean;
  /** The plan for a port (default planForPort; tests map loopback ports to real plans). */
  planFor?: (port: number) => PortPlan;
}

const MAX_BYTES = 64 * 1024;

function isHttpLike(s: Service): boolean {
  return s.name === 'http' || s.name === 'https' || s.name === 'ipp' || s.name.startsWith('http-') || s.name === 'ssl/http';
}

function talk(ip: string, plan: PortPlan, tls: boolean, probe: ServiceProbe | undefined, first: boolean, o: ServiceProbeOptions): Promise<ConverseResult> {
  const isMqtt = probe?.name === 'mqtt-connect';
  return converse({
    ip,
    port: plan.port,
    tls,
    connectTimeoutMs: Math.min(o.timeoutMs, 3000),
    // Only the first conversation waits for a banner; later ones probe at once.
    bannerWaitMs: first ? plan.bannerWaitMs : 0,
    send: plan.listenOnly || !probe ? undefined : (banner) => (banner.length > 0 ? undefined : probe.payload(ip, plan.port)),
    // A broker's retained $SYS answer can trail its SUBACK; `complete` ends the wait as soon as it is in.
    idleMs: isMqtt ? Math.max(o.idleMs, 1000) : o.idleMs,
    deadlineMs: o.timeoutMs,
    maxBytes: probe?.name === 'http-get' ? MAX_BYTES : Math.min(MAX_BYTES, Math.max(4096, probe?.maxReplyBytes ?? 4096)),
    followUp: isMqtt ? (resp) => (connackAccepted(resp) ? sysVersionSubscribe() : undefined) : undefined,
    complete: (bytes, phase, followed) => {
      if (phase === 'banner') return bannerComplete(bytes);
      if (isMqtt) return followed ? sysVersionFrom(bytes.subarray(4)) !== undefined : bytes.length >= 4;
      return false;
    },
  });
}

/** A greeting is whole when it ends a line that is not a continuation ("220-…" in SMTP/FTP). */
export function bannerComplete(bytes: Buffer): boolean {
  if (bytes.length === 0 || bytes[bytes.length - 1] !== 0x0a) return false;
  const text = bytes.toString('latin1');
  const lines = text.split('\n').filter((l) => l.length > 0);
  const last = lines[lines.length - 1] ?? '';
  return !/^\d{3}-/.test(last);
}

/** One read-only GET of `path` over a fresh connection (bounded like every conversation). */
async function httpGet(ip: string, port: number, tls: boolean, path: string, o: ServiceProbeOptions): Promise<Buffer | undefined> {
  const host = authorityHost(ip);
  const req = `GET ${path} HTTP/1.0\r\n${host ? `Host: ${host}\r\n` : ''}User-Agent: homesec\r\nAccept: */*\r\nConnection: close\r\n\r\n`;
  const r = await converse({
    ip,
    port,
    tls,
    connectTimeoutMs: Math.min(o.timeoutMs, 3000),
    bannerWaitMs: 0,
    send: Buffer.from(req, 'latin1'),
    idleMs: o.idleMs,
    deadlineMs: o.timeoutMs,
    maxBytes: MAX_BYTES,
  });
  return r.connected && r.response.length > 0 ? r.response : undefined;
}

/** The safe extra pages and the favicon hash of a web service (requests in parallel). */
async function extraEvidence(ip: string, port: number, tls: boolean, o: ServiceProbeOptions): Promise<{ pages: HttpPage[]; favicon?: number }> {
  const [fav, ...pages] = await Promise.all([
    httpGet(ip, port, tls, '/favicon.ico', o),
    ...SAFE_PATHS.map(async (sp): Promise<HttpPage | undefined> => {
      const raw = await httpGet(ip, port, tls, sp.path, o);
      const res = raw ? parseHttpResponse(raw) : undefined;
      return res ? { path: sp.path, status: res.status, headers: res.headers, body: res.body } : undefined;
    }),
  ]);
  let favicon: number | undefined;
  if (fav) {
    const res = parseHttpResponse(fav);
    const sep = fav.indexOf('\r\n\r\n');
    const type = res ? headerValue(res.headers, 'content-type') ?? '' : '';
    if (res?.status === 200 && sep > 0 && !/text\/html/i.test(type)) favicon = faviconHash(fav.subarray(sep + 4));
  }
  return { pages: pages.filter((p): p is HttpPage => p !== undefined), favicon };
}

async function httpInfo(raw: Buffer, ip: string, port: number, tls: boolean, certIssuer: string | undefined, o: ServiceProbeOptions): Promise<HttpInfo | undefined> {
  const res = parseHttpResponse(raw);
  if (!res) return undefined;
  const info: HttpInfo = { status: res.status, technologies: [] };
  const title = extractTitle(res.body);
  if (title) info.title = sanitizeText(title, 200);
  const server = headerValue(res.headers, 'server');
  if (server) info.server = sanitizeText(server, 200);
  const powered = headerValue(res.headers, 'x-powered-by');
  if (powered) info.poweredBy = sanitizeText(powered, 200);
  const loc = headerValue(res.headers, 'location');
  if (loc && res.status >= 300 && res.status < 400) info.redirect = sanitizeText(loc, 300);
  if (o.httpFingerprint) {
    const extra = await extraEvidence(ip, port, tls, o);
    if (extra.favicon !== undefined) info.faviconHash = String(extra.favicon);
    const host = ip.includes(':') ? `[${ip}]` : ip;
    info.technologies = fingerprintHttp({
      url: `${tls ? 'https' : 'http'}://${host}:${port}/`,
      status: res.status,
      headers: res.headers,
      body: res.body,
      certIssuer,
      extraPages: extra.pages,
      faviconHash: extra.favicon,
    });
  }
  return info;
}

/** Identifies the service on ip:port (see the module rules); never rejects. */
export async function probeService(ip: string, port: number, o: ServiceProbeOptions, signal?: AbortSignal): Promise<Service> {
  const plan = (o.planFor ?? planForPort)(port);
  let tls = plan.tls;
  let best: Service | undefined;
  let bestRaw: ConverseResult | undefined;
  const probes: (ServiceProbe | undefined)[] = plan.listenOnly ? [undefined] : plan.probes.length ? [...plan.probes] : [undefined];
  for (let i = 0; i < probes.length; i++) {
    if (signal?.aborted) break;
    const probe = probes[i];
    let r = await talk(ip, plan, tls, probe, i === 0, o);
    if (tls && !r.connected && i === 0) {
      // Planned TLS but the handshake failed: the service may speak clear text on this port.
      const clear = await talk(ip, plan, false, probe, true, o);
      if (clear.connected) {
        tls = false;
        r = clear;
      }
    }
    if (!r.connected) break;
    const svc = identifyService({ port, banner: r.banner, probe: probe?.name, response: r.response, tls });
    if (r.tls) svc.tls = r.tls;
    if (!best || svc.confidence > best.confidence) {
      best = svc;
      bestRaw = r;
    }
    // A banner answers for the whole port; a recognised probe answer ends the plan.
    if (r.banner.length > 0 || svc.confidence > 3) break;
  }
  if (!best) return identifyService({ port, tls: plan.tls });
  if (bestRaw && isHttpLike(best)) {
    const raw = bestRaw.response.length > 0 ? bestRaw.response : bestRaw.banner;
    const info = await httpInfo(raw, ip, port, tls, best.tls?.issuer, o);
    if (info) {
      best.http = info;
      if (!best.product && info.server) {
        const again = identifyService({ port, tls, httpServerHeader: info.server, response: raw, probe: 'http-get' });
        if (again.product) Object.assign(best, { product: again.product, productName: again.productName, version: again.version, cpe: again.cpe });
      }
    }
  }
  if (best.name === 'mqtt' && bestRaw) {
    const text = sysVersionFrom(bestRaw.response.subarray(4));
    const broker = text ? brokerProduct(text) : undefined;
    if (broker) {
      best.product = broker.product;
      best.productName = broker.productName;
      if (broker.version) best.version = broker.version;
      best.method = 'probe:mqtt-sys';
      const cpe = broker.product === 'mosquitto' ? cpe23('eclipse:mosquitto', broker.version) : undefined;
      if (cpe) best.cpe = [cpe];
      best.confidence = Math.max(best.confidence, 10);
    }
  }
  return best;
}
