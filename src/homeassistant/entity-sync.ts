/**
 * Keeps the broker's retained messages equal to the entities homesec wants. Rules: a config
 * is published before its state (Home Assistant must know the entity first); a message is
 * sent only when its payload changed since the last publish, unless forced (a (re)connect or
 * Home Assistant's birth message); an entity that is no longer wanted is removed the way
 * Home Assistant documents: an empty retained payload on its config topic, then empty
 * retained payloads clear its state and attribute topics. Retained topics left by an earlier
 * run (seen while subscribed to homesec's own discovery and base filters) are cleared by
 * clearStale() when nothing wants them any more. A failed publish is counted and retried on
 * the next sync.
 */
import type { Entity } from './entities.js';

export type PublishFn = (topic: string, payload: string, opts: { retain: boolean; qos: 0 | 1 }) => Promise<void>;

export interface SyncResult {
  published: number;
  removed: number;
  failed: number;
}

export interface EntitySync {
  /** Publishes what changed (everything when `force`) and removes entities no longer listed. */
  sync(entities: readonly Entity[], force: boolean): Promise<SyncResult>;
  /** Clears every retained topic in `seen` that no current entity owns (and that is not in `keep`); returns how many. */
  clearStale(seen: Iterable<string>, keep: ReadonlySet<string>): Promise<number>;
  /** Entities currently published. */
  readonly count: number;
  /** Forgets what was published (after a broker change). */
  reset(): void;
}

/** Creates the sync over a publish function. */
export function createEntitySync(publish: PublishFn): EntitySync {
  const sent = new Map<string, string>();
  let owned = new Map<string, Entity>();

  const send = async (topic: string, payload: string, r: SyncResult, force: boolean): Promise<void> => {
    if (!force && sent.get(topic) === payload) return;
    try {
      await publish(topic, payload, { retain: true, qos: 1 });
      if (payload === '') sent.delete(topic);
      else sent.set(topic, payload);
      r.published++;
    } catch {
      sent.delete(topic);
      r.failed++;
    }
  };

  const ownedTopics = (): Set<string> => {
    const out = new Set<string>();
    for (const e of owned.values()) {
      out.add(e.config.topic);
      for (const m of e.data) out.add(m.topic);
    }
    return out;
  };

  return {
    async sync(entities, force) {
      const r: SyncResult = { published: 0, removed: 0, failed: 0 };
      const next = new Map(entities.map((e) => [e.key, e]));
      const wanted = new Set(entities.flatMap((e) => [e.config.topic, ...e.data.map((m) => m.topic)]));
      for (const [key, old] of owned) {
        if (!next.has(key)) {
          await send(old.config.topic, '', r, true);
          for (const m of old.data) if (!wanted.has(m.topic)) await send(m.topic, '', r, true);
          r.removed++;
          continue;
        }
        // A kept entity whose state topic changed must not leave the old one retained.
        for (const m of old.data) if (!wanted.has(m.topic)) await send(m.topic, '', r, true);
      }
      for (const e of entities) await send(e.config.topic, e.config.payload, r, force);
      for (const e of entities) for (const m of e.data) await send(m.topic, m.payload, r, force);
      owned = next;
      return r;
    },
    async clearStale(seen, keep) {
      const mine = ownedTopics();
      const r: SyncResult = { published: 0, removed: 0, failed: 0 };
      for (const t of seen) if (!mine.has(t) && !keep.has(t)) await send(t, '', r, true);
      return r.published;
    },
    get count() {
      return owned.size;
    },
    reset() {
      sent.clear();
      owned = new Map();
    },
  };
}
