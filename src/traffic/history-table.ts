/**
 * Connection history of one flush window, aggregated per (source, destination, destination
 * port, protocol): the rows the traffic tracker writes to the `connections` table.
 *
 * Why it is shaped this way: every flow towards or from the home network lands here, so the
 * lookup is on the hot path. Rows live in one typed array (8 doubles a row) and are found
 * through a compact open-addressing index keyed by the addresses as `ipv4Key` numbers (text
 * that is not canonical IPv4 gets a per-window number from a Map, 2^32 and up), the port and
 * the protocol. No object or string is built per flow, and clear() keeps the arrays, so a
 * window costs no allocation once the table has grown.
 *
 * Rules: at most `maxRows` rows (and at most 2 * maxRows interned texts); a flow that would
 * open a row beyond that is counted in `dropped`. Rows keep the earliest flow time seen (tsMs)
 * and sum flows, bytes and packets; forEach() visits them in the order they were opened.
 */

const FIRST_NON_V4 = 2 ** 32;
const INITIAL_ROWS = 1024;

function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** One row, as forEach() hands it out (a reused object: copy what you keep). */
export interface HistoryRowView {
  tsMs: number;
  src: string;
  dst: string;
  dstPort: number;
  protocol: number;
  flows: number;
  bytes: number;
  packets: number;
}

// A row's fields, interleaved in one Float64Array: 8 doubles = 64 bytes, about one cache line
// per row, so updating a row touches one or two lines instead of one per field. (Rows stored
// in the hash slots themselves were measured slower: a half-empty table of 64-byte slots
// spreads the probes over far more memory than a compact index.)
const F_SRC = 0;
const F_DST = 1;
const F_PORT = 2;
const F_PROTO = 3;
const F_TS = 4;
const F_FLOWS = 5;
const F_BYTES = 6;
const F_PACKETS = 7;
const STRIDE = 8;

export class HistoryTable {
  /** Flows that would have opened a row beyond maxRows since the last takeDropped(). */
  private droppedCount = 0;
  private n = 0;
  private cap = 0;
  /** Rows in the order they were opened, STRIDE doubles each (see F_*). */
  private data = new Float64Array(0);
  private srcText: string[] = [];
  private dstText: string[] = [];
  /** Open-addressing index: row + 1, 0 = empty; at most half full. */
  private index = new Int32Array(0);
  private mask = 0;
  /** Numbers for address texts that are not canonical IPv4 (this window only). */
  private readonly otherIds = new Map<string, number>();

  constructor(readonly maxRows: number) {
    this.resize(Math.min(INITIAL_ROWS, maxRows));
  }

  /** Rows in the current window. */
  get rows(): number {
    return this.n;
  }

  /** Returns and resets the count of flows dropped because the table was full. */
  takeDropped(): number {
    const d = this.droppedCount;
    this.droppedCount = 0;
    return d;
  }

  /**
   * Adds one flow. srcKey/dstKey are ipv4Key(src)/ipv4Key(dst) (-1 when not canonical IPv4).
   * Returns false when the flow went into an existing row, true when it opened a new one (or
   * would have, but the table was full: then it is counted as dropped). O(1) amortised.
   */
  add(src: string, srcKey: number, dst: string, dstKey: number, dstPort: number, protocol: number, t: number, bytes: number, packets: number): boolean {
    const sk = srcKey >= 0 ? srcKey : this.otherId(src);
    const dk = dstKey >= 0 ? dstKey : this.otherId(dst);
    if (sk < 0 || dk < 0) {
      this.droppedCount++;
      return true;
    }
    const data = this.data;
    const index = this.index;
    const mask = this.mask;
    let i = hash(sk, dk, dstPort, protocol) & mask;
    for (;;) {
      const slot = index[i] as number;
      if (slot === 0) break;
      const o = (slot - 1) * STRIDE;
      if (data[o + F_SRC] === sk && data[o + F_DST] === dk && data[o + F_PORT] === dstPort && data[o + F_PROTO] === protocol) {
        data[o + F_FLOWS] = (data[o + F_FLOWS] as number) + 1;
        data[o + F_BYTES] = (data[o + F_BYTES] as number) + bytes;
        data[o + F_PACKETS] = (data[o + F_PACKETS] as number) + packets;
        if (t < (data[o + F_TS] as number)) data[o + F_TS] = t;
        return false;
      }
      i = (i + 1) & mask;
    }
    if (this.n >= this.maxRows) {
      this.droppedCount++;
      return true;
    }
    if (this.n === this.cap) {
      this.resize(Math.min(this.cap * 2, this.maxRows));
      i = this.freeSlot(sk, dk, dstPort, protocol);
    }
    const row = this.n++;
    const d = this.data;
    const o = row * STRIDE;
    d[o + F_SRC] = sk;
    d[o + F_DST] = dk;
    d[o + F_PORT] = dstPort;
    d[o + F_PROTO] = protocol;
    d[o + F_TS] = t;
    d[o + F_FLOWS] = 1;
    d[o + F_BYTES] = bytes;
    d[o + F_PACKETS] = packets;
    this.srcText[row] = src;
    this.dstText[row] = dst;
    this.index[i] = row + 1;
    return true;
  }

  /** Visits every row in the order the rows were opened. fn gets a reused view object. */
  forEach(fn: (row: HistoryRowView) => void): void {
    const v: HistoryRowView = { tsMs: 0, src: '', dst: '', dstPort: 0, protocol: 0, flows: 0, bytes: 0, packets: 0 };
    const d = this.data;
    for (let r = 0; r < this.n; r++) {
      const o = r * STRIDE;
      v.tsMs = d[o + F_TS] as number;
      v.src = this.srcText[r] as string;
      v.dst = this.dstText[r] as string;
      v.dstPort = d[o + F_PORT] as number;
      v.protocol = d[o + F_PROTO] as number;
      v.flows = d[o + F_FLOWS] as number;
      v.bytes = d[o + F_BYTES] as number;
      v.packets = d[o + F_PACKETS] as number;
      fn(v);
    }
  }

  /** Empties the window (keeps the allocated arrays). */
  clear(): void {
    if (this.n > 0) {
      this.index.fill(0);
      this.srcText.fill('', 0, this.n);
      this.dstText.fill('', 0, this.n);
      this.n = 0;
    }
    this.otherIds.clear();
  }

  /** The window's number for a text that is not canonical IPv4; -1 when the interning cap is reached. */
  private otherId(text: string): number {
    let id = this.otherIds.get(text);
    if (id === undefined) {
      if (this.otherIds.size >= 2 * this.maxRows) return -1;
      id = FIRST_NON_V4 + this.otherIds.size;
      this.otherIds.set(text, id);
    }
    return id;
  }

  private freeSlot(sk: number, dk: number, port: number, proto: number): number {
    const mask = this.mask;
    let i = hash(sk, dk, port, proto) & mask;
    while ((this.index[i] as number) !== 0) i = (i + 1) & mask;
    return i;
  }

  private resize(cap: number): void {
    const data = new Float64Array(cap * STRIDE);
    data.set(this.data.subarray(0, this.n * STRIDE));
    this.data = data;
    this.cap = cap;
    let slots = 16;
    while (slots < 2 * cap) slots *= 2;
    this.index = new Int32Array(slots);
    this.mask = slots - 1;
    for (let r = 0; r < this.n; r++) {
      const o = r * STRIDE;
      this.index[this.freeSlot(data[o + F_SRC] as number, data[o + F_DST] as number, data[o + F_PORT] as number, data[o + F_PROTO] as number)] = r + 1;
    }
  }
}

/** Hash of a row key (addresses above 2^32 wrap; only the spread matters). */
function hash(sk: number, dk: number, port: number, proto: number): number {
  return mix((sk >>> 0) ^ Math.imul(dk >>> 0, 0x9e3779b1) ^ Math.imul(port * 256 + proto, 0x27d4eb2f));
}
