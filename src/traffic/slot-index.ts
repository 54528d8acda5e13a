/**
 * An index from a uint32 key (an `ipv4Key`) to a row number of some table, for lookups on
 * the per-flow path. Unlike IntMap (detect/int-map.ts), which keeps keys and values in three
 * parallel arrays, a cell here is the key and its row side by side in one Int32Array, so a
 * lookup that hits at its home cell reads one cache line.
 *
 * Rules: keys are uint32; rows are 0 ..= 2^31 - 2 (stored as row + 1; 0 marks an empty
 * cell). Open addressing with linear probing, at most half full, backward-shift deletion (no
 * tombstones, so churn never degrades it); grows by doubling, never shrinks. The owner bounds
 * the number of keys.
 */

const MIN_CELLS = 16;

/** Mixes a uint32 (murmur3 finaliser). */
function mix(k: number): number {
  let h = Math.imul(k ^ (k >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class SlotIndex {
  /** cells[2i] = key | 0, cells[2i + 1] = row + 1 (0 = empty). */
  private cells = new Int32Array(2 * MIN_CELLS);
  private mask = MIN_CELLS - 1;
  private n = 0;

  get size(): number {
    return this.n;
  }

  /** The row of `key`, or -1. O(1), no allocation. */
  get(key: number): number {
    const cells = this.cells;
    const mask = this.mask;
    const k = key | 0;
    let i = mix(key) & mask;
    for (;;) {
      const r = cells[2 * i + 1] as number;
      if (r === 0) return -1;
      if (cells[2 * i] === k) return r - 1;
      i = (i + 1) & mask;
    }
  }

  /** Sets `key` to `row`. O(1) amortised. */
  set(key: number, row: number): void {
    const k = key | 0;
    let i = mix(key) & this.mask;
    for (;;) {
      const r = this.cells[2 * i + 1] as number;
      if (r === 0) break;
      if (this.cells[2 * i] === k) {
        this.cells[2 * i + 1] = row + 1;
        return;
      }
      i = (i + 1) & this.mask;
    }
    if (2 * (this.n + 1) > this.mask + 1) {
      this.grow();
      i = mix(key) & this.mask;
      while (this.cells[2 * i + 1] !== 0) i = (i + 1) & this.mask;
    }
    this.cells[2 * i] = k;
    this.cells[2 * i + 1] = row + 1;
    this.n++;
  }

  /** Removes `key`; returns whether it was there. O(1) amortised. */
  delete(key: number): boolean {
    const cells = this.cells;
    const mask = this.mask;
    const k = key | 0;
    let i = mix(key) & mask;
    for (;;) {
      if (cells[2 * i + 1] === 0) return false;
      if (cells[2 * i] === k) break;
      i = (i + 1) & mask;
    }
    // shift later cells of the probe run back when their home is not cyclically within (hole, j]
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      if (cells[2 * j + 1] === 0) break;
      const home = mix((cells[2 * j] as number) >>> 0) & mask;
      if (hole <= j ? home <= hole || home > j : home <= hole && home > j) {
        cells[2 * hole] = cells[2 * j] as number;
        cells[2 * hole + 1] = cells[2 * j + 1] as number;
        hole = j;
      }
    }
    cells[2 * hole] = 0;
    cells[2 * hole + 1] = 0;
    this.n--;
    return true;
  }

  private grow(): void {
    const old = this.cells;
    const size = 2 * (this.mask + 1);
    this.cells = new Int32Array(2 * size);
    this.mask = size - 1;
    for (let c = 0; c < old.length; c += 2) {
      const r = old[c + 1] as number;
      if (r === 0) continue;
      const key = (old[c] as number) >>> 0;
      let i = mix(key) & this.mask;
      while (this.cells[2 * i + 1] !== 0) i = (i + 1) & this.mask;
      this.cells[2 * i] = key | 0;
      this.cells[2 * i + 1] = r;
    }
  }
}
