/**
 * The enrichment queue: which external IP to look up next. Rules: candidates come from the
 * external IP table (re-synced periodically) and are ordered most important first: flagged
 * by a blacklist, then talked to by more devices, then more bytes. Only the top `maxSize`
 * are kept (bounded memory, drops counted). Each consumer (a provider, reverse DNS) walks
 * the list with its own cursor, skipping IPs it does not need (fresh in cache, in flight),
 * so picking the next IP is O(1) amortised; IPs marked urgent (a blacklist hit between
 * syncs) are offered first. The caller's `needs` predicate must turn false for an IP once it
 * is dispatched, or the same IP is offered again.
 */

export interface Candidate {
  ip: string;
  /** Listed by a blacklist feed. */
  flagged: boolean;
  /** Internal devices that talked to it. */
  devices: number;
  /** Bytes both ways. */
  bytes: number;
}

/** Sort order: flagged first, then more devices, then more bytes, then IP text (stable). */
export function comparePriority(a: Candidate, b: Candidate): number {
  if (a.flagged !== b.flagged) return a.flagged ? -1 : 1;
  if (a.devices !== b.devices) return b.devices - a.devices;
  if (a.bytes !== b.bytes) return b.bytes - a.bytes;
  return a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0;
}

export interface EnrichQueue {
  /** Replaces the candidates (top maxSize by priority kept); every cursor restarts. */
  setCandidates(list: Iterable<Candidate>): void;
  /** Offers ip before everything else until the next setCandidates; false when it already was urgent. */
  urgent(ip: string): boolean;
  /** The most important IP `needs` accepts for this consumer, or undefined. */
  next(consumer: string, needs: (ip: string) => boolean): string | undefined;
  /** Candidates held (plus urgent ones). */
  length(): number;
  /** Candidates dropped by the size cap (total). */
  dropped(): number;
}

/** An empty queue holding at most maxSize candidates and maxUrgent urgent IPs. */
export function createEnrichQueue(maxSize: number, maxUrgent = 256): EnrichQueue {
  let items: string[] = [];
  let urgentList: string[] = [];
  const cursors = new Map<string, number>();
  let droppedTotal = 0;
  return {
    setCandidates(list) {
      const all = [...list].sort(comparePriority);
      if (all.length > maxSize) droppedTotal += all.length - maxSize;
      items = all.slice(0, maxSize).map((c) => c.ip);
      urgentList = [];
      cursors.clear();
    },
    urgent(ip) {
      if (urgentList.includes(ip)) return false;
      if (urgentList.length >= maxUrgent) urgentList.shift();
      urgentList.push(ip);
      return true;
    },
    next(consumer, needs) {
      for (const ip of urgentList) if (needs(ip)) return ip;
      let i = cursors.get(consumer) ?? 0;
      while (i < items.length && !needs(items[i] as string)) i++;
      cursors.set(consumer, i);
      return items[i];
    },
    length: () => items.length + urgentList.length,
    dropped: () => droppedTotal,
  };
}
