// Server-Sent Events: keeps the open /api/events responses and sends every UI event to each of them, holding at most
// a bounded amount for a client that reads slowly or not at all.
import type { ServerResponse } from 'node:http';
import type { UiEvent } from './api-types.js';
import { maskedJson } from './http-basics.js';

export interface EventStream {
  /**
   * Takes over the response: headers, a retry hint, keep-alive comments until the client goes away. With `isValid`,
   * the stream is ended at the next keep-alive once it says no (the session behind it ended).
   */
  attach(response: ServerResponse, isValid?: () => boolean): void;
  /** Whether another client may attach (the number of open streams is bounded). */
  readonly full: boolean;
  send(event: UiEvent): void;
  readonly clientCount: number;
  close(): void;
}

export interface EventStreamLimits {
  /** Bytes written to a client but not yet taken by its socket, above which its events are dropped. */
  maxBufferedBytes?: number;
  maxClients?: number;
  /** Shared by several streams (the team server's projects): their open clients together stay within `max`. */
  pool?: { open: number; max: number };
}

/** Proxies and idle timeouts close quiet connections; a comment line now and then keeps the stream open. */
const KEEPALIVE_MS = 15_000;
/** How often the streams of sessions are checked for a session that ended. */
const VALIDITY_CHECK_MS = 1000;
/** A few of the largest events (256 KiB of log text): a client that reads at all never loses one. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** One person's browser tabs, with room to spare; each open stream holds at most MAX_BUFFERED_BYTES. */
const MAX_CLIENTS = 64;

interface Client {
  response: ServerResponse;
  isValid?: () => boolean;
  /** Events were dropped since the client last took everything: it gets a `resync` once it has caught up. */
  behind: boolean;
}

export function createEventStream(maskText: (text: string) => string, limits: EventStreamLimits = {}): EventStream {
  const maxBuffered = limits.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
  const maxClients = limits.maxClients ?? MAX_CLIENTS;
  const clients = new Set<Client>();

  /**
   * Writes unless the client holds too much already. Node keeps whatever the socket cannot take in memory, so a client
   * that stopped reading (a laptop asleep, a stuck tab) would otherwise grow this process by everything a run logs.
   * Its events are dropped instead; when its socket has drained it is told to re-read what it shows (logs by offset).
   */
  const write = (client: Client, frame: string): void => {
    const { response } = client;
    if (client.behind) return;
    if (response.writableLength > 0 && response.writableLength + frame.length > maxBuffered) {
      client.behind = true;
      const resync = (): void => {
        client.behind = false;
        response.write(`event: resync\ndata: ${JSON.stringify({ type: 'resync', reason: 'events were dropped while this client was not reading' } satisfies UiEvent)}\n\n`);
      };
      if (response.writableNeedDrain) response.once('drain', resync);
      else setImmediate(resync);
      return;
    }
    response.write(frame);
  };

  const keepalive = setInterval(() => {
    for (const client of clients) write(client, ': keep-alive\n\n');
  }, KEEPALIVE_MS);
  keepalive.unref();
  // A stream whose session ended (logout, expiry, account removed) is closed within a second.
  const validity = setInterval(() => {
    for (const client of clients) if (client.isValid && !client.isValid()) client.response.end();
  }, VALIDITY_CHECK_MS);
  validity.unref();

  return {
    attach(response, isValid) {
      response.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      // The browser reconnects by itself after this many milliseconds when the stream breaks.
      response.write('retry: 2000\n\n');
      const client: Client = { response, behind: false, isValid };
      clients.add(client);
      if (limits.pool) limits.pool.open += 1;
      response.on('close', () => {
        if (clients.delete(client) && limits.pool) limits.pool.open -= 1;
      });
    },
    get full() {
      return clients.size >= maxClients || (limits.pool !== undefined && limits.pool.open >= limits.pool.max);
    },
    send(event) {
      // Nobody would get it (no client, or all behind): skip the masking and the copy of up to 256 KiB of text.
      if (![...clients].some((client) => !client.behind)) return;
      // JSON has no raw newlines, so one `data:` line carries the whole event.
      const frame = `event: ${event.type}\ndata: ${maskedJson(event, maskText)}\n\n`;
      for (const client of clients) write(client, frame);
    },
    get clientCount() {
      return clients.size;
    },
    close() {
      clearInterval(keepalive);
      clearInterval(validity);
      for (const client of clients) client.response.end();
      if (limits.pool) limits.pool.open -= clients.size;
      clients.clear();
    },
  };
}
