/**
 * Bounded "top N" counting (the Space-Saving algorithm, Metwally et al. 2005): at most
 * `capacity` counters; when a new key arrives while full, it replaces the key with the
 * smallest count and inherits that count (+1), so heavy hitters are never lost and every
 * count is an over-estimate by at most the smallest count. O(capacity) for a replacement,
 * O(1) otherwise; memory is fixed whatever the input (hostile names cannot grow it).
 */
export class TopK {
  private readonly counts = new Map<string, number>();
  constructor(readonly capacity: number) {}

  add(key: string, n = 1): void {
    const c = this.counts.get(key);
    if (c !== undefined) {
      this.counts.set(key, c + n);
      return;
    }
    if (this.counts.size < this.capacity) {
      this.counts.set(key, n);
      return;
    }
    let minKey: string | undefined;
    let min = Number.POSITIVE_INFINITY;
    for (const [k, v] of this.counts) {
      if (v < min) {
        min = v;
        minKey = k;
      }
    }
    if (minKey !== undefined) this.counts.delete(minKey);
    this.counts.set(key, min + n);
  }

  /** The top `n` keys by count (ties by key). */
  top(n: number): { key: string; count: number }[] {
    return [...this.counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, n)
      .map(([key, count]) => ({ key, count }));
  }

  /** Plain form for persistence. */
  toJSON(): [string, number][] {
    return [...this.counts];
  }

  /** Restores from toJSON() output (bad entries ignored, capacity kept). */
  static from(capacity: number, data: unknown): TopK {
    const t = new TopK(capacity);
    if (Array.isArray(data)) {
      for (const e of data) {
        if (Array.isArray(e) && typeof e[0] === 'string' && e[0].length <= 255 && typeof e[1] === 'number' && Number.isFinite(e[1]) && e[1] > 0) t.add(e[0], Math.floor(e[1]));
      }
    }
    return t;
  }
}
