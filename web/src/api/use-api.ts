/**
 * `useApi(path, topics)`: data of one GET endpoint for a view, refetched when a live update
 * names one of `topics` (or on a poll tick / reconnect), and by `reload()`. Rules:
 * - The previous data stays on screen while a refetch runs, also when the path changes (a
 *   new page or sort: no flicker); an error keeps the last good data and reports the message.
 * - Only the newest request may set state (older answers are dropped and aborted).
 * - `path` null: nothing is fetched (e.g. a detail not opened yet).
 * - `trailingMs`: one more refetch that long after the last live update (see ApiOptions).
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiFailure, get } from './client';
import type { LiveHub } from './live';
import type { UpdateTopic } from './types';

let hub: LiveHub | undefined;

/** Sets the live hub the hooks subscribe to (main.tsx). */
export function setLiveHub(h: LiveHub | undefined): void {
  hub = h;
}

export function liveHub(): LiveHub | undefined {
  return hub;
}

export interface ApiState<T> {
  data: T | undefined;
  error: string | undefined;
  status: number | undefined;
  loading: boolean;
  reload: () => void;
}

export interface ApiOptions {
  /**
   * Refetch once more this long after the last live update (not after poll ticks). For views
   * built from data the daemon writes a little after the event that announced it: flows are
   * announced on arrival, but the connection history behind the map and the external-IP
   * table is flushed up to 10 s later.
   */
  trailingMs?: number;
}

export function useApi<T>(path: string | null, topics: readonly UpdateTopic[] = [], options: ApiOptions = {}): ApiState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<{ msg: string; status: number } | undefined>(undefined);
  const [loading, setLoading] = useState(path !== null);
  const seq = useRef(0);
  const ctl = useRef<AbortController | undefined>(undefined);
  const topicKey = topics.join(',');

  const load = useCallback(() => {
    if (path === null) return;
    const my = ++seq.current;
    ctl.current?.abort();
    const c = new AbortController();
    ctl.current = c;
    setLoading(true);
    get<T>(path, c.signal).then(
      (d) => {
        if (my !== seq.current) return;
        setData(d);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (my !== seq.current || (err instanceof DOMException && err.name === 'AbortError')) return;
        setError({ msg: err instanceof Error ? err.message : String(err), status: err instanceof ApiFailure ? err.status : 0 });
        setLoading(false);
      },
    );
  }, [path]);

  useEffect(() => {
    // A new path (another page, sort or filter) keeps the previous data on screen until its
    // answer arrives; components showing one entity are keyed by it, so nothing mixes.
    setError(undefined);
    load();
    return () => ctl.current?.abort();
  }, [load]);

  const trailingMs = options.trailingMs;
  useEffect(() => {
    if (!hub || path === null) return;
    const wanted = new Set(topicKey ? topicKey.split(',') : []);
    let trailing: number | undefined;
    const off = hub.subscribe((t) => {
      if (t === 'all') return load();
      if (![...t].some((x) => wanted.has(x))) return;
      load();
      if (trailingMs === undefined) return;
      if (trailing !== undefined) window.clearTimeout(trailing);
      trailing = window.setTimeout(() => {
        trailing = undefined;
        load();
      }, trailingMs);
    });
    return () => {
      off();
      if (trailing !== undefined) window.clearTimeout(trailing);
    };
  }, [load, topicKey, path, trailingMs]);

  return { data, error: error?.msg, status: error?.status, loading, reload: load };
}
