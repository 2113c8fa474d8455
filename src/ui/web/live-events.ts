// The page's one connection to the server's event stream; pages subscribe while they are shown.
import type { UiEvent } from '../api-types.js';

type Listener = (event: UiEvent) => void;

export interface LiveEvents {
  subscribe(listener: Listener): () => void;
  onConnection(listener: (connected: boolean) => void): void;
}

export function connectLiveEvents(): LiveEvents {
  const listeners = new Set<Listener>();
  const connectionListeners: Array<(connected: boolean) => void> = [];
  // EventSource reconnects by itself (the server sends `retry:`), e.g. after `handoff ui` is restarted on the same port.
  const source = new EventSource('/api/events');
  const dispatch = (message: MessageEvent<string>): void => {
    const event = JSON.parse(message.data) as UiEvent;
    for (const listener of [...listeners]) listener(event);
  };
  for (const type of ['run', 'removed', 'log']) source.addEventListener(type, dispatch as EventListener);
  source.addEventListener('open', () => connectionListeners.forEach((l) => l(true)));
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
