// The page's one connection to the server's event stream; pages subscribe while they are shown.
import type { UiEvent } from '../api-types.js';
import { eventsUrl } from './api-client.js';

type Listener = (event: UiEvent) => void;

export interface LiveEvents {
  subscribe(listener: Listener): () => void;
  onConnection(listener: (connected: boolean) => void): void;
}

export function connectLiveEvents(): LiveEvents {
  const listeners = new Set<Listener>();
  const connectionListeners: Array<(connected: boolean) => void> = [];
  // EventSource reconnects by itself (the server sends `retry:`), e.g. after `handoff ui` is restarted on the same port.
  const source = new EventSource(eventsUrl());
  const deliver = (event: UiEvent): void => {
    for (const listener of [...listeners]) listener(event);
  };
  const dispatch = (message: MessageEvent<string>): void => deliver(JSON.parse(message.data) as UiEvent);
  for (const type of ['run', 'removed', 'log', 'resync']) source.addEventListener(type, dispatch as EventListener);
  let opened = false;
  source.addEventListener('open', () => {
    // Back after a break: whatever happened meanwhile was not sent here, so the pages read it again.
    if (opened) deliver({ type: 'resync', reason: 'the event stream reconnected' });
    opened = true;
    connectionListeners.forEach((l) => l(true));
  });
  source.addEventListener('error', () => connectionListeners.forEach((l) => l(source.readyState === EventSource.OPEN)));
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onConnection(listener) {
      connectionListeners.push(listener);
      listener(source.readyState === EventSource.OPEN);
    },
  };
}
