// Removes one file if it is there: what `fs.rmSync(file, { force: true })` does, in less of a run's memory.
import fs from 'node:fs';

/**
 * Removes `file` (a file, a link, a FIFO); nothing happens if it is not there. Not `fs.rmSync`: on Node.js 20 every
 * call of it loads Node's recursive remover, and with it fs/promises, readline and the fs watchers, 0.5 MB of the peak
 * memory of every run, which removes only single files. A folder is refused (EISDIR), as `fs.rmSync` without
 * `recursive` refuses it.
 */
export function removeFile(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
