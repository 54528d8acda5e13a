import { afterEach, describe, expect, it } from 'vitest';
import { alertMessage, findingRef, type NotifyMessage } from './message.js';
import { createOutbox } from './outbox.js';
import { finding, tempDb } from './test-kit.js';

const dbs: ReturnType<typeof tempDb>[] = [];
afterEach(() => {
  for (const d of dbs.splice(0)) d.cleanup();
});

function setup() {
  const t = tempDb();
  dbs.push(t);
  return { t, ob: createOutbox(t.db) };
}

let n = 0;
const msg = (severity: 'high' | 'critical' = 'high', key = 'port_scan:192.168.1.20'): NotifyMessage =>
  alertMessage(findingRef(finding({ key, severity })), { id: `hs-${++n}`, nowMs: 1000, timeZone: 'UTC' });

describe('outbox', () => {
  it('hands out due rows critical first, then oldest, and walks the state machine', () => {
    const { ob } = setup();
    const a = ob.enqueue({ channel: 'c', kind: 'alert', dedupeKey: 'k1', state: 'queued', message: msg('high', 'k1') }, 1000)!;
    const b = ob.enqueue({ channel: 'c', kind: 'alert', dedupeKey: 'k2', state: 'queued', message: msg('critical', 'k2') }, 1001)!;
    expect(ob.nextDue('c', 2000)?.id).toBe(b);
    ob.markSending(b, 2000);
    expect(ob.nextDue('c', 2000)?.id).toBe(a);
    ob.markRetry(a, 5000, 'server: HTTP 503', 2000);
    expect(ob.nextDue('c', 4999)).toBeUndefined();
    expect(ob.nextAttemptMs('c')).toBe(5000);
    const row = ob.nextDue('c', 5000)!;
    expect(row).toMatchObject({ id: a, attempts: 0, lastError: 'server: HTTP 503', state: 'queued' });
    expect(row.message?.findings[0]?.key).toBe('k1');
    ob.markSent(b, 2100);
    expect(ob.counts().get('c')).toEqual({ queued: 1, sent: 1 });
    expect(ob.lastSentMs('c')).toBe(2100);
    expect(ob.lastError('c')).toEqual({ error: 'server: HTTP 503', atMs: 2000 });
  });

  it('recovers rows interrupted mid-send and counts attempts', () => {
    const { t, ob } = setup();
    const id = ob.enqueue({ channel: 'c', kind: 'alert', dedupeKey: 'k', state: 'queued', message: msg() }, 1000)!;
    ob.markSending(id, 1100);
    const again = createOutbox(t.reopen());
    expect(again.nextDue('c', 9999)).toBeUndefined();
    expect(again.recoverInFlight(2000, true)).toEqual(new Map([['c', 1]]));
    expect(again.nextDue('c', 2000)).toMatchObject({ id, attempts: 1, state: 'queued' });
  });

  it('at most once: rows interrupted mid-send become unconfirmed, are never due again, count toward limits and are pruned', () => {
    const { t, ob } = setup();
    const id = ob.enqueue({ channel: 'c', kind: 'alert', dedupeKey: 'k', state: 'queued', message: msg() }, 1000)!;
    const waiting = ob.enqueue({ channel: 'c', kind: 'alert', dedupeKey: 'k2', state: 'queued', message: msg() }, 1000)!;
    ob.markSending(id, 1100);
    const again = createOutbox(t.reopen());
    expect(again.recoverInFlight(2000, false)).toEqual(new Map([['c', 1]]));
    expect(again.nextDue('c', 9999)).toMatchObject({ id: waiting, state: 'queued' }); // only the untouched one
    expect(again.rows('c', 'unconfirmed')).toMatchObject([{ id, attempts: 1, lastError: expect.stringContaining('not sent again') }]);
    expect(again.alertCount('c', 0)).toBe(2);
    expect(again.recoverInFlight(3000, false)).toEqual(new Map());
    again.markSending(waiting, 3000);
    again.markUnconfirmed(waiting, 3100);
    expect(again.counts().get('c')).toEqual({ unconfirmed: 2 });
    expect(again.prune(4000, 0)).toBe(2);
  });

  it('a summary is enqueued at most once per channel and instant', () => {
    const { ob } = setup();
    const s = (id: string) => ({ ...msg(), id, kind: 'summary' as const });
    expect(ob.enqueue({ channel: 'c', kind: 'summary', dedupeKey: 'summary:1', state: 'queued', message: s('hs-s1') }, 1)).toBeDefined();
    expect(ob.enqueue({ channel: 'c', kind: 'summary', dedupeKey: 'summary:1', state: 'queued', message: s('hs-s2') }, 2)).toBeUndefined();
    expect(ob.enqueue({ channel: 'd', kind: 'summary', dedupeKey: 'summary:1', state: 'queued', message: s('hs-s3') }, 2)).toBeDefined();
    // alerts for the same key are not limited by it
    expect(ob.enqueue({ channel: 'c', kind: 'alert', dedupeKey: 'k', state: 'queued', message: msg() }, 3)).toBeDefined();
    expect(ob.enqueue({ channel: 'c', kind: 'alert', dedupeKey: 'k', state: 'queued', message: msg() }, 4)).toBeDefined();
  });

  it('counts alerts for the rate windows: per channel, and distinct findings across channels', () => {
    const { ob } = setup();
    ob.enqueue({ channel: 'a', kind: 'alert', dedupeKey: 'k1', state: 'queued', message: msg() }, 1000);
    ob.enqueue({ channel: 'b', kind: 'alert', dedupeKey: 'k1', state: 'queued', message: msg() }, 1000);
    ob.enqueue({ channel: 'a', kind: 'alert', dedupeKey: 'k2', state: 'suppressed', message: msg() }, 1000);
    ob.enqueue({ channel: 'a', kind: 'alert', dedupeKey: 'k3', state: 'held', message: msg() }, 1000);
    ob.enqueue({ channel: 'a', kind: 'digest', dedupeKey: 'd', state: 'queued', message: msg() }, 1000);
    ob.enqueue({ channel: 'a', kind: 'alert', dedupeKey: 'k4', state: 'queued', message: msg() }, 10);
    expect(ob.alertCount('a', 500)).toBe(1);
    expect(ob.globalAlertCount(500)).toBe(1);
    expect(ob.globalAlertCount(0)).toBe(2);
  });

  it('keeps the per-key record, fails orphans, prunes finished rows', () => {
    const { ob } = setup();
    ob.setKey('a', 'k', 'high', 100);
    ob.setKey('a', 'k', 'critical', 200);
    expect(ob.getKey('a', 'k')).toEqual({ severity: 'critical', notifiedMs: 200 });
    expect(ob.getKey('b', 'k')).toBeUndefined();
    const gone = ob.enqueue({ channel: 'gone', kind: 'alert', dedupeKey: 'k', state: 'held', message: msg() }, 100)!;
    const kept = ob.enqueue({ channel: 'a', kind: 'alert', dedupeKey: 'k', state: 'queued', message: msg() }, 100)!;
    expect(ob.failOrphans(new Set(['a']), 300)).toBe(1);
    expect(ob.rows('gone', 'failed').map((r) => r.id)).toEqual([gone]);
    ob.markSent(kept, 400);
    expect(ob.prune(350, 150)).toBe(1 + 0); // the failed orphan (updated 300); the key (200) is newer than 150
    expect(ob.prune(500, 250)).toBe(2); // the sent row and the key
    expect(ob.counts().size).toBe(0);
  });

  it('a stored payload that does not parse is returned without a message (never throws)', () => {
    const { t, ob } = setup();
    const id = ob.enqueue({ channel: 'c', kind: 'alert', dedupeKey: 'k', state: 'queued', message: msg() }, 1)!;
    t.db.prepare('UPDATE notify_outbox SET payload = ? WHERE id = ?').run('{"truncated', id);
    expect(ob.nextDue('c', 5)).toMatchObject({ id, message: undefined });
  });
});
