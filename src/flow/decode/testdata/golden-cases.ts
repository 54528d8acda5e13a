/**
 * Golden datagrams for the v9 and IPFIX decoders (test-only).
 *
 * Rules: each case is one datagram decoded with a fresh TemplateStore at `nowMs`. The .bin files
 * in ./golden are produced from these builders and the .json files hold the decoder output,
 * reviewed by hand; regenerate both with `npx tsx src/flow/decode/testdata/regen-golden.ts`
 * only when a change is intended, and review the JSON diff.
 */
import {
  dataSet,
  ipfixMessage,
  ipfixOptionsTemplates,
  ipfixTemplates,
  record,
  v9OptionsTemplate,
  v9Packet,
  v9Templates,
  type Field,
} from './builder.js';

export interface GoldenCase {
  name: string;
  decoder: 'v9' | 'ipfix';
  exporter: string;
  nowMs: number;
  build(): Buffer;
}

/** 2023-11-14T22:13:20Z */
const UNIX_SECS = 1_700_000_000;
const NOW_MS = UNIX_SECS * 1000 + 500;

/** softflowd v9/IPFIX IPv4 template layout (template 1024). */
export const SOFTFLOWD_V4: Field[] = [
  [8, 4], [12, 4], [22, 4], [21, 4], [1, 4], [2, 4], [10, 4], [14, 4],
  [7, 2], [11, 2], [4, 1], [6, 1], [60, 1], [5, 1],
];

/** softflowd -b bidirectional extras: reverse IEs (PEN 29305, RFC 5103). */
const REVERSE_PEN = 29305;
const SOFTFLOWD_BI: Field[] = [[1, 4, REVERSE_PEN], [2, 4, REVERSE_PEN], [5, 1, REVERSE_PEN], [6, 1, REVERSE_PEN]];

function v9SoftflowdIpv4(): Buffer {
  const sysUptime = 3_600_000;
  const rec = (src: string, dst: string, first: number, last: number, bytes: number, pkts: number,
    sport: number, dport: number, proto: number, flags: number): Buffer =>
    record(SOFTFLOWD_V4, [src, dst, first, last, bytes, pkts, 0, 0, sport, dport, proto, flags, 4, 0]);
  return v9Packet({ count: 6, sysUptime, unixSecs: UNIX_SECS, sequence: 42, sourceId: 0 }, [
    v9Templates([{ id: 1024, fields: SOFTFLOWD_V4 }]),
    // softflowd options: scope interface, SAMPLING_INTERVAL 1 (unsampled), SAMPLING_ALGORITHM 1.
    v9OptionsTemplate(256, [[2, 4]], [[34, 4], [35, 1]]),
    dataSet(256, [record([[2, 4], [34, 4], [35, 1]], [0, 1, 1])]),
    dataSet(1024, [
      rec('192.168.1.10', '93.184.216.34', 3_590_000, 3_599_000, 1500, 10, 51234, 443, 6, 0x1b),
      rec('192.168.1.11', '8.8.8.8', 3_599_500, 3_599_900, 76, 1, 53000, 53, 17, 0),
      rec('10.0.0.5', '255.255.255.255', 3_600_000, 3_600_000, 328, 1, 68, 67, 17, 0),
    ]),
  ]);
}

const V6_SAMPLED: Field[] = [
  [27, 16], [28, 16], [22, 4], [21, 4], [1, 8], [2, 8], [10, 2], [14, 2], [7, 2], [11, 2], [4, 1], [6, 1],
];

function v9Ipv6SampledWrap(): Buffer {
  // sysUptime wrapped past 2^32 shortly before export: FIRST_SWITCHED is from before the wrap.
  const sysUptime = 5000;
  return v9Packet({ count: 4, sysUptime, unixSecs: UNIX_SECS, sequence: 7, sourceId: 3 }, [
    v9OptionsTemplate(300, [[1, 4]], [[34, 4]]),
    dataSet(300, [record([[1, 4], [34, 4]], [0, 100])]),
    v9Templates([{ id: 2048, fields: V6_SAMPLED }]),
    dataSet(2048, [
      record(V6_SAMPLED, ['2001:db8::1', '2606:4700:4700::1111', 4_294_960_000, 4000, 5_000_000_000n, 4000, 2, 3, 40000, 443, 6, 0x12]),
    ]),
  ]);
}

function ipfixSoftflowdUptime(): Buffer {
  const fields = [...SOFTFLOWD_V4, ...SOFTFLOWD_BI];
  const optionFields: Field[] = [[143, 4], [160, 8], [305, 4], [306, 4], [304, 2]];
  const systemInitMs = UNIX_SECS * 1000 - 3_600_000;
  return ipfixMessage({ exportTime: UNIX_SECS, sequence: 1000, domainId: 0 }, [
    ipfixTemplates([{ id: 1024, fields }]),
    ipfixOptionsTemplates([{ id: 256, scopeCount: 1, fields: optionFields }]),
    // 1-in-10 count-based sampling: interval 1, space 9.
    dataSet(256, [record(optionFields, [1, BigInt(systemInitMs), 1, 9, 3])]),
    dataSet(1024, [
      record(fields, ['192.168.1.20', '1.1.1.1', 3_500_000, 3_590_000, 1200, 12, 1, 1, 50000, 853, 6, 0x1b, 4, 0, 900, 9, 0, 0x1b]),
      record(fields, ['192.168.1.21', '224.0.0.251', 3_599_000, 3_599_000, 100, 1, 1, 1, 5353, 5353, 17, 0, 4, 0, 0, 0, 0, 0]),
    ]),
  ]);
}

const MILLI_VARLEN: Field[] = [
  [27, 16], [28, 16], [152, 8], [153, 8], [85, 8], [86, 8], [7, 2], [11, 2], [4, 1], [6, 2],
  [82, 0xffff], [12235, 0xffff, 9], [10, 4], [14, 4],
];
const ICMP_SECONDS: Field[] = [[8, 4], [12, 4], [4, 1], [32, 2], [150, 4], [151, 4], [1, 4], [2, 4]];
const MICRO: Field[] = [[8, 4], [12, 4], [154, 8], [155, 8], [1, 4], [2, 4], [7, 2], [11, 2], [4, 1]];

/** NTP timestamp (RFC 7011 §6.1.9) for Unix seconds + fraction of a second. */
function ntp(unixSecs: number, fraction: number): bigint {
  return (BigInt(unixSecs + 2_208_988_800) << 32n) | BigInt(Math.floor(fraction * 2 ** 32));
}

function ipfixMilliVarlen(): Buffer {
  const t = UNIX_SECS * 1000;
  return ipfixMessage({ exportTime: UNIX_SECS, sequence: 5, domainId: 77 }, [
    ipfixTemplates([
      { id: 300, fields: MILLI_VARLEN },
      { id: 301, fields: ICMP_SECONDS },
      { id: 302, fields: MICRO },
    ]),
    dataSet(300, [
      record(MILLI_VARLEN, ['2001:db8:0:1::10', 'fe80::1', t - 2000, t - 1000, 2n ** 40n, 1_000_000, 443, 61000, 6, 0x0112,
        Buffer.from('eth0'), Buffer.alloc(300, 0x41), 1, 2]),
      record(MILLI_VARLEN, ['::ffff:192.0.2.1', '2001:db8::', t - 1500, t - 1500, 60, 1, 0, 0, 58, 0,
        Buffer.alloc(0), Buffer.alloc(254, 0x42), 0, 0]),
    ]),
    dataSet(301, [record(ICMP_SECONDS, ['192.168.1.1', '192.168.1.50', 1, 0x0800, UNIX_SECS - 5, UNIX_SECS - 4, 168, 2])]),
    dataSet(302, [record(MICRO, ['172.16.0.1', '172.16.0.2', ntp(UNIX_SECS - 1, 0.25), ntp(UNIX_SECS, 0.5), 1000, 2, 1234, 80, 6])]),
  ]);
}

export const GOLDEN_CASES: GoldenCase[] = [
  { name: 'v9-softflowd-ipv4', decoder: 'v9', exporter: '192.168.1.1', nowMs: NOW_MS, build: v9SoftflowdIpv4 },
  { name: 'v9-ipv6-sampled-wrap', decoder: 'v9', exporter: '192.168.1.1', nowMs: NOW_MS, build: v9Ipv6SampledWrap },
  { name: 'ipfix-softflowd-uptime', decoder: 'ipfix', exporter: '10.0.0.1', nowMs: NOW_MS, build: ipfixSoftflowdUptime },
  { name: 'ipfix-milli-varlen', decoder: 'ipfix', exporter: '10.0.0.2', nowMs: NOW_MS, build: ipfixMilliVarlen },
];
