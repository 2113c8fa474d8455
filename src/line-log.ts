// A log file that lines are appended to in batches, so a process's stderr lines cost one file write per batch.
import fs from 'node:fs';

/** A batch is written once it holds this many characters, or at the end of the event loop turn that filled it. */
const BATCH_CHARS = 64 * 1024;

export interface LineLog {
  /** Appends one line (a newline is added). Lines written after the file failed are dropped. */
  write(line: string): void;
  /** Writes what is left and closes the file; resolves when it is closed (at once if nothing was ever written). */
  close(): Promise<void>;
}

/**
 * Opens `file` for appending at the first batch (most commands write no stderr: no file is opened for them). A
 * stream write per line would keep a Buffer and a request object per line queued in memory while the disk caught up:
 * a command writing 1.5 million short stderr lines as fast as it can took handoff to 466 MB (docs/benchmarks.md,
 * "Sixth round"). A batch is one write; lines that come while a write is under way join the next batch, so memory
 * holds at most what arrives during one write. `onError` hears of the first failure (a full disk), after which lines
 * are dropped, so a log that cannot be written never crashes a run.
 *
 * Plain `fs.open`/`fs.write`, not `fs.createWriteStream`: on Node.js 20 the first file stream loads fs/promises,
 * readline and the fs watchers with it, 0.5 MB of the peak memory of every run whose commands write any stderr.
 */
export function openLineLog(file: string, onError: (error: NodeJS.ErrnoException) => void): LineLog {
  const log = openBatchedLog(file, onError, 'utf8');
  return { write: (line) => log.write(`${line}\n`), close: () => log.close() };
}

/** A log of bytes as they came (a process's stderr, kept byte for byte): no newline is added. */
export interface ByteLog {
  /** Appends bytes held as latin1 text (one character per byte). Dropped after the file failed. */
  write(bytes: string): void;
  close(): Promise<void>;
}

/** openLineLog's batched appends, for bytes held as latin1 text (see ByteLog). */
export function openByteLog(file: string, onError: (error: NodeJS.ErrnoException) => void): ByteLog {
  return openBatchedLog(file, onError, 'latin1');
}

/** Appends text to `file` in batches (see openLineLog), encoded as `encoding` when written. */
function openBatchedLog(file: string, onError: (error: NodeJS.ErrnoException) => void, encoding: 'utf8' | 'latin1'): { write(text: string): void; close(): Promise<void> } {
  let fd: number | undefined;
  let batch = '';
  let flushing: NodeJS.Immediate | undefined;
  /** The file is being opened, written or closed: new lines wait in `batch`. */
  let busy = false;
  let failed = false;
  let closing = false;
  let closed = false;
  const whenClosed: (() => void)[] = [];

  const finish = (): void => {
    if (closed) return;
    if (fd === undefined) return done();
    busy = true;
    fs.close(fd, () => done());
    fd = undefined;
  };
  const done = (): void => {
    closed = true;
    for (const resolve of whenClosed.splice(0)) resolve();
  };
  const fail = (error: NodeJS.ErrnoException): void => {
    busy = false;
    failed = true;
    batch = '';
    onError(error);
    if (closing) finish();
  };
  const writeAll = (data: Buffer, from: number): void => {
    fs.write(fd as number, data, from, data.length - from, null, (error, written) => {
      if (error) return fail(error);
      if (from + written < data.length) return writeAll(data, from + written);
      busy = false;
      pump();
    });
  };
  /** Starts the next step: open the file, write what has gathered, or close once all is written. */
  const pump = (): void => {
    if (busy || failed) return;
    if (batch === '') {
      if (closing) finish();
      return;
    }
    busy = true;
    if (fd === undefined) {
      fs.open(file, 'a', (error, opened) => {
        if (error) return fail(error);
        fd = opened;
        busy = false;
        pump();
      });
      return;
    }
    const data = Buffer.from(batch, encoding);
    batch = '';
    writeAll(data, 0);
  };
  const flush = (): void => {
    if (flushing) clearImmediate(flushing);
    flushing = undefined;
    pump();
  };

  return {
    write(text) {
      if (failed || closing) return;
      batch += text;
      if (batch.length >= BATCH_CHARS) flush();
      else flushing ??= setImmediate(flush);
    },
    close() {
      if (!closing) {
        closing = true;
        flush();
        if (!busy) finish();
      }
      if (closed) return Promise.resolve();
      return new Promise((resolve) => whenClosed.push(resolve));
    },
  };
}
