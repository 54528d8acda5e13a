/**
 * A flow batch's addresses as numbers, with each flow's direction: what the traffic tracker
 * works out once per flow, kept for the whole batch so that the other `flow.records` listeners
 * (the threat-intel blacklist watch, the DNS outside-resolver detector) test numbers instead
 * of parsing the address text again.
 *
 * Rules: for record i of the batch, `src[i]`/`dst[i]` are `ipv4Key` of its addresses (the
 * uint32 of canonical dotted-quad text, -1 for anything else, which then takes the caller's
 * string-keyed path) and `dir[i]` its direction code (DIR) under one set of internal networks
 * (the producer's, which must be the consumer's: the daemon has one internal_networks).
 * The arrays are reused for the next batch, so a consumer reads them only while it handles
 * that batch. A consumer without a producer fills its own with fillBatchKeys().
 */
import type { Direction } from '../detect/detector.js';
import { ipv4Key } from '../flow/ip-text.js';
import type { FlowRecord } from '../flow/types.js';
import type { Classifier } from './classifier.js';

/** Direction codes of BatchKeys.dir. */
export const DIR = { outbound: 0, inbound: 1, internal: 2, transit: 3 } as const satisfies Record<Direction, number>;

/** Numbers per flow of one batch (see module rules). */
export class BatchKeys {
  src = new Float64Array(64);
  dst = new Float64Array(64);
  dir = new Uint8Array(64);
  /** Flows in the batch. */
  length = 0;

  /** Starts a batch of n flows: makes room (contents unspecified until written) and sets length. */
  reset(n: number): void {
    if (n > this.dir.length) {
      const cap = Math.max(n, this.dir.length * 2);
      this.src = new Float64Array(cap);
      this.dst = new Float64Array(cap);
      this.dir = new Uint8Array(cap);
    }
    this.length = n;
  }
}

/** The direction code of a flow whose source/destination are (not) internal. */
export function dirCode(srcIn: boolean, dstIn: boolean): number {
  if (srcIn) return dstIn ? DIR.internal : DIR.outbound;
  return dstIn ? DIR.inbound : DIR.transit;
}

/** Fills `out` for `records`, classifying with `classifier`; returns `out`. */
export function fillBatchKeys(records: readonly FlowRecord[], classifier: Classifier, out: BatchKeys): BatchKeys {
  out.reset(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as FlowRecord;
    const sk = ipv4Key(r.srcAddr);
    const dk = ipv4Key(r.dstAddr);
    out.src[i] = sk;
    out.dst[i] = dk;
    out.dir[i] = dirCode(sk >= 0 ? classifier.isInternalV4(sk) : classifier.isInternal(r.srcAddr), dk >= 0 ? classifier.isInternalV4(dk) : classifier.isInternal(r.dstAddr));
  }
  return out;
}
