/**
 * The traffic tracker's external-IP table: per external peer, first/last seen, bytes each
 * way, flows, the devices talking to it, and whether it changed since the last flush.
 *
 * Why this shape: every outbound or inbound flow updates one external peer, and with
 * thousands of peers in random order each update was several cache misses (the index's
 * three arrays, the entry object, and one boxed number per counter). Here the counters of
 * a peer are one 64-byte row of a Float64Array (COLS doubles), found through an index that
 * keeps an IPv4 key and its row number side by side in one Int32Array cell pair; the entry
 * objects (ExternalIpEntry) only hold the address text and the device set, and read their
 * counters from the row. A flow that does not open a new connection touches the index cell
 * and the row only.
 *
 * Rules: at most `cap` peers; insertion order of `order` approximates least recently seen
 * (a peer is re-inserted when touched a minute of flow time after its last move), and
 * evictOldest() removes the oldest tenth. IPv4 text in canonical form (`ipv4Key` >= 0) is
 * found by number; anything else (IPv6) by its text. An evicted or pruned entry keeps a
 * copy of its counters, so an object someone still holds never reads another peer's row.
 */
import { ipv4Key } from '../flow/ip-text.js';
import { SlotIndex } from './slot-index.js';

/** Doubles per row (one cache line). */
const COLS = 8;
const FIRST = 0;
const LAST = 1;
const MOVED = 2;
const BYTES_IN = 3;
const BYTES_OUT = 4;
const FLOWS = 5;
const DIRTY = 6;

/** Flow time after which a touched entry is re-inserted (recency order). */
const MOVE_AFTER_MS = 60_000;

/** One external peer, as the tracker's readers see it (counters read from the table's row). */
export class ExternalIpEntry {
  /** Row number while in the table; -1 once evicted (counters then read from `own`). */
  row: number;
  private own: Float64Array | undefined;

  constructor(
    readonly ip: string,
    /** Devices talking to this peer (bounded by the tracker). */
    readonly devices: Set<string>,
    private readonly table: ExternalTable,
    row: number,
  ) {
    this.row = row;
  }

  private at(col: number): number {
    return this.row >= 0 ? (this.table.counters[this.row * COLS + col] as number) : ((this.own as Float64Array)[col] as number);
  }

  get firstSeenMs(): number {
    return this.at(FIRST);
  }
  get lastSeenMs(): number {
    return this.at(LAST);
  }
  /** Bytes the external peer received. */
  get bytesIn(): number {
    return this.at(BYTES_IN);
  }
  /** Bytes the external peer sent. */
  get bytesOut(): number {
    return this.at(BYTES_OUT);
  }
  get flows(): number {
    return this.at(FLOWS);
  }
  /** Changed since the last flush. */
  get dirty(): boolean {
    return this.at(DIRTY) !== 0;
  }
  set dirty(v: boolean) {
    if (this.row >= 0) this.table.counters[this.row * COLS + DIRTY] = v ? 1 : 0;
    else (this.own as Float64Array)[DIRTY] = v ? 1 : 0;
  }

  /** Leaves the table: keeps a copy of the row. */
  detach(): void {
    if (this.row < 0) return;
    this.own = this.table.counters.slice(this.row * COLS, this.row * COLS + COLS);
    this.row = -1;
  }
}

export interface ExternalRowInit {
  firstSeenMs: number;
  lastSeenMs: number;
  bytesIn: number;
  bytesOut: number;
  flows: number;
  dirty: boolean;
}

export class ExternalTable {
  /** COLS doubles per row. Grows by doubling; read it again after any insert. */
  counters: Float64Array;
  private entries: (ExternalIpEntry | undefined)[];
  private readonly freeRows: number[] = [];
  private used = 0;
  private readonly byNum = new SlotIndex();
  private readonly byText = new Map<string, number>();
  /** Owns the entries; insertion order approximates recency. */
  private readonly order = new Map<string, ExternalIpEntry>();

  constructor(readonly cap: number) {
    const rows = Math.min(1024, cap);
    this.counters = new Float64Array(rows * COLS);
    this.entries = new Array<ExternalIpEntry | undefined>(rows).fill(undefined);
  }

  get size(): number {
    return this.order.size;
  }

  values(): IterableIterator<ExternalIpEntry> {
    return this.order.values();
  }

  /** The entry of a row found by find()/add(). */
  entry(row: number): ExternalIpEntry {
    return this.entries[row] as ExternalIpEntry;
  }

  /** The row of `ip` (num = ipv4Key(ip)), or -1. */
  find(ip: string, num: number): number {
    return num >= 0 ? this.byNum.get(num) : (this.byText.get(ip) ?? -1);
  }

  /** Adds `ip` (absent; the caller evicts first when size >= cap); returns its row. */
  add(ip: string, num: number, init: ExternalRowInit, moved: number): number {
    let row = this.freeRows.pop();
    if (row === undefined) {
      if (this.used * COLS >= this.counters.length) this.grow();
      row = this.used++;
    }
    const e = new ExternalIpEntry(ip, new Set(), this, row);
    this.entries[row] = e;
    this.order.set(ip, e);
    if (num >= 0) this.byNum.set(num, row);
    else this.byText.set(ip, row);
    const c = this.counters;
    const b = row * COLS;
    c[b + FIRST] = init.firstSeenMs;
    c[b + LAST] = init.lastSeenMs;
    c[b + MOVED] = moved;
    c[b + BYTES_IN] = init.bytesIn;
    c[b + BYTES_OUT] = init.bytesOut;
    c[b + FLOWS] = init.flows;
    c[b + DIRTY] = init.dirty ? 1 : 0;
    return row;
  }

  /**
   * Counts one flow of `row` at flow time t: bytes `toPeer` (the peer received) or from it,
   * last seen, dirty, and the recency order. The hot path: one row, no allocation.
   */
  count(row: number, t: number, bytes: number, toPeer: boolean): void {
    const c = this.counters;
    const b = row * COLS;
    if (t > (c[b + LAST] as number)) c[b + LAST] = t;
    c[b + FLOWS] = (c[b + FLOWS] as number) + 1;
    const col = toPeer ? BYTES_IN : BYTES_OUT;
    c[b + col] = (c[b + col] as number) + bytes;
    c[b + DIRTY] = 1;
    if (t - (c[b + MOVED] as number) > MOVE_AFTER_MS) {
      c[b + MOVED] = t;
      const e = this.entries[row] as ExternalIpEntry;
      this.order.delete(e.ip);
      this.order.set(e.ip, e);
    }
  }

  /** Removes the oldest `fraction` of entries (at least one); returns how many. */
  evictOldest(fraction: number): number {
    const n = Math.max(1, Math.floor(this.order.size * fraction));
    let removed = 0;
    for (const e of this.order.values()) {
      if (removed >= n) break;
      this.remove(e);
      removed++;
    }
    return removed;
  }

  /** Removes every entry last seen before `cutoff`; returns how many. */
  removeSeenBefore(cutoff: number): number {
    let removed = 0;
    for (const e of [...this.order.values()]) {
      if (e.lastSeenMs >= cutoff) continue;
      this.remove(e);
      removed++;
    }
    return removed;
  }

  private remove(e: ExternalIpEntry): void {
    const row = e.row;
    this.order.delete(e.ip);
    const num = ipv4Key(e.ip);
    if (num >= 0) this.byNum.delete(num);
    else this.byText.delete(e.ip);
    e.detach();
    this.entries[row] = undefined;
    this.freeRows.push(row);
  }

  private grow(): void {
    const rows = Math.min(this.cap, Math.max(1, (this.counters.length / COLS) * 2));
    if (rows * COLS <= this.counters.length) throw new Error(`external IP table full (${this.cap} rows)`);
    const next = new Float64Array(rows * COLS);
    next.set(this.counters);
    this.counters = next;
    const entries = new Array<ExternalIpEntry | undefined>(rows).fill(undefined);
    for (let i = 0; i < this.entries.length; i++) entries[i] = this.entries[i];
    this.entries = entries;
  }
}
