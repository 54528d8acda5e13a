/**
 * Pure decode benchmark: homesec's decoders vs the npm package node-netflowv9 on the SAME
 * v5 and v9 datagrams (and homesec alone on IPFIX, which node-netflowv9 does not decode).
 * Each side loops over the datagram set for a fixed time after a warm-up; records/s is
 * records decoded per CPU-second of the process (process.cpuUsage: other load on a shared
 * machine skews it less than wall time; on an idle machine they agree). Single thread, no
 * sockets. `npm run bench` prints it (BENCH_ONLY=decode for this section alone).
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

/**
 * Units per CPU-second of this process of fn (which returns units done), looping for `seconds`
 * of wall time after a 500 ms warm-up (JIT, table growth) that is not counted.
 */
export function cpuTimeLoop(seconds: number, fn: () => number): number {
  const warmEnd = performance.now() + 500;
  while (performance.now() < warmEnd) fn();
  let units = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) units += fn();
  const c = process.cpuUsage(c0);
  return units / ((c.user + c.system) / 1e6);
}

/** records/s of homesec's decoder over one pass of the set per call. */
export function homesecDecodeRate(proto: BenchProto, seconds = 2): number {
  const set = benchDatagrams(proto);
  const store = new TemplateStore();
  return cpuTimeLoop(seconds, () => {
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
    return cpuTimeLoop(seconds, () => {
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

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Prints the section. */
export function printDecodeBench(quick: boolean): void {
  console.log('\n## Flow decode (records per CPU-second, one thread, same datagrams)\n');
  console.log('| format | homesec | node-netflowv9 | ratio |');
  console.log('|---|---:|---:|---:|');
  const secs = quick ? 0.5 : 2;
  for (const p of ['v5', 'v9'] as const) {
    const h = homesecDecodeRate(p, secs);
    const n = netflowv9DecodeRate(p, secs);
    console.log(`| ${p} | ${fmt(h)} | ${fmt(n)} | ${(h / n).toFixed(1)}x |`);
  }
  console.log(`| ipfix | ${fmt(homesecDecodeRate('ipfix', secs))} | (not supported) | |`);
}
