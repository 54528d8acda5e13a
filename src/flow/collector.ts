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
 *
 * Receiving: by default the socket lives in a receive thread (receive-worker.ts) that only
 * copies datagrams into batches, so the socket is drained even while this thread decodes,
 * analyses or writes SQLite; the batches come back here in arrival order and each datagram
 * goes through handle() exactly as before. The backlog is bounded (RECEIVE_BATCHES buffers of
 * RECEIVE_BATCH_BYTES); a datagram arriving when all are waiting is dropped and counted
 * (queueDrops, homesec_flow_dropped_total{reason="queue_full"}). Once a burst is over the
 * receive thread frees the buffers it no longer needs and says so; this thread then runs one
 * full garbage collection (core/reclaim.ts), so a flood's memory is given back. A receive
 * thread that dies is restarted. `receiveThread: false` reads the socket on this thread instead.
 */

const TEMPLATES_KEY = 'flow.templates';
import dgram from 'node:dgram';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { HomesecError, errorMessage } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { Service } from '../core/lifecycle.js';
import type { Log } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import { reclaimAfterBurst } from '../core/reclaim.js';
import type { Store } from '../store/store.js';
import { kvGet, kvSet } from '../store/kv.js';
import { decodeDatagram } from './decode/index.js';
import { TemplateStore, type TemplateSnapshot } from './decode/template-store.js';
import { createHealthTable, type HealthTable } from './exporter-health.js';
import { forEachDatagram, type FromReceiver, type ToReceiver } from './receive-worker.js';
import type { FlowRecord } from './types.js';

/** Size of one receive-thread batch buffer (a datagram is at most 64 KiB). */
export const RECEIVE_BATCH_BYTES = 256 * 1024;
/** Batch buffers at most: the backlog waiting for this thread is at most 32 MiB. */
export const RECEIVE_BATCHES = 128;
/** How long stop() waits for the receive thread to hand over its last batch. */
const STOP_WAIT_MS = 2000;
/** Delay before a receive thread that died is restarted. */
const RESTART_MS = 1000;
/** Longest stretch of batch processing before other work (API, timers, I/O) gets a turn. */
const SLICE_MS = 10;

declare module '../core/events.js' {
  interface HomesecEvents {
    'flow.records': { exporter: string; records: FlowRecord[] };
  }
}

export type CollectorConfig = Pick<
  Config,
  | 'bind_host'
  | 'bind_port'
  | 'exporter_allowlist'
  | 'udp_receive_buffer_bytes'
  | 'max_exporters'
  | 'max_templates_per_exporter'
> &
  Partial<Pick<Config, 'flow_native_receiver'>>;

export interface CollectorStats {
  datagrams: number;
  records: number;
  decodeErrors: number;
  dropped: number;
  /** Datagrams the kernel dropped (receive buffer full), when readable. */
  kernelDrops: number | undefined;
  /** The receive buffer the kernel granted (bytes, as reported by the socket). */
  receiveBuffer: number | undefined;
  /** Datagrams the receive thread dropped because its whole backlog was waiting for this thread. */
  queueDrops: number;
  /** Backlog buffers (RECEIVE_BATCH_BYTES each) the receive thread holds now, as it last said; undefined without one. */
  receiveBuffers: number | undefined;
  /** How the socket is read: 'native' (recvmmsg in the receive thread), 'dgram' (Node), undefined when not listening. */
  receiver: 'native' | 'dgram' | undefined;
  templates: number;
}

export interface CollectorOptions {
  /** Read the socket in a worker thread (default true) or on the calling thread. */
  receiveThread?: boolean;
  /** Receive-thread batch buffer size and count (tests). */
  batchBytes?: number;
  maxBatches?: number;
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

/** Starts the receive thread: the compiled .js next to this module, or the .ts through tsx's loader (tests run the sources). */
function startReceiveWorker(): Worker {
  const js = new URL('./receive-worker.js', import.meta.url);
  if (fs.existsSync(fileURLToPath(js))) return new Worker(js);
  const ts = new URL('./receive-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(ts)}); });`;
  return new Worker(boot, { eval: true });
}

function listenFailed(config: CollectorConfig, message: string): HomesecError {
  return new HomesecError(
    'LISTEN_FAILED',
    `cannot listen for flows on udp ${config.bind_host}:${config.bind_port} (${message}); set bind_host/bind_port`,
  );
}

/** Creates the collector; binds nothing until start(). */
export function createCollector(
  config: CollectorConfig,
  deps: { bus: EventBus; clock: Clock; log: Log; metrics: Metrics; store?: Store },
  opts: CollectorOptions = {},
): Collector {
  const templates = new TemplateStore({ maxExporters: config.max_exporters, maxTemplatesPerExporter: config.max_templates_per_exporter });
  const health = createHealthTable(config.max_exporters);
  const allow = config.exporter_allowlist.length > 0 ? new Set(config.exporter_allowlist) : undefined;
  let socket: dgram.Socket | undefined;
  let worker: Worker | undefined;
  let receiveBuffer: number | undefined;
  let queueDrops = 0;
  let receiveBuffers: number | undefined;
  let receiver: CollectorStats['receiver'];
  let running = false;
  let restartTimer: NodeJS.Timeout | undefined;
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

  const warnIfSmall = (granted: number | undefined): void => {
    if (granted !== undefined && granted < config.udp_receive_buffer_bytes) {
      deps.log.warn(
        { requested: config.udp_receive_buffer_bytes, granted },
        'the kernel granted a smaller UDP receive buffer; bursts may be dropped (raise net.core.rmem_max)',
      );
    }
  };

  /** The socket on this thread (receiveThread: false). */
  const listenHere = async (): Promise<void> => {
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
      throw listenFailed(config, errorMessage(err));
    });
    try {
      s.setRecvBufferSize(config.udp_receive_buffer_bytes);
    } catch {
      /* recvBufferSize above already asked; the kernel caps at net.core.rmem_max */
    }
    receiveBuffer = safe(() => s.getRecvBufferSize());
    warnIfSmall(receiveBuffer);
    s.on('message', (msg, rinfo) => handle(msg, normaliseExporter(rinfo.address)));
    s.on('error', (err) => deps.log.error({ err: errorMessage(err) }, 'flow socket error'));
    const a = s.address();
    address = { address: a.address, port: a.port, family: a.family };
    receiver = 'dgram';
  };

  /** Called when the receive thread hands over its last batch at stop(). */
  let onClosed: (() => void) | undefined;

  const countQueueDrops = (n: number): void => {
    if (n === 0) return;
    queueDrops += n;
    deps.metrics.inc('homesec_flow_dropped_total', { reason: 'queue_full' }, n);
  };

  // Batches from the receive thread wait here and are processed in slices of SLICE_MS, so a
  // backlog never keeps the API, the scheduler or other I/O waiting for long (a message port
  // delivers everything queued in one go).
  const pending: { w: Worker; m: Extract<FromReceiver, { kind: 'batch' }> }[] = [];
  let drainScheduled = false;

  const processBatch = (w: Worker, m: Extract<FromReceiver, { kind: 'batch' }>): void => {
    try {
      forEachDatagram(m.buf, m.used, m.exporters, handle);
    } finally {
      // hand the buffer back (a thread that was replaced meanwhile does not get it)
      if (worker === w) w.postMessage({ kind: 'free', buf: m.buf } satisfies ToReceiver, [m.buf]);
    }
    countQueueDrops(m.dropped);
  };

  const drain = (budgetMs: number): void => {
    const end = performance.now() + budgetMs;
    let next = pending.shift();
    while (next !== undefined) {
      processBatch(next.w, next.m);
      if (performance.now() >= end) break;
      next = pending.shift();
    }
    if (pending.length > 0 && !drainScheduled) {
      drainScheduled = true;
      setImmediate(onDrain);
    }
  };
  const onDrain = (): void => {
    drainScheduled = false;
    drain(SLICE_MS);
  };

  const onWorkerMessage = (w: Worker, m: FromReceiver): void => {
    if (m.kind === 'batch') {
      receiveBuffers = m.pool;
      pending.push({ w, m });
      if (!drainScheduled) {
        drainScheduled = true;
        setImmediate(onDrain);
      }
    } else if (m.kind === 'dropped') {
      countQueueDrops(m.dropped);
    } else if (m.kind === 'idle') {
      // a burst is over and its backlog buffers are freed: let V8 free what the burst left behind
      receiveBuffers = m.pool;
      deps.metrics.inc('homesec_flow_receive_buffers_released_total', {}, m.released);
      if (reclaimAfterBurst()) deps.metrics.inc('homesec_memory_reclaims_total');
    } else if (m.kind === 'socketError') {
      deps.log.error({ err: m.message }, 'flow socket error');
    } else if (m.kind === 'closed') {
      drain(Number.POSITIVE_INFINITY); // everything received before the socket closed
      countQueueDrops(m.dropped);
      onClosed?.();
    }
  };

  /** Starts a receive thread and binds its socket; rejects with LISTEN_FAILED. */
  const listenInThread = async (port: number): Promise<void> => {
    const w = startReceiveWorker();
    worker = w;
    let bindAnswer: ((m: FromReceiver) => void) | undefined;
    w.on('message', (m: FromReceiver) => {
      if (m.kind === 'bound' || m.kind === 'bindError') bindAnswer?.(m);
      else onWorkerMessage(w, m);
    });
    await new Promise<void>((resolve, reject) => {
      const fail = (message: string): void => {
        cleanup();
        reject(listenFailed(config, message));
      };
      const onError = (err: unknown): void => fail(errorMessage(err));
      const onExit = (code: number): void => fail(`receive thread exited with code ${code}`);
      bindAnswer = (m) => {
        if (m.kind === 'bound') {
          cleanup();
          receiveBuffer = m.receiveBuffer;
          address = { address: m.address, port: m.port, family: m.family };
          if (receiver !== m.receiver) deps.log.info({ receiver: m.receiver }, m.receiver === 'native' ? 'reading flows with the native receiver (recvmmsg)' : "reading flows with Node's dgram");
          receiver = m.receiver;
          resolve();
        } else if (m.kind === 'bindError') fail(m.message);
      };
      const cleanup = (): void => {
        bindAnswer = undefined;
        w.off('error', onError);
        w.off('exit', onExit);
      };
      w.once('error', onError);
      w.once('exit', onExit);
      w.postMessage({
        kind: 'bind',
        host: config.bind_host,
        port,
        recvBufferSize: config.udp_receive_buffer_bytes,
        batchBytes: opts.batchBytes ?? RECEIVE_BATCH_BYTES,
        maxBatches: opts.maxBatches ?? RECEIVE_BATCHES,
        native: config.flow_native_receiver,
      } satisfies ToReceiver);
    }).catch(async (err: unknown) => {
      worker = undefined;
      await w.terminate();
      throw err;
    });
    w.on('error', (err) => deps.log.error({ err: errorMessage(err) }, 'flow receive thread failed'));
    w.on('exit', () => {
      if (worker !== w || !running) return;
      // died while running: the port is free again; receive on it in a new thread
      worker = undefined;
      deps.metrics.inc('homesec_flow_receiver_restarts_total');
      restartTimer = setTimeout(() => {
        restartTimer = undefined;
        if (!running || worker) return;
        listenInThread(address?.port ?? config.bind_port).catch((err: unknown) => {
          deps.log.error({ err: errorMessage(err) }, 'flow receive thread could not be restarted');
        });
      }, RESTART_MS);
    });
    warnIfSmall(receiveBuffer);
  };

  /** Asks the receive thread to close its socket, processes its last batch, ends the thread. Bounded by STOP_WAIT_MS. */
  const stopThread = async (w: Worker): Promise<void> => {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, STOP_WAIT_MS);
      onClosed = () => {
        clearTimeout(timer);
        resolve();
      };
      w.once('exit', () => onClosed?.());
      w.postMessage({ kind: 'close' } satisfies ToReceiver);
    });
    onClosed = undefined;
    worker = undefined;
    await w.terminate();
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
        receiveBuffer,
        queueDrops,
        receiveBuffers: worker ? receiveBuffers : undefined,
        receiver: address ? receiver : undefined,
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
      if (opts.receiveThread === false) await listenHere();
      else await listenInThread(config.bind_port);
      running = true;
    },
    async stop() {
      running = false;
      if (restartTimer) clearTimeout(restartTimer);
      restartTimer = undefined;
      const w = worker;
      if (w) await stopThread(w);
      drain(Number.POSITIVE_INFINITY);
      const s = socket;
      socket = undefined;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
      receiveBuffer = undefined;
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
