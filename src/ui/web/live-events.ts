// The page's connection to one of the server's event streams; pages subscribe while they are shown.
import type { UiEvent } from '../api-types.js';

type Listener = (event: UiEvent) => void;

export interface LiveEvents {
  subscribe(listener: Listener): () => void;
  onConnection(listener: (connected: boolean) => void): void;
  close(): void;
}

const EVENT_TYPES = ['run', 'removed', 'log', 'resync', 'job', 'job-log', 'project', 'project-changed'];

/**
 * `onGiveUp` is called when the browser stops reconnecting: the server refused the stream (401 after a session ended,
 * 503 when too many are open), as EventSource does not retry a refused stream.
 */
export function connectLiveEvents(url: string, onGiveUp?: () => void): LiveEvents {
  const listeners = new Set<Listener>();
  const connectionListeners: Array<(connected: boolean) => void> = [];
  // EventSource reconnects by itself (the server sends `retry:`) after a break, e.g. while `handoff ui` is down; a
  // restarted one takes the same token (kept under HANDOFF_HOME) unless it was made anew (--new-token): that refusal
  // ends in `onGiveUp`.
  const source = new EventSource(url);
  const deliver = (event: UiEvent): void => {
    for (const listener of [...listeners]) listener(event);
  };
  const dispatch = (message: MessageEvent<string>): void => deliver(JSON.parse(message.data) as UiEvent);
  for (const type of EVENT_TYPES) source.addEventListener(type, dispatch as EventListener);
  let opened = false;
  source.addEventListener('open', () => {
    // Back after a break: whatever happened meanwhile was not sent here, so the pages read it again.
    if (opened) deliver({ type: 'resync', reason: 'the event stream reconnected' });
    opened = true;
    connectionListeners.forEach((l) => l(true));
  });
  source.addEventListener('error', () => {
    connectionListeners.forEach((l) => l(source.readyState === EventSource.OPEN));
    if (source.readyState === EventSource.CLOSED) onGiveUp?.();
  });
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onConnection(listener) {
      connectionListeners.push(listener);
      listener(source.readyState === EventSource.OPEN);
    },
    close() {
      source.close();
      listeners.clear();
    },
  };
}
