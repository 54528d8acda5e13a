/**
 * The flow collector: owns the UDP socket. Rules: listens on config bind_host:bind_port
 * (IPv4, or IPv6 dual-stack for "::"), asks for a large receive buffer, decodes every
 * datagram with the pure decoders (decode/), keeps per-exporter health, and emits each
 * datagram's records as one `flow.records` event. Datagrams from exporters outside a
 * non-empty exporter_allowlist are counted and dropped before decoding. Nothing received
 * can throw out of the message handler. Kernel-level drops (receive buffer overflow) are
 * read from /proc/net/udp(6) for the bound port. v9/IPFIX templates are saved at stop and
 * restored at start (a restored template never replaces one received since: RFC 3954 §5.2,
 * hostile-input catalogue #9), so data arriving right after a restart still decodes.
 */

const TEMPLATES_KEY = 'flow.templates';
import dgram from 'node:dgram';
import fs from 'node:fs';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { HomesecError, errorMessage } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { Service } from '../core/lifecycle.js';
import type { Log } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { Store } from '../store/store.js';
import { kvGet, kvSet } from '../store/kv.js';
import { decodeDatagram } from './decode/index.js';
import { TemplateStore, type TemplateSnapshot } from './decode/template-store.js';
import { createHealthTable, type HealthTable } from './exporter-health.js';
import type { FlowRecord } from './types.js';

declare module '../core/events.js' {
  interface HomesecEvents {
    'flow.records': { exporter: string; records: FlowRecord[] };
  }
}

export type CollectorConfig = Pick<
  Config,
  'bind_host' | 'bind_port' | 'exporter_allowlist' | 'udp_receive_buffer_bytes' | 'max_exporters' | 'max_templates_per_exporter'
>;

export interface CollectorStats {
  datagrams: number;
  records: number;
  decodeErrors: number;
  dropped: number;
  /** Datagrams the kernel dropped (receive buffer full), when readable. */
  kernelDrops: number | undefined;
  /** The receive buffer the kernel granted (bytes, as reported by the socket). */
  receiveBuffer: number | undefined;
  templates: number;
}

export interface ExporterView {
  exporter: string;
  datagrams: number;
  records: number;
  bytes: number;
  drops: Record<string, number>;
  versions: string[];
  templates: number;
  sequenceGaps: number;
  firstSeenMs: number;
  lastSeenMs: number;
}

export interface Collector extends Service {
  readonly health: HealthTable;
  readonly templates: TemplateStore;
  /** The bound address, after start. */
  readonly address: { address: string; port: number; family: string } | undefined;
  stats(): CollectorStats;
  /** Per-exporter health for views (most recently seen first, at most `limit`), with template counts. */
  exporters(limit?: number): ExporterView[];
  /** Decodes and emits one datagram as if received (used by tests and the demo feeder). */
  handle(msg: Buffer, from: string): void;
}

/** Strips the IPv4-mapped prefix a dual-stack socket reports. */
export function normaliseExporter(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** Reads the kernel drop counter for a local UDP port from /proc/net/udp and udp6 (Linux); undefined elsewhere. */
export function readKernelDrops(port: number): number | undefined {
  let total: number | undefined;
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 13 || !cols[1]?.endsWith(`:${hexPort}`)) continue;
      total = (total ?? 0) + Number(cols[cols.length - 1]);
    }
  }
  return total;
}

/** Creates the collector; binds nothing until start(). */
export function createCollector(
  config: CollectorConfig,
  deps: { bus: EventBus; clock: Clock; log: Log; metrics: Metrics; store?: Store },
): Collector {
  const templates = new TemplateStore({ maxExporters: config.max_exporters, maxTemplatesPerExporter: config.max_templates_per_exporter });
  const health = createHealthTable(config.max_exporters);
  const allow = config.exporter_allowlist.length > 0 ? new Set(config.exporter_allowlist) : undefined;
  let socket: dgram.Socket | undefined;
  let address: Collector['address'];
  let datagrams = 0;
  let records = 0;
  let decodeErrors = 0;
  let dropped = 0;
  let lastSweep = 0;
  let lastErrorLog = 0;

  const handle = (msg: Buffer, from: string) => {
    const now = deps.clock.now();
    datagrams++;
    if (allow && !allow.has(from)) {
      dropped++;
      health.drop(from, 'not_allowlisted', now);
      deps.metrics.inc('homesec_flow_dropped_total', { reason: 'not_allowlisted' });
      return;
    }
    let res;
    try {
      res = decodeDatagram(msg, from, templates, now);
    } catch (err) {
      // decoders promise never to throw; if one does, count it and keep the listener alive
      decodeErrors++;
      deps.metrics.inc('homesec_flow_decode_errors_total', { reason: 'exception' });
      if (now - lastErrorLog > 10_000) {
        lastErrorLog = now;
        deps.log.error({ exporter: from, err: errorMessage(err) }, 'decoder threw; datagram dropped');
      }
      return;
    }
    health.account(from, msg.length, res, now);
    if (res.errors.length > 0) {
      decodeErrors += res.errors.length;
      for (const reason of res.errors) deps.metrics.inc('homesec_flow_decode_errors_total', { reason });
    }
    if (now - lastSweep > 60_000) {
      lastSweep = now;
      templates.sweep(now);
    }
    if (res.records.length > 0) {
      records += res.records.length;
      deps.bus.emit('flow.records', { exporter: from, records: res.records });
    }
  };

  return {
    health,
    templates,
    get address() {
      return address;
    },
    handle,
    exporters(limit = 50) {
      return health
        .all()
        .sort((a, b) => b.lastSeenMs - a.lastSeenMs)
        .slice(0, limit)
        .map((h) => ({
          exporter: h.exporter,
          datagrams: h.datagrams,
          records: h.records,
          bytes: h.bytes,
          drops: { ...h.drops } as Record<string, number>,
          versions: [...h.versions],
          templates: templates.templateCount(h.exporter),
          sequenceGaps: h.sequenceGaps,
          firstSeenMs: h.firstSeenMs,
          lastSeenMs: h.lastSeenMs,
        }));
    },
    stats() {
      return {
        datagrams,
        records,
        decodeErrors,
        dropped,
        kernelDrops: address ? readKernelDrops(address.port) : undefined,
        receiveBuffer: socket ? safe(() => socket?.getRecvBufferSize()) : undefined,
        templates: templates.stats().templates,
      };
    },
    async start() {
      if (deps.store) {
        const snaps = kvGet<TemplateSnapshot[]>(deps.store.db, TEMPLATES_KEY);
        if (Array.isArray(snaps)) {
          const restored = templates.restore(snaps, deps.clock.now());
          if (restored > 0) deps.log.info({ restored }, 'restored NetFlow v9/IPFIX templates from the last run');
        }
      }
      const v6 = config.bind_host.includes(':');
      const s = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: false, recvBufferSize: config.udp_receive_buffer_bytes });
      socket = s;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.bind(config.bind_port, config.bind_host, () => {
          s.off('error', reject);
          resolve();
        });
      }).catch((err: unknown) => {
        s.close();
        socket = undefined;
        throw new HomesecError(
          'LISTEN_FAILED',
          `cannot listen for flows on udp ${config.bind_host}:${config.bind_port} (${errorMessage(err)}); set bind_host/bind_port`,
        );
      });
      try {
        s.setRecvBufferSize(config.udp_receive_buffer_bytes);
      } catch {
        /* recvBufferSize above already asked; the kernel caps at net.core.rmem_max */
      }
      const granted = safe(() => s.getRecvBufferSize());
      if (granted !== undefined && granted < config.udp_receive_buffer_bytes) {
        deps.log.warn(
          { requested: config.udp_receive_buffer_bytes, granted },
          'the kernel granted a smaller UDP receive buffer; bursts may be dropped (raise net.core.rmem_max)',
        );
      }
      s.on('message', (msg, rinfo) => handle(msg, normaliseExporter(rinfo.address)));
      s.on('error', (err) => deps.log.error({ err: errorMessage(err) }, 'flow socket error'));
      const a = s.address();
      address = { address: a.address, port: a.port, family: a.family };
    },
    async stop() {
      const s = socket;
      socket = undefined;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
      if (deps.store) kvSet(deps.store.db, TEMPLATES_KEY, templates.snapshot(deps.clock.now()), deps.clock.now());
    },
  };
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
