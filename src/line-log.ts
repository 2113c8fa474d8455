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
 * "Sixth round"). A batch is one write; `onError` hears of the first failure (a full disk), after which lines are
 * dropped, so a log that cannot be written never crashes a run.
 */
export function openLineLog(file: string, onError: (error: NodeJS.ErrnoException) => void): LineLog {
  let stream: fs.WriteStream | undefined;
  let batch = '';
  let flushing: NodeJS.Immediate | undefined;
  let failed = false;

  const flush = (): void => {
    if (flushing) clearImmediate(flushing);
    flushing = undefined;
    if (batch === '' || failed) return;
    if (!stream) {
      stream = fs.createWriteStream(file, { flags: 'a' });
      stream.on('error', (error: NodeJS.ErrnoException) => {
        if (failed) return;
        failed = true;
        onError(error);
      });
    }
    stream.write(batch);
    batch = '';
  };

  return {
    write(line) {
      if (failed) return;
      batch += `${line}\n`;
      if (batch.length >= BATCH_CHARS) flush();
      else flushing ??= setImmediate(flush);
    },
    close() {
      flush();
      const open = stream;
      if (!open || open.closed) return Promise.resolve();
      return new Promise((resolve) => {
        open.once('close', () => resolve());
        open.end();
      });
    },
  };
}
