/**
 * Live updates: one EventSource on api/events; `update` events name topics and every view
 * that shows one of them refetches. Rules:
 * - When the stream fails (503: too many clients, network, proxy without streaming) the
 *   hub falls back to polling: every POLL_MS all subscribers refetch. It retries the stream
 *   after RETRY_MS and stops polling once the stream says hello again.
 * - After a reconnect everything refetches (updates may have been missed meanwhile).
 * - The stream carries topic names only, never data; nothing from it is rendered.
 */
import { apiUrl } from './base';
import type { UpdateEvent, UpdateTopic } from './types';

export const POLL_MS = 30_000;
export const RETRY_MS = 60_000;

export type LiveMode = 'connecting' | 'live' | 'polling' | 'stopped';
/** `all`: refetch everything (poll tick, reconnect). */
export type LiveListener = (topics: ReadonlySet<UpdateTopic> | 'all') => void;

export interface LiveHub {
  subscribe(fn: LiveListener): () => void;
  onMode(fn: (m: LiveMode) => void): () => void;
  mode(): LiveMode;
  start(): void;
  stop(): void;
}

export function createLiveHub(opts: { pollMs?: number; retryMs?: number; url?: () => string } = {}): LiveHub {
  const pollMs = opts.pollMs ?? POLL_MS;
  const retryMs = opts.retryMs ?? RETRY_MS;
  const listeners = new Set<LiveListener>();
  const modeListeners = new Set<(m: LiveMode) => void>();
  let mode: LiveMode = 'stopped';
  let es: EventSource | undefined;
  let poll: number | undefined;
  let retry: number | undefined;
  let everLive = false;

  const setMode = (m: LiveMode) => {
    if (m === mode) return;
    mode = m;
    for (const fn of [...modeListeners]) fn(m);
  };
  const emit = (t: ReadonlySet<UpdateTopic> | 'all') => {
    for (const fn of [...listeners]) fn(t);
  };
  const startPolling = () => {
    if (poll === undefined) poll = window.setInterval(() => emit('all'), pollMs);
    setMode('polling');
  };
  const stopPolling = () => {
    if (poll !== undefined) window.clearInterval(poll);
    poll = undefined;
  };
  const closeStream = () => {
    es?.close();
    es = undefined;
  };
  const connect = () => {
    closeStream();
    if (typeof EventSource === 'undefined') return startPolling();
    const s = new EventSource(opts.url?.() ?? apiUrl('api/events'), { withCredentials: true });
    es = s;
    s.addEventListener('hello', () => {
      stopPolling();
      if (everLive) emit('all');
      everLive = true;
      setMode('live');
    });
    s.addEventListener('update', (e) => {
      try {
        const body = JSON.parse((e as MessageEvent<string>).data) as UpdateEvent;
        if (Array.isArray(body.topics) && body.topics.length > 0) emit(new Set(body.topics));
      } catch {
        /* a malformed message changes nothing */
      }
    });
    s.addEventListener('error', () => {
      // The browser retries by itself while CONNECTING; poll meanwhile. CLOSED (e.g. 503) is final.
      startPolling();
      if (s.readyState === EventSource.CLOSED) {
        closeStream();
        if (retry === undefined)
          retry = window.setTimeout(() => {
            retry = undefined;
            if (mode !== 'stopped') connect();
          }, retryMs);
      }
    });
  };

  return {
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    onMode(fn) {
      modeListeners.add(fn);
      return () => modeListeners.delete(fn);
    },
    mode: () => mode,
    start() {
      if (mode !== 'stopped') return;
      setMode('connecting');
      connect();
    },
    stop() {
      closeStream();
      stopPolling();
      if (retry !== undefined) window.clearTimeout(retry);
      retry = undefined;
      everLive = false;
      setMode('stopped');
    },
  };
}
