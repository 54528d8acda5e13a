import { describe, expect, it } from 'vitest';
import { FakeClock } from '../core/fake-clock.js';
import { createFindingAnnouncer, MAX_ANNOUNCED } from './finding-events.js';
import { finding } from './test-kit.js';

describe('finding announcer', () => {
  it('announces a critical finding once, and nothing for lower or dismissed ones', () => {
    const a = createFindingAnnouncer(new FakeClock());
    expect(a.consider(finding({ severity: 'high' }))).toBeUndefined();
    expect(a.consider(finding({ dismissed: true }))).toBeUndefined();
    const ev = a.consider(finding());
    expect(ev).toEqual({
      event_type: 'critical_finding',
      key: 'port_scan:192.168.1.20',
      category: 'port_scan',
      severity: 'critical',
      source_ip: '192.168.1.20',
      title: 'Port scan from 192.168.1.20',
      first_seen: '2026-01-01T00:00:00.000Z',
    });
    expect(a.consider(finding({ occurrences: 2 }))).toBeUndefined();
    expect(a.announced).toBe(1);
  });

  it('a finding raised to critical later is announced then', () => {
    const a = createFindingAnnouncer(new FakeClock());
    expect(a.consider(finding({ severity: 'medium' }))).toBeUndefined();
    expect(a.consider(finding({ severity: 'critical' }))).toBeDefined();
  });

  it('rate-limits per rolling minute and counts the suppressed', async () => {
    const clock = new FakeClock();
    const a = createFindingAnnouncer(clock, 3);
    const sent = Array.from({ length: 5 }, (_, i) => a.consider(finding({ key: `k${i}` }))).filter(Boolean);
    expect(sent).toHaveLength(3);
    expect(a.suppressed).toBe(2);
    await clock.advance(60_000);
    expect(a.consider(finding({ key: 'k9' }))).toBeDefined();
  });

  it('sanitises and bounds the text it quotes', () => {
    const a = createFindingAnnouncer(new FakeClock());
    const ev = a.consider(finding({ title: `\u001b[2J${'x'.repeat(500)}\u202e`, key: 'k\nnew' }))!;
    expect(ev.title).not.toMatch(/[\u0000-\u001f\u202e]/);
    expect(ev.title.length).toBeLessThanOrEqual(200);
    expect(ev.key).toBe('k\\nnew');
  });

  it('remembers a bounded number of keys', () => {
    const a = createFindingAnnouncer(new FakeClock(), Number.MAX_SAFE_INTEGER);
    for (let i = 0; i <= MAX_ANNOUNCED; i++) a.consider(finding({ key: `k${i}` }));
    // The oldest key was forgotten, so it would be announced again; the newest was not.
    expect(a.consider(finding({ key: 'k0' }))).toBeDefined();
    expect(a.consider(finding({ key: `k${MAX_ANNOUNCED}` }))).toBeUndefined();
  });
});
