/**
 * Reverse DNS for external IPs. Rules: one PTR lookup per IP at a time (concurrent callers
 * share it), an absolute deadline from the injected clock on top of the resolver's own
 * timeout, answers cached for `ttlMs` and "no name"/failures for `negativeTtlMs` in a
 * bounded map (oldest evicted). Names are hostile (hostile-input #17): only the first PTR
 * answer that is a plain bounded hostname is kept (cleanHostname); resolver error text,
 * numeric names and 300-character names become "no name".
 */
import { Resolver } from 'node:dns/promises';
import type { Clock } from '../core/clock.js';
import { cleanHostname } from './sanitise.js';

/** The one resolver call rDNS needs (node:dns Resolver has it; tests inject their own). */
export interface ReverseResolver {
  reverse(ip: string): Promise<string[]>;
}

/** node:dns Resolver using the system's servers with its own per-try timeout. */
export function createSystemResolver(timeoutMs = 2000): ReverseResolver {
  return new Resolver({ timeout: timeoutMs, tries: 2 });
}

export interface ReverseDnsOptions {
  timeoutMs: number;
  ttlMs: number;
  negativeTtlMs: number;
  maxEntries: number;
}

export interface ReverseDnsStats {
  cached: number;
  lookups: number;
  names: number;
  noName: number;
  timeouts: number;
  rejectedNames: number;
  inFlight: number;
}

export interface ReverseDns {
  /** The cached name (fresh or stale), null when known to have none, undefined when never resolved. */
  peek(ip: string): string | null | undefined;
  /** True when no fresh answer is cached and no lookup is in flight. */
  needs(ip: string, nowMs: number): boolean;
  /** Looks the name up (or joins the lookup in flight); never rejects. */
  resolve(ip: string): Promise<string | null>;
  inFlight(): number;
  stats(): ReverseDnsStats;
}

/** Creates the rDNS cache over `resolver`. */
export function createReverseDns(opts: ReverseDnsOptions, deps: { resolver: ReverseResolver; clock: Clock }): ReverseDns {
  const cache = new Map<string, { name: string | null; atMs: number }>();
  const pending = new Map<string, Promise<string | null>>();
  const s = { lookups: 0, names: 0, noName: 0, timeouts: 0, rejectedNames: 0 };

  const store = (ip: string, name: string | null) => {
    cache.delete(ip);
    if (cache.size >= opts.maxEntries) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(ip, { name, atMs: deps.clock.now() });
  };

  const lookup = async (ip: string): Promise<string | null> => {
    s.lookups++;
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = deps.clock.setTimeout(() => resolve('timeout'), opts.timeoutMs);
    });
    let answer: string[] | 'timeout' | 'error';
    try {
      answer = await Promise.race([deps.resolver.reverse(ip).catch(() => 'error' as const), deadline]);
    } finally {
      if (timer) deps.clock.clearTimeout(timer);
    }
    if (answer === 'timeout') s.timeouts++;
    let name: string | null = null;
    if (Array.isArray(answer)) {
      for (const raw of answer.slice(0, 16)) {
        const clean = cleanHostname(raw);
        if (clean) {
          name = clean;
          break;
        }
        s.rejectedNames++;
      }
    }
    if (name) s.names++;
    else s.noName++;
    store(ip, name);
    return name;
  };

  return {
    peek: (ip) => cache.get(ip)?.name,
    needs(ip, nowMs) {
      if (pending.has(ip)) return false;
      const c = cache.get(ip);
      return !c || nowMs - c.atMs >= (c.name ? opts.ttlMs : opts.negativeTtlMs);
    },
    resolve(ip) {
      let p = pending.get(ip);
      if (!p) {
        p = lookup(ip).finally(() => pending.delete(ip));
        pending.set(ip, p);
      }
      return p;
    },
    inFlight: () => pending.size,
    stats: () => ({ cached: cache.size, ...s, inFlight: pending.size }),
  };
}
