/**
 * Worker-thread entry of the parallel connect scan (parallel-connect-scan.ts). Rules: runs
 * connectScan for the request it is sent (with a shared cursor: its share of the probes) and
 * posts progress (at most every 20 ms, and once at the end) and the result back; an `abort`
 * message stops its scan. The native dialer (tcp-dial.ts) creates no Error objects; its
 * net.Socket fallback creates one per closed port (ECONNREFUSED) whose stack nobody reads, so
 * stack capture is off here (Error.stackTraceLimit = 0) — Node formats every such stack
 * otherwise, a third of that dialer's CPU. Nothing else runs in this thread.
 */
import { parentPort } from 'node:worker_threads';
import { connectScan, type ConnectScanOptions, type PortScanResult } from './connect-scan.js';

export type WorkerRequest =
  | { kind: 'scan'; id: number; hosts: string[]; opts: Omit<ConnectScanOptions, 'signal' | 'onProgress'> }
  | { kind: 'abort'; id: number };

export type WorkerReply =
  | { kind: 'progress'; id: number; done: number; total: number }
  | { kind: 'result'; id: number; results: PortScanResult[] };

Error.stackTraceLimit = 0;
const port = parentPort;
const aborts = new Map<number, AbortController>();

port?.on('message', (msg: WorkerRequest) => {
  if (msg.kind === 'abort') {
    aborts.get(msg.id)?.abort();
    return;
  }
  const ac = new AbortController();
  aborts.set(msg.id, ac);
  let lastPost = 0;
  let last = { done: 0, total: msg.hosts.length * msg.opts.ports.length };
  void connectScan(msg.hosts, {
    ...msg.opts,
    signal: ac.signal,
    onProgress: (done, total) => {
      last = { done, total };
      const now = performance.now();
      if (now - lastPost < 20) return;
      lastPost = now;
      port.postMessage({ kind: 'progress', id: msg.id, done, total } satisfies WorkerReply);
    },
  }).then((res) => {
    aborts.delete(msg.id);
    port.postMessage({ kind: 'progress', id: msg.id, ...last } satisfies WorkerReply);
    port.postMessage({ kind: 'result', id: msg.id, results: [...res.values()] } satisfies WorkerReply);
  });
});
