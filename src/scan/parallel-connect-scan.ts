/**
 * The connect scan spread over worker threads. Rules: hosts are dealt round-robin into one
 * shard per worker, and each shard's probes (port-major) are claimed a few at a time from a
 * cursor in shared memory: a worker scans its own shard first (so each host stays on one
 * core, which measured faster than all workers probing all hosts) and then helps with the
 * others' rest, so the scan no longer waits for a worker that was descheduled or met slower
 * hosts. Overall concurrency and hostConcurrency are divided between workers (at least 1
 * each); partial results are merged into one map in target order and progress is summed.
 * Workers are created on first use, unref'd (they never keep the process alive) and ended by
 * close(). Small scans (fewer hosts than `minHostsPerWorker` per worker), or a pool of zero,
 * run in this thread. Besides using every core, this keeps tens of thousands of socket
 * callbacks off the main event loop, which also runs the flow collector.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { connectScan, type ConnectScanOptions, type PortScanResult } from './connect-scan.js';
import type { WorkerReply, WorkerRequest } from './connect-scan-worker.js';

export interface ParallelConnectScan {
  scan(hosts: readonly string[], opts: ConnectScanOptions): Promise<Map<string, PortScanResult>>;
  close(): Promise<void>;
}

/** Starts one worker: the compiled .js next to this module, or the .ts through tsx's loader (tests run the sources). */
function startWorker(): Worker {
  const js = new URL('./connect-scan-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return new Worker(js);
  const ts = new URL('./connect-scan-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(ts)}); });`;
  return new Worker(boot, { eval: true });
}

/** One result per host from the workers' partial results: port lists joined and sorted, RTTs averaged. */
export function mergeResults(hosts: readonly string[], parts: PortScanResult[][]): Map<string, PortScanResult> {
  const out = new Map<string, PortScanResult>(hosts.map((ip) => [ip, { ip, open: [], closed: [], filtered: [], unreachable: false }]));
  const rtts = new Map<string, number[]>();
  for (const r of parts.flat()) {
    const m = out.get(r.ip);
    if (!m) continue;
    m.open.push(...r.open);
    m.closed.push(...r.closed);
    m.filtered.push(...r.filtered);
    m.unreachable ||= r.unreachable;
    if (r.rttMs !== undefined) rtts.set(r.ip, [...(rtts.get(r.ip) ?? []), r.rttMs]);
  }
  const sort = (a: number[]) => a.sort((x, y) => x - y);
  for (const m of out.values()) {
    sort(m.open);
    sort(m.closed);
    sort(m.filtered);
    const r = rtts.get(m.ip);
    if (r) m.rttMs = Math.round((r.reduce((a, x) => a + x, 0) / r.length) * 1000) / 1000;
  }
  return out;
}

/** Creates a pool of `workers` threads (0 = scan in this thread). */
export function createParallelConnectScan(workers: number, minHostsPerWorker = 4): ParallelConnectScan {
  const pool: Worker[] = [];
  let nextId = 1;
  const ensure = (n: number): Worker[] => {
    while (pool.length < n) {
      const w = startWorker();
      w.unref();
      pool.push(w);
    }
    return pool.slice(0, n);
  };

  const runShard = (w: Worker, hosts: string[], opts: ConnectScanOptions, onProgress: (done: number, total: number) => void): Promise<PortScanResult[]> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const onMessage = (m: WorkerReply): void => {
        if (m.id !== id) return;
        if (m.kind === 'progress') onProgress(m.done, m.total);
        else {
          cleanup();
          resolve(m.results);
        }
      };
      const onError = (err: Error): void => {
        cleanup();
        reject(err);
      };
      const onAbort = (): void => w.postMessage({ kind: 'abort', id } satisfies WorkerRequest);
      const cleanup = (): void => {
        w.off('message', onMessage);
        w.off('error', onError);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      w.on('message', onMessage);
      w.once('error', onError);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const { signal: _s, onProgress: _p, ...plain } = opts;
      w.postMessage({ kind: 'scan', id, hosts, opts: plain } satisfies WorkerRequest);
    });

  return {
    async scan(hosts, opts) {
      const n = Math.min(workers, Math.floor(hosts.length / minHostsPerWorker));
      if (n < 1) return connectScan(hosts, opts);
      // Every worker gets the whole target list; its shard first, then what the others left.
      const planned = hosts.length * opts.ports.length;
      const progress = Array.from({ length: n }, () => ({ done: 0, total: planned }));
      const shardOpts: ConnectScanOptions = {
        ...opts,
        concurrency: Math.max(1, Math.floor(opts.concurrency / n)),
        hostConcurrency: Math.max(1, Math.floor(opts.hostConcurrency / n)),
        sharedCursor: new Int32Array(new SharedArrayBuffer(4 * n)),
      };
      const parts = await Promise.all(
        ensure(n).map((w, i) =>
          runShard(w, [...hosts], { ...shardOpts, shard: i }, (done, total) => {
            progress[i] = { done, total };
            // Each worker's total is the whole list plus the retries it added.
            opts.onProgress?.(
              progress.reduce((a, p) => a + p.done, 0),
              progress.reduce((a, p) => a + p.total - planned, planned),
            );
          }),
        ),
      );
      return mergeResults(hosts, parts);
    },
    async close() {
      await Promise.all(pool.splice(0).map((w) => w.terminate()));
    },
  };
}
