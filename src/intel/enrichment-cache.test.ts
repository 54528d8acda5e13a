import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEnrichmentCache } from './enrichment-cache.js';
import { tempDb } from './test-kit.js';
import type { VirusTotalData } from './types.js';

let t: ReturnType<typeof tempDb>;
beforeEach(() => {
  t = tempDb();
});
afterEach(() => t.cleanup());

const data: VirusTotalData = { malicious: 1, suspicious: 0, harmless: 5, undetected: 3, timeout: 0 };
const opts = { ttlMs: 3_600_000, errorRetryMs: 60_000, maxEntries: 10 };

describe('enrichment cache', () => {
  it('answers are fresh for the TTL, persisted, and survive a restart', () => {
    const c = createEnrichmentCache(opts, { db: t.db });
    c.putAnswer('198.51.100.1', { provider: 'virustotal', data, fetchedMs: 1000 });
    expect(c.isFresh('198.51.100.1', 'virustotal', 1000 + 3_599_999)).toBe(true);
    expect(c.isFresh('198.51.100.1', 'virustotal', 1000 + 3_600_000)).toBe(false);
    const again = createEnrichmentCache(opts, { db: t.reopen() });
    expect(again.get('198.51.100.1', 'virustotal')).toEqual({ provider: 'virustotal', data, fetchedMs: 1000 });
    expect(again.get('198.51.100.1', 'shodan')).toBeUndefined();
  });

  it('a failure never hides the last answer; transient failures hold the IP back briefly, answer-like ones for the TTL', () => {
    const c = createEnrichmentCache(opts, { db: t.db });
    c.putAnswer('198.51.100.1', { provider: 'virustotal', data, fetchedMs: 0 });
    c.putError('198.51.100.1', 'virustotal', { error: { kind: 'server', detail: 'HTTP 503' }, atMs: 4_000_000 });
    expect(c.get('198.51.100.1', 'virustotal')?.data).toEqual(data);
    expect(c.lastError('198.51.100.1', 'virustotal')?.error.kind).toBe('server');
    expect(c.isFresh('198.51.100.1', 'virustotal', 4_059_999)).toBe(true);
    expect(c.isFresh('198.51.100.1', 'virustotal', 4_060_000)).toBe(false);
    c.putError('198.51.100.2', 'shodan', { error: { kind: 'malformed', detail: 'x' }, atMs: 0 });
    expect(c.isFresh('198.51.100.2', 'shodan', 3_599_999)).toBe(true);
  });

  it('unreadable rows read as absent; prune deletes old answers; memory is bounded', () => {
    t.db.prepare("INSERT INTO intel_enrichment (ip, provider, fetched_ms, data) VALUES ('198.51.100.9', 'shodan', 5, 'not json')").run();
    const c = createEnrichmentCache(opts, { db: t.db });
    expect(c.get('198.51.100.9', 'shodan')).toBeUndefined();
    for (let i = 0; i < 30; i++) c.putAnswer(`198.51.100.${i}`, { provider: 'virustotal', data, fetchedMs: i });
    expect(c.size()).toBeLessThanOrEqual(20);
    expect(c.prune(10)).toBe(11); // ten answers plus the unreadable row
    expect(c.get('198.51.100.5', 'virustotal')).toBeUndefined();
    expect(c.get('198.51.100.25', 'virustotal')?.fetchedMs).toBe(25);
  });
});
