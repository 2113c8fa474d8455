// A log panel that shows the end of a run's log and then appends new lines as the server streams them, by byte offset.
import type { LogChunk } from '../api-types.js';
import type { ProjectApi } from './api-client.js';
import { h } from './create-element.js';
import type { LiveEvents } from './live-events.js';

/** How much of a long log is shown at first; earlier lines can be loaded with a click. */
const FIRST_TAIL_BYTES = 256 * 1024;
/** After dropped events, a gap larger than this is skipped: the log jumps to its end with a note, not through it all. */
const SKIP_GAP_OVER_BYTES = 1024 * 1024;

export interface LogView {
  element: HTMLElement;
  /** Reads whatever was written since the last chunk (after the run ended, or after a missed event). */
  catchUp(): Promise<void>;
  dispose(): void;
}

function lineClass(line: string): string {
  if (/\b(ERROR|CRITICAL)\b/.test(line)) return 'log-line log-error';
  if (/\bWARNING\b/.test(line)) return 'log-line log-warning';
  if (/\bDEBUG\b/.test(line)) return 'log-line log-debug';
  return 'log-line';
}

export function createLogView(api: ProjectApi, runId: string, stream: string, live: LiveEvents | undefined): LogView {
  const pre = h('pre', { class: 'log', tabindex: 0, 'data-stream': stream });
  const note = h('div', { class: 'log-note' });
  const element = h('div', { class: 'log-panel' }, note, pre);
  let end = 0;
  let pending = '';
  let fetching: Promise<void> | undefined;
  let disposed = false;

  const atBottom = (): boolean => pre.scrollHeight - pre.scrollTop - pre.clientHeight < 40;

  const append = (text: string, flush: boolean): void => {
    const follow = atBottom();
    const parts = (pending + text).split('\n');
    pending = parts.pop() ?? '';
    if (flush && pending) {
      parts.push(pending);
      pending = '';
    }
    const fragment = document.createDocumentFragment();
    for (const line of parts) fragment.append(h('span', { class: lineClass(line) }, `${line}\n`));
    pre.append(fragment);
    if (follow) pre.scrollTop = pre.scrollHeight;
  };

  const take = (chunk: LogChunk, flush: boolean): void => {
    append(chunk.text, flush);
    end = chunk.end;
  };

  /** One read at a time; events that arrive meanwhile are read again afterwards, from the offset reached. */
  let missed = false;
  const exclusive = (work: () => Promise<void>): Promise<void> => {
    fetching ??= (async () => {
      try {
        await work();
      } finally {
        fetching = undefined;
      }
      if (missed && !disposed) {
        missed = false;
        await catchUp();
      }
    })();
    return fetching;
  };

  /** After dropped events: a small gap is read whole; a large one is skipped to the log's end, with a note that says so. */
  const resync = (): Promise<void> =>
    exclusive(async () => {
      const next = await api.log(runId, stream, { offset: end });
      if (disposed) return;
      if (next.size - end <= SKIP_GAP_OVER_BYTES) {
        take(next, next.end >= next.size);
        if (next.end < next.size && next.end !== next.start) missed = true;
        return;
      }
      const tail = await api.log(runId, stream, { tail: FIRST_TAIL_BYTES });
      if (disposed) return;
      append('', true);
      pre.append(h('span', { class: 'log-line log-skipped', 'data-skipped': String(tail.start - end) }, `… ${Math.round((tail.start - end) / 1024)} KiB skipped here while this page was not keeping up …\n`));
      note.replaceChildren('Part of the log was skipped while this page was not keeping up. ', h('button', { class: 'button button-quiet', onclick: () => void loadAll() }, 'Show the whole log'));
      take(tail, tail.end >= tail.size);
      pre.scrollTop = pre.scrollHeight;
    });

  const catchUp = (): Promise<void> =>
    exclusive(async () => {
      for (;;) {
        const chunk = await api.log(runId, stream, { offset: end });
        if (disposed) return;
        take(chunk, chunk.end >= chunk.size);
        if (chunk.end >= chunk.size || chunk.end === chunk.start) break;
      }
    });

  const loadFirst = (): Promise<void> =>
    exclusive(async () => {
      const chunk = await api.log(runId, stream, { tail: FIRST_TAIL_BYTES });
      if (disposed) return;
      if (chunk.start > 0) {
        note.replaceChildren(
          `The first ${Math.round(chunk.start / 1024)} KiB are not shown. `,
          h('button', { class: 'button button-quiet', onclick: () => void loadAll() }, 'Show the whole log'),
        );
      }
      take(chunk, chunk.end >= chunk.size);
      if (chunk.size === 0) pre.dataset.empty = 'true';
      pre.scrollTop = pre.scrollHeight;
    });

  const loadAll = async (): Promise<void> => {
    await fetching;
    pre.replaceChildren();
    note.replaceChildren();
    pending = '';
    end = 0;
    await catchUp();
  };

  const unsubscribe = live?.subscribe((event) => {
    if (event.type === 'resync') {
      // Log events were dropped: read on from the offset reached (or jump to the end when much was missed).
      if (fetching) missed = true;
      else void resync();
      return;
    }
    if (event.type !== 'log' || event.runId !== runId || event.stream !== stream) return;
    delete pre.dataset.empty;
    if (fetching) {
      missed = true;
      return;
    }
    if (event.start === end) take(event, false);
    else if (event.end > end) void catchUp();
  });

  void loadFirst().catch((error: Error) => note.replaceChildren(h('span', { class: 'warning-text' }, `Could not read the log: ${error.message}`)));

  return {
    element,
    catchUp,
    dispose() {
      disposed = true;
      unsubscribe?.();
    },
  };
}
