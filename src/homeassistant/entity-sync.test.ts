import { describe, expect, it } from 'vitest';
import type { Entity } from './entities.js';
import { createEntitySync } from './entity-sync.js';

function entity(id: string, state: string): Entity {
  return {
    key: `sensor/${id}`,
    component: 'sensor',
    objectId: id,
    config: { topic: `ha/sensor/n/${id}/config`, payload: JSON.stringify({ unique_id: id }) },
    data: [{ topic: `b/${id}/state`, payload: state }],
  };
}

function recorder(fail = new Set<string>()) {
  const log: { topic: string; payload: string; retain: boolean }[] = [];
  const publish = async (topic: string, payload: string, o: { retain: boolean }) => {
    if (fail.has(topic)) throw new Error('broker said no');
    log.push({ topic, payload, retain: o.retain });
  };
  return { log, publish };
}

describe('entity sync', () => {
  it('publishes configs before states, then only what changed, everything when forced', async () => {
    const r = recorder();
    const sync = createEntitySync(r.publish);
    await sync.sync([entity('a', '1'), entity('b', '2')], false);
    expect(r.log.map((m) => m.topic)).toEqual(['ha/sensor/n/a/config', 'ha/sensor/n/b/config', 'b/a/state', 'b/b/state']);
    expect(r.log.every((m) => m.retain)).toBe(true);
    r.log.length = 0;
    await sync.sync([entity('a', '1'), entity('b', '3')], false);
    expect(r.log).toEqual([{ topic: 'b/b/state', payload: '3', retain: true }]);
    r.log.length = 0;
    await sync.sync([entity('a', '1'), entity('b', '3')], true);
    expect(r.log).toHaveLength(4);
  });

  it('removes an entity with an empty retained config, then clears its state', async () => {
    const r = recorder();
    const sync = createEntitySync(r.publish);
    await sync.sync([entity('a', '1'), entity('b', '2')], false);
    r.log.length = 0;
    const res = await sync.sync([entity('a', '1')], false);
    expect(res.removed).toBe(1);
    expect(r.log).toEqual([
      { topic: 'ha/sensor/n/b/config', payload: '', retain: true },
      { topic: 'b/b/state', payload: '', retain: true },
    ]);
    expect(sync.count).toBe(1);
  });

  it('retries a failed publish on the next sync', async () => {
    const fail = new Set(['b/a/state']);
    const r = recorder(fail);
    const sync = createEntitySync(r.publish);
    expect((await sync.sync([entity('a', '1')], false)).failed).toBe(1);
    fail.clear();
    r.log.length = 0;
    await sync.sync([entity('a', '1')], false);
    expect(r.log).toEqual([{ topic: 'b/a/state', payload: '1', retain: true }]);
  });

  it('clearStale clears retained topics nobody owns, never owned or kept ones', async () => {
    const r = recorder();
    const sync = createEntitySync(r.publish);
    await sync.sync([entity('a', '1')], false);
    r.log.length = 0;
    const n = await sync.clearStale(['ha/sensor/n/a/config', 'ha/sensor/n/old/config', 'b/old/state', 'b/availability'], new Set(['b/availability']));
    expect(n).toBe(2);
    expect(r.log.map((m) => [m.topic, m.payload])).toEqual([
      ['ha/sensor/n/old/config', ''],
      ['b/old/state', ''],
    ]);
  });
});
