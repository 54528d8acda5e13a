import { describe, expect, it } from 'vitest';
import { createEnrichQueue } from './queue.js';

const c = (ip: string, devices: number, bytes: number, flagged = false) => ({ ip, devices, bytes, flagged });

describe('enrichment queue', () => {
  it('offers flagged IPs first, then those more devices talked to, then more bytes', () => {
    const q = createEnrichQueue(100);
    q.setCandidates([c('198.51.100.1', 1, 10), c('198.51.100.2', 5, 1), c('198.51.100.3', 5, 9), c('198.51.100.4', 1, 0, true)]);
    const order: string[] = [];
    const done = new Set<string>();
    for (;;) {
      const ip = q.next('p', (x) => !done.has(x));
      if (!ip) break;
      done.add(ip);
      order.push(ip);
    }
    expect(order).toEqual(['198.51.100.4', '198.51.100.3', '198.51.100.2', '198.51.100.1']);
  });

  it('each consumer has its own cursor; urgent IPs come first until the next sync', () => {
    const q = createEnrichQueue(100);
    q.setCandidates([c('a', 3, 0), c('b', 2, 0), c('c', 1, 0)]);
    const doneP = new Set(['a']);
    expect(q.next('p', (x) => !doneP.has(x))).toBe('b');
    expect(q.next('r', () => true)).toBe('a');
    q.urgent('z');
    expect(q.next('p', (x) => !doneP.has(x))).toBe('z');
    q.setCandidates([c('a', 3, 0)]);
    expect(q.next('p', () => true)).toBe('a');
  });

  it('keeps only the top maxSize candidates and counts the rest', () => {
    const q = createEnrichQueue(10, 2);
    q.setCandidates(Array.from({ length: 25 }, (_, i) => c(`ip${i}`, i, 0)));
    expect(q.length()).toBe(10);
    expect(q.dropped()).toBe(15);
    expect(q.next('p', () => true)).toBe('ip24');
    for (const ip of ['u1', 'u2', 'u3']) q.urgent(ip);
    expect(q.length()).toBe(12);
    expect(q.next('p', (x) => x.startsWith('u'))).toBe('u2');
  });
});
