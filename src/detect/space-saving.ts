/**
 * Space-Saving (Metwally et al.) over 8 counters: the heaviest keys of a stream by weight,
 * for the high-egress detector's top destination peers of one source.
 *
 * Rules:
 * - add(key, w) adds w to the key's counter. A key without one takes a free counter (count
 *   w) or, when all SLOTS are in use, replaces the key of the counter with the smallest count
 *   (the lowest counter index among equal counts), whose count becomes that count + w, and
 *   `approximate` becomes true. So each count is the key's exact weight while no key was
 *   replaced, and an upper bound after.
 * - Keys are address texts; canonical IPv4 text is compared and kept as its number (`num`,
 *   ipv4Key(text), which the caller passes: canonical text and number map one to one, so top()
 *   rebuilds the text); any other key (num -1) by its text.
 * - The smallest counter is found by a knockout over the 8 counts written with arithmetic
 *   instead of branches (a scan's data-dependent branches mispredict on every replacement when
 *   a source has many peers). add() is O(SLOTS) and allocates nothing; top() allocates.
 */
import { ipv4IntToText } from '../flow/ip-text.js';

/** Counters (the knockout in add() is written out for exactly 8). */
export const SLOTS = 8;

/** One heavy key as top() returns it. */
export interface HeavyKey {
  ip: string;
  bytes: number;
}

export class SpaceSaving {
  /** Counters in use. */
  size = 0;
  /** True once a key was replaced (counts are then upper bounds). */
  approximate = false;
  /** Per counter: ipv4Key of its key (-1: the key is in texts), and its count. */
  private readonly nums = new Float64Array(SLOTS);
  private readonly counts = new Float64Array(SLOTS);
  /** Per counter: the key's text, kept only while its num is -1. */
  private readonly texts: string[] = new Array<string>(SLOTS).fill('');

  /** Forgets every key. O(1). */
  clear(): void {
    this.size = 0;
    this.approximate = false;
  }

  /** Adds weight w (finite, >= 0) to key (num: ipv4Key(key)). See the module rules. O(SLOTS). */
  add(key: string, num: number, w: number): void {
    const n = this.size;
    const nums = this.nums;
    const c = this.counts;
    let i = 0;
    if (num >= 0) {
      while (i < n && nums[i] !== num) i++;
    } else {
      while (i < n && !(nums[i] === -1 && this.texts[i] === key)) i++;
    }
    if (i < n) {
      c[i] = (c[i] as number) + w;
      return;
    }
    if (n < SLOTS) {
      this.setKey(n, key, num, w);
      this.size = n + 1;
      return;
    }
    // Knockout for the first smallest count: each round keeps the lower index unless the
    // higher one's count is strictly smaller. Number(x < y) compiles to a flag, not a branch
    // (a `? 1 : 0` would branch).
    const a0 = Number((c[1] as number) < (c[0] as number));
    const a1 = 2 + Number((c[3] as number) < (c[2] as number));
    const a2 = 4 + Number((c[5] as number) < (c[4] as number));
    const a3 = 6 + Number((c[7] as number) < (c[6] as number));
    const b0 = a0 + Number((c[a1] as number) < (c[a0] as number)) * (a1 - a0);
    const b1 = a2 + Number((c[a3] as number) < (c[a2] as number)) * (a3 - a2);
    const min = b0 + Number((c[b1] as number) < (c[b0] as number)) * (b1 - b0);
    this.setKey(min, key, num, (c[min] as number) + w);
    this.approximate = true;
  }

  /** The keys with the largest counts, largest first (ties by text), at most max of them. */
  top(max: number): HeavyKey[] {
    const out: HeavyKey[] = [];
    for (let i = 0; i < this.size; i++) {
      const num = this.nums[i] as number;
      out.push({ ip: num >= 0 ? ipv4IntToText(num) : (this.texts[i] as string), bytes: this.counts[i] as number });
    }
    return out.sort((a, b) => b.bytes - a.bytes || (a.ip < b.ip ? -1 : 1)).slice(0, max);
  }

  private setKey(i: number, key: string, num: number, count: number): void {
    this.nums[i] = num;
    this.counts[i] = count;
    if (num < 0) this.texts[i] = key;
    else if (this.texts[i] !== '') this.texts[i] = '';
  }
}
