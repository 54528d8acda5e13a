/**
 * The typed event bus. Rules: components talk through events, never by reaching into each
 * other. HomesecEvents lists every event and its payload; capability modules add their
 * events by module augmentation (`declare module '../core/events.js'`). A listener that
 * throws is logged through onListenerError and never breaks the emitter or other listeners.
 */

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface HomesecEvents {}

type Listener<T> = (payload: T) => void;

export interface EventBus<E extends object = HomesecEvents> {
  on<K extends keyof E>(event: K, listener: Listener<E[K]>): () => void;
  off<K extends keyof E>(event: K, listener: Listener<E[K]>): void;
  emit<K extends keyof E>(event: K, payload: E[K]): void;
  listenerCount<K extends keyof E>(event: K): number;
}

/** Creates a synchronous bus; `onListenerError` receives listener exceptions. */
export function createEventBus<E extends object = HomesecEvents>(
  onListenerError: (event: string, err: unknown) => void = () => {},
): EventBus<E> {
  const listeners = new Map<keyof E, Listener<never>[]>();
  return {
    on(event, listener) {
      const list = listeners.get(event) ?? [];
      listeners.set(event, [...list, listener as Listener<never>]);
      return () => this.off(event, listener);
    },
    off(event, listener) {
      const list = listeners.get(event);
      if (list) listeners.set(event, list.filter((l) => l !== (listener as Listener<never>)));
    },
    emit(event, payload) {
      const list = listeners.get(event);
      if (!list) return;
      for (const l of list) {
        try {
          (l as Listener<typeof payload>)(payload);
        } catch (err) {
          onListenerError(String(event), err);
        }
      }
    },
    listenerCount(event) {
      return listeners.get(event)?.length ?? 0;
    },
  };
}
