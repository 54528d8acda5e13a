import { describe, expect, it } from 'vitest';
import { createEventBus } from './events.js';
import { createMetrics, MAX_SERIES } from './metrics.js';

interface TestEvents {
  ping: { n: number };
  other: string;
}

describe('event bus', () => {
  it('delivers typed payloads; a throwing listener does not stop the others', () => {
    const errors: string[] = [];
    const bus = createEventBus<TestEvents>((ev) => errors.push(ev));
    const got: number[] = [];
    bus.on('ping', () => {
      throw new Error('bad listener');
    });
    const off = bus.on('ping', (p) => got.push(p.n));
    bus.emit('ping', { n: 1 });
    off();
    bus.emit('ping', { n: 2 });
    expect(got).toEqual([1]);
    expect(errors).toEqual(['ping', 'ping']);
    expect(bus.listenerCount('ping')).toBe(1);
  });
});

describe('metrics', () => {
  it('counts, renders Prometheus text and escapes label values', () => {
    const m = createMetrics();
    m.describe('homesec_datagrams_total', 'counter', 'Datagrams received');
    m.inc('homesec_datagrams_total', { exporter: '10.0.0.1' });
    m.inc('homesec_datagrams_total', { exporter: '10.0.0.1' }, 2);
    m.set('homesec_templates', 4, { exporter: 'a"b\\c\nd' });
    expect(m.get('homesec_datagrams_total', { exporter: '10.0.0.1' })).toBe(3);
    const text = m.render();
    expect(text).toContain('# TYPE homesec_datagrams_total counter');
    expect(text).toContain('homesec_datagrams_total{exporter="10.0.0.1"} 3');
    expect(text).toContain('homesec_templates{exporter="a\\"b\\\\c\\nd"} 4');
  });
  it('caps series per metric so attacker-chosen labels cannot grow memory', () => {
    const m = createMetrics();
    for (let i = 0; i < MAX_SERIES + 500; i++) m.inc('x_total', { exporter: `e${i}` });
    const snap = m.snapshot().x_total ?? [];
    expect(snap.length).toBe(MAX_SERIES + 1);
    expect(m.get('x_total', { overflow: 'true' })).toBe(500);
  });
});
