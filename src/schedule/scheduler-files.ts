// Keeps the scheduler's own files (fires.jsonl, scheduler.log) from growing without limit: each is rotated at a size,
// keeping one previous file beside it (`<name>.1`).
import fs from 'node:fs';

/** fires.jsonl is moved aside at this size (about 5,000 records; `scheduler status` and the UI read the last 500 at most). */
export const FIRES_MAX_BYTES = 1024 * 1024;
/** scheduler.log is moved aside at this size. */
export const LOG_MAX_BYTES = 10 * 1024 * 1024;

export function previousFileOf(file: string): string {
  return `${file}.1`;
}

/**
 * Moves `file` to `<file>.1` (replacing the one there) once it holds `maxBytes` or more, for a file written by opening
 * it anew each time (fires.jsonl). A rename: a reader sees the whole old file or the new one, never half of either.
 */
export function rotateFileIfFull(file: string, maxBytes: number): void {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    return;
  }
  if (size >= maxBytes) fs.renameSync(file, previousFileOf(file));
}

/**
 * The same for a log that a process holds open as `fd` (the background scheduler's stderr, opened for appending): a
 * rename would leave it writing to the old file, so it is copied to `<file>.1` and emptied in place. Only when `fd` is
 * that very file: a foreground scheduler whose stderr the user sent to a file of their own leaves it alone.
 */
export function rotateOpenLogIfFull(fd: number, file: string, maxBytes: number): void {
  const open = fs.fstatSync(fd);
  if (!open.isFile() || open.size < maxBytes) return;
  let named: fs.Stats;
  try {
    named = fs.statSync(file);
  } catch {
    return;
  }
  if (named.dev !== open.dev || named.ino !== open.ino) return;
  fs.copyFileSync(file, previousFileOf(file));
  fs.ftruncateSync(fd, 0);
}

/** The last `limit` lines of `file`, reaching into `<file>.1` when the file itself has fewer (just after a rotation). */
export function readLastLines(file: string, limit: number): string[] {
  const lines = readLines(file);
  if (lines.length >= limit) return lines.slice(-limit);
  return [...readLines(previousFileOf(file)), ...lines].slice(-limit);
}

function readLines(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
