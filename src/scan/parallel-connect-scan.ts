/**
 * The connect scan spread over worker threads. Rules: hosts are dealt round-robin into one
 * shard per worker (a host lives in one shard, so hostConcurrency still holds per host) and
 * the overall concurrency is divided between shards; results are merged into one map in
 * target order and progress is summed. Workers are created on first use, unref'd (they
 * never keep the process alive) and ended by close(). Small scans (fewer hosts than
 * `minHostsPerWorker`), or a pool of zero, run in this thread. Besides using every
 * core, this keeps tens of thousands of socket callbacks off the main event loop, which
 * also runs the flow collector.
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
      const shards: string[][] = Array.from({ length: n }, () => []);
      hosts.forEach((h, i) => shards[i % n]!.push(h));
      const progress = shards.map(() => ({ done: 0, total: 0 }));
      const shardOpts = { ...opts, concurrency: Math.max(1, Math.floor(opts.concurrency / n)) };
      const results = await Promise.all(
        ensure(n).map((w, i) =>
          runShard(w, shards[i]!, shardOpts, (done, total) => {
            progress[i] = { done, total };
            opts.onProgress?.(
              progress.reduce((a, p) => a + p.done, 0),
              progress.reduce((a, p) => a + p.total, 0),
            );
          }),
        ),
      );
      const byIp = new Map(results.flat().map((r) => [r.ip, r]));
      return new Map(hosts.map((ip) => [ip, byIp.get(ip) ?? { ip, open: [], closed: [], filtered: [], unreachable: true }]));
    },
    async close() {
      await Promise.all(pool.splice(0).map((w) => w.terminate()));
    },
  };
}
