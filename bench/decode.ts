/**
 * Pure decode benchmark: homesec's decoders vs the npm package node-netflowv9 on the SAME
 * v5 and v9 datagrams (and homesec alone on IPFIX, which node-netflowv9 does not decode).
 * Each side loops over the datagram set for a fixed time after a warm-up; records/s is
 * records decoded divided by elapsed time. Single thread, no sockets.
 */
import { createRequire } from 'node:module';
import { decodeDatagram } from '../src/flow/decode/index.js';
import { TemplateStore } from '../src/flow/decode/template-store.js';
import { benchDatagrams, BENCH_NOW_MS, type BenchProto } from './datagrams.js';

const require = createRequire(import.meta.url);

interface NetflowV9Instance {
  nfPktDecode(msg: Buffer, rinfo: { address: string; port: number; size: number }): { flows?: unknown[] } | undefined;
  server: { close(): void };
}

/** Units per second of fn (which returns units done) over `seconds`, after a 500 ms warm-up (JIT, table growth) that is not counted. */
export function timeLoop(seconds: number, fn: () => number): number {
  const warmEnd = performance.now() + 500;
  while (performance.now() < warmEnd) fn();
  let records = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < seconds * 1000) {
    records += fn();
    t = performance.now();
  }
  return records / ((t - t0) / 1000);
}

/** records/s of homesec's decoder over one pass of the set per call. */
export function homesecDecodeRate(proto: BenchProto, seconds = 2): number {
  const set = benchDatagrams(proto);
  const store = new TemplateStore();
  return timeLoop(seconds, () => {
    let n = 0;
    for (const d of set.datagrams) n += decodeDatagram(d.buf, '127.0.0.1', store, BENCH_NOW_MS).records.length;
    return n;
  });
}

/** records/s of node-netflowv9 over one pass of the set per call (v5 and v9 only). */
export function netflowv9DecodeRate(proto: 'v5' | 'v9', seconds = 2): number {
  const set = benchDatagrams(proto);
  const NetFlowV9 = require('node-netflowv9') as (opts: unknown) => NetflowV9Instance;
  const inst = NetFlowV9({ cb: () => {} });
  const rinfo = { address: '127.0.0.1', port: 2055, size: 0 };
  try {
    return timeLoop(seconds, () => {
      let n = 0;
      for (const d of set.datagrams) {
        rinfo.size = d.buf.length;
        n += inst.nfPktDecode(d.buf, rinfo)?.flows?.length ?? 0;
      }
      return n;
    });
  } finally {
    inst.server.close();
  }
}
