/**
 * Test support: writes classic libpcap files (LINKTYPE_ETHERNET) of synthetic IPv4 TCP/UDP
 * traffic, so real exporters (softflowd -r) can turn them into NetFlow/IPFIX. Deterministic
 * for a given seed. Checksums are left zero (exporters do not check them).
 */
import fs from 'node:fs';
import { mulberry32 } from '../../src/flow/encode/random-records.js';

export interface PacketSpec {
  tsMs: number;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  /** 6 TCP or 17 UDP. */
  proto: 6 | 17;
  /** TCP flags byte (ignored for UDP). */
  flags?: number;
  /** Payload bytes after the L4 header. */
  payload: number;
}

export interface FlowSpec {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  proto: 6 | 17;
  packets: number;
  payload: number;
  startMs: number;
  gapMs: number;
}

/** A small seeded PRNG (mulberry32), shared with the encoders' random records. */
export const prng = mulberry32;

function ipBytes(ip: string): number[] {
  return ip.split('.').map(Number);
}

/** Bytes of one Ethernet frame and the IP total length (what NetFlow counts). */
export function frame(p: PacketSpec): { bytes: Buffer; ipLength: number } {
  const l4 = p.proto === 6 ? 20 : 8;
  const ipLen = 20 + l4 + p.payload;
  const b = Buffer.alloc(14 + ipLen);
  b.writeUInt16BE(0x0800, 12); // EtherType IPv4
  b.set([0x02, 0, 0, 0, 0, 1], 0);
  b.set([0x02, 0, 0, 0, 0, 2], 6);
  const ip = 14;
  b[ip] = 0x45;
  b.writeUInt16BE(ipLen, ip + 2);
  b[ip + 8] = 64;
  b[ip + 9] = p.proto;
  b.set(ipBytes(p.src), ip + 12);
  b.set(ipBytes(p.dst), ip + 16);
  const l = ip + 20;
  b.writeUInt16BE(p.sport, l);
  b.writeUInt16BE(p.dport, l + 2);
  if (p.proto === 6) {
    b[l + 12] = 0x50;
    b[l + 13] = p.flags ?? 0x18;
    b.writeUInt16BE(65535, l + 14);
  } else {
    b.writeUInt16BE(8 + p.payload, l + 4);
  }
  return { bytes: b, ipLength: ipLen };
}

/** Expands flows into time-ordered packets (TCP: SYN first, FIN last, ACK|PSH between). */
export function packetsOf(flows: readonly FlowSpec[]): PacketSpec[] {
  const out: PacketSpec[] = [];
  for (const f of flows) {
    for (let i = 0; i < f.packets; i++) {
      let flags = 0x18;
      if (f.proto === 6 && i === 0) flags = 0x02;
      else if (f.proto === 6 && i === f.packets - 1) flags = 0x11;
      out.push({ tsMs: f.startMs + i * f.gapMs, src: f.src, dst: f.dst, sport: f.sport, dport: f.dport, proto: f.proto, flags, payload: f.payload });
    }
  }
  return out.sort((a, b) => a.tsMs - b.tsMs);
}

/** Writes packets to a pcap file; returns total IP bytes and packet count. */
export function writePcap(file: string, packets: readonly PacketSpec[]): { ipBytes: number; packets: number } {
  const parts: Buffer[] = [];
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b2c3d4, 0);
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(65535, 16);
  gh.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  parts.push(gh);
  let ipBytesTotal = 0;
  for (const p of packets) {
    const { bytes, ipLength } = frame(p);
    ipBytesTotal += ipLength;
    const ph = Buffer.alloc(16);
    ph.writeUInt32LE(Math.floor(p.tsMs / 1000), 0);
    ph.writeUInt32LE((p.tsMs % 1000) * 1000, 4);
    ph.writeUInt32LE(bytes.length, 8);
    ph.writeUInt32LE(bytes.length, 12);
    parts.push(ph, bytes);
  }
  fs.writeFileSync(file, Buffer.concat(parts));
  return { ipBytes: ipBytesTotal, packets: packets.length };
}

/** A realistic small home-network mix: `n` flows between 192.168.1.0/24 devices and outside peers. */
export function homeFlows(n: number, seed: number, t0Ms: number): FlowSpec[] {
  const rnd = prng(seed);
  const flows: FlowSpec[] = [];
  for (let i = 0; i < n; i++) {
    const dev = `192.168.1.${10 + Math.floor(rnd() * 40)}`;
    const ext = `${[8, 34, 52, 93, 104, 151][Math.floor(rnd() * 6)]}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${1 + Math.floor(rnd() * 254)}`;
    const udp = rnd() < 0.3;
    const out = rnd() < 0.8;
    const dport = udp ? [53, 123, 443, 5353][Math.floor(rnd() * 4)]! : [80, 443, 8883, 22, 993][Math.floor(rnd() * 5)]!;
    flows.push({
      src: out ? dev : ext,
      dst: out ? ext : dev,
      sport: 1024 + Math.floor(rnd() * 60000),
      dport,
      proto: udp ? 17 : 6,
      packets: 2 + Math.floor(rnd() * 20),
      payload: Math.floor(rnd() * 1200),
      startMs: t0Ms + Math.floor(rnd() * 60_000),
      gapMs: 5 + Math.floor(rnd() * 200),
    });
  }
  return flows;
}
