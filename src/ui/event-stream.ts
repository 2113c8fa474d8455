// Server-Sent Events: keeps the open /api/events responses and sends every UI event to each of them.
import type { ServerResponse } from 'node:http';
import type { UiEvent } from './api-types.js';

export interface EventStream {
  /** Takes over the response: headers, a retry hint, keep-alive comments until the client goes away. */
  attach(response: ServerResponse): void;
  send(event: UiEvent): void;
  readonly clientCount: number;
  close(): void;
}

/** Proxies and idle timeouts close quiet connections; a comment line now and then keeps the stream open. */
const KEEPALIVE_MS = 15_000;

export function createEventStream(maskText: (text: string) => string): EventStream {
  const clients = new Set<ServerResponse>();
  const keepalive = setInterval(() => {
    for (const client of clients) client.write(': keep-alive\n\n');
  }, KEEPALIVE_MS);
  keepalive.unref();

  return {
    attach(response) {
      response.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      // The browser reconnects by itself after this many milliseconds when the stream breaks.
      response.write('retry: 2000\n\n');
      clients.add(response);
      response.on('close', () => clients.delete(response));
    },
    send(event) {
      if (clients.size === 0) return;
      // JSON has no raw newlines, so one `data:` line carries the whole event.
      const frame = `event: ${event.type}\ndata: ${maskText(JSON.stringify(event))}\n\n`;
      for (const client of clients) client.write(frame);
    },
    get clientCount() {
      return clients.size;
    },
    close() {
      clearInterval(keepalive);
      for (const client of clients) client.end();
      clients.clear();
    },
  };
}
