// Writes a running run's record on libuv's thread pool, in order: one write at a time, the newest state next.
import fs from 'node:fs';
import { removeFile } from '../remove-file.js';

/**
 * Why off the main thread: renaming a new file over the record makes ext4 flush the new file's data first
 * (auto_da_alloc), 5–12 ms of waiting on a loaded machine for 0.3 ms of CPU. Made with the sync calls, a foreach's
 * main thread waited that long about once a second instead of answering its worker (docs/benchmarks.md, "Twenty-fourth
 * round"). Here the text is made on the main thread when a write starts (so it is the record as it is then), and the
 * file is written and renamed on the thread pool. At most one write is in flight and one is due: asked for while one is
 * in flight, the next write starts once it is done, with the state of that moment, so the newest state lands last.
 * Every write is still a new file renamed over the record: a reader, or a crash, never sees half a record.
 */
export class RecordWriteQueue {
  private running = false;
  private due = false;
  private done: Promise<void> = Promise.resolve();

  /**
   * `textOf` gives the record's text as it is now (undefined: nothing to write any more, e.g. the run's final record is
   * written already); it may throw (then `onError`). `afterEach` is told after each write, whether it went well or not.
   * `stillWanted` is asked once the temp file is written, before it is renamed over the record: no (the final record
   * was written meanwhile) removes the temp file instead, so an older state does not land over the final record.
   */
  constructor(
    private readonly file: string,
    private readonly textOf: () => string | undefined,
    private readonly onError: (error: unknown) => void,
    private readonly afterEach: () => void = () => undefined,
    private readonly stillWanted: () => boolean = () => true,
  ) {}

  /** Whether a write is in flight (its rename may still land). */
  get busy(): boolean {
    return this.running;
  }

  /** Asks for a write of the record as it is when the write starts: now, or right after the one in flight. */
  request(): void {
    if (this.running) {
      this.due = true;
      return;
    }
    this.running = true;
    this.done = this.writeWhileDue();
  }

  /** Resolves once no write is in flight or due. */
  async settled(): Promise<void> {
    while (this.running) await this.done;
  }

  private async writeWhileDue(): Promise<void> {
    try {
      do {
        this.due = false;
        let text: string | undefined;
        try {
          text = this.textOf();
        } catch (error) {
          this.onError(error);
          continue;
        }
        if (text === undefined) return;
        // Not the temp file of writeRunRecord (`<record>.<pid>.tmp`): the run's final write is made with the sync calls
        // and may come while this one is in flight.
        const temp = `${this.file}.${process.pid}.live.tmp`;
        try {
          await writeThenRename(temp, this.file, text, this.stillWanted);
        } catch (error) {
          // A half-written temp file (disk full) must not be left beside the record.
          try {
            removeFile(temp);
          } catch {
            // An unwritable folder: there is no temp file either.
          }
          this.onError(error);
        }
        this.afterEach();
      } while (this.due);
    } finally {
      // In the same turn as the last check of `due`, not in a callback chained on this promise: a request() made in a
      // microtask between the two would set `due` on a loop that has ended, and its write would be lost.
      this.running = false;
    }
  }
}

/**
 * fs.writeFile, then fs.rename (unless no longer wanted: then the temp file is removed), with the callback API:
 * fs.promises would load Node's fs/promises into every run.
 */
function writeThenRename(temp: string, file: string, text: string, stillWanted: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.writeFile(temp, text, (error) => {
      if (error) reject(error);
      else if (!stillWanted()) fs.unlink(temp, () => resolve());
      else fs.rename(temp, file, (renameError) => (renameError ? reject(renameError) : resolve()));
    });
  });
}
